import { Migration } from '@mikro-orm/migrations';

export class Migration20261201124033 extends Migration {
  override async up(): Promise<void> {
    this.addSql(`create index \`idempotency_record_created_at_index\` on \`idempotency_record\` (\`created_at\`);`);
  }
}
