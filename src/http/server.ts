/**
 * The HTTP front of the subgraph on node:http: CORS, the gateway's shared
 * secret, bearer tokens, a body size limit and the safelist, each refusing
 * before Apollo Server parses anything; then Apollo's request handling, and
 * health endpoints. A full framework adds nothing this service needs and
 * costs on the hot path.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { HeaderMap, type ApolloServer } from '@apollo/server';
import type { Principal } from '../auth/principal.js';
import { RefusedRequest } from '../errors.js';
import type { RequestContext } from '../graphql/context.js';
import { REQUEST_ID, type RequestTally } from '../observability/request-tally.js';
import type { GraphQLHttpRequest } from './persisted-documents.js';

export interface HttpHandlerOptions {
  readonly apollo: ApolloServer<RequestContext>;
  readonly context: (principal: Principal | null, tally: RequestTally) => Promise<RequestContext>;
  /** The Authorization header's principal, null when none was sent; throws RefusedRequest. */
  readonly authenticate: (authorization: string | undefined) => Promise<Principal | null>;
  /** Starts observing a GraphQL request: request id, log line, metrics, spans. */
  readonly observe: (req: IncomingMessage, res: ServerResponse, path: string) => RequestTally;
  /** Prometheus text for GET /metrics; null when metrics are off or served on their own port. */
  readonly metrics: (() => Promise<{ contentType: string; body: string }>) | null;
  readonly maxBodyBytes: number;
  /** Readiness: resolves when the database answers. */
  readonly ready: () => Promise<boolean>;
  /** Adds CORS headers; true when it answered a preflight itself. */
  readonly cors: (req: IncomingMessage, res: ServerResponse) => Promise<boolean>;
  /** When set, the header every GraphQL request must carry and a constant-time check of its value. */
  readonly gatewaySecret: { readonly header: string; readonly matches: (given: string | undefined) => boolean } | null;
  /** Operation safelisting: the request with its document from the safelist; throws RefusedRequest. */
  readonly safelist: ((request: GraphQLHttpRequest) => GraphQLHttpRequest) | null;
}

/**
 * The body, read with stream events: an async iterator over the request
 * (for await) costs a few promises per chunk, most of a one-chunk body's cost.
 */
function readBody(req: IncomingMessage, limit: number, tooLarge: () => RefusedRequest): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) {
        // The rest of the body is discarded as it arrives, and the 413 still reaches the client.
        req.off('data', onData).off('end', onEnd).off('close', onClose).resume();
        reject(tooLarge());
        return;
      }
      chunks.push(chunk);
    };
    const onEnd = () => {
      req.off('close', onClose);
      resolve(chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks, size));
    };
    // A client that goes away mid-body: an error, or at least a close before the end.
    const onClose = () => reject(new Error('The request closed before its body ended.'));
    req.on('data', onData).on('end', onEnd).on('error', reject).on('close', onClose);
  });
}

async function readJsonBody(req: IncomingMessage, headers: HeaderMap, limit: number): Promise<unknown> {
  const tooLarge = () => new RefusedRequest('BAD_REQUEST', `Request body exceeds ${limit} bytes.`, 413);
  const declared = Number(req.headers['content-length'] ?? 0);
  if (declared > limit) throw tooLarge();
  const raw = (await readBody(req, limit, tooLarge)).toString('utf8');
  if (raw.length === 0 || !(headers.get('content-type') ?? '').includes('json')) return raw;
  try {
    return JSON.parse(raw);
  } catch {
    throw new RefusedRequest('BAD_REQUEST', 'Request body is not valid JSON.', 400);
  }
}

function sendJson(res: ServerResponse, status: number, body: unknown, headers: Readonly<Record<string, string>> = {}): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { ...headers, 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(text) });
  res.end(text);
}

export function sendMetrics(res: ServerResponse, metrics: { contentType: string; body: string }): void {
  res.writeHead(200, { 'content-type': metrics.contentType, 'content-length': Buffer.byteLength(metrics.body) });
  res.end(metrics.body);
}

const GRAPHQL_PATH = { pathname: '/graphql', search: '' } as const;

export function createHttpHandler(options: HttpHandlerOptions) {
  return async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    // Gateways post to the bare path; parsing it as a URL would say the same, slower.
    const url = req.url === '/graphql' ? GRAPHQL_PATH : new URL(req.url ?? '/', 'http://localhost');
    if (url.pathname === '/health') return sendJson(res, 200, { status: 'ok' });
    if (url.pathname === '/ready') {
      const ok = await options.ready().catch(() => false);
      return sendJson(res, ok ? 200 : 503, { status: ok ? 'ready' : 'database unavailable' });
    }
    if (url.pathname === '/metrics' && options.metrics) return sendMetrics(res, await options.metrics());
    if (url.pathname !== '/graphql' && url.pathname !== '/') return sendJson(res, 404, { error: 'not found' });
    const tally = options.observe(req, res, url.pathname);

    if (await options.cors(req, res)) return;
    // A preflight from an origin not on the list: answered, without the headers that would allow it.
    if (req.method === 'OPTIONS') {
      res.writeHead(204, { 'content-length': '0' });
      res.end();
      return;
    }

    const headers = new HeaderMap();
    for (const [name, value] of Object.entries(req.headers)) {
      if (value !== undefined) headers.set(name, Array.isArray(value) ? value.join(', ') : value);
    }
    let principal: Principal | null;
    let request: GraphQLHttpRequest;
    try {
      if (options.gatewaySecret && !options.gatewaySecret.matches(headers.get(options.gatewaySecret.header))) {
        throw new RefusedRequest('GATEWAY_SECRET_REQUIRED', 'This subgraph answers only its gateway.', 403);
      }
      const requestId = headers.get('x-request-id');
      if (requestId !== undefined && !REQUEST_ID.test(requestId)) {
        throw new RefusedRequest('BAD_REQUEST', 'x-request-id must be 1 to 128 visible ASCII characters.', 400);
      }
      principal = await options.authenticate(headers.get('authorization'));
      request = { method: req.method ?? 'GET', body: await readJsonBody(req, headers, options.maxBodyBytes), search: url.search };
      if (options.safelist) request = options.safelist(request);
    } catch (error) {
      if (!(error instanceof RefusedRequest)) throw error;
      tally.errorCodes.push(error.code);
      return sendJson(res, error.status, error.toBody(), error.headers);
    }

    const response = await options.apollo.executeHTTPGraphQLRequest({
      httpGraphQLRequest: { ...request, headers },
      context: () => options.context(principal, tally),
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
