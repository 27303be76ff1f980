import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MyConsentDocument } from '../generated/graphql.js';
import { startTestServer, type TestServer } from '../support/harness.js';

describe('in production', () => {
  let server: TestServer;
  let token: string;

  beforeAll(async () => {
    server = await startTestServer({ env: { NODE_ENV: 'production' } });
    token = await server.token('alice');
  });
  afterAll(() => server?.close());

  it('refuses introspection but still serves _service { sdl } to the gateway', async () => {
    const introspection = await server.request('{ __schema { types { name } } }', {}, { token });
    expect(introspection.errors?.[0]?.message).toMatch(/introspection/i);
    const sdl = await server.request<{ _service: { sdl: string } }, unknown>('{ _service { sdl } }');
    expect(sdl.data?._service.sdl).toContain('@key(fields: "id")');
  });

  it('serves no Sandbox landing page', async () => {
    const page = await fetch(server.url, { headers: { accept: 'text/html' } });
    const html = await page.text();
    expect(html).toContain('<html');
    expect(html).not.toContain('new window.EmbeddedSandbox');
  });

  it('reports an unexpected failure as INTERNAL_SERVER_ERROR without its message or stack trace', async () => {
    await server.app.orm.em.getConnection().execute('drop table consent_choice');
    await server.app.orm.em.getConnection().execute('drop table consent_subject');
    const res = await server.request(MyConsentDocument, {}, { token });
    expect(res.errors?.[0]).toEqual({
      message: 'Internal server error.',
      path: ['dataSubject', 'consent'],
      locations: expect.any(Array),
      extensions: { code: 'INTERNAL_SERVER_ERROR' },
    });
    expect(JSON.stringify(res)).not.toMatch(/consent_subject|stacktrace/i);
  });
});
