import { describe, expect, it } from 'vitest';
import { createTestDatabase } from '../support/database.js';
import { nothingListensOn, signalWithRequestInFlight } from '../support/in-flight.js';
import { startServerProcess } from '../support/server-process.js';

describe('the entry point', () => {
  it('on SIGTERM says not ready, refuses new connections, finishes the request in flight, then exits 0', async () => {
    const database = await createTestDatabase();
    const server = startServerProcess({ ...database.env, NODE_ENV: 'development' });
    try {
      const url = await server.ready();
      await signalWithRequestInFlight(url, async () => {
        server.kill('SIGTERM');
        await expect.poll(() => server.output(), { timeout: 10_000 }).toContain('SIGTERM: draining requests and closing the database');
      });
      expect(await server.exited()).toBe(0);
      expect(await nothingListensOn(url)).toBe('ECONNREFUSED');
    } finally {
      server.kill('SIGKILL');
      await database.drop();
    }
  }, 120_000);
});
