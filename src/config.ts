/**
 * Configuration, read from the environment once at boot. Every problem is
 * reported together, so a misconfigured deploy fails with the full list
 * instead of one variable at a time; after that the typed object is trusted.
 */
import { createPublicKey, type KeyObject } from 'node:crypto';
import { readFileSync } from 'node:fs';
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
      /**
       * Where the connections that hold a session go: the relay's leadership lock and the LISTEN for policy
       * publications. DATABASE_SESSION_URL when a transaction-pooling proxy (PgBouncer) fronts DATABASE_URL,
       * since such a proxy hands a session's lock or LISTEN to whichever client uses that server connection next.
       */
      readonly sessionUrl: string;
      readonly poolMax: number;
      /**
       * Whether the statements the service repeats (the batched reads, the writer's lock, read and write) are
       * named prepared statements, planned once per connection (DATABASE_NAMED_STATEMENTS). A proxy that hands
       * a client's next transaction to another server connection (PgBouncer in transaction pooling before 1.21,
       * or without max_prepared_statements) loses them: turn it off there, and each is parsed and planned again.
       */
      readonly namedStatements: boolean;
      /** How long opening one connection may take before it is reported as a failure. */
      readonly connectTimeoutSeconds: number;
    };

/** The shape limits on one operation's document (graphql-armor's measures). */
export interface DocumentLimits {
  readonly aliases: number;
  readonly depth: number;
  readonly directives: number;
  readonly cost: number;
}

export interface RequestLimits {
  /** Lexical tokens per document, enforced while parsing. */
  readonly tokens: number;
  /** `_entities` representations per request. */
  readonly representations: number;
  readonly signedIn: DocumentLimits;
  /** Anonymous callers may read only the public policies: tighter. */
  readonly anonymous: DocumentLimits;
}

/** Where browsers may call from in development when CORS_ORIGINS is unset: Apollo's hosted Sandbox and this machine. */
export const DEVELOPMENT_CORS_ORIGINS: readonly string[] = [
  'https://studio.apollographql.com',
  'https://sandbox.embed.apollographql.com',
  'http://localhost:*',
  'https://localhost:*',
  'http://127.0.0.1:*',
  'https://127.0.0.1:*',
  'http://[::1]:*',
];
/** Where committed changes are published: NATS JetStream (docs/contract.md, "Following changes"). */
export interface NatsConfig {
  /** One or more server URLs, comma-separated in NATS_URL. */
  readonly servers: readonly string[];
  /**
   * The contract's stream and subject prefix unless NATS_STREAM and
   * NATS_SUBJECT_PREFIX name others: an isolated test or staging stream on a
   * shared NATS server, where change ids that restart at 1 in a fresh
   * database would otherwise be dropped as duplicates of another run's.
   */
  readonly stream: string;
  readonly subjectPrefix: string;
}

export const CONSENT_CHANGES_STREAM = 'CONSENT_CHANGES';
export const CONSENT_CHANGES_SUBJECT_PREFIX = 'consent.changes';
// JetStream's rules for a stream name (no dots, spaces or wildcards) and for
// literal subject tokens: the relay subscribes the stream to `<prefix>.>`.
const STREAM_NAME = /^[A-Za-z0-9_-]{1,64}$/;
const SUBJECT_PREFIX = /^[A-Za-z0-9_-]+(\.[A-Za-z0-9_-]+)*$/;

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
  readonly limits: RequestLimits;
  /** Operation safelisting: the only documents served, by id; null serves any document. */
  readonly persistedDocuments: ReadonlyMap<string, string> | null;
  /** When set, every GraphQL request must carry this header with this value. */
  readonly gatewaySecret: { readonly header: string; readonly value: string } | null;
  /** Browser origins allowed to call (CORS): exact origins, `scheme://host:*`, or `*`. */
  readonly corsOrigins: readonly string[];
  readonly observability: ObservabilityConfig;
  /** Null: nothing is published (the feed is still served over GraphQL). */
  readonly nats: NatsConfig | null;
}

