/**
 * The HTTP front of the subgraph on node:http: Apollo Server's request
 * handling, a body size limit, and health endpoints. A full framework adds
 * nothing this service needs and costs on the hot path.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { HeaderMap, type ApolloServer } from '@apollo/server';
import type { Principal } from '../auth/principal.js';
import { RefusedRequest, type RequestErrorCode } from '../errors.js';
import type { RequestContext } from '../graphql/context.js';

export interface HttpHandlerOptions {
  readonly apollo: ApolloServer<RequestContext>;
  readonly context: (headers: HeaderMap, principal: Principal | null) => Promise<RequestContext>;
  /** The Authorization header's principal, null when none was sent; throws RefusedRequest. */
  readonly authenticate: (authorization: string | undefined) => Promise<Principal | null>;
  readonly maxBodyBytes: number;
  /** Readiness: resolves when the database answers. */
  readonly ready: () => Promise<boolean>;
}

class BodyTooLarge extends Error {}

async function readBody(req: IncomingMessage, limit: number): Promise<string> {
  const declared = Number(req.headers['content-length'] ?? 0);
  if (declared > limit) throw new BodyTooLarge();
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > limit) throw new BodyTooLarge();
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks).toString('utf8');
}

function sendJson(res: ServerResponse, status: number, body: unknown, headers: Readonly<Record<string, string>> = {}): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { ...headers, 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(text) });
  res.end(text);
}

const badRequest = (message: string) => ({ errors: [{ message, extensions: { code: 'BAD_REQUEST' satisfies RequestErrorCode } }] });

// Stored with every ledger event and echoed in logs: visible ASCII only, the column's length.
const REQUEST_ID = /^[\x21-\x7e]{1,128}$/;

export function createHttpHandler(options: HttpHandlerOptions) {
  return async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const url = new URL(req.url ?? '/', 'http://localhost');
    if (url.pathname === '/health') return sendJson(res, 200, { status: 'ok' });
    if (url.pathname === '/ready') {
      const ok = await options.ready().catch(() => false);
      return sendJson(res, ok ? 200 : 503, { status: ok ? 'ready' : 'database unavailable' });
    }
    if (url.pathname !== '/graphql' && url.pathname !== '/') return sendJson(res, 404, { error: 'not found' });

    const headers = new HeaderMap();
    for (const [name, value] of Object.entries(req.headers)) {
      if (value !== undefined) headers.set(name, Array.isArray(value) ? value.join(', ') : value);
    }
    const requestId = headers.get('x-request-id');
    if (requestId !== undefined && !REQUEST_ID.test(requestId)) {
      return sendJson(res, 400, badRequest('x-request-id must be 1 to 128 visible ASCII characters.'));
    }
    let principal: Principal | null;
    try {
      principal = await options.authenticate(headers.get('authorization'));
    } catch (error) {
      if (!(error instanceof RefusedRequest)) throw error;
      return sendJson(res, error.status, error.toBody(), error.headers);
    }

    let body: unknown;
    try {
      const raw = await readBody(req, options.maxBodyBytes);
      body = raw.length > 0 && (headers.get('content-type') ?? '').includes('json') ? JSON.parse(raw) : raw;
    } catch (error) {
      if (error instanceof BodyTooLarge) return sendJson(res, 413, badRequest(`Request body exceeds ${options.maxBodyBytes} bytes.`));
      return sendJson(res, 400, badRequest('Request body is not valid JSON.'));
    }

    const response = await options.apollo.executeHTTPGraphQLRequest({
      httpGraphQLRequest: { method: req.method ?? 'GET', headers, search: url.search, body },
      context: () => options.context(headers, principal),
    });
    for (const [name, value] of response.headers) res.setHeader(name, value);
    res.statusCode = response.status ?? 200;
    if (response.body.kind === 'complete') {
      res.end(response.body.string);
      return;
    }
    for await (const chunk of response.body.asyncIterator) res.write(chunk);
    res.end();
  };
}
