/**
 * Structured logs: one JSON object per line on stdout (pino), for a log
 * collector to parse; no pretty printing in the process. The ORM's warnings
 * and errors go through the same logger, and its per-statement callback feeds
 * the request's statement count (and, when tracing, a span per statement).
 */
import type { Logger as OrmLogger, LogContext, LoggerNamespace, LoggerOptions as OrmLoggerOptions } from '@mikro-orm/core';
import { pino, type DestinationStream, type Logger } from 'pino';
import type { LogLevel } from '../config.js';
import { RequestTally } from './request-tally.js';

export type { Logger } from 'pino';

export function createLogger(level: LogLevel, destination?: DestinationStream): Logger {
  return pino(
    {
      level,
      base: { service: 'consent-subgraph' },
      // ISO time reads without a converter; pino's default is epoch milliseconds.
      timestamp: pino.stdTimeFunctions.isoTime,
      formatters: { level: (label) => ({ level: label }) },
    },
    destination,
  );
}

/** Sees every statement the ORM runs, with the request's tally when the statement ran for a request. */
export type StatementHook = (sql: string, tookMs: number | undefined, tally: RequestTally | null) => void;

/**
 * MikroORM's logger, built by its `loggerFactory`. Query logging stays off
 * (MikroORM would format every statement); `logQuery` is still called for
 * every statement, and counting there costs one property read.
 */
export class OrmLogAdapter implements OrmLogger {
  constructor(
    private readonly logger: Logger,
    private readonly onStatement: StatementHook | null,
  ) {}

  static factory(logger: Logger, onStatement: StatementHook | null): (options: OrmLoggerOptions) => OrmLogger {
    const child = logger.child({ component: 'orm' });
    return () => new OrmLogAdapter(child, onStatement);
  }

  log(namespace: LoggerNamespace | string, message: string, context?: LogContext): void {
    if (context?.level === 'error') this.error(namespace, message, context);
    else if (context?.level === 'warning') this.warn(namespace, message, context);
    else this.logger.debug({ namespace }, message);
  }

  error(namespace: LoggerNamespace | string, message: string, _context?: LogContext): void {
    this.logger.error({ namespace }, message);
  }

  warn(namespace: LoggerNamespace | string, message: string, _context?: LogContext): void {
    this.logger.warn({ namespace }, message);
  }

  logQuery(context: LogContext): void {
    const tally = context.tally instanceof RequestTally ? context.tally : null;
    if (tally) tally.sqlStatements += 1;
    this.onStatement?.(context.query ?? '', context.took, tally);
  }

  setDebugMode(): void {}

  isEnabled(namespace: LoggerNamespace): boolean {
    // 'deprecated' stays on so upgrade warnings reach the log; statement text is never formatted.
    return namespace === 'deprecated' || (namespace !== 'query' && namespace !== 'query-params' && this.logger.isLevelEnabled('debug'));
  }
}
