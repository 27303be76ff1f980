/** The part of autocannon 9's programmatic API the bench uses (the package ships no types). */
declare module 'autocannon' {
  import type { EventEmitter } from 'node:events';

  namespace autocannon {
    interface Request {
      method?: string;
      path?: string;
      headers?: Record<string, string>;
      body?: string;
      setupRequest?(request: Request, context: object): Request;
      onResponse?(status: number, body: string, context: object, headers: Record<string, string>): void;
    }

    interface Options {
      /** Several URLs share the connections round robin. */
      url: string | string[];
      connections?: number;
      duration?: number;
      amount?: number;
      sampleInt?: number;
      requests?: Request[];
      overallRate?: number;
      setupClient?: (client: unknown) => void;
    }

    interface Result {
      non2xx: number;
      errors: number;
      timeouts: number;
      duration: number;
    }

    interface Instance extends EventEmitter, PromiseLike<Result> {}
  }

  function autocannon(options: autocannon.Options): autocannon.Instance;
  export default autocannon;
}
