// HTTP plumbing of the simulator: CORS, JSON and error answers, bounded body reading, writes with
// backpressure, timed waits that end on abort. Every function takes the request's `ctx`
// (`{ req, res, ctl, requestId, rec, serverDestroyed }`, made by server.mjs).
import http from 'node:http';

const ALLOW_HEADERS = [
  'authorization',
  'content-type',
  'x-simulator-fault',
  'x-simulator-fault-key',
  'x-simulator-fault-times',
  'x-simulator-retry-after',
  'x-simulator-pacing',
  'x-requested-with',
];
const EXPOSE_HEADERS = 'retry-after, retry-after-ms, x-request-id';

const STATUS_MESSAGES = {
  400: 'Bad request',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'Not found',
  408: 'Request timeout',
  409: 'Conflict',
  413: 'Payload too large',
  422: 'Unprocessable entity',
  429: 'Rate limit exceeded, please retry later',
  500: 'Internal server error',
  502: 'Bad gateway',
  503: 'Service unavailable',
  504: 'Gateway timeout',
};

/** An answer with a status (thrown where a request is refused deep inside). */
export class HttpError extends Error {
  constructor(status, message) {
    super(message);
    this.status = status;
  }
}

export function statusMessage(status) {
  return STATUS_MESSAGES[status] || http.STATUS_CODES[status] || `HTTP ${status}`;
}

export function isLoopback(host) {
  return host === 'localhost' || host === '::1' || /^127\.\d+\.\d+\.\d+$/.test(host);
}

/** CORS for every answer: any origin, our headers plus whatever a preflight asks for. */
export function setCors(req, res) {
  let allow = ALLOW_HEADERS;
  const requested = req.headers['access-control-request-headers'];
  if (typeof requested === 'string' && requested.length < 2000) {
    const extra = requested
      .split(',')
      .map((h) => h.trim().toLowerCase())
      .filter((h) => /^[a-z0-9!#$%&'*+.^_`|~-]+$/.test(h) && !allow.includes(h));
    if (extra.length) allow = [...allow, ...extra];
  }
  res.setHeader('access-control-allow-origin', '*');
  res.setHeader('access-control-allow-headers', allow.join(', '));
  res.setHeader('access-control-allow-methods', 'GET, POST, PUT, DELETE, OPTIONS');
  res.setHeader('access-control-expose-headers', EXPOSE_HEADERS);
}

/** Records the status in the request's log record. */
export function setStatus(ctx, status) {
  if (ctx.rec) ctx.rec.status = status;
}

export function sendJson(ctx, status, obj, headers = {}) {
  const { res } = ctx;
  if (res.headersSent || res.destroyed) return;
  const body = Buffer.from(JSON.stringify(obj));
  setStatus(ctx, status);
  res.writeHead(status, {
    'content-type': 'application/json; charset=utf-8',
    'content-length': body.length,
    'x-request-id': ctx.requestId,
    ...headers,
  });
  res.end(body);
}

/** meinGPT's error shape: `{"status":"error","message":...}`. */
export function sendError(ctx, status, message, headers) {
  sendJson(ctx, status, { status: 'error', message }, headers);
}

/** Ends the connection without an answer. */
export function destroy(ctx) {
  ctx.serverDestroyed = true;
  ctx.req.socket.destroy();
}

/** The Bearer key of the request, '' when there is none. */
export function bearerKey(req) {
  const authz = req.headers.authorization;
  const m = typeof authz === 'string' ? /^Bearer\s+(\S.*)$/i.exec(authz.trim()) : null;
  return m ? m[1].trim() : '';
}

/** Resolves true after `ms`, or false as soon as `signal` aborts. */
export function sleep(ms, signal) {
  return new Promise((resolve) => {
    if (signal.aborted) return resolve(false);
    let timer = null;
    const done = (v) => {
      clearTimeout(timer);
      signal.removeEventListener('abort', onAbort);
      resolve(v);
    };
    const onAbort = () => done(false);
    timer = setTimeout(done, ms, true);
    signal.addEventListener('abort', onAbort, { once: true });
  });
}

export function tick() {
  return new Promise((resolve) => setImmediate(resolve));
}

/** Write with backpressure; false when the connection is gone. */
export async function write(ctx, data) {
  const { res, ctl } = ctx;
  if (ctl.signal.aborted || res.destroyed) return false;
  if (!res.write(data)) {
    await new Promise((resolve) => {
      const done = () => {
        res.off('drain', done);
        ctl.signal.removeEventListener('abort', done);
        resolve();
      };
      res.once('drain', done);
      ctl.signal.addEventListener('abort', done, { once: true });
    });
  }
  return !ctl.signal.aborted && !res.destroyed;
}

/** Write the data one byte per write, yielding to the event loop between writes. */
export async function writeBytes(ctx, data) {
  const buf = Buffer.isBuffer(data) ? data : Buffer.from(data);
  for (let i = 0; i < buf.length; i += 1) {
    if (!(await write(ctx, buf.subarray(i, i + 1)))) return false;
    await tick();
  }
  return true;
}

/** Waits until the write buffer has been handed to the OS, then destroys the socket. */
export async function flushThenDestroy(ctx) {
  const sock = ctx.req.socket;
  for (let i = 0; i < 100 && sock && !sock.destroyed && sock.writableLength > 0; i += 1) {
    if (!(await sleep(10, ctx.ctl.signal))) break;
  }
  await tick();
  destroy(ctx);
}

/**
 * The request body, at most `limit` bytes: `{ buf, tooLarge, aborted, hardLimit }`. Past the limit
 * it reads on (so the 413 reaches the client) up to 8 times the limit + 64 KiB (`hardLimit`), then
 * stops reading.
 */
export function readBody(req, signal, limit) {
  const hard = limit * 8 + 65536;
  return new Promise((resolve) => {
    const chunks = [];
    let size = 0;
    let tooLarge = false;
    let finished = false;
    const finish = (aborted) => {
      if (finished) return;
      finished = true;
      signal.removeEventListener('abort', onAbort);
      resolve({ buf: tooLarge ? null : Buffer.concat(chunks), tooLarge, aborted, hardLimit: size > hard });
    };
    const onAbort = () => finish(true);
    signal.addEventListener('abort', onAbort, { once: true });
    req.on('data', (c) => {
      size += c.length;
      if (size > limit) {
        tooLarge = true;
        chunks.length = 0;
        if (size > hard) {
          req.pause();
          finish(false);
        }
      } else {
        chunks.push(c);
      }
    });
    req.on('end', () => finish(false));
    req.on('error', () => finish(true));
    req.on('close', () => finish(!req.complete));
  });
}
