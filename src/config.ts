/**
 * Configuration, read from the environment once at boot. Every problem is
 * reported together, so a misconfigured deploy fails with the full list
 * instead of one variable at a time; after that the typed object is trusted.
 */
import { createPublicKey, type KeyObject } from 'node:crypto';
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
  | {
      readonly dialect: 'postgresql';
      readonly url: string;
      readonly poolMax: number;
      /** How long opening one connection may take before it is reported as a failure. */
      readonly connectTimeoutSeconds: number;
    };

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
  /** How long a write's idempotency key is remembered; after that the same key is a new request. */
  readonly idempotencyRetentionHours: number;
  readonly introspection: boolean;
  /** How long in-flight requests may take to finish after SIGTERM before their connections are cut. */
  readonly shutdownTimeoutSeconds: number;
}

export type Env = Readonly<Record<string, string | undefined>>;

export class ConfigError extends Error {
  constructor(readonly problems: readonly string[]) {
    super(`Invalid configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}

/**
 * The environment names something unusable (a database that is missing or
 * silent, a port in use, a folder that cannot be written): one line naming
 * the variable, reported before the service does anything else.
 */
export class StartupError extends Error {
  override name = 'StartupError';
}

export const NODE_ENVS = ['development', 'production', 'test'] as const;

// The algorithms jose verifies with a public key, and the key type each needs.
const PUBLIC_KEY_ALGORITHMS: Readonly<Record<string, (key: KeyObject) => boolean>> = {
  RS256: (k) => k.asymmetricKeyType === 'rsa',
  RS384: (k) => k.asymmetricKeyType === 'rsa',
  RS512: (k) => k.asymmetricKeyType === 'rsa',
  PS256: (k) => k.asymmetricKeyType === 'rsa' || k.asymmetricKeyType === 'rsa-pss',
  PS384: (k) => k.asymmetricKeyType === 'rsa' || k.asymmetricKeyType === 'rsa-pss',
  PS512: (k) => k.asymmetricKeyType === 'rsa' || k.asymmetricKeyType === 'rsa-pss',
  ES256: (k) => k.asymmetricKeyDetails?.namedCurve === 'prime256v1',
  ES384: (k) => k.asymmetricKeyDetails?.namedCurve === 'secp384r1',
  ES512: (k) => k.asymmetricKeyDetails?.namedCurve === 'secp521r1',
  EdDSA: (k) => k.asymmetricKeyType === 'ed25519' || k.asymmetricKeyType === 'ed448',
};

/** Why `pem` cannot verify `algorithm` tokens, or null when it can. */
function publicKeyProblem(pem: string, algorithm: string): string | null {
  const fits = PUBLIC_KEY_ALGORITHMS[algorithm];
  if (fits === undefined) return `JWT_ALGORITHM must be one of ${Object.keys(PUBLIC_KEY_ALGORITHMS).join(', ')}, got "${algorithm}"`;
  if (/-----BEGIN [A-Z ]*PRIVATE KEY-----/.test(pem)) {
    return 'JWT_PUBLIC_KEY holds a private key: give the public key only (PEM, "-----BEGIN PUBLIC KEY-----")';
  }
  if (!pem.includes('-----BEGIN PUBLIC KEY-----')) {
    return 'JWT_PUBLIC_KEY must be a PEM public key (SPKI, "-----BEGIN PUBLIC KEY-----"); write line breaks as \\n if needed';
  }
  let key: KeyObject;
  try {
    key = createPublicKey(pem);
  } catch (error) {
    return `JWT_PUBLIC_KEY is not a readable PEM public key (${(error as Error).message})`;
  }
  if (!fits(key)) return `JWT_PUBLIC_KEY is a ${key.asymmetricKeyType} key, which cannot verify ${algorithm} (JWT_ALGORITHM) tokens`;
  return null;
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
  // A typo such as "prod" would otherwise run as development: Sandbox, introspection and stack traces on.
  if (!(NODE_ENVS as readonly string[]).includes(nodeEnv)) {
    problems.push(`NODE_ENV must be one of ${NODE_ENVS.join(', ')}, got "${nodeEnv}"`);
  }
  const production = nodeEnv === 'production';

  let database: DatabaseConfig;
  const url = value('DATABASE_URL');
  if (url === undefined) {
    database = { dialect: 'sqlite', path: path.resolve(projectRoot, value('SQLITE_PATH') ?? 'data/consent.sqlite') };
  } else if (/^postgres(ql)?:\/\//.test(url)) {
    database = {
      dialect: 'postgresql',
      url,
      poolMax: integer('DATABASE_POOL_MAX', 10, 1, 200),
      connectTimeoutSeconds: integer('DATABASE_CONNECT_TIMEOUT_SECONDS', 5, 1, 120),
    };
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
    const problem = publicKeyProblem(key.pem, key.algorithm);
    if (problem !== null) problems.push(problem);
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
    idempotencyRetentionHours: integer('IDEMPOTENCY_RETENTION_HOURS', 24, 1, 8_760),
    introspection: flag('INTROSPECTION', !production),
    shutdownTimeoutSeconds: integer('SHUTDOWN_TIMEOUT_SECONDS', 10, 0, 3_600),
  };
  if (problems.length > 0) throw new ConfigError(problems);
  return config;
}
