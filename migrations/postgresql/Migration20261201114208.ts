import { Migration } from '@mikro-orm/migrations';

export class Migration20261201114208 extends Migration {
  override async up(): Promise<void> {
    this.addSql(`alter table "business_messaging_preference" add column "policy_version" varchar(64) null;`);
    // Preferences recorded before they carried a version are bound to the version their user accepted.
    this.addSql(
      `update "business_messaging_preference" p set "policy_version" = s."policy_version" from "consent_subject" s where s."user_id" = p."user_id";`,
    );
    // Preferences made before versions were recorded on them are bound to the version their user accepted.
    this.addSql(
      `update "business_messaging_preference" p set "policy_version" = s."policy_version" from "consent_subject" s where s."user_id" = p."user_id";`,
    );

    this.addSql(
      `alter table "consent_choice" add column "carried_from" varchar(64) null, add column "grant_not_carried_from" varchar(64) null;`,
    );

    this.addSql(`alter table "consent_event" add column "carried_from" varchar(64) null;`);
  }

  override async down(): Promise<void> {
    this.addSql(`alter table "business_messaging_preference" drop column "policy_version";`);

    this.addSql(`alter table "consent_choice" drop column "carried_from", drop column "grant_not_carried_from";`);

    this.addSql(`alter table "consent_event" drop column "carried_from";`);
  }
}
