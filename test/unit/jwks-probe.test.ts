import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { jwksProblem } from '../../src/auth/jwks-probe.js';

describe('checking the JWKS at start', () => {
  let server: Server;
  let base: string;
  beforeAll(async () => {
    server = createServer((req, res) => {
      if (req.url === '/keys') return res.end(JSON.stringify({ keys: [{ kty: 'OKP', crv: 'Ed25519', x: 'AAAA' }] }));
      if (req.url === '/empty') return res.end(JSON.stringify({ keys: [] }));
      res.statusCode = 500;
      res.end();
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(() => new Promise((resolve) => server.close(resolve)));

  it('finds nothing to say when the endpoint serves keys', async () => {
    expect(await jwksProblem(`${base}/keys`)).toBeNull();
  });

  it('names the variable and the reason when the endpoint fails, is empty or is unreachable', async () => {
    expect(await jwksProblem(`${base}/broken`)).toBe(`JWKS_URL ${base}/broken answered HTTP 500`);
    expect(await jwksProblem(`${base}/empty`)).toBe(`JWKS_URL ${base}/empty holds no keys`);
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const url = `http://127.0.0.1:${(closed.address() as AddressInfo).port}/jwks.json`;
    await new Promise((resolve) => closed.close(resolve));
    expect(await jwksProblem(url)).toBe(`JWKS_URL ${url} is unreachable (ECONNREFUSED)`);
  });
});
