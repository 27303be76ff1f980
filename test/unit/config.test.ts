import { generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError, DEVELOPMENT_CORS_ORIGINS, DEVELOPMENT_JWT_SECRET, parseConfig } from '../../src/config.js';
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

  it('keeps SQLite in a file: an in-memory database would lose every consent record at restart', () => {
    expect(parseConfig({ SQLITE_PATH: 'var/consent.db' }).database).toEqual({
      dialect: 'sqlite',
      path: path.join(projectRoot, 'var', 'consent.db'),
    });
    for (const name of [':memory:', 'file::memory:?cache=shared']) {
      expect(problems({ SQLITE_PATH: name })).toEqual([
        `SQLITE_PATH must name a file (consent records are kept across restarts), got "${name}"`,
      ]);
    }
  });

  it('uses PostgreSQL when DATABASE_URL says so', () => {
    expect(parseConfig({ DATABASE_URL: 'postgres://u@db:5432/consent', DATABASE_POOL_MAX: '20' }).database).toEqual({
      dialect: 'postgresql',
      url: 'postgres://u@db:5432/consent',
      sessionUrl: 'postgres://u@db:5432/consent',
      poolMax: 20,
      namedStatements: true,
      connectTimeoutSeconds: 5,
    });
    expect(parseConfig({ DATABASE_URL: 'postgres://u@db:5432/consent', DATABASE_NAMED_STATEMENTS: 'false' }).database).toMatchObject({
      namedStatements: false,
    });
    // Behind a transaction-pooling proxy, the connections that hold a session go to PostgreSQL itself.
    expect(
      parseConfig({ DATABASE_URL: 'postgres://u@pgbouncer:6432/consent', DATABASE_SESSION_URL: 'postgres://u@db:5432/consent' }).database,
    ).toMatchObject({ url: 'postgres://u@pgbouncer:6432/consent', sessionUrl: 'postgres://u@db:5432/consent' });
    expect(problems({ DATABASE_URL: 'postgres://db/x', DATABASE_SESSION_URL: 'mysql://db/x' })).toEqual([
      'DATABASE_SESSION_URL must be a postgres:// URL',
    ]);
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

  it('limits requests by default: 500 representations, 30 aliases (10 anonymous), depth 12, 20 directives, 5,000 tokens, cost 20,000 (300 anonymous)', () => {
    expect(parseConfig({}).limits).toEqual({
      tokens: 5000,
      representations: 500,
      signedIn: { aliases: 30, depth: 12, directives: 20, cost: 20_000 },
      anonymous: { aliases: 10, depth: 12, directives: 20, cost: 300 },
    });
    expect(parseConfig({ MAX_ALIASES: '50', MAX_ALIASES_ANONYMOUS: '50', MAX_REPRESENTATIONS: '1000' }).limits).toMatchObject({
      representations: 1000,
      signedIn: { aliases: 50 },
      anonymous: { aliases: 50 },
    });
    expect(problems({ MAX_ALIASES: '5', MAX_COST: '100', MAX_DEPTH: 'deep' })).toEqual([
      'MAX_DEPTH must be a whole number from 1 to 1000, got "deep"',
      'MAX_ALIASES_ANONYMOUS must not exceed MAX_ALIASES',
      'MAX_COST_ANONYMOUS must not exceed MAX_COST',
    ]);
  });

  it('locks the subgraph to its gateway only when GATEWAY_SECRET is set, under x-gateway-secret unless named', () => {
    expect(parseConfig({}).gatewaySecret).toBeNull();
    expect(parseConfig({ GATEWAY_SECRET: 'sixteen-chars-ok' }).gatewaySecret).toEqual({
      header: 'x-gateway-secret',
      value: 'sixteen-chars-ok',
    });
    expect(parseConfig({ GATEWAY_SECRET: 'sixteen-chars-ok', GATEWAY_SECRET_HEADER: 'X-Router-Secret' }).gatewaySecret?.header).toBe(
      'x-router-secret',
    );
    expect(problems({ GATEWAY_SECRET: 'short', GATEWAY_SECRET_HEADER: 'not a header' })).toEqual([
      'GATEWAY_SECRET_HEADER must be an HTTP header name',
      'GATEWAY_SECRET must be at least 16 characters',
    ]);
    expect(problems({ GATEWAY_SECRET_HEADER: 'Authorization' })).toEqual([
      'GATEWAY_SECRET_HEADER must not be authorization, which carries something else',
    ]);
  });

  it('allows the hosted Sandbox and this machine as CORS origins in development, none in production unless set', () => {
    expect(parseConfig({}).corsOrigins).toEqual(DEVELOPMENT_CORS_ORIGINS);
    expect(parseConfig({ CORS_ORIGINS: 'none' }).corsOrigins).toEqual([]);
    const production = { NODE_ENV: 'production', JWKS_URL: 'https://idp.example/jwks.json' };
    expect(parseConfig(production).corsOrigins).toEqual([]);
    expect(parseConfig({ ...production, CORS_ORIGINS: 'https://app.example.com, http://localhost:*' }).corsOrigins).toEqual([
      'https://app.example.com',
      'http://localhost:*',
    ]);
    expect(problems({ CORS_ORIGINS: 'app.example.com,https://ok.example/path' })).toEqual([
      'CORS_ORIGINS entries must be origins (https://app.example.com, http://localhost:*) or *, got "app.example.com"',
      'CORS_ORIGINS entries must be origins (https://app.example.com, http://localhost:*) or *, got "https://ok.example/path"',
    ]);
  });

  it('reads PERSISTED_DOCUMENTS as an Apollo manifest or an id → document map, and names a bad file', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'consent-config-'));
    try {
      const write = (name: string, content: unknown) => {
        const file = path.join(dir, name);
        writeFileSync(file, typeof content === 'string' ? content : JSON.stringify(content));
        return file;
      };
      const manifest = write('m.json', { format: 'apollo-persisted-query-manifest', version: 1, operations: [{ id: 'a', body: '{ x }' }] });
      expect(parseConfig({ PERSISTED_DOCUMENTS: manifest }).persistedDocuments).toEqual(new Map([['a', '{ x }']]));
      expect(parseConfig({ PERSISTED_DOCUMENTS: write('p.json', { b: '{ y }' }) }).persistedDocuments).toEqual(new Map([['b', '{ y }']]));
      expect(parseConfig({}).persistedDocuments).toBeNull();
      expect(problems({ PERSISTED_DOCUMENTS: write('bad.json', '{ not json') })[0]).toMatch(
        /^PERSISTED_DOCUMENTS must name a readable JSON file/,
      );
      expect(problems({ PERSISTED_DOCUMENTS: write('empty.json', { c: 42 }) })[0]).toMatch(/^PERSISTED_DOCUMENTS must hold/);
      expect(problems({ PERSISTED_DOCUMENTS: path.join(dir, 'missing.json') })[0]).toMatch(/^PERSISTED_DOCUMENTS must name a readable/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('publishes changes to the contract stream only when NATS_URL is set, and checks its URLs', () => {
    expect(parseConfig({}).nats).toBeNull();
    expect(parseConfig({ NATS_URL: 'nats://127.0.0.1:4222, tls://nats.example:4222' }).nats).toEqual({
      servers: ['nats://127.0.0.1:4222', 'tls://nats.example:4222'],
      stream: 'CONSENT_CHANGES',
      subjectPrefix: 'consent.changes',
    });
    expect(problems({ NATS_URL: 'http://nats:4222' })).toEqual([
      'NATS_URL must be nats://host:port or tls://host:port, several separated by commas',
    ]);
  });

  it('publishes to another stream and subject prefix only when NATS_STREAM and NATS_SUBJECT_PREFIX name valid ones', () => {
    expect(
      parseConfig({
        NATS_URL: 'nats://127.0.0.1:4222',
        NATS_STREAM: 'CONSENT_CHANGES_STAGING-2',
        NATS_SUBJECT_PREFIX: 'staging.consent_changes',
      }).nats,
    ).toEqual({ servers: ['nats://127.0.0.1:4222'], stream: 'CONSENT_CHANGES_STAGING-2', subjectPrefix: 'staging.consent_changes' });
    expect(parseConfig({ NATS_URL: 'nats://127.0.0.1:4222', NATS_STREAM: ' ' }).nats?.stream).toBe('CONSENT_CHANGES');
    expect(parseConfig({ NATS_STREAM: 'S', NATS_SUBJECT_PREFIX: 'p' }).nats).toBeNull();
    expect(problems({ NATS_URL: 'nats://127.0.0.1:4222', NATS_STREAM: 'consent.changes', NATS_SUBJECT_PREFIX: 'consent.*' })).toEqual([
      'NATS_STREAM must be 1 to 64 letters, digits, _ or -, got "consent.changes"',
      'NATS_SUBJECT_PREFIX must be dot-separated tokens of letters, digits, _ or - (no wildcards), got "consent.*"',
    ]);
    for (const stream of ['S'.repeat(65), 'A B', 'CONSENT>']) expect(problems({ NATS_STREAM: stream })).toHaveLength(1);
    for (const prefix of ['consent.>', 'consent..changes', '.consent', 'consent.', 'consent changes', '>']) {
      expect(problems({ NATS_SUBJECT_PREFIX: prefix })).toHaveLength(1);
    }
    expect(problems({ NATS_STREAM: 'S'.repeat(64), NATS_SUBJECT_PREFIX: 'a.b-c.d_e.F9' })).toEqual([]);
  });
});
