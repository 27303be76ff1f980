/**
 * Cross-origin access for browser clients (the hosted Apollo Sandbox, web
 * apps): the `cors` middleware with an allow-list from CORS_ORIGINS. An
 * entry is an exact origin, `scheme://host:*` for any port of that host, or
 * `*`. Bearer tokens travel in a header, never in cookies, so credentials
 * are not allowed. Apollo's CSRF prevention stays on for the requests a
 * browser sends without a preflight.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import cors from 'cors';

const ALLOWED_HEADERS = [
  'authorization',
  'content-type',
  'apollo-require-preflight',
  'x-apollo-operation-name',
  'x-request-id',
  'apollographql-client-name',
  'apollographql-client-version',
  'traceparent',
];

/** Whether `origin` is one of the configured origins. */
export function originMatcher(allowed: readonly string[]): (origin: string) => boolean {
  if (allowed.includes('*')) return () => true;
  const exact = new Set(allowed.filter((entry) => !entry.endsWith(':*')).map((entry) => entry.toLowerCase()));
  const anyPort = allowed.filter((entry) => entry.endsWith(':*')).map((entry) => entry.slice(0, -2).toLowerCase());
  return (given) => {
    const origin = given.toLowerCase();
    if (exact.has(origin)) return true;
    return anyPort.some((base) => origin === base || (origin.startsWith(`${base}:`) && /^\d{1,5}$/.test(origin.slice(base.length + 1))));
  };
}

/** Answers preflights itself (true: the response is sent) and adds the CORS headers to everything else. */
export function createCorsHandler(allowed: readonly string[]): (req: IncomingMessage, res: ServerResponse) => Promise<boolean> {
  const allows = originMatcher(allowed);
  const middleware = cors({
    origin: (origin, callback) => callback(null, origin !== undefined && allows(origin)),
    methods: ['GET', 'POST', 'OPTIONS'],
    allowedHeaders: ALLOWED_HEADERS,
    exposedHeaders: ['x-request-id', 'www-authenticate', 'retry-after'],
    maxAge: 600,
    optionsSuccessStatus: 204,
  });
  return (req, res) =>
    new Promise((resolve, reject) => {
      middleware(req, res, (error?: unknown) => (error ? reject(error) : resolve(false)));
      // cors ends a preflight of an allowed origin itself, without calling next.
      if (res.writableEnded) resolve(true);
    });
}
