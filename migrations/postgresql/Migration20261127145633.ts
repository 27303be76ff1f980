import { Migration } from '@mikro-orm/migrations';

export class Migration20261127145633 extends Migration {
  override async up(): Promise<void> {
    this.addSql(
      `create table "business_messaging_preference" ("user_id" varchar(255) not null, "business_id" varchar(128) not null, "blocked" boolean not null, "transactional" boolean null, "marketing" boolean null, "updated_at" timestamptz not null, constraint "business_messaging_preference_pkey" primary key ("user_id", "business_id"));`,
    );

    this.addSql(
      `create table "consent_choice" ("user_id" varchar(255) not null, "purpose_key" varchar(128) not null, "policy_version" varchar(64) not null, "granted" boolean not null, "source" varchar(16) not null, "decided_at" timestamptz not null, constraint "consent_choice_pkey" primary key ("user_id", "purpose_key"));`,
    );

    this.addSql(
      `create table "consent_event" ("id" bigserial primary key, "user_id" varchar(255) not null, "consent_version" int not null, "type" varchar(48) not null, "policy_version" varchar(64) null, "purpose_key" varchar(128) null, "choice_group" varchar(128) null, "business_id" varchar(128) null, "setting" varchar(32) null, "previous_value" varchar(64) null, "new_value" varchar(64) not null, "actor" varchar(255) not null, "channel" varchar(32) not null, "occurred_at" timestamptz not null, "request_id" varchar(128) not null, "idempotency_key" varchar(255) null);`,
    );
    this.addSql(`create index "consent_event_user_id_id_index" on "consent_event" ("user_id", "id");`);

    this.addSql(
      `create table "consent_subject" ("user_id" varchar(255) not null, "version" int not null, "policy_version" varchar(64) null, "accepted_at" timestamptz null, "updated_at" timestamptz not null, constraint "consent_subject_pkey" primary key ("user_id"));`,
    );

    this.addSql(
      `create table "idempotency_record" ("user_id" varchar(255) not null, "key" varchar(255) not null, "fingerprint" varchar(64) not null, "consent_version" int not null, "user_errors" jsonb not null, "created_at" timestamptz not null, constraint "idempotency_record_pkey" primary key ("user_id", "key"));`,
    );

    this.addSql(
      `create table "policy_prohibition" ("policy_version" varchar(64) not null, "position" int not null, "recipient" varchar(64) null, "data_category" varchar(64) not null, constraint "policy_prohibition_pkey" primary key ("policy_version", "position"));`,
    );

    this.addSql(
      `create table "policy_purpose" ("policy_version" varchar(64) not null, "key" varchar(128) not null, "position" int not null, "title" varchar(255) not null, "description" text not null, "recipient" varchar(64) not null, "data_categories" jsonb not null, "legal_basis" varchar(32) not null, "control" varchar(16) not null, "default_granted" boolean not null, "change_window_days" int null, "choice_group" varchar(128) null, constraint "policy_purpose_pkey" primary key ("policy_version", "key"));`,
    );

    this.addSql(
      `create table "policy_version" ("version" varchar(64) not null, "url" varchar(2048) null, "published_at" timestamptz not null, "effective_at" timestamptz not null, "published_by" varchar(255) not null, constraint "policy_version_pkey" primary key ("version"));`,
    );
    this.addSql(`create index "policy_version_effective_at_index" on "policy_version" ("effective_at");`);

    // The ledger is legal evidence: the database itself refuses to rewrite it.
    this.addSql(
      `create function "consent_event_append_only"() returns trigger language plpgsql as $$ begin raise exception 'consent_event is append-only'; end $$;`,
    );
    this.addSql(
      `create trigger "consent_event_no_update_or_delete" before update or delete on "consent_event" for each row execute function "consent_event_append_only"();`,
    );
    this.addSql(
      `create trigger "consent_event_no_truncate" before truncate on "consent_event" for each statement execute function "consent_event_append_only"();`,
    );
  }
}
