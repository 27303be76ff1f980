import { Migration } from '@mikro-orm/migrations';

/**
 * Each version stores its declared vocabulary, and no two versions share an
 * effectiveAt. Versions stored before this carry the 2016 vocabulary plus
 * every name they or an earlier version used: the vocabulary they would have
 * declared, so the rule "it only grows" holds for history too.
 */
export class Migration20261201113316 extends Migration {
  override async up(): Promise<void> {
    // SQLite adds a NOT NULL column only with a default, and a default vocabulary would be a silent
    // empty one: rebuild the table instead (nothing references it by foreign key).
    this.addSql(
      `create table \`policy_version_next\` (\`version\` text not null, \`url\` text null, \`published_at\` datetime not null, \`effective_at\` datetime not null, \`published_by\` text not null, \`recipients\` json not null, \`data_categories\` json not null, primary key (\`version\`));`,
    );
    this.addSql(
      `insert into \`policy_version_next\` select \`version\`, \`url\`, \`published_at\`, \`effective_at\`, \`published_by\`, '[]', '[]' from \`policy_version\`;`,
    );
    this.addSql(`drop table \`policy_version\`;`);
    this.addSql(`alter table \`policy_version_next\` rename to \`policy_version\`;`);
    this.addSql(
      vocabularyUpdate('recipients', '["whatsapp","facebook","businesses","advertisers"]', [
        'select p.`recipient` from `policy_purpose` p join `policy_version` e on e.`version` = p.`policy_version` where e.`effective_at` <= `policy_version`.`effective_at`',
        'select b.`recipient` from `policy_prohibition` b join `policy_version` e on e.`version` = b.`policy_version` where e.`effective_at` <= `policy_version`.`effective_at` and b.`recipient` is not null',
      ]),
    );
    this.addSql(
      vocabularyUpdate('data_categories', '["phone_number","account_info","device_info","usage_data","message_content"]', [
        'select c.`value` from `policy_purpose` p join `policy_version` e on e.`version` = p.`policy_version`, json_each(p.`data_categories`) c where e.`effective_at` <= `policy_version`.`effective_at`',
        'select b.`data_category` from `policy_prohibition` b join `policy_version` e on e.`version` = b.`policy_version` where e.`effective_at` <= `policy_version`.`effective_at`',
      ]),
    );
    this.addSql(`create unique index \`policy_version_effective_at_unique\` on \`policy_version\` (\`effective_at\`);`);
  }
}

/** Sets `column` of every row to the 2016 names, in their order, then the names `used` up to that row, alphabetically. */
function vocabularyUpdate(column: string, names2016: string, used: readonly string[]): string {
  const ranked = [
    `select j.\`value\` as name, j.\`key\` as rank from json_each('${names2016}') j`,
    ...used.map((u) => `select n.*, 1000 from (${u}) n`),
  ];
  return (
    `update \`policy_version\` set \`${column}\` = (select json_group_array(name) from ` +
    `(select name, min(rank) as rank from (${ranked.join(' union all ')}) group by name order by rank, name));`
  );
}