export type LogLevel = 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';

export interface ObservabilityConfig {
  readonly logLevel: LogLevel;
  /** Whether to keep Prometheus metrics; `port` null serves them at /metrics on the GraphQL port. */
  readonly metrics: { readonly enabled: boolean; readonly port: number | null };
  /** OpenTelemetry tracing, on only when the standard OTEL_* variables ask for it. */
  readonly tracing: TracingConfig | null;
}

export interface TracingConfig {
  readonly exporter: 'otlp' | 'console';
  /** The OTLP/HTTP (JSON) traces URL. */
  readonly url: string;
  /** OTEL_TRACES_SAMPLER and its ratio argument. */
  readonly sampler: { readonly name: TraceSampler; readonly ratio: number };
}

export const TRACE_SAMPLERS = [
  'parentbased_always_on',
  'parentbased_always_off',
  'parentbased_traceidratio',
  'always_on',
  'always_off',
  'traceidratio',
] as const;
export type TraceSampler = (typeof TRACE_SAMPLERS)[number];

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
    const file = value('SQLITE_PATH') ?? 'data/consent.sqlite';
    // SQLite's in-memory names would be taken as file names here; and consent records must outlive the process.
    if (file === ':memory:' || file.startsWith('file:')) {
      problems.push(`SQLITE_PATH must name a file (consent records are kept across restarts), got "${file}"`);
    }
    database = { dialect: 'sqlite', path: path.resolve(projectRoot, file) };
  } else if (/^postgres(ql)?:\/\//.test(url)) {
    const sessionUrl = value('DATABASE_SESSION_URL') ?? url;
    if (!/^postgres(ql)?:\/\//.test(sessionUrl)) problems.push('DATABASE_SESSION_URL must be a postgres:// URL');
    database = {
      dialect: 'postgresql',
      url,
      sessionUrl,
      poolMax: integer('DATABASE_POOL_MAX', 10, 1, 200),
      namedStatements: flag('DATABASE_NAMED_STATEMENTS', true),
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

  const signedIn: DocumentLimits = {
    aliases: integer('MAX_ALIASES', 30, 0, 100_000),
    depth: integer('MAX_DEPTH', 12, 1, 1_000),
    directives: integer('MAX_DIRECTIVES', 20, 0, 100_000),
    cost: integer('MAX_COST', 20_000, 1, 1_000_000_000),
  };
  const anonymous: DocumentLimits = {
    ...signedIn,
    aliases: integer('MAX_ALIASES_ANONYMOUS', 10, 0, 100_000),
    cost: integer('MAX_COST_ANONYMOUS', 300, 1, 1_000_000_000),
  };
  if (anonymous.aliases > signedIn.aliases) problems.push('MAX_ALIASES_ANONYMOUS must not exceed MAX_ALIASES');
  if (anonymous.cost > signedIn.cost) problems.push('MAX_COST_ANONYMOUS must not exceed MAX_COST');

  const gatewaySecretValue = value('GATEWAY_SECRET');
  const gatewaySecretHeader = (value('GATEWAY_SECRET_HEADER') ?? 'x-gateway-secret').toLowerCase();
  if (!/^[a-z0-9!#$%&'*+.^_`|~-]+$/.test(gatewaySecretHeader)) problems.push('GATEWAY_SECRET_HEADER must be an HTTP header name');
  if (['authorization', 'content-type', 'host', 'cookie'].includes(gatewaySecretHeader)) {
    problems.push(`GATEWAY_SECRET_HEADER must not be ${gatewaySecretHeader}, which carries something else`);
  }
  if (gatewaySecretValue !== undefined && gatewaySecretValue.length < 16) problems.push('GATEWAY_SECRET must be at least 16 characters');

  const corsRaw = value('CORS_ORIGINS');
  const corsOrigins =
    corsRaw === undefined
      ? production
        ? []
        : DEVELOPMENT_CORS_ORIGINS
      : corsRaw.toLowerCase() === 'none'
        ? []
        : corsRaw.split(',').map((o) => o.trim());
  for (const origin of corsOrigins) {
    if (origin !== '*' && !/^https?:\/\/(\[[0-9a-f:]+\]|[a-z0-9.-]+)(:(\d{1,5}|\*))?$/i.test(origin)) {
      problems.push(`CORS_ORIGINS entries must be origins (https://app.example.com, http://localhost:*) or *, got "${origin}"`);
    }
  }

  const documentsFile = value('PERSISTED_DOCUMENTS');
  const persistedDocuments =
    documentsFile === undefined ? null : readPersistedDocuments(path.resolve(projectRoot, documentsFile), problems);

  const natsUrl = value('NATS_URL');
  const servers = natsUrl?.split(',').map((s) => s.trim()) ?? [];
  if (servers.some((s) => !/^(nats|tls):\/\/[^\s/]+$/.test(s))) {
    problems.push('NATS_URL must be nats://host:port or tls://host:port, several separated by commas');
  }
  const stream = value('NATS_STREAM') ?? CONSENT_CHANGES_STREAM;
  if (!STREAM_NAME.test(stream)) problems.push(`NATS_STREAM must be 1 to 64 letters, digits, _ or -, got "${stream}"`);
  const subjectPrefix = value('NATS_SUBJECT_PREFIX') ?? CONSENT_CHANGES_SUBJECT_PREFIX;
  if (!SUBJECT_PREFIX.test(subjectPrefix)) {
    problems.push(`NATS_SUBJECT_PREFIX must be dot-separated tokens of letters, digits, _ or - (no wildcards), got "${subjectPrefix}"`);
  }
  const nats: NatsConfig | null = natsUrl === undefined ? null : { servers, stream, subjectPrefix };

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
    limits: {
      tokens: integer('MAX_TOKENS', 5_000, 100, 1_000_000),
      representations: integer('MAX_REPRESENTATIONS', 500, 1, 100_000),
      signedIn,
      anonymous,
    },
    persistedDocuments,
    gatewaySecret: gatewaySecretValue === undefined ? null : { header: gatewaySecretHeader, value: gatewaySecretValue },
    corsOrigins,
    observability: parseObservability(value, flag, problems),
    nats,
  };
  if (problems.length > 0) throw new ConfigError(problems);
  return config;
}

/**
 * The safelist file: an Apollo persisted query manifest
 * (`{ "format": "apollo-persisted-query-manifest", "operations": [{ "id", "body" }] }`)
 * or a plain `{ "<id>": "<document>" }` map, as GraphQL Code Generator's
 * client preset and Relay write.
 */
function readPersistedDocuments(file: string, problems: string[]): ReadonlyMap<string, string> | null {
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(file, 'utf8'));
  } catch (error) {
    problems.push(`PERSISTED_DOCUMENTS must name a readable JSON file: ${(error as Error).message}`);
    return null;
  }
  const manifest = parsed as { format?: unknown; operations?: unknown };
  const entries: [unknown, unknown][] =
    manifest?.format === 'apollo-persisted-query-manifest' && Array.isArray(manifest.operations)
      ? manifest.operations.map((o: { id?: unknown; body?: unknown }) => [o?.id, o?.body])
      : typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed)
        ? Object.entries(parsed)
        : [];
  const documents = new Map<string, string>();
  for (const [id, body] of entries) {
    if (typeof id === 'string' && id !== '' && typeof body === 'string' && body.trim() !== '') documents.set(id, body);
  }
  if (documents.size === 0 || documents.size !== entries.length) {
    problems.push(
      'PERSISTED_DOCUMENTS must hold an Apollo persisted query manifest or an { "id": "document" } map, each id and document a non-empty string',
    );
    return null;
  }
  return documents;
}

