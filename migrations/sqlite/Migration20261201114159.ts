import { Migration } from '@mikro-orm/migrations';

export class Migration20261201114159 extends Migration {
  override async up(): Promise<void> {
    this.addSql(`alter table \`business_messaging_preference\` add column \`policy_version\` text null;`);
    // Preferences recorded before they carried a version are bound to the version their user accepted.
    this.addSql(
      `update \`business_messaging_preference\` set \`policy_version\` = (select s.\`policy_version\` from \`consent_subject\` s where s.\`user_id\` = \`business_messaging_preference\`.\`user_id\`);`,
    );

    this.addSql(`alter table \`consent_choice\` add column \`carried_from\` text null;`);
    this.addSql(`alter table \`consent_choice\` add column \`grant_not_carried_from\` text null;`);

    this.addSql(`alter table \`consent_event\` add column \`carried_from\` text null;`);
  }
}
