import { Migration } from '@mikro-orm/migrations';

export class Migration20261201125212 extends Migration {
  override async up(): Promise<void> {
    this.addSql(
      `create table \`consent_change_acknowledgement\` (\`consumer\` text not null, \`tx_id\` bigint not null, \`event_id\` bigint not null, \`acknowledged_at\` datetime not null, primary key (\`consumer\`, \`tx_id\`, \`event_id\`));`,
    );

    this.addSql(
      `create table \`consent_change_consumer\` (\`consumer\` text not null, \`principal\` text not null, \`tx_id\` bigint not null, \`event_id\` bigint not null, \`acknowledged_at\` datetime not null, primary key (\`consumer\`));`,
    );

    this.addSql(
      `create table \`consent_change_relay\` (\`stream\` text not null, \`tx_id\` bigint not null, \`event_id\` bigint not null, \`updated_at\` datetime not null, primary key (\`stream\`));`,
    );

    this.addSql(`create table \`consent_change\` (\`event_id\` bigint not null, \`tx_id\` bigint not null, primary key (\`event_id\`));`);
    this.addSql(`create index \`consent_change_tx_id_event_id_index\` on \`consent_change\` (\`tx_id\`, \`event_id\`);`);

    this.addSql(
      `create table \`consent_change_outcome\` (\`user_id\` text not null, \`consent_version\` integer not null, \`decisions\` json not null, \`businesses\` json not null, primary key (\`user_id\`, \`consent_version\`));`,
    );
    // Every ledger event takes its place in the change feed in its own transaction,
    // whatever code recorded it. SQLite serialises writers, so event ids are already
    // in commit order: every position has transaction id 0.
    this.addSql(
      `create trigger \`consent_event_to_change_feed\` after insert on \`consent_event\` begin insert into \`consent_change\` (\`event_id\`, \`tx_id\`) values (new.\`id\`, 0); end;`,
    );
    this.addSql(`insert into \`consent_change\` (\`event_id\`, \`tx_id\`) select \`id\`, 0 from \`consent_event\`;`);
  }
}
