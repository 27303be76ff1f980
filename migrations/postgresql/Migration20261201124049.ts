import { Migration } from '@mikro-orm/migrations';

export class Migration20261201124049 extends Migration {
  override async up(): Promise<void> {
    this.addSql(`create index "idempotency_record_created_at_index" on "idempotency_record" ("created_at");`);
  }

  override async down(): Promise<void> {
    this.addSql(`drop index "idempotency_record_created_at_index";`);
  }
}
