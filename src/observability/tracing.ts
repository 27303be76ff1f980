/**
 * OpenTelemetry tracing, built only when the OTEL_* variables turn it on.
 *
 * Spans are parented explicitly (the request's tally carries the operation
 * span) rather than through a global AsyncLocalStorage context manager: on
 * Node 20 the first AsyncLocalStorage.run() switches on promise hooks for the
 * whole process, which costs every request 12-20% (BENCHMARKS.md). Nothing is
 * registered globally and no module is patched, so two apps in one process
 * (tests) trace independently.
 */
import type { IncomingHttpHeaders } from 'node:http';
import { type Context, ROOT_CONTEXT, type Span, SpanKind, SpanStatusCode, type Tracer, trace } from '@opentelemetry/api';
import { W3CTraceContextPropagator } from '@opentelemetry/core';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { detectResources, envDetector, resourceFromAttributes } from '@opentelemetry/resources';
import {
  AlwaysOffSampler,
  AlwaysOnSampler,
  BatchSpanProcessor,
  ConsoleSpanExporter,
  ParentBasedSampler,
  type Sampler,
  TraceIdRatioBasedSampler,
  TracerProvider,
} from '@opentelemetry/sdk-trace';
import type { DatabaseConfig, TracingConfig } from '../config.js';
import type { RequestTally } from './request-tally.js';

const headerGetter = {
  keys: (carrier: IncomingHttpHeaders) => Object.keys(carrier),
  get: (carrier: IncomingHttpHeaders, key: string) => carrier[key],
};

function samplerFor({ name, ratio }: TracingConfig['sampler']): Sampler {
  const root = name.endsWith('always_off')
    ? new AlwaysOffSampler()
    : name.endsWith('traceidratio')
      ? new TraceIdRatioBasedSampler(ratio)
      : new AlwaysOnSampler();
  // parentbased_*: a gateway's sampling decision (the traceparent flag) wins.
  return name.startsWith('parentbased_') ? new ParentBasedSampler({ root }) : root;
}

export interface RequestSpans {
  readonly server: Span;
  readonly operation: Span;
}

export class Tracing {
  private readonly provider: TracerProvider;
  private readonly tracer: Tracer;
  private readonly propagator = new W3CTraceContextPropagator();

  constructor(
    config: TracingConfig,
    private readonly database: DatabaseConfig['dialect'],
  ) {
    const exporter = config.exporter === 'console' ? new ConsoleSpanExporter() : new OTLPTraceExporter({ url: config.url });
    this.provider = new TracerProvider({
      resource: resourceFromAttributes({ 'service.name': 'consent-subgraph' }).merge(detectResources({ detectors: [envDetector] })),
      sampler: samplerFor(config.sampler),
      spanProcessors: [new BatchSpanProcessor({ exporter })],
    });
    this.tracer = this.provider.getTracer('consent-subgraph');
  }

  /** The HTTP server span, joined to the caller's `traceparent`, and the GraphQL operation span under it. */
  startRequest(method: string, path: string, headers: IncomingHttpHeaders): RequestSpans {
    const parent: Context = this.propagator.extract(ROOT_CONTEXT, headers, headerGetter);
    const server = this.tracer.startSpan(
      `${method} ${path}`,
      { kind: SpanKind.SERVER, attributes: { 'http.request.method': method, 'url.path': path, 'http.route': path } },
      parent,
    );
    const operation = this.tracer.startSpan('graphql', { kind: SpanKind.INTERNAL }, trace.setSpan(parent, server));
    return { server, operation };
  }

  /** Names the operation span once Apollo knows the operation (e.g. "query AdsTargeting"). */
  nameOperation(tally: RequestTally): void {
    const span = tally.span;
    if (!span) return;
    if (tally.operationType) span.setAttribute('graphql.operation.type', tally.operationType);
    if (tally.operationName) span.setAttribute('graphql.operation.name', tally.operationName);
    span.updateName(tally.operationType ? `${tally.operationType} ${tally.operationName ?? ''}`.trim() : 'graphql');
  }

  endRequest(spans: RequestSpans, tally: RequestTally, status: number): void {
    const failed = status >= 500 || tally.errorCodes.includes('INTERNAL_SERVER_ERROR');
    if (tally.errorCodes.length > 0) spans.operation.setAttribute('graphql.error.codes', tally.errorCodes);
    spans.operation.setAttribute('db.statements', tally.sqlStatements);
    if (failed) spans.operation.setStatus({ code: SpanStatusCode.ERROR });
    spans.operation.end();
    spans.server.setAttribute('http.response.status_code', status);
    if (status >= 500) spans.server.setStatus({ code: SpanStatusCode.ERROR });
    spans.server.end();
  }

  /**
   * A span for one finished statement, under the request's operation span
   * (statements outside requests are not traced). The text has placeholders,
   * never the values: those are user ids.
   */
  statement(tally: RequestTally | null, sql: string, tookMs: number | undefined): void {
    if (!tally?.span) return;
    const end = Date.now();
    this.tracer
      .startSpan(
        /^\s*(\w+)/.exec(sql)?.[1]?.toUpperCase() ?? 'statement',
        {
          kind: SpanKind.CLIENT,
          startTime: end - (tookMs ?? 0),
          attributes: { 'db.system.name': this.database, 'db.query.text': sql },
        },
        trace.setSpan(ROOT_CONTEXT, tally.span),
      )
      .end(end);
  }

  /** Exports what is buffered, then stops. */
  shutdown(): Promise<void> {
    return this.provider.shutdown();
  }
}
