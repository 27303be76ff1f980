/** A JSON-lines logger whose lines a test reads back, parsed. */
import { createLogger, type Logger } from '../../src/observability/logger.js';

export type LogLine = Record<string, unknown> & { readonly level: string; readonly msg: string };

export function captureLogs(level: 'info' | 'debug' | 'warn' = 'info'): { logger: Logger; lines: LogLine[] } {
  const lines: LogLine[] = [];
  const logger = createLogger(level, { write: (line: string) => void lines.push(JSON.parse(line) as LogLine) });
  return { logger, lines };
}
