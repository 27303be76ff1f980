import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  AcceptPolicyDocument,
  DecisionsDocument,
  HistoryDocument,
  MyConsentDocument,
  PropagationDocument,
  UpdateConsentDocument,
} from '../generated/graphql.js';
import { startTestServer, type TestServer } from '../support/harness.js';
import { captureLogs } from '../support/log-capture.js';

const V2016 = '2016-08-25';

/** The value of one sample line of the Prometheus text, or undefined when the series is absent. */
function sample(text: string, series: string): number | undefined {
  const line = text.split('\n').find((l) => l.startsWith(`${series} `));
  return line === undefined ? undefined : Number(line.slice(series.length + 1));
}

describe('observing requests', () => {
  let server: TestServer;
  const { logger, lines } = captureLogs();
  const base = () => server.url.replace(/\/graphql$/, '');
  const requestLines = () => lines.filter((l) => l.msg === 'graphql request');
  const metrics = async () => {
    const res = await fetch(`${base()}/metrics`);
    return { contentType: res.headers.get('content-type'), text: await res.text() };
  };

  beforeAll(async () => {
    server = await startTestServer({ logger });
  });
  afterAll(() => server?.close());

  it('echoes the caller’s x-request-id, and makes one up when there is none or it is refused', async () => {
    const post = (headers: Record<string, string>) =>
      fetch(server.url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...headers },
        body: '{"query":"{ __typename }"}',
      });
    expect((await post({ 'x-request-id': 'gateway-7f3c' })).headers.get('x-request-id')).toBe('gateway-7f3c');
    const made = (await post({})).headers.get('x-request-id');
    expect(made).toMatch(/^[0-9a-f-]{36}$/);
    const refused = await post({ 'x-request-id': 'an id with spaces' });
    expect(refused.status).toBe(400);
    expect(refused.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('logs one JSON line per request with its id, operation, kind of caller, status, duration and statement count', async () => {
    const token = await server.token('log-user');
    await server.request(AcceptPolicyDocument, { input: { version: V2016 } }, { token });
    lines.length = 0;
    server.statements.length = 0;
    await server.request(MyConsentDocument, {}, { token, headers: { 'x-request-id': 'read-1' } });

    expect(requestLines()).toEqual([
      expect.objectContaining({
        level: 'info',
        requestId: 'read-1',
        operation: 'MyConsent',
        operationType: 'query',
        principal: 'user',
        status: 200,
        outcome: 'ok',
        sqlStatements: server.statements.length,
        durationMs: expect.any(Number),
      }),
    ]);
    expect(server.statements.length).toBeGreaterThan(0);
    // The ledger and propagation reads count too.
    for (const [document, requestId] of [
      [HistoryDocument, 'history-1'],
      [PropagationDocument, 'propagation-1'],
    ] as const) {
      lines.length = 0;
      server.statements.length = 0;
      await server.request(document, {}, { token, headers: { 'x-request-id': requestId } });
      expect(server.statements.length).toBeGreaterThan(0);
      expect(requestLines()).toEqual([expect.objectContaining({ requestId, status: 200, sqlStatements: server.statements.length })]);
    }
    // The user's id is personal data: it is not in the log line.
    expect(JSON.stringify(requestLines())).not.toContain('log-user');
  });

  it('names a service caller and the error codes a request met, and logs a refusal as no error', async () => {
    const service = await server.token('ads-graph', 'consent:read');
    lines.length = 0;
    await server.request(UpdateConsentDocument, { input: { choices: [] } }, { token: service, headers: { 'x-request-id': 'svc-1' } });
    expect(requestLines()[0]).toMatchObject({ requestId: 'svc-1', principal: 'service', service: 'ads-graph', errors: ['FORBIDDEN'] });
    expect(requestLines()[0]).toMatchObject({ outcome: 'client_error' });
    expect(lines.filter((l) => l.level === 'error')).toEqual([]);
  });

  it('serves Prometheus metrics that count requests by operation, decisions by reason and writes by outcome', async () => {
    const token = await server.token('metrics-user');
    const before = await metrics();
    expect(before.contentType).toMatch(/^text\/plain; version=0\.0\.4/);
    const withdrawn = 'consent_decisions_total{reason="USER_WITHDRAWN"}';
    const decisionsBefore = sample(before.text, withdrawn) ?? 0;

    await server.request(AcceptPolicyDocument, { input: { version: V2016 } }, { token });
    const change = { input: { choices: [{ purpose: 'facebook.ads', granted: false }], idempotencyKey: 'withdraw-ads-1' } };
    await server.request(UpdateConsentDocument, change, { token });
    await server.request(UpdateConsentDocument, change, { token });
    await server.request(UpdateConsentDocument, { input: { choices: [{ purpose: 'no.such.purpose', granted: false }] } }, { token });
    const decisions = await server.request(DecisionsDocument, { purpose: 'facebook.ads' }, { token });
    const answered = [...decisions.data!.dataSubject.all, ...decisions.data!.dataSubject.filtered];
    expect(decisions.data!.dataSubject.filtered.map((d) => d.reason)).toEqual(['USER_WITHDRAWN']);

    const { text } = await metrics();
    expect(sample(text, 'consent_graphql_requests_total{operation="Decisions",outcome="ok"}')).toBe(1);
    expect(sample(text, 'consent_graphql_request_duration_seconds_count{operation="Decisions",outcome="ok"}')).toBe(1);
    expect(sample(text, 'consent_graphql_requests_total{operation="UpdateConsent",outcome="ok"}')).toBe(3);
    expect(sample(text, withdrawn)).toBe(decisionsBefore + answered.filter((d) => d.reason === 'USER_WITHDRAWN').length);
    expect(sample(text, 'consent_writes_total{operation="updateConsent",outcome="changed"}')).toBe(1);
    expect(sample(text, 'consent_writes_total{operation="updateConsent",outcome="replayed"}')).toBe(1);
    expect(sample(text, 'consent_writes_total{operation="updateConsent",outcome="refused"}')).toBeGreaterThanOrEqual(1);
    expect(sample(text, 'consent_writes_total{operation="acceptPrivacyPolicy",outcome="changed"}')).toBeGreaterThanOrEqual(1);
    expect(text).toMatch(/^nodejs_eventloop_lag_seconds \d/m);
  });

  it('reports the PostgreSQL pool, and no pool for SQLite', async () => {
    const { text } = await metrics();
    const idle = sample(text, 'consent_db_pool_connections_idle');
    if (server.database.dialect === 'postgresql') {
      expect(idle).toBeGreaterThanOrEqual(1);
      expect(sample(text, 'consent_db_pool_waiting')).toBe(0);
    } else {
      expect(idle).toBeUndefined();
    }
  });

  it('keeps client-chosen operation names from growing the metrics without bound', async () => {
    const { text: before } = await metrics();
    expect(before).not.toContain('operation="(other)"');
    for (let i = 0; i < 120; i++) await server.request(`query Probe${i} { __typename }`);
    const { text } = await metrics();
    const names = new Set([...text.matchAll(/consent_graphql_requests_total\{operation="([^"]+)"/g)].map((m) => m[1]));
    expect(names.size).toBeLessThanOrEqual(100 + 3);
    expect(sample(text, 'consent_graphql_requests_total{operation="(other)",outcome="ok"}')).toBeGreaterThan(0);
  });
});

describe('an unexpected failure', () => {
  it('is logged at error level with its stack and the request id', async () => {
    const { logger, lines } = captureLogs();
    const server = await startTestServer({ logger });
    try {
      const token = await server.token('broken');
      await server.app.orm.em.getConnection().execute('drop table consent_choice');
      await server.app.orm.em.getConnection().execute('drop table consent_subject');
      await server.request(MyConsentDocument, {}, { token, headers: { 'x-request-id': 'broken-1' } });
      const errors = lines.filter((l) => l.level === 'error');
      expect(errors).toEqual([expect.objectContaining({ msg: 'internal error', requestId: 'broken-1' })]);
      expect((errors[0]!.err as { stack: string }).stack).toMatch(/consent_subject/);
      expect(lines.find((l) => l.msg === 'graphql request')).toMatchObject({
        requestId: 'broken-1',
        outcome: 'server_error',
        errors: ['INTERNAL_SERVER_ERROR'],
      });
    } finally {
      await server.close();
    }
  });
});

describe('metrics on their own port', () => {
  it('serves /metrics only on METRICS_PORT when it is set', async () => {
    const server = await startTestServer({ env: { METRICS_PORT: '0' } });
    try {
      const address = server.app.metricsServer?.address();
      if (address === null || typeof address !== 'object') throw new Error('the metrics server is not listening');
      const own = await fetch(`http://127.0.0.1:${address.port}/metrics`);
      expect(own.status).toBe(200);
      expect(await own.text()).toContain('consent_graphql_requests_total');
      expect((await fetch(server.url.replace(/\/graphql$/, '/metrics'))).status).toBe(404);
    } finally {
      await server.close();
    }
  });
});
