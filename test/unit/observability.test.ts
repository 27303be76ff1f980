import { describe, expect, it } from 'vitest';
import { principalKind, SCOPE_ADMIN, SCOPE_READ } from '../../src/auth/principal.js';
import { ConfigError, parseConfig } from '../../src/config.js';
import { requestIdFrom } from '../../src/observability/request-tally.js';

const observability = (env: Record<string, string>) => parseConfig(env).observability;
const problems = (env: Record<string, string>) => {
  try {
    parseConfig(env);
  } catch (error) {
    if (error instanceof ConfigError) return error.problems;
    throw error;
  }
  return [];
};

describe('observability configuration', () => {
  it('logs at info, keeps metrics on the GraphQL port and traces nothing by default', () => {
    expect(observability({})).toEqual({ logLevel: 'info', metrics: { enabled: true, port: null }, tracing: null });
  });

  it('turns tracing on when an OTLP endpoint is named, sending to its /v1/traces path', () => {
    expect(observability({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318/' }).tracing).toEqual({
      exporter: 'otlp',
      url: 'http://collector:4318/v1/traces',
      sampler: { name: 'parentbased_always_on', ratio: 1 },
    });
    expect(observability({ OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: 'http://collector:4318/custom' }).tracing?.url).toBe(
      'http://collector:4318/custom',
    );
  });

  it('turns tracing on with OTEL_TRACES_EXPORTER, and off with none or OTEL_SDK_DISABLED', () => {
    expect(observability({ OTEL_TRACES_EXPORTER: 'otlp' }).tracing?.url).toBe('http://localhost:4318/v1/traces');
    expect(observability({ OTEL_TRACES_EXPORTER: 'console' }).tracing?.exporter).toBe('console');
    expect(observability({ OTEL_TRACES_EXPORTER: 'none', OTEL_EXPORTER_OTLP_ENDPOINT: 'http://c:4318' }).tracing).toBeNull();
    expect(observability({ OTEL_SDK_DISABLED: 'true', OTEL_EXPORTER_OTLP_ENDPOINT: 'http://c:4318' }).tracing).toBeNull();
  });

  it('reads the standard sampler variables', () => {
    const tracing = observability({
      OTEL_TRACES_EXPORTER: 'otlp',
      OTEL_TRACES_SAMPLER: 'parentbased_traceidratio',
      OTEL_TRACES_SAMPLER_ARG: '0.25',
    }).tracing;
    expect(tracing?.sampler).toEqual({ name: 'parentbased_traceidratio', ratio: 0.25 });
  });

  it('names every bad observability variable', () => {
    expect(
      problems({
        LOG_LEVEL: 'loud',
        METRICS: 'maybe',
        METRICS_PORT: '99999',
        OTEL_TRACES_EXPORTER: 'zipkin',
        OTEL_EXPORTER_OTLP_PROTOCOL: 'grpc',
        OTEL_TRACES_SAMPLER: 'sometimes',
        OTEL_TRACES_SAMPLER_ARG: '2',
      }),
    ).toEqual([
      expect.stringContaining('LOG_LEVEL'),
      expect.stringContaining('METRICS must be true or false'),
      expect.stringContaining('METRICS_PORT'),
      expect.stringContaining('OTEL_TRACES_EXPORTER'),
      expect.stringContaining('OTEL_EXPORTER_OTLP_PROTOCOL'),
      expect.stringContaining('OTEL_TRACES_SAMPLER must'),
      expect.stringContaining('OTEL_TRACES_SAMPLER_ARG'),
    ]);
  });
});

describe('what a request log says about its caller', () => {
  const principal = (...scopes: string[]) => ({ subject: 'someone', scopes: new Set(scopes) });

  it('is a kind of caller, never who', () => {
    expect(principalKind(null)).toBe('anonymous');
    expect(principalKind(principal())).toBe('user');
    expect(principalKind(principal(SCOPE_READ))).toBe('service');
    expect(principalKind(principal(SCOPE_READ, SCOPE_ADMIN))).toBe('admin');
  });

  it("keeps a caller's request id only when it is 1 to 128 visible ASCII characters", () => {
    expect(requestIdFrom('gw-1:abc.DEF_9/~')).toBe('gw-1:abc.DEF_9/~');
    for (const bad of [undefined, '', 'a b', 'x'.repeat(129), ['a', 'b'], 'line\nbreak']) {
      expect(requestIdFrom(bad)).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[0-9a-f]{4}-[0-9a-f]{12}$/);
    }
  });
});
