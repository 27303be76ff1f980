import { Migration } from '@mikro-orm/migrations';

export class Migration20261201125236 extends Migration {
  override async up(): Promise<void> {
    this.addSql(
      `create table "consent_change_acknowledgement" ("consumer" varchar(64) not null, "tx_id" bigint not null, "event_id" bigint not null, "acknowledged_at" timestamptz not null, constraint "consent_change_acknowledgement_pkey" primary key ("consumer", "tx_id", "event_id"));`,
    );

    this.addSql(
      `create table "consent_change_consumer" ("consumer" varchar(64) not null, "principal" varchar(255) not null, "tx_id" bigint not null, "event_id" bigint not null, "acknowledged_at" timestamptz not null, constraint "consent_change_consumer_pkey" primary key ("consumer"));`,
    );

    this.addSql(
      `create table "consent_change_relay" ("stream" varchar(64) not null, "tx_id" bigint not null, "event_id" bigint not null, "updated_at" timestamptz not null, constraint "consent_change_relay_pkey" primary key ("stream"));`,
    );

    this.addSql(
      `create table "consent_change" ("event_id" bigint not null, "tx_id" bigint not null, constraint "consent_change_pkey" primary key ("event_id"));`,
    );
    this.addSql(`create index "consent_change_tx_id_event_id_index" on "consent_change" ("tx_id", "event_id");`);

    this.addSql(
      `create table "consent_change_outcome" ("user_id" varchar(255) not null, "consent_version" int not null, "decisions" jsonb not null, "businesses" jsonb not null, constraint "consent_change_outcome_pkey" primary key ("user_id", "consent_version"));`,
    );
    // Every ledger event takes its place in the change feed in its own transaction,
    // whatever code recorded it, stamped with that transaction's id: the feed serves
    // only transactions older than every one of this database still running (docs/architecture.md).
    // Events recorded before the feed existed are all committed: they come first.
    this.addSql(
      `create function "consent_event_to_change_feed"() returns trigger language plpgsql as $$ begin insert into "consent_change" ("event_id", "tx_id") select "id", pg_current_xact_id()::text::bigint from "recorded"; return null; end $$;`,
    );
    this.addSql(
      `create trigger "consent_event_to_change_feed" after insert on "consent_event" referencing new table as "recorded" for each statement execute function "consent_event_to_change_feed"();`,
    );
    this.addSql(`insert into "consent_change" ("event_id", "tx_id") select "id", 0 from "consent_event";`);
  }

  override async down(): Promise<void> {
    this.addSql(`drop trigger if exists "consent_event_to_change_feed" on "consent_event";`);
    this.addSql(`drop function if exists "consent_event_to_change_feed"();`);
    this.addSql(`drop table if exists "consent_change_acknowledgement" cascade;`);

    this.addSql(`drop table if exists "consent_change_consumer" cascade;`);

    this.addSql(`drop table if exists "consent_change_relay" cascade;`);

    this.addSql(`drop table if exists "consent_change" cascade;`);

    this.addSql(`drop table if exists "consent_change_outcome" cascade;`);
  }
}
