import { request as httpRequest, type IncomingHttpHeaders } from 'node:http';
import { request as httpsRequest } from 'node:https';

/** What one GET answered: the status, the headers, and the body's first `maxBytes` as text. */
export interface HttpAnswer {
  status: number;
  /** Lower-case names; a header sent more than once joined with ", " (as fetch's Headers.get does). */
  headers: Record<string, string | undefined>;
  body: string;
}

const joined = (headers: IncomingHttpHeaders): Record<string, string | undefined> =>
  Object.fromEntries(Object.entries(headers).map(([name, value]) => [name, Array.isArray(value) ? value.join(', ') : value]));

/** Why a GET got no answer: a system error code (ECONNREFUSED, …) or TimeoutError, as fetch's `cause.code` said it. */
export class HttpGetError extends Error {
  constructor(readonly code: string) {
    super(code);
  }
}

/**
 * One GET over node:http(s), a fresh connection each time (no keep-alive: a probe during a restart must not ride
 * on a socket of the old server), redirects not followed. At most `maxBytes` of the body are read, then the
 * connection is dropped; `maxBytes` 0 reads none. The whole exchange is bounded by `timeoutMs`. Node's fetch would
 * do the same, but loading it (undici) costs a start-up of its own: tens of milliseconds on every `detect`.
 */
export function httpGet(url: URL, opts: { timeoutMs: number; maxBytes: number }): Promise<HttpAnswer> {
  return new Promise((resolve, reject) => {
    const request = url.protocol === 'https:' ? httpsRequest : url.protocol === 'http:' ? httpRequest : undefined;
    if (!request) return reject(new HttpGetError('ERR_INVALID_URL_SCHEME'));
    let settled = false;
    const fail = (code: string): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      req.destroy();
      reject(new HttpGetError(code));
    };
    const timer = setTimeout(() => fail('TimeoutError'), opts.timeoutMs);
    const req = request(url, { method: 'GET', agent: false }, (res) => {
      const chunks: Buffer[] = [];
      let size = 0;
      const done = (): void => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        res.destroy();
        resolve({ status: res.statusCode ?? 0, headers: joined(res.headers), body: Buffer.concat(chunks).subarray(0, opts.maxBytes).toString('utf8') });
      };
      if (opts.maxBytes <= 0) return done();
      res.on('data', (chunk: Buffer) => {
        chunks.push(chunk);
        size += chunk.length;
        if (size >= opts.maxBytes) done();
      });
      res.on('end', done);
      res.on('error', done); // the connection dropped mid-body: judge what came
    });
    req.on('error', (error: NodeJS.ErrnoException) => fail(error.code ?? error.name));
    req.end();
  });
}
