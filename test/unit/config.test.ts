import { generateKeyPairSync } from 'node:crypto';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError, DEVELOPMENT_JWT_SECRET, parseConfig } from '../../src/config.js';
import { projectRoot } from '../../src/project-root.js';

const problems = (env: Record<string, string>) => {
  try {
    parseConfig(env);
  } catch (error) {
    if (error instanceof ConfigError) return error.problems;
    throw error;
  }
  return [];
};

describe('configuration', () => {
  it('defaults to port 4001, the SQLite file under data/, migrations on start and the development secret', () => {
    const config = parseConfig({});
    expect(config).toMatchObject({
      production: false,
      port: 4001,
      host: '127.0.0.1',
      database: { dialect: 'sqlite', path: path.join(projectRoot, 'data', 'consent.sqlite') },
      migrateOnStart: true,
      introspection: true,
      jwt: { key: { kind: 'secret', secret: DEVELOPMENT_JWT_SECRET }, issuer: null, audience: null },
    });
  });

  it('uses PostgreSQL when DATABASE_URL says so', () => {
    expect(parseConfig({ DATABASE_URL: 'postgres://u@db:5432/consent', DATABASE_POOL_MAX: '20' }).database).toEqual({
      dialect: 'postgresql',
      url: 'postgres://u@db:5432/consent',
      poolMax: 20,
      connectTimeoutSeconds: 5,
    });
    expect(parseConfig({ DATABASE_URL: 'postgres://db/consent', DATABASE_CONNECT_TIMEOUT_SECONDS: '2' }).database).toMatchObject({
      connectTimeoutSeconds: 2,
    });
  });

  it('drains for 10 seconds on shutdown unless told otherwise', () => {
    expect(parseConfig({}).shutdownTimeoutSeconds).toBe(10);
    expect(parseConfig({ SHUTDOWN_TIMEOUT_SECONDS: '25' }).shutdownTimeoutSeconds).toBe(25);
    expect(problems({ SHUTDOWN_TIMEOUT_SECONDS: '-1', DATABASE_URL: 'postgres://db/x', DATABASE_CONNECT_TIMEOUT_SECONDS: '0' })).toEqual([
      'DATABASE_CONNECT_TIMEOUT_SECONDS must be a whole number from 1 to 120, got "0"',
      'SHUTDOWN_TIMEOUT_SECONDS must be a whole number from 0 to 3600, got "-1"',
    ]);
  });

  it('accepts only the known NODE_ENV values, so a typo never runs production as development', () => {
    for (const nodeEnv of ['development', 'test']) expect(parseConfig({ NODE_ENV: nodeEnv }).production).toBe(false);
    expect(problems({ NODE_ENV: 'prod' })).toEqual(['NODE_ENV must be one of development, production, test, got "prod"']);
    expect(problems({ NODE_ENV: 'Production' })).toEqual(['NODE_ENV must be one of development, production, test, got "Production"']);
  });

  describe('JWT_PUBLIC_KEY', () => {
    const pem = (type: 'rsa' | 'ec' | 'ed25519', part: 'publicKey' | 'privateKey' = 'publicKey') => {
      const pair =
        type === 'ec'
          ? generateKeyPairSync('ec', { namedCurve: 'P-256' })
          : type === 'rsa'
            ? generateKeyPairSync('rsa', { modulusLength: 2048 })
            : generateKeyPairSync('ed25519');
      return pair[part].export({ type: part === 'publicKey' ? 'spki' : 'pkcs8', format: 'pem' }).toString();
    };

    it('is parsed at start, with its line breaks written as \\n if need be', () => {
      const key = pem('ec');
      expect(parseConfig({ JWT_PUBLIC_KEY: key.replace(/\n/g, '\\n'), JWT_ALGORITHM: 'ES256' }).jwt.key).toEqual({
        kind: 'publicKey',
        pem: key,
        algorithm: 'ES256',
      });
      expect(parseConfig({ JWT_PUBLIC_KEY: pem('ed25519'), JWT_ALGORITHM: 'EdDSA' }).jwt.key.kind).toBe('publicKey');
    });

    it('names the variable when the key is not a readable PEM public key', () => {
      const [problem] = problems({ JWT_PUBLIC_KEY: '-----BEGIN PUBLIC KEY-----\nnot base64 at all\n-----END PUBLIC KEY-----' });
      expect(problem).toMatch(/^JWT_PUBLIC_KEY is not a readable PEM public key \(/);
      expect(problems({ JWT_PUBLIC_KEY: 'ssh-rsa AAAAB3NzaC1yc2E' })).toEqual([
        'JWT_PUBLIC_KEY must be a PEM public key (SPKI, "-----BEGIN PUBLIC KEY-----"); write line breaks as \\n if needed',
      ]);
    });

    it('refuses a private key, and a key that cannot verify the chosen algorithm', () => {
      expect(problems({ JWT_PUBLIC_KEY: pem('ec', 'privateKey'), JWT_ALGORITHM: 'ES256' })).toEqual([
        'JWT_PUBLIC_KEY holds a private key: give the public key only (PEM, "-----BEGIN PUBLIC KEY-----")',
      ]);
      expect(problems({ JWT_PUBLIC_KEY: pem('ec') })).toEqual([
        'JWT_PUBLIC_KEY is a ec key, which cannot verify RS256 (JWT_ALGORITHM) tokens',
      ]);
      expect(problems({ JWT_PUBLIC_KEY: pem('rsa'), JWT_ALGORITHM: 'HS256' })).toEqual([
        'JWT_ALGORITHM must be one of RS256, RS384, RS512, PS256, PS384, PS512, ES256, ES384, ES512, EdDSA, got "HS256"',
      ]);
    });
  });

  it('reports every problem at once', () => {
    const found = problems({
      PORT: 'eighty',
      DATABASE_URL: 'mysql://x',
      MIGRATE_ON_START: 'maybe',
      JWT_SECRET: 'a',
      JWKS_URL: 'https://idp/jwks',
    });
    expect([...found].sort()).toEqual([
      'DATABASE_URL must be a postgres:// or postgresql:// URL (leave it unset for the embedded SQLite file)',
      'MIGRATE_ON_START must be true or false, got "maybe"',
      'PORT must be a whole number from 0 to 65535, got "eighty"',
      'Set only one of JWT_SECRET, JWT_PUBLIC_KEY and JWKS_URL',
    ]);
  });

  it('refuses to start in production on the development secret, or on none', () => {
    expect(problems({ NODE_ENV: 'production' })).toEqual([
      'In production set JWT_PUBLIC_KEY, JWKS_URL or JWT_SECRET: the development secret is refused',
    ]);
    expect(problems({ NODE_ENV: 'production', JWT_SECRET: DEVELOPMENT_JWT_SECRET })).toEqual([
      'JWT_SECRET is the development secret, which production refuses',
    ]);
    expect(problems({ NODE_ENV: 'production', JWT_SECRET: 'short' })).toEqual(['JWT_SECRET must be at least 32 characters in production']);
  });

  it('keeps idempotency keys for 24 hours unless IDEMPOTENCY_RETENTION_HOURS says otherwise, within 1 hour to a year', () => {
    expect(parseConfig({}).idempotencyRetentionHours).toBe(24);
    expect(parseConfig({ IDEMPOTENCY_RETENTION_HOURS: '72' }).idempotencyRetentionHours).toBe(72);
    for (const raw of ['0', '8761', '1.5', 'a day']) {
      expect(problems({ IDEMPOTENCY_RETENTION_HOURS: raw })).toEqual([
        `IDEMPOTENCY_RETENTION_HOURS must be a whole number from 1 to 8760, got "${raw}"`,
      ]);
    }
  });

  it('turns introspection off in production unless asked', () => {
    const env = { NODE_ENV: 'production', JWKS_URL: 'https://idp.example/jwks.json' };
    expect(parseConfig(env)).toMatchObject({ production: true, introspection: false, jwt: { key: { kind: 'jwks' } } });
    expect(parseConfig({ ...env, INTROSPECTION: 'true' }).introspection).toBe(true);
  });

  it('bounds token lifetimes at 24 hours unless JWT_MAX_LIFETIME_SECONDS says otherwise', () => {
    expect(parseConfig({}).jwt.maxLifetimeSeconds).toBe(86_400);
    expect(parseConfig({ JWT_MAX_LIFETIME_SECONDS: '3600' }).jwt.maxLifetimeSeconds).toBe(3600);
    expect(problems({ JWT_MAX_LIFETIME_SECONDS: '0' })).toEqual([
      'JWT_MAX_LIFETIME_SECONDS must be a whole number from 60 to 31536000, got "0"',
    ]);
  });
});
