/**
 * Stops an HTTP server without cutting requests short: the listener closes
 * at once, idle keep-alive connections are closed, each request still in
 * flight finishes and its connection then closes, and whatever is left when
 * the drain timeout passes is cut.
 */
import type { Server, ServerResponse } from 'node:http';

export interface GracefulServer {
  /** True from the moment closing starts. */
  readonly closing: boolean;
  /** Resolves once every connection is gone; `cut` counts those the timeout ended. */
  close(timeoutMs: number): Promise<{ readonly cut: number }>;
}

export function gracefulServer(server: Server): GracefulServer {
  let closing = false;
  let closed: Promise<{ cut: number }> | undefined;
  const inFlight = new Set<ServerResponse>();

  const finishOnClose = (res: ServerResponse) => {
    // Tell the client this connection ends with this response, so it does not send another on it.
    if (!res.headersSent) res.setHeader('connection', 'close');
    res.once('finish', () => setImmediate(() => server.closeIdleConnections()));
  };

  server.on('request', (_req, res: ServerResponse) => {
    inFlight.add(res);
    res.once('close', () => inFlight.delete(res));
    if (closing) finishOnClose(res);
  });

  return {
    get closing() {
      return closing;
    },
    close(timeoutMs) {
      closing = true;
      closed ??= new Promise((resolve) => {
        let cut = 0;
        const timer = setTimeout(() => {
          cut = inFlight.size;
          server.closeAllConnections();
        }, timeoutMs);
        // server.close() stops the listener and closes idle connections; its callback waits for the rest.
        server.close(() => {
          clearTimeout(timer);
          resolve({ cut });
        });
        for (const res of inFlight) finishOnClose(res);
        server.closeIdleConnections();
      });
      return closed;
    },
  };
}