const LOG_LEVELS: readonly LogLevel[] = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'];

/**
 * Logs, metrics and tracing. Tracing follows the OpenTelemetry environment
 * variables: it is on when an exporter or an OTLP endpoint is named, off by
 * default and with OTEL_SDK_DISABLED. The exporter itself still reads the
 * standard OTEL_EXPORTER_OTLP_HEADERS/TIMEOUT/COMPRESSION, and the resource's
 * OTEL_SERVICE_NAME and OTEL_RESOURCE_ATTRIBUTES.
 */
function parseObservability(
  value: (name: string) => string | undefined,
  flag: (name: string, fallback: boolean) => boolean,
  problems: string[],
): ObservabilityConfig {
  const level = (value('LOG_LEVEL') ?? 'info').toLowerCase();
  if (!LOG_LEVELS.includes(level as LogLevel)) problems.push(`LOG_LEVEL must be one of ${LOG_LEVELS.join(', ')}, got "${level}"`);

  const metricsEnabled = flag('METRICS', true);
  const rawPort = value('METRICS_PORT');
  let metricsPort: number | null = null;
  if (rawPort !== undefined) {
    metricsPort = Number(rawPort);
    if (!Number.isInteger(metricsPort) || metricsPort < 0 || metricsPort > 65535) {
      problems.push(`METRICS_PORT must be a whole number from 0 to 65535, got "${rawPort}"`);
      metricsPort = null;
    }
  }

  const exporterName = value('OTEL_TRACES_EXPORTER')?.toLowerCase();
  const tracesEndpoint = value('OTEL_EXPORTER_OTLP_TRACES_ENDPOINT');
  const endpoint = value('OTEL_EXPORTER_OTLP_ENDPOINT');
  let tracing: TracingConfig | null = null;
  const wanted = exporterName !== undefined ? exporterName !== 'none' : tracesEndpoint !== undefined || endpoint !== undefined;
  if (wanted && !flag('OTEL_SDK_DISABLED', false)) {
    if (exporterName !== undefined && exporterName !== 'otlp' && exporterName !== 'console') {
      problems.push(`OTEL_TRACES_EXPORTER must be otlp, console or none, got "${exporterName}"`);
    }
    const protocol = value('OTEL_EXPORTER_OTLP_TRACES_PROTOCOL') ?? value('OTEL_EXPORTER_OTLP_PROTOCOL') ?? 'http/json';
    if (protocol !== 'http/json') {
      problems.push(`OTEL_EXPORTER_OTLP_PROTOCOL must be http/json (the exporter built in), got "${protocol}"`);
    }
    const url = tracesEndpoint ?? (endpoint ? `${endpoint.replace(/\/+$/, '')}/v1/traces` : 'http://localhost:4318/v1/traces');
    if (!/^https?:\/\//.test(url)) problems.push(`the OTLP endpoint must be an http(s) URL, got "${url}"`);
    const sampler = (value('OTEL_TRACES_SAMPLER') ?? 'parentbased_always_on').toLowerCase() as TraceSampler;
    if (!TRACE_SAMPLERS.includes(sampler))
      problems.push(`OTEL_TRACES_SAMPLER must be one of ${TRACE_SAMPLERS.join(', ')}, got "${sampler}"`);
    const rawRatio = value('OTEL_TRACES_SAMPLER_ARG');
    const ratio = rawRatio === undefined ? 1 : Number(rawRatio);
    if (!(ratio >= 0 && ratio <= 1)) problems.push(`OTEL_TRACES_SAMPLER_ARG must be a ratio from 0 to 1, got "${rawRatio}"`);
    tracing = {
      exporter: exporterName === 'console' ? 'console' : 'otlp',
      url,
      sampler: { name: sampler, ratio },
    };
  }
  return {
    logLevel: level as LogLevel,
    metrics: { enabled: metricsEnabled, port: metricsPort },
    tracing,
  };
}
