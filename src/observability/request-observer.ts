/**
 * Observes each GraphQL request from the outside (HTTP: request id, status,
 * duration, spans) and from Apollo's request pipeline (operation, errors),
 * then reports it once: one log line, the metrics, the spans. Apollo hooks
 * used here run once per request, never per field.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { ApolloServerPlugin } from '@apollo/server';
import { isDatabaseUnavailable } from '../db/availability.js';
import { isClientFacing } from '../errors.js';
import type { RequestContext } from '../graphql/context.js';
import type { Logger } from './logger.js';
import type { Metrics, RequestOutcome } from './metrics.js';
import { RequestTally, requestIdFrom } from './request-tally.js';
import type { RequestSpans, Tracing } from './tracing.js';

export interface ObserverDeps {
  readonly logger: Logger;
  readonly metrics: Metrics | null;
  readonly tracing: Tracing | null;
}

const INTERNAL = 'INTERNAL_SERVER_ERROR';

export class RequestObserver {
  constructor(private readonly deps: ObserverDeps) {}

  /**
   * Starts observing one GraphQL request: its id (the caller's
   * `x-request-id`, or a new one) is echoed in the response, and the request
   * is reported when the response closes, whatever path it took (answered,
   * refused early, failed, or abandoned by the client).
   */
  begin(req: IncomingMessage, res: ServerResponse, path: string): RequestTally {
    const tally = new RequestTally(requestIdFrom(req.headers['x-request-id']));
    res.setHeader('x-request-id', tally.requestId);
    const spans = this.deps.tracing?.startRequest(req.method ?? 'GET', path, req.headers) ?? null;
    if (spans) tally.span = spans.operation;
    // 499: the client went away before the answer was written (nginx's convention).
    res.once('close', () => this.finish(tally, res.writableFinished ? res.statusCode : 499, spans));
    return tally;
  }

  private finish(tally: RequestTally, status: number, spans: RequestSpans | null): void {
    const seconds = Number(process.hrtime.bigint() - tally.startedAt) / 1e9;
    const outcome: RequestOutcome =
      status >= 500 || tally.errorCodes.includes(INTERNAL)
        ? 'server_error'
        : status >= 400 || tally.errorCodes.length > 0
          ? 'client_error'
          : 'ok';
    this.deps.metrics?.record(tally, outcome, seconds);
    if (spans) this.deps.tracing?.endRequest(spans, tally, status);
    if (!this.deps.logger.isLevelEnabled('info')) return;
    this.deps.logger.info(
      {
        requestId: tally.requestId,
        operation: tally.operationName,
        operationType: tally.operationType,
        principal: tally.principal,
        ...(tally.service !== null && { service: tally.service }),
        status,
        outcome,
        durationMs: Math.round(seconds * 1e5) / 100,
        sqlStatements: tally.sqlStatements,
        ...(tally.errorCodes.length > 0 && { errors: [...new Set(tally.errorCodes)] }),
        ...(tally.writes.length > 0 && { writes: tally.writes.map((w) => `${w.operation}:${w.outcome}`) }),
        ...(spans && { traceId: spans.server.spanContext().traceId }),
      },
      'graphql request',
    );
  }

  /** Apollo's side: what the operation was and which errors it met (unexpected ones logged with their stack). */
  plugin(): ApolloServerPlugin<RequestContext> {
    const { logger, tracing } = this.deps;
    return {
      async requestDidStart({ contextValue }) {
        const tally = contextValue.tally;
        return {
          async didResolveOperation({ operationName, operation }) {
            tally.operationName = operationName ?? null;
            tally.operationType = operation?.operation ?? null;
            tracing?.nameOperation(tally);
          },
          async didEncounterErrors({ errors }) {
            for (const error of errors) {
              const code = error.extensions?.code;
              if (isClientFacing(code)) {
                tally.errorCodes.push(code as string);
                continue;
              }
              const unavailable = isDatabaseUnavailable(error);
              tally.errorCodes.push(unavailable ? 'DATABASE_UNAVAILABLE' : INTERNAL);
              const details = { err: error.originalError ?? error, requestId: tally.requestId, path: error.path };
              logger.error(details, unavailable ? 'database unavailable' : 'internal error');
            }
          },
        };
      },
    };
  }
}
