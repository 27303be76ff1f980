import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MyConsentDocument } from '../generated/graphql.js';
import { startTestServer, type TestServer } from '../support/harness.js';

interface ExportedSpan {
  traceId: string;
  spanId: string;
  parentSpanId?: string;
  name: string;
  kind: number;
  attributes: { key: string; value: Record<string, unknown> }[];
}

/** A tiny OTLP/HTTP (JSON) receiver: what an OpenTelemetry Collector would get. */
async function startReceiver(): Promise<{ server: Server; url: string; spans: ExportedSpan[] }> {
  const spans: ExportedSpan[] = [];
  const server = createServer(async (req, res) => {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    if (req.url === '/v1/traces') {
      const body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as {
        resourceSpans: { scopeSpans: { spans: ExportedSpan[] }[] }[];
      };
      for (const resource of body.resourceSpans) for (const scope of resource.scopeSpans) spans.push(...scope.spans);
    }
    res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, spans };
}

const attribute = (span: ExportedSpan, key: string) => {
  const value = span.attributes.find((a) => a.key === key)?.value;
  return value === undefined ? undefined : Object.values(value)[0];
};

describe('tracing, when OTEL_EXPORTER_OTLP_ENDPOINT is set', () => {
  let receiver: Awaited<ReturnType<typeof startReceiver>>;
  let server: TestServer;
  const traceId = '4bf92f3577b34da6a3ce929d0e0e4736';
  const gatewaySpanId = '00f067aa0ba902b7';

  beforeAll(async () => {
    receiver = await startReceiver();
    server = await startTestServer({ env: { OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url } });
    const token = await server.token('traced-user');
    const res = await server.request(MyConsentDocument, {}, { token, headers: { traceparent: `00-${traceId}-${gatewaySpanId}-01` } });
    expect(res.errors).toBeUndefined();
    // Closing the app flushes the batch of spans to the receiver.
    await server.close();
  });
  afterAll(() => new Promise<void>((resolve) => receiver?.server.close(() => resolve())));

  it("joins the gateway's trace: the server span is a child of the traceparent's span", () => {
    const serverSpan = receiver.spans.find((s) => s.name === 'POST /graphql');
    expect(serverSpan).toMatchObject({ traceId, parentSpanId: gatewaySpanId, kind: 2 });
    expect(attribute(serverSpan!, 'http.response.status_code')).toBe(200);
  });

  it('has a span for the GraphQL operation under it, and a span per SQL statement under that', () => {
    const serverSpan = receiver.spans.find((s) => s.name === 'POST /graphql')!;
    const operation = receiver.spans.find((s) => s.name === 'query MyConsent');
    expect(operation).toMatchObject({ traceId, parentSpanId: serverSpan.spanId });
    expect(attribute(operation!, 'graphql.operation.name')).toBe('MyConsent');
    const statements = receiver.spans.filter((s) => s.parentSpanId === operation!.spanId);
    expect(statements.length).toBeGreaterThan(0);
    expect(statements.every((s) => s.traceId === traceId && s.kind === 3)).toBe(true);
    expect(String(attribute(statements[0]!, 'db.query.text'))).toMatch(/^select /);
    // Statement text carries placeholders, never the user id it was asked with.
    expect(JSON.stringify(receiver.spans)).not.toContain('traced-user');
  });
});
