import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../support/harness.js';

describe('the HTTP front', () => {
  let server: TestServer;
  const base = () => server.url.replace(/\/graphql$/, '');

  beforeAll(async () => {
    server = await startTestServer({ env: { MAX_BODY_BYTES: '2048' } });
  });
  afterAll(() => server?.close());

  it('answers /health and, with the database up, /ready', async () => {
    expect(await (await fetch(`${base()}/health`)).json()).toEqual({ status: 'ok' });
    const ready = await fetch(`${base()}/ready`);
    expect([ready.status, await ready.json()]).toEqual([200, { status: 'ready' }]);
  });

  it('refuses a body over MAX_BODY_BYTES with 413 and a typed error', async () => {
    const res = await fetch(server.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ query: `{ __typename }`, padding: 'x'.repeat(4096) }),
    });
    expect(res.status).toBe(413);
    expect((await res.json()).errors[0].extensions.code).toBe('BAD_REQUEST');
  });

  it('refuses malformed JSON with 400 and a typed error', async () => {
    const res = await fetch(server.url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"query": ' });
    expect(res.status).toBe(400);
    expect((await res.json()).errors[0].extensions.code).toBe('BAD_REQUEST');
  });

  it('blocks simple cross-site GET requests (CSRF prevention) but serves them with a preflight header', async () => {
    const blocked = await fetch(`${server.url}?query=${encodeURIComponent('{ __typename }')}`);
    expect(blocked.status).toBe(400);
    const allowed = await fetch(`${server.url}?query=${encodeURIComponent('{ __typename }')}`, {
      headers: { 'apollo-require-preflight': 'true' },
    });
    expect(await allowed.json()).toEqual({ data: { __typename: 'Query' } });
  });
});
