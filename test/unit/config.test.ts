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
