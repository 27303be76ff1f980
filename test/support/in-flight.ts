/**
 * SIGTERM with a request in flight, observed from raw sockets: a client
 * still uploading its body, an idle keep-alive connection, and a readiness
 * probe begun before the signal and finished after it.
 */
import { once } from 'node:events';
import { connect, type Socket } from 'node:net';
import { expect } from 'vitest';

const QUERY = JSON.stringify({ query: '{ privacyPolicy { version } }' });

async function open(port: number): Promise<Socket> {
  const socket = connect(port, '127.0.0.1');
  await once(socket, 'connect');
  return socket;
}

function collect(socket: Socket): { text(): string; ended: Promise<void> } {
  let text = '';
  socket.setEncoding('utf8');
  socket.on('data', (chunk: string) => {
    text += chunk;
  });
  const ended = new Promise<void>((resolve) => socket.once('close', () => resolve()));
  return { text: () => text, ended };
}

const refused = (port: number) =>
  new Promise<string>((resolve) => {
    const socket = connect(port, '127.0.0.1');
    socket.once('connect', () => {
      socket.destroy();
      resolve('connected');
    });
    socket.once('error', (error: NodeJS.ErrnoException) => resolve(error.code ?? error.message));
  });

/**
 * Sends `signal()` while a POST is half uploaded, then checks: new
 * connections are refused, the idle keep-alive connection is closed,
 * /ready answers 503, and the upload, finished afterwards, gets its 200.
 */
export async function signalWithRequestInFlight(url: string, signal: () => Promise<void>): Promise<void> {
  const port = Number(new URL(url).port);

  const upload = await open(port);
  const uploadReply = collect(upload);
  const half = Math.floor(QUERY.length / 2);
  upload.write(
    `POST /graphql HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: ${QUERY.length}\r\n\r\n${QUERY.slice(0, half)}`,
  );

  const probe = await open(port);
  const probeReply = collect(probe);
  probe.write('GET /ready HTTP/1.1\r\nHost: x\r\n');

  // A full round trip on a third connection, begun after the other two wrote: by its answer the
  // server has read their bytes too (one event loop turn serves every readable socket), so both
  // are requests in progress, not idle connections, when the signal comes.
  const idle = await open(port);
  const idleReply = collect(idle);
  idle.write('GET /health HTTP/1.1\r\nHost: x\r\nConnection: keep-alive\r\n\r\n');
  await expect.poll(() => idleReply.text()).toContain('"status":"ok"');

  await signal();

  await idleReply.ended;
  expect(await refused(port)).toBe('ECONNREFUSED');

  probe.write('\r\n');
  await probeReply.ended;
  expect(probeReply.text()).toMatch(/^HTTP\/1\.1 503 /);
  expect(probeReply.text()).toMatch(/\r\nconnection: close\r\n/i);

  upload.write(QUERY.slice(half));
  await uploadReply.ended;
  expect(uploadReply.text()).toMatch(/^HTTP\/1\.1 200 /);
  expect(uploadReply.text()).toContain('{"data":{"privacyPolicy":{"version":"2016-08-25"}}}');
}

/** Resolves once nothing accepts connections on the port. */
export const nothingListensOn = async (url: string): Promise<string> => refused(Number(new URL(url).port));
