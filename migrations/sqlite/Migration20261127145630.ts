import { Migration } from '@mikro-orm/migrations';

export class Migration20261127145630 extends Migration {
  override async up(): Promise<void> {
    this.addSql(
      `create table \`business_messaging_preference\` (\`user_id\` text not null, \`business_id\` text not null, \`blocked\` integer not null, \`transactional\` integer null, \`marketing\` integer null, \`updated_at\` datetime not null, primary key (\`user_id\`, \`business_id\`));`,
    );

    this.addSql(
      `create table \`consent_choice\` (\`user_id\` text not null, \`purpose_key\` text not null, \`policy_version\` text not null, \`granted\` integer not null, \`source\` text not null, \`decided_at\` datetime not null, primary key (\`user_id\`, \`purpose_key\`));`,
    );

    this.addSql(
      `create table \`consent_event\` (\`id\` integer not null primary key autoincrement, \`user_id\` text not null, \`consent_version\` integer not null, \`type\` text not null, \`policy_version\` text null, \`purpose_key\` text null, \`choice_group\` text null, \`business_id\` text null, \`setting\` text null, \`previous_value\` text null, \`new_value\` text not null, \`actor\` text not null, \`channel\` text not null, \`occurred_at\` datetime not null, \`request_id\` text not null, \`idempotency_key\` text null);`,
    );
    this.addSql(`create index \`consent_event_user_id_id_index\` on \`consent_event\` (\`user_id\`, \`id\`);`);

    this.addSql(
      `create table \`consent_subject\` (\`user_id\` text not null, \`version\` integer not null, \`policy_version\` text null, \`accepted_at\` datetime null, \`updated_at\` datetime not null, primary key (\`user_id\`));`,
    );

    this.addSql(
      `create table \`idempotency_record\` (\`user_id\` text not null, \`key\` text not null, \`fingerprint\` text not null, \`consent_version\` integer not null, \`user_errors\` json not null, \`created_at\` datetime not null, primary key (\`user_id\`, \`key\`));`,
    );

    this.addSql(
      `create table \`policy_prohibition\` (\`policy_version\` text not null, \`position\` integer not null, \`recipient\` text null, \`data_category\` text not null, primary key (\`policy_version\`, \`position\`));`,
    );

    this.addSql(
      `create table \`policy_purpose\` (\`policy_version\` text not null, \`key\` text not null, \`position\` integer not null, \`title\` text not null, \`description\` text not null, \`recipient\` text not null, \`data_categories\` json not null, \`legal_basis\` text not null, \`control\` text not null, \`default_granted\` integer not null, \`change_window_days\` integer null, \`choice_group\` text null, primary key (\`policy_version\`, \`key\`));`,
    );

    this.addSql(
      `create table \`policy_version\` (\`version\` text not null, \`url\` text null, \`published_at\` datetime not null, \`effective_at\` datetime not null, \`published_by\` text not null, primary key (\`version\`));`,
    );
    this.addSql(`create index \`policy_version_effective_at_index\` on \`policy_version\` (\`effective_at\`);`);

    // The ledger is legal evidence: the database itself refuses to rewrite it.
    this.addSql(
      `create trigger \`consent_event_no_update\` before update on \`consent_event\` begin select raise(abort, 'consent_event is append-only'); end;`,
    );
    this.addSql(
      `create trigger \`consent_event_no_delete\` before delete on \`consent_event\` begin select raise(abort, 'consent_event is append-only'); end;`,
    );
  }
}
