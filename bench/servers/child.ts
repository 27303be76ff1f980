/**
 * The bench side of every server process: it reports its port to the parent
 * over IPC, answers stats requests, stops when asked, and exits at once if
 * the parent goes away (so a crashed run leaves no server behind).
 */
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { type DocumentNode, execute, type GraphQLSchema, parse, validate } from 'graphql';

export type ParentMessage = { readonly id: number; readonly type: 'stats' | 'reset' | 'stop' };

export interface ChildHooks {
  readonly stats?: () => Record<string, number>;
  readonly reset?: () => void;
  readonly stop?: () => Promise<void>;
}

export function reportToParent(port: number, hooks: ChildHooks = {}): void {
  const send = (message: unknown) => process.send?.(message);
  process.on('disconnect', () => process.exit(0));
  process.on('message', (raw) => {
    const message = raw as ParentMessage;
    if (message.type === 'stats') send({ id: message.id, ...(hooks.stats?.() ?? {}) });
    else if (message.type === 'reset') {
      hooks.reset?.();
      send({ id: message.id });
    } else if (message.type === 'stop') {
      // process.exit (not a signal) lets --cpu-prof write its profile; the parent waits for the exit.
      (hooks.stop?.() ?? Promise.resolve()).finally(() => process.exit(0));
    }
  });
  send({ type: 'ready', port });
}

export function listenOnLoopback(server: Server): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve((server.address() as AddressInfo).port));
  });
}

export async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

/** The data set the runner seeded: every process regenerates it from the same count and seed. */
export function benchDataSetParameters(): { users: number; seed: number } {
  const users = Number(process.env.BENCH_USERS);
  const seed = Number(process.env.BENCH_SEED);
  if (!Number.isInteger(users) || users < 1 || !Number.isInteger(seed))
    throw new Error('BENCH_USERS and BENCH_SEED are set by the bench runner');
  return { users, seed };
}

/**
 * node:http and graphql-js `execute` on `schema`, with parsed and validated
 * documents cached as Apollo Server caches them: the GraphQL floor, and the
 * bench's stand-in subgraphs.
 */
export function graphqlServer(schema: GraphQLSchema, contextValue: () => unknown = () => undefined): Server {
  const documents = new Map<string, DocumentNode>();
  const documentFor = (query: string): DocumentNode => {
    let document = documents.get(query);
    if (!document) {
      document = parse(query);
      const errors = validate(schema, document);
      if (errors.length > 0) throw errors[0];
      documents.set(query, document);
    }
    return document;
  };
  return createServer((req, res) => {
    readBody(req)
      .then(async (raw) => {
        const body = JSON.parse(raw) as { query: string; variables?: Record<string, unknown> };
        const result = await execute({
          schema,
          document: documentFor(body.query),
          variableValues: body.variables,
          contextValue: contextValue(),
        });
        const text = JSON.stringify(result);
        res.writeHead(200, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(text) });
        res.end(text);
      })
      .catch((error: unknown) => {
        res.writeHead(400, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ errors: [{ message: String(error) }] }));
      });
  });
}
