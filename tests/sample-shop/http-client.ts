// Minimal node:http client for the sample-shop tests: reports whether the socket was reused.
import { type Agent, request } from 'node:http';

export interface SimpleResponse {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
  reusedSocket: boolean;
}

export function fetchPath(
  origin: string,
  path: string,
  options: { method?: string; agent?: Agent; headers?: Record<string, string> } = {},
): Promise<SimpleResponse> {
  return new Promise((resolve, reject) => {
    const req = request(
      new URL(path, origin),
      {
        method: options.method ?? 'GET',
        ...(options.agent ? { agent: options.agent } : {}),
        ...(options.headers ? { headers: options.headers } : {}),
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () =>
          resolve({
            status: res.statusCode ?? 0,
            headers: res.headers,
            body: Buffer.concat(chunks).toString('utf8'),
            reusedSocket: req.reusedSocket,
          }),
        );
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.end();
  });
}
