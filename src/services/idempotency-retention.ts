/**
 * Forgets idempotency keys once their retention has passed
 * (IDEMPOTENCY_RETENTION_HOURS). A key is expired when it is older than the
 * retention, counted from the request that first used it, so a change of
 * the setting applies to every stored key at once.
 *
 * Two paths, neither scanning the table: a write that meets its own expired
 * key deletes that one row by primary key (the writer), and this sweep,
 * off the request path on a timer, deletes the rest oldest first through
 * the index on created_at, in short batches so no statement holds locks for
 * long however far behind it is.
 */
import type { MikroORM } from '@mikro-orm/core';
import { forgetIdempotencyRecordsBefore } from '../db/idempotency.repository.js';

export interface SweepOptions {
  /** Rows per delete statement. */
  readonly batchSize?: number;
  /** Statements per sweep; what is left waits for the next one. */
  readonly maxBatches?: number;
}

export class IdempotencyKeyRetention {
  private timer: NodeJS.Timeout | undefined;
  private readonly batchSize: number;
  private readonly maxBatches: number;

  constructor(
    private readonly orm: MikroORM,
    private readonly retentionMs: number,
    private readonly clock: () => Date,
    options: SweepOptions = {},
  ) {
    this.batchSize = options.batchSize ?? 100;
    this.maxBatches = options.maxBatches ?? 100;
  }

  /** Deletes expired keys, oldest first; resolves to how many. */
  async sweep(): Promise<number> {
    const cutoff = new Date(this.clock().getTime() - this.retentionMs);
    const em = this.orm.em.fork();
    let total = 0;
    for (let batch = 0; batch < this.maxBatches; batch++) {
      const deleted = await forgetIdempotencyRecordsBefore(em, cutoff, this.batchSize);
      total += deleted;
      if (deleted < this.batchSize) break;
    }
    return total;
  }

  start(intervalMs: number, onError: (error: unknown) => void): void {
    this.timer = setInterval(() => this.sweep().catch(onError), intervalMs);
    this.timer.unref();
  }

  stop(): void {
    clearInterval(this.timer);
  }
}
