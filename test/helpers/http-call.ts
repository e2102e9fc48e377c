/**
 * One HTTP request over loopback with node:http (which, unlike fetch, sends the Host header a
 * test gives it), answered as status and text: for tests and benches that drive a real server.
 */
import { request } from 'node:http';

export interface HttpAnswer {
  status: number;
  body: string;
}

export function httpCall(
  port: number,
  method: string,
  path: string,
  token: string | null,
  body?: unknown,
): Promise<HttpAnswer> {
  return new Promise((resolve, reject) => {
    const payload =
      body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body);
    const req = request(
      {
        host: '127.0.0.1',
        port,
        method,
        path,
        headers: {
          host: `127.0.0.1:${port}`,
          ...(token ? { authorization: `Bearer ${token}` } : {}),
          ...(payload !== undefined ? { 'content-type': 'application/json' } : {}),
        },
      },
      (res) => {
        let text = '';
        res.setEncoding('utf8').on('data', (d: string) => (text += d));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: text }));
        res.on('error', reject);
      },
    );
    req.setTimeout(60_000, () => req.destroy(new Error('no answer in 60 s')));
    req.on('error', reject);
    if (payload !== undefined) req.write(payload);
    req.end();
  });
}
