/**
 * Configuration, read from the environment once at boot. Every problem is
 * reported together, so a misconfigured deploy fails with the full list
 * instead of one variable at a time; after that the typed object is trusted.
 */
import path from 'node:path';
import { projectRoot } from './project-root.js';

/** Signs the tokens `npm run token` mints. Never accepted in production. */
export const DEVELOPMENT_JWT_SECRET = 'consent-subgraph-development-secret-not-for-production';

export type JwtKeyConfig =
  | { readonly kind: 'secret'; readonly secret: string }
  | { readonly kind: 'publicKey'; readonly pem: string; readonly algorithm: string }
  | { readonly kind: 'jwks'; readonly url: string };

export type DatabaseConfig =
  | { readonly dialect: 'sqlite'; readonly path: string }
  | { readonly dialect: 'postgresql'; readonly url: string; readonly poolMax: number };

export interface Config {
  readonly production: boolean;
  readonly host: string;
  readonly port: number;
  readonly database: DatabaseConfig;
  readonly migrateOnStart: boolean;
  readonly jwt: {
    readonly key: JwtKeyConfig;
    readonly issuer: string | null;
    readonly audience: string | null;
    /** Tokens without exp, or living longer than this (exp − iat, or exp − now), are refused. */
    readonly maxLifetimeSeconds: number;
  };
  readonly maxBodyBytes: number;
  readonly policyRefreshSeconds: number;
  readonly introspection: boolean;
}

export type Env = Readonly<Record<string, string | undefined>>;

export class ConfigError extends Error {
  constructor(readonly problems: readonly string[]) {
    super(`Invalid configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}

export function parseConfig(env: Env): Config {
  const problems: string[] = [];
  const value = (name: string): string | undefined => {
    const raw = env[name];
    return raw === undefined || raw.trim() === '' ? undefined : raw.trim();
  };
  const integer = (name: string, fallback: number, min: number, max: number): number => {
    const raw = value(name);
    if (raw === undefined) return fallback;
    const n = Number(raw);
    if (!Number.isInteger(n) || n < min || n > max) {
      problems.push(`${name} must be a whole number from ${min} to ${max}, got "${raw}"`);
      return fallback;
    }
    return n;
  };
  const flag = (name: string, fallback: boolean): boolean => {
    const raw = value(name)?.toLowerCase();
    if (raw === undefined) return fallback;
    if (['1', 'true', 'yes', 'on'].includes(raw)) return true;
    if (['0', 'false', 'no', 'off'].includes(raw)) return false;
    problems.push(`${name} must be true or false, got "${raw}"`);
    return fallback;
  };

  const nodeEnv = value('NODE_ENV') ?? 'development';
  const production = nodeEnv === 'production';

  let database: DatabaseConfig;
  const url = value('DATABASE_URL');
  if (url === undefined) {
    database = { dialect: 'sqlite', path: path.resolve(projectRoot, value('SQLITE_PATH') ?? 'data/consent.sqlite') };
  } else if (/^postgres(ql)?:\/\//.test(url)) {
    database = { dialect: 'postgresql', url, poolMax: integer('DATABASE_POOL_MAX', 10, 1, 200) };
  } else {
    problems.push('DATABASE_URL must be a postgres:// or postgresql:// URL (leave it unset for the embedded SQLite file)');
    database = { dialect: 'sqlite', path: ':memory:' };
  }

  const secret = value('JWT_SECRET');
  const publicKey = value('JWT_PUBLIC_KEY');
  const jwksUrl = value('JWKS_URL');
  const given = [secret, publicKey, jwksUrl].filter((v) => v !== undefined).length;
  let key: JwtKeyConfig = { kind: 'secret', secret: DEVELOPMENT_JWT_SECRET };
  if (given > 1) problems.push('Set only one of JWT_SECRET, JWT_PUBLIC_KEY and JWKS_URL');
  if (secret !== undefined) key = { kind: 'secret', secret };
  else if (publicKey !== undefined) {
    key = { kind: 'publicKey', pem: publicKey.replace(/\\n/g, '\n'), algorithm: value('JWT_ALGORITHM') ?? 'RS256' };
  } else if (jwksUrl !== undefined) {
    if (!/^https?:\/\//.test(jwksUrl)) problems.push('JWKS_URL must be an http(s) URL');
    key = { kind: 'jwks', url: jwksUrl };
  }
  if (production) {
    if (given === 0) problems.push('In production set JWT_PUBLIC_KEY, JWKS_URL or JWT_SECRET: the development secret is refused');
    if (key.kind === 'secret' && key.secret === DEVELOPMENT_JWT_SECRET) {
      if (given > 0) problems.push('JWT_SECRET is the development secret, which production refuses');
    } else if (key.kind === 'secret' && key.secret.length < 32) {
      problems.push('JWT_SECRET must be at least 32 characters in production');
    }
  }

  const config: Config = {
    production,
    host: value('HOST') ?? '127.0.0.1',
    port: integer('PORT', 4001, 0, 65535),
    database,
    migrateOnStart: flag('MIGRATE_ON_START', true),
    jwt: {
      key,
      issuer: value('JWT_ISSUER') ?? null,
      audience: value('JWT_AUDIENCE') ?? null,
      maxLifetimeSeconds: integer('JWT_MAX_LIFETIME_SECONDS', 86_400, 60, 31_536_000),
    },
    maxBodyBytes: integer('MAX_BODY_BYTES', 1_048_576, 1_024, 104_857_600),
    policyRefreshSeconds: integer('POLICY_REFRESH_SECONDS', 10, 0, 86_400),
    introspection: flag('INTROSPECTION', !production),
  };
  if (problems.length > 0) throw new ConfigError(problems);
  return config;
}
