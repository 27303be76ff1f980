import { Migration } from '@mikro-orm/migrations';

/**
 * Each version stores its declared vocabulary, and no two versions share an
 * effectiveAt. Versions stored before this carry the 2016 vocabulary plus
 * every name they or an earlier version used: the vocabulary they would have
 * declared, so the rule "it only grows" holds for history too. A database
 * that already holds two versions with one effectiveAt fails this migration
 * on the unique constraint: which of them is live must be settled by a
 * person, not guessed.
 */
export class Migration20261201113556 extends Migration {
  override async up(): Promise<void> {
    this.addSql(`drop index "policy_version_effective_at_index";`);

    this.addSql(`alter table "policy_version" add column "recipients" jsonb null, add column "data_categories" jsonb null;`);
    this.addSql(
      vocabularyUpdate('recipients', '["whatsapp","facebook","businesses","advertisers"]', [
        'select p."recipient" from "policy_purpose" p join "policy_version" e on e."version" = p."policy_version" where e."effective_at" <= v."effective_at"',
        'select b."recipient" from "policy_prohibition" b join "policy_version" e on e."version" = b."policy_version" where e."effective_at" <= v."effective_at" and b."recipient" is not null',
      ]),
    );
    this.addSql(
      vocabularyUpdate('data_categories', '["phone_number","account_info","device_info","usage_data","message_content"]', [
        'select c from "policy_purpose" p join "policy_version" e on e."version" = p."policy_version", jsonb_array_elements_text(p."data_categories") c where e."effective_at" <= v."effective_at"',
        'select b."data_category" from "policy_prohibition" b join "policy_version" e on e."version" = b."policy_version" where e."effective_at" <= v."effective_at"',
      ]),
    );
    this.addSql(`alter table "policy_version" alter column "recipients" set not null, alter column "data_categories" set not null;`);
    this.addSql(`alter table "policy_version" add constraint "policy_version_effective_at_unique" unique ("effective_at");`);
  }

  override async down(): Promise<void> {
    this.addSql(`alter table "policy_version" drop constraint "policy_version_effective_at_unique";`);
    this.addSql(`alter table "policy_version" drop column "recipients", drop column "data_categories";`);
    this.addSql(`create index "policy_version_effective_at_index" on "policy_version" ("effective_at");`);
  }
}

/** Sets `column` of every row to the 2016 names, in their order, then the names `used` up to that row, alphabetically. */
function vocabularyUpdate(column: string, names2016: string, used: readonly string[]): string {
  const ranked = [
    `select j.name, j.rank from jsonb_array_elements_text('${names2016}'::jsonb) with ordinality as j(name, rank)`,
    ...used.map((u) => `select n.name, 1000 from (${u}) as n(name)`),
  ];
  return (
    `update "policy_version" v set "${column}" = (select jsonb_agg(name order by rank, name) from ` +
    `(select name, min(rank) as rank from (${ranked.join(' union all ')}) as names group by name) as ranked);`
  );
}
