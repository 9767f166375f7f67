/** The TCP step of `arachne probe`: a connect to each address the name resolved to, timed. */
import net from 'node:net';

export interface TcpResult {
  address: string;
  port: number;
  /** Time to an established connection, when there was one. */
  ms?: number;
  /** `ECONNREFUSED`, `ETIMEDOUT`, `EHOSTUNREACH`…, when there was none. */
  error?: string;
}

export function probeTcp(address: string, port: number, timeoutMs = 5000): Promise<TcpResult> {
  const started = performance.now();
  return new Promise((resolve) => {
    const socket = net.connect({ host: address, port, timeout: timeoutMs });
    const done = (result: TcpResult) => {
      socket.destroy();
      resolve(result);
    };
    socket.once('connect', () => done({ address, port, ms: performance.now() - started }));
    socket.once('timeout', () => done({ address, port, error: 'ETIMEDOUT' }));
    socket.once('error', (error: NodeJS.ErrnoException) =>
      done({ address, port, error: error.code ?? error.message }),
    );
  });
}
