// meinGPT simulator: a local stand-in for meinGPT's OpenAI-compatible Chat Completions API.
// Node built-ins only. See README.md in this folder.

import http from 'node:http';
import fs from 'node:fs';
import path from 'node:path';
import vm from 'node:vm';
import {
  MODELS,
  MODEL_CREATED,
  ROLES,
  findModel,
  buildCompletion,
  completionObject,
  streamChunks,
  chunkObject,
  sha256hex,
  ReplyTooLarge,
} from './reply.mjs';

export { MODELS } from './reply.mjs';
import { createRoutes } from './routes.mjs';

const CHAT_PATHS = new Set(['/api/openai/v1/chat/completions', '/v1/chat/completions']);
const MODEL_PATHS = new Set(['/api/openai/v1/models', '/v1/models']);
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
const LOG_MAX = 1000;
/** The log keeps request bodies up to this many bytes in all (older records go first). */
const LOG_MAX_BODY_BYTES = 32 * 1024 * 1024;
/** Fault counters kept (the oldest group is forgotten first). */
const FAULT_COUNTERS_MAX = 10000;
/** OpenAI's own limit on the number of tools of one request. */
const MAX_TOOLS = 128;
/** Bounds of the fault arguments that size an output or a wait (larger values are clamped). */
const MAX_GARBAGE_BYTES = 64 * 1024 * 1024;
const MAX_HUGE_LINE_BYTES = 1024 * 1024 * 1024;
const MAX_WAIT_MS = 600000;
/** Time to build one reply (json_schema value, tool arguments, stream pieces) before the request is refused. */
const GENERATION_MS = 2000;
const TOOL_NAME_RE = /^[A-Za-z0-9_-]{1,64}$/;

/** Fault names; `kind` tells when they act. */
const FAULTS = {
  '429': 'status',
  '500': 'status',
  '502': 'status',
  '503': 'status',
  '502-html': 'status',
  'openai-error': 'status',
  status: 'status',
  reset: 'pre',
  'slow-first-byte': 'pre',
  cut: 'response',
  stall: 'response',
  'error-mid-stream': 'response',
  'openai-error-mid-stream': 'response',
  'broken-json': 'response',
  'huge-line': 'response',
  'invalid-utf8': 'response',
  'surrogate-split': 'response',
  'byte-split': 'response',
  crlf: 'response',
  cr: 'response',
  'sse-extras': 'response',
  'no-done': 'response',
  'late-end': 'response',
  garbage: 'response',
  'echo-key': 'pre',
  redirect: 'pre',
};
export const FAULT_NAMES = Object.freeze(Object.keys(FAULTS));

const MIME = {
  '.html': 'text/html; charset=utf-8',
  '.htm': 'text/html; charset=utf-8',
  '.js': 'text/javascript',
  '.mjs': 'text/javascript',
  '.cjs': 'text/javascript',
  '.wasm': 'application/wasm',
  '.json': 'application/json',
  '.map': 'application/json',
  '.css': 'text/css; charset=utf-8',
  '.txt': 'text/plain; charset=utf-8',
  '.md': 'text/markdown; charset=utf-8',
  '.ts': 'text/plain; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.jpg': 'image/jpeg',
  '.jpeg': 'image/jpeg',
  '.gif': 'image/gif',
  '.ico': 'image/x-icon',
  '.webp': 'image/webp',
  '.woff2': 'font/woff2',
};

// Building a reply runs under a vm timeout: the only bound that also stops a costly regular
// expression (a json_schema `pattern` such as `^(a+)+$` against a long user text) inside V8.
const GEN_CONTEXT = vm.createContext({});
const GEN_SCRIPT = new vm.Script('run()');

/** fn() with at most `ms` of CPU time; a longer run throws HttpError 400. */
function withinTime(fn, ms) {
  GEN_CONTEXT.run = fn;
  try {
    return GEN_SCRIPT.runInContext(GEN_CONTEXT, { timeout: ms });
  } catch (err) {
    if (err && err.code === 'ERR_SCRIPT_EXECUTION_TIMEOUT') {
      throw new HttpError(400, `Building the reply took over ${ms} ms (the simulator's limit): the schema or the input asks for too much`);
    }
    throw err;
  } finally {
    GEN_CONTEXT.run = undefined;
  }
}

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

const OPENAI_ERROR_TYPES = {
  400: 'invalid_request_error',
  401: 'authentication_error',
  403: 'permission_error',
  404: 'not_found_error',
  409: 'conflict_error',
  422: 'invalid_request_error',
  429: 'rate_limit_error',
};

class HttpError extends Error {
  constructor(status, message) {
    super(message);
    this.status = status;
  }
}

function statusMessage(status) {
  return STATUS_MESSAGES[status] || http.STATUS_CODES[status] || `HTTP ${status}`;
}

function parseFaults(spec) {
  const out = [];
  for (const part of String(spec).split(',')) {
    const p = part.trim();
    if (!p) continue;
    const i = p.indexOf(':');
    const name = (i >= 0 ? p.slice(0, i) : p).trim().toLowerCase();
    const arg = i >= 0 ? p.slice(i + 1).trim() : '';
    if (/^[45]\d\d$/.test(name) && !FAULTS[name]) {
      out.push({ name: 'status', arg: name, kind: 'status' });
      continue;
    }
    if (!FAULTS[name]) throw new HttpError(400, `Unknown simulator fault '${name.slice(0, 60)}'`);
    out.push({ name, arg, kind: FAULTS[name] });
  }
  return out;
}

/**
 * Fault garbage: n deterministic pseudo-random bytes (a 32-bit LCG), the same on every run, in pieces
 * of at most 64 KiB (so a large n is written with backpressure, never held whole).
 */
function* garbagePieces(n) {
  let x = 0x2545f491;
  for (let at = 0; at < n; at += 65536) {
    const out = Buffer.alloc(Math.min(65536, n - at));
    for (let i = 0; i < out.length; i += 1) {
      x = (Math.imul(x, 1664525) + 1013904223) >>> 0;
      out[i] = x >>> 24;
    }
    yield out;
  }
}

function intArg(arg, def, min = 0, max = 2 ** 31) {
  if (arg === '' || arg === undefined) return def;
  const n = Number(arg);
  if (!Number.isFinite(n)) throw new HttpError(400, `Invalid simulator fault argument '${String(arg).slice(0, 40)}'`);
  return Math.min(max, Math.max(min, Math.floor(n)));
}

function isLoopback(host) {
  return host === 'localhost' || host === '::1' || /^127\.\d+\.\d+\.\d+$/.test(host);
}

/**
 * Start a simulator.
 * @param {object} [opts]
 * @param {number} [opts.port=0]
 * @param {string} [opts.host='127.0.0.1']
 * @param {number} [opts.pacingMs=0] delay between streamed chunks
 * @param {string} [opts.staticDir] serve files under it for GET/HEAD
 * @param {Record<string,string>} [opts.staticRoutes] URL prefix -> directory
 * @param {number} [opts.bodyLimit=1048576]
 * @param {() => number | number} [opts.now=Date.now] clock in ms for `created`
 * @returns {Promise<{url: string, port: number, host: string, close: () => Promise<void>, log: object[], resetFaults: () => void}>}
 */
export async function startSimulator(opts = {}) {
  const hostGiven = Object.prototype.hasOwnProperty.call(opts, 'host') && opts.host !== undefined;
  const host = hostGiven ? String(opts.host) : '127.0.0.1';
  if (!hostGiven && !isLoopback(host)) throw new Error('meinGPT simulator binds only to loopback unless opts.host is given');
  const port = opts.port === undefined ? 0 : Number(opts.port);
  const pacingMs = Math.max(0, Number(opts.pacingMs) || 0);
  const bodyLimit = opts.bodyLimit === undefined ? 1024 * 1024 : Math.max(0, Number(opts.bodyLimit));
  const generationMs = opts.generationMs === undefined ? GENERATION_MS : Math.max(1, Number(opts.generationMs) || GENERATION_MS);
  const nowFn = typeof opts.now === 'function' ? opts.now : typeof opts.now === 'number' ? () => opts.now : Date.now;
  const routes = [];
  if (opts.staticRoutes && typeof opts.staticRoutes === 'object') {
    for (const [prefix, dir] of Object.entries(opts.staticRoutes)) routes.push({ prefix, dir: path.resolve(dir) });
  }
  if (opts.staticDir) routes.push({ prefix: '/', dir: path.resolve(opts.staticDir) });
  routes.sort((a, b) => b.prefix.length - a.prefix.length);

  const log = [];
  const logSizes = new WeakMap(); // record -> bytes of its body text
  let logBytes = 0;
  const faultCounters = new Map();
  const sockets = new Set();
  const active = new Set();
  let closing = false;
  let closePromise = null;
  let seq = 0;

  const other = createRoutes(
    { sendJson, sendError, countFault, logBody: (rec, body, n) => logBody(rec, body, n), now: nowFn },
    { fileLimit: opts.fileLimit },
  );

  const server = http.createServer({ noDelay: true });
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.setNoDelay(true);
    socket.on('error', () => {});
    socket.on('close', () => sockets.delete(socket));
    if (closing) socket.destroy();
  });
  server.on('clientError', (err, socket) => {
    if (socket.writable && !socket.destroyed) socket.end('HTTP/1.1 400 Bad Request\r\nconnection: close\r\ncontent-length: 0\r\n\r\n');
    else socket.destroy();
  });
  server.on('request', (req, res) => {
    seq += 1;
    const url = typeof req.url === 'string' ? req.url : '/';
    const q = url.indexOf('?');
    const pathname = q >= 0 ? url.slice(0, q) : url;
    const ctx = {
      req,
      res,
      ctl: new AbortController(),
      serverDestroyed: false,
      requestId: `req_sim_${String(seq).padStart(6, '0')}`,
      rec: null,
    };
    if (!pathname.startsWith('/__sim/')) {
      ctx.rec = {
        method: req.method,
        path: url,
        headers: { ...req.headers },
        body: null,
        fault: null,
        status: null,
        clientClosed: false,
        // The client's port: requests with the same one came over the same connection.
        remotePort: req.socket.remotePort,
      };
      log.push(ctx.rec);
      trimLog();
    }
    active.add(ctx);
    req.on('error', () => {});
    res.on('error', () => {});
    res.on('close', () => {
      if (!res.writableFinished && !ctx.serverDestroyed && !closing && ctx.rec) ctx.rec.clientClosed = true;
      ctx.ctl.abort();
      active.delete(ctx);
    });
    handle(ctx, pathname).catch(() => {
      if (res.destroyed) return;
      if (!res.headersSent) sendError(ctx, 500, 'Internal simulator error');
      else destroy(ctx);
    });
  });

  await new Promise((resolve, reject) => {
    const onError = (err) => reject(err);
    server.once('error', onError);
    server.listen(port, host, () => {
      server.off('error', onError);
      resolve();
    });
  });
  server.on('error', () => {});
  const addr = server.address();
  const actualPort = addr.port;
  const urlHost = host.includes(':') ? `[${host}]` : host;

  function close() {
    if (closePromise) return closePromise;
    closing = true;
    closePromise = new Promise((resolve) => {
      server.close(() => resolve());
    });
    for (const ctx of active) {
      ctx.serverDestroyed = true;
      ctx.ctl.abort();
    }
    for (const s of sockets) s.destroy();
    return closePromise;
  }

  function resetFaults() {
    faultCounters.clear();
  }

  /** Keeps the log within LOG_MAX records and LOG_MAX_BODY_BYTES of bodies (the newest record stays). */
  function trimLog() {
    let drop = Math.max(0, log.length - LOG_MAX);
    let bytes = logBytes;
    for (let i = 0; i < drop; i += 1) bytes -= logSizes.get(log[i]) ?? 0;
    while (bytes > LOG_MAX_BODY_BYTES && drop < log.length - 1) {
      bytes -= logSizes.get(log[drop]) ?? 0;
      drop += 1;
    }
    if (drop > 0) log.splice(0, drop);
    logBytes = bytes;
  }

  function logBody(rec, value, bytes) {
    if (!rec) return;
    rec.body = value;
    if (!log.includes(rec)) return;
    logSizes.set(rec, bytes);
    logBytes += bytes;
    trimLog();
  }

  /** Counts one more request of a fault group; the oldest group goes when there are too many. */
  function countFault(key) {
    const n = (faultCounters.get(key) || 0) + 1;
    faultCounters.delete(key);
    faultCounters.set(key, n);
    if (faultCounters.size > FAULT_COUNTERS_MAX) faultCounters.delete(faultCounters.keys().next().value);
    return n;
  }

  // -------------------------------------------------------------------------------------------

  function setCors(req, res) {
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

  function setStatus(ctx, status) {
    if (ctx.rec) ctx.rec.status = status;
  }

  function sendJson(ctx, status, obj, headers = {}) {
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

  function sendError(ctx, status, message, headers) {
    sendJson(ctx, status, { status: 'error', message }, headers);
  }

  function destroy(ctx) {
    ctx.serverDestroyed = true;
    ctx.req.socket.destroy();
  }

  function sleep(ms, signal) {
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

  function tick() {
    return new Promise((resolve) => setImmediate(resolve));
  }

  /** Write with backpressure; false when the connection is gone. */
  async function write(ctx, data) {
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
  async function writeBytes(ctx, data) {
    const buf = Buffer.isBuffer(data) ? data : Buffer.from(data);
    for (let i = 0; i < buf.length; i += 1) {
      if (!(await write(ctx, buf.subarray(i, i + 1)))) return false;
      await tick();
    }
    return true;
  }

  /** Waits until the write buffer has been handed to the OS, then destroys the socket. */
  async function flushThenDestroy(ctx) {
    const sock = ctx.req.socket;
    for (let i = 0; i < 100 && sock && !sock.destroyed && sock.writableLength > 0; i += 1) {
      if (!(await sleep(10, ctx.ctl.signal))) break;
    }
    await tick();
    destroy(ctx);
  }

  function readBody(req, signal) {
    return new Promise((resolve) => {
      const chunks = [];
      let size = 0;
      let tooLarge = false;
      let finished = false;
      const finish = (aborted) => {
        if (finished) return;
        finished = true;
        signal.removeEventListener('abort', onAbort);
        resolve({ buf: tooLarge ? null : Buffer.concat(chunks), tooLarge, aborted, hardLimit: size > bodyLimit * 8 + 65536 });
      };
      const onAbort = () => finish(true);
      signal.addEventListener('abort', onAbort, { once: true });
      req.on('data', (c) => {
        size += c.length;
        if (size > bodyLimit) {
          tooLarge = true;
          chunks.length = 0;
          if (size > bodyLimit * 8 + 65536) {
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

  // -------------------------------------------------------------------------------------------

  async function handle(ctx, pathname) {
    const { req, res } = ctx;
    setCors(req, res);
    const method = req.method;

    if (method === 'OPTIONS') {
      setStatus(ctx, 204);
      res.writeHead(204, { 'access-control-max-age': '600', 'content-length': '0' });
      res.end();
      return;
    }
    if (pathname === '/__sim/log' && (method === 'GET' || method === 'HEAD')) {
      sendJson(ctx, 200, redactedLog());
      return;
    }
    if (pathname === '/__sim/reset' && method === 'POST') {
      log.length = 0;
      logBytes = 0;
      faultCounters.clear();
      other.reset();
      sendJson(ctx, 200, { status: 'ok' });
      return;
    }
    if (MODEL_PATHS.has(pathname) && (method === 'GET' || method === 'HEAD')) {
      sendJson(ctx, 200, {
        object: 'list',
        data: MODELS.map((m) => ({
          id: m.id,
          object: 'model',
          created: MODEL_CREATED,
          owned_by: m.owned_by,
          supports_tools: m.supports_tools,
          reasoning: m.reasoning,
        })),
      });
      return;
    }
    if (CHAT_PATHS.has(pathname) && method === 'POST') {
      await handleChat(ctx);
      return;
    }
    // meinGPT's other routes (simulator/routes.mjs).
    if (await other.handle(ctx, pathname, method)) return;
    if ((method === 'GET' || method === 'HEAD') && routes.length) {
      if (await serveStatic(ctx, pathname)) return;
    }
    sendError(ctx, 404, `Not found: ${method} ${pathname.slice(0, 200)}`);
  }

  function redactedLog() {
    return log.map((r) => {
      const headers = { ...r.headers };
      if (headers.authorization !== undefined) headers.authorization = '[redacted]';
      if (headers['proxy-authorization'] !== undefined) headers['proxy-authorization'] = '[redacted]';
      return { ...r, headers };
    });
  }

  async function serveStatic(ctx, pathname) {
    const { req, res } = ctx;
    const route = routes.find((r) => pathname.startsWith(r.prefix) || `${pathname}/` === r.prefix);
    if (!route) return false;
    let rel;
    try {
      rel = decodeURIComponent(pathname.slice(route.prefix.length));
    } catch {
      sendError(ctx, 400, 'Bad request path');
      return true;
    }
    if (rel.includes('\0')) {
      sendError(ctx, 400, 'Bad request path');
      return true;
    }
    const segments = rel.split(/[\\/]+/);
    if (segments.includes('..')) {
      sendError(ctx, 403, 'Forbidden path');
      return true;
    }
    const root = route.dir;
    let file = path.resolve(root, `.${path.sep}${rel}`);
    if (file !== root && !file.startsWith(root.endsWith(path.sep) ? root : root + path.sep)) {
      sendError(ctx, 403, 'Forbidden path');
      return true;
    }
    let st;
    try {
      st = await fs.promises.stat(file);
      if (st.isDirectory()) {
        file = path.join(file, 'index.html');
        st = await fs.promises.stat(file);
      }
    } catch {
      return false;
    }
    if (!st.isFile()) return false;
    const type = MIME[path.extname(file).toLowerCase()] || 'application/octet-stream';
    setStatus(ctx, 200);
    res.writeHead(200, { 'content-type': type, 'content-length': st.size, 'cache-control': 'no-store' });
    if (req.method === 'HEAD') {
      res.end();
      return true;
    }
    const stream = fs.createReadStream(file);
    stream.on('error', () => destroy(ctx));
    res.on('close', () => stream.destroy());
    stream.pipe(res);
    return true;
  }

  // -------------------------------------------------------------------------------------------

  async function handleChat(ctx) {
    const { req, res, ctl } = ctx;
    const got = await readBody(req, ctl.signal);
    if (got.aborted) return;
    if (got.tooLarge) {
      sendError(ctx, 413, `Request body too large (limit ${bodyLimit} bytes)`, got.hardLimit ? { connection: 'close' } : {});
      if (got.hardLimit) res.on('finish', () => destroy(ctx));
      return;
    }
    const text = got.buf.toString('utf8');
    let body;
    let parsed = false;
    try {
      body = JSON.parse(text);
      parsed = true;
    } catch {
      body = undefined;
    }
    logBody(ctx.rec, parsed ? body : text, got.buf.length);

    // Faults: header first, else model suffix `model@fault[:arg]`.
    let modelSuffix = null;
    if (parsed && body && typeof body === 'object' && !Array.isArray(body) && typeof body.model === 'string') {
      const at = body.model.indexOf('@');
      if (at >= 0) {
        modelSuffix = body.model.slice(at + 1);
        body = { ...body, model: body.model.slice(0, at) };
      }
    }
    const headerFault = req.headers['x-simulator-fault'];
    const spec = typeof headerFault === 'string' && headerFault.trim() ? headerFault.trim() : modelSuffix;
    let faults = [];
    // Without a key, a request is grouped with the same fault spec and the same body (a retry).
    const groupKey = () => {
      const keyRaw = req.headers['x-simulator-fault-key'];
      return typeof keyRaw === 'string' && keyRaw ? `key:${keyRaw}` : `spec:${spec}:${sha256hex(text)}`;
    };
    try {
      if (spec && /^seq:/i.test(spec)) {
        // `seq:<f1>/<f2>/…`: the n-th request of the group gets the n-th fault (`ok`: none), later ones none.
        const steps = spec.slice(4).split('/').map((x) => x.trim());
        const n = countFault(`seq:${groupKey()}`);
        const step = steps[n - 1];
        if (step && step.toLowerCase() !== 'ok') faults = parseFaults(step);
      } else if (spec) faults = parseFaults(spec);
    } catch (err) {
      sendError(ctx, err.status || 400, err.message);
      return;
    }
    if (faults.length) {
      const timesRaw = req.headers['x-simulator-fault-times'];
      if (typeof timesRaw === 'string' && timesRaw.trim() !== '') {
        const times = Number(timesRaw);
        if (Number.isFinite(times)) {
          const count = countFault(groupKey());
          if (count > times) faults = [];
        }
      }
    }
    if (ctx.rec) ctx.rec.fault = faults.length ? faults.map((f) => (f.arg ? `${f.name}:${f.arg}` : f.name)).join(',') : null;
    const has = (name) => faults.find((f) => f.name === name);

    // Faults before anything else.
    let pacing = pacingMs;
    const pacingHeader = req.headers['x-simulator-pacing'];
    if (typeof pacingHeader === 'string' && pacingHeader.trim() !== '' && Number.isFinite(Number(pacingHeader))) {
      pacing = Math.min(60000, Math.max(0, Number(pacingHeader)));
    }
    try {
      const slow = has('slow-first-byte');
      if (slow) {
        const ok = await sleep(intArg(slow.arg, 2000, 0, MAX_WAIT_MS), ctl.signal);
        if (!ok) return;
      }
      if (has('reset')) {
        destroy(ctx);
        return;
      }
      if (has('echo-key')) {
        sendEchoKey(ctx, parsed && body?.stream === true);
        return;
      }
      const redirect = has('redirect');
      if (redirect) {
        sendRedirect(ctx, intArg(redirect.arg, 307, 300, 399));
        return;
      }
      const statusFault = faults.find((f) => f.kind === 'status');
      if (statusFault) {
        sendStatusFault(ctx, statusFault);
        return;
      }
    } catch (err) {
      sendError(ctx, err.status || 400, err.message);
      return;
    }

    // Auth.
    const authz = req.headers.authorization;
    const m = typeof authz === 'string' ? /^Bearer\s+(\S.*)$/i.exec(authz.trim()) : null;
    const key = m ? m[1].trim() : '';
    if (!key) return sendError(ctx, 401, 'Unauthorized: missing API key');
    if (key === 'sk-invalid') return sendError(ctx, 401, 'Unauthorized: invalid API key');
    if (key === 'sk-forbidden') return sendError(ctx, 403, 'Forbidden: this API key has no access to the chat completions API');

    // Body.
    if (!parsed) return sendError(ctx, 400, 'Invalid JSON in request body');
    const problem = validate(body);
    if (problem) return sendError(ctx, 400, problem);
    const modelInfo = findModel(body.model);
    const created = Math.floor(Number(nowFn()) / 1000);
    let plan;
    try {
      plan = withinTime(() => buildCompletion(body, modelInfo, created), generationMs);
    } catch (err) {
      if (err instanceof ReplyTooLarge || err instanceof HttpError) return sendError(ctx, 400, err.message);
      throw err;
    }

    const responseFaults = faults.filter((f) => f.kind === 'response');
    if (body.stream === true) {
      const includeUsage = !!(body.stream_options && typeof body.stream_options === 'object' && body.stream_options.include_usage === true);
      await sendStream(ctx, plan, includeUsage, responseFaults, pacing);
    } else {
      await sendCompletion(ctx, plan, responseFaults);
    }
  }

  function sendStatusFault(ctx, f) {
    const { req, res } = ctx;
    const headers = {};
    const ra = req.headers['x-simulator-retry-after'];
    if (typeof ra === 'string' && ra.trim()) headers['retry-after'] = ra.trim();
    if (f.name === '429') {
      if (!headers['retry-after']) {
        const arg = f.arg || '1';
        const ms = /^(\d+(?:\.\d+)?)ms$/i.exec(arg);
        if (ms) headers['retry-after-ms'] = ms[1];
        else headers['retry-after'] = arg;
      }
      return sendError(ctx, 429, statusMessage(429), headers);
    }
    if (f.name === '500' || f.name === '502' || f.name === '503') {
      const st = Number(f.name);
      return sendError(ctx, st, statusMessage(st), headers);
    }
    if (f.name === '502-html') {
      const html = Buffer.from('<html><body><h1>502 Bad Gateway</h1></body></html>');
      setStatus(ctx, 502);
      res.writeHead(502, { 'content-type': 'text/html', 'content-length': html.length, 'x-request-id': ctx.requestId, ...headers });
      res.end(html);
      return undefined;
    }
    const st = intArg(f.arg, f.name === 'openai-error' ? 500 : 500, 0, 999);
    if (st < 400 || st > 599) throw new HttpError(400, `Invalid simulator fault status '${f.arg}' (400-599)`);
    if (st === 429 && !headers['retry-after']) headers['retry-after'] = '1';
    if (f.name === 'openai-error') {
      return sendJson(
        ctx,
        st,
        { error: { message: `Simulated error: ${statusMessage(st)}`, type: OPENAI_ERROR_TYPES[st] || 'server_error', code: null } },
        headers,
      );
    }
    return sendError(ctx, st, statusMessage(st), headers);
  }

  /** Fault echo-key: a careless server that repeats the caller's key in its error message. */
  function sendEchoKey(ctx, stream) {
    const authz = String(ctx.req.headers.authorization ?? '');
    const error = { error: { message: `Incorrect API key provided: ${authz.replace(/^Bearer\s+/i, '')}`, type: 'invalid_request_error' } };
    if (!stream) return sendJson(ctx, 401, error);
    setStatus(ctx, 200);
    ctx.res.writeHead(200, { 'content-type': 'text/event-stream; charset=utf-8', 'x-request-id': ctx.requestId });
    ctx.res.end(`data: ${JSON.stringify(error)}\n\n`);
    return undefined;
  }

  /**
   * Fault redirect[:status]: a redirect to another origin (a loopback port where nothing listens), as a
   * moved or hijacked endpoint would send. A client that follows it fails to connect; one that does
   * not reports the redirect.
   */
  function sendRedirect(ctx, status) {
    setStatus(ctx, status);
    ctx.res.writeHead(status, { location: 'http://127.0.0.1:9/elsewhere/chat/completions', 'content-length': '0', 'x-request-id': ctx.requestId });
    ctx.res.end();
  }

  function validate(body) {
    if (!body || typeof body !== 'object' || Array.isArray(body)) return 'Request body must be a JSON object';
    if (body.model === undefined) return 'model is required';
    if (typeof body.model !== 'string' || body.model === '') return 'model must be a non-empty string';
    if (!findModel(body.model)) {
      const shown = Array.from(body.model).slice(0, 100).join('');
      return `Model '${shown}' not found`;
    }
    const msgs = body.messages;
    if (msgs === undefined) return 'messages is required';
    if (!Array.isArray(msgs)) return 'messages must be an array';
    if (msgs.length === 0) return 'messages must contain at least one message';
    for (let i = 0; i < msgs.length; i += 1) {
      const msg = msgs[i];
      if (!msg || typeof msg !== 'object' || Array.isArray(msg)) return `messages[${i}] must be an object`;
      if (typeof msg.role !== 'string' || !ROLES.includes(msg.role)) return `messages[${i}].role must be one of ${ROLES.join(', ')}`;
      const c = msg.content;
      if (!(c === undefined || c === null || typeof c === 'string' || Array.isArray(c))) {
        return `messages[${i}].content must be a string or an array of content parts`;
      }
    }
    if (body.temperature !== undefined) {
      const t = body.temperature;
      if (typeof t !== 'number' || !Number.isFinite(t) || t < 0 || t > 2) return 'temperature must be between 0 and 2';
    }
    if (body.stream !== undefined && typeof body.stream !== 'boolean') return 'stream must be a boolean';
    if (body.response_format !== undefined) {
      const rf = body.response_format;
      if (!rf || typeof rf !== 'object' || !['text', 'json_object', 'json_schema'].includes(rf.type)) {
        return "response_format.type must be one of 'text', 'json_object', 'json_schema'";
      }
      if (rf.type === 'json_schema' && (!rf.json_schema || typeof rf.json_schema !== 'object')) return 'response_format.json_schema is required';
    }
    const modelInfo = findModel(body.model);
    const tools = body.tools;
    if (tools !== undefined && !(Array.isArray(tools) && tools.length === 0)) {
      if (!modelInfo.supports_tools) return `Model '${body.model}' does not support tools`;
      if (!Array.isArray(tools)) return 'tools must be an array';
      if (tools.length > MAX_TOOLS) return `tools: at most ${MAX_TOOLS} tools`;
      const names = new Set();
      for (let i = 0; i < tools.length; i += 1) {
        const t = tools[i];
        if (!t || typeof t !== 'object' || t.type !== 'function' || !t.function || typeof t.function !== 'object') {
          return `tools[${i}] must be {type: 'function', function: {...}}`;
        }
        if (typeof t.function.name !== 'string' || !TOOL_NAME_RE.test(t.function.name)) {
          return `tools[${i}].function.name must match ^[A-Za-z0-9_-]{1,64}$`;
        }
        if (names.has(t.function.name)) return `tools[${i}].function.name '${t.function.name}' is not unique`;
        names.add(t.function.name);
        const p = t.function.parameters;
        if (p !== undefined && (!p || typeof p !== 'object' || Array.isArray(p))) return `tools[${i}].function.parameters must be an object`;
      }
    }
    const tc = body.tool_choice;
    if (tc !== undefined) {
      const hasTools = Array.isArray(tools) && tools.length > 0;
      if (typeof tc === 'string') {
        if (!['auto', 'none', 'required'].includes(tc)) return "tool_choice must be 'auto', 'none', 'required' or {type: 'function', function: {name}}";
        if (tc === 'required' && !hasTools) return "tool_choice 'required' needs tools";
      } else if (tc && typeof tc === 'object' && tc.type === 'function' && tc.function && typeof tc.function.name === 'string') {
        if (!hasTools || !tools.some((t) => t.function.name === tc.function.name)) {
          return `tool_choice.function.name '${tc.function.name.slice(0, 64)}' is not one of the tools`;
        }
      } else {
        return "tool_choice must be 'auto', 'none', 'required' or {type: 'function', function: {name}}";
      }
    }
    return null;
  }

  async function sendCompletion(ctx, plan, faults) {
    const { res } = ctx;
    const has = (n) => faults.find((f) => f.name === n);
    const headers = { 'content-type': 'application/json; charset=utf-8', 'x-request-id': ctx.requestId };
    if (has('garbage')) {
      const n = intArg(has('garbage').arg, 4096, 1, MAX_GARBAGE_BYTES);
      setStatus(ctx, 200);
      res.writeHead(200, { ...headers, 'content-length': n });
      for (const piece of garbagePieces(n)) if (!(await write(ctx, piece))) return;
      res.end();
      return;
    }
    if (has('broken-json')) {
      const broken = Buffer.from('{"id": "x", "choi');
      setStatus(ctx, 200);
      res.writeHead(200, { ...headers, 'content-length': broken.length });
      res.end(broken);
      return;
    }
    const body = Buffer.from(JSON.stringify(completionObject(plan)));
    setStatus(ctx, 200);
    res.writeHead(200, { ...headers, 'content-length': body.length });
    if (has('cut')) {
      if (await write(ctx, body.subarray(0, Math.floor(body.length / 2)))) await flushThenDestroy(ctx);
      return;
    }
    if (has('byte-split')) {
      if (await writeBytes(ctx, body)) res.end();
      return;
    }
    res.end(body);
  }

  async function sendStream(ctx, plan, includeUsage, faults, pacing) {
    const { res, ctl } = ctx;
    const has = (n) => faults.find((f) => f.name === n);
    const nl = has('crlf') ? '\r\n' : has('cr') ? '\r' : '\n';
    const fix = (s) => (nl === '\n' ? s : s.replace(/\n/g, nl));
    const bytewise = !!has('byte-split');
    const extras = !!has('sse-extras');

    setStatus(ctx, 200);
    res.writeHead(200, {
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-cache',
      'x-accel-buffering': 'no',
      'x-request-id': ctx.requestId,
    });
    res.flushHeaders();

    const junk = has('garbage');
    if (junk) {
      const first = `data: ${JSON.stringify(streamChunks(plan, includeUsage, plan.contentPieces)[0])}\n\n`;
      if (!(await write(ctx, Buffer.from(`${first}data: `)))) return;
      for (const piece of garbagePieces(intArg(junk.arg, 4096, 1, MAX_GARBAGE_BYTES))) {
        if (!(await write(ctx, piece.filter((b) => b !== 10 && b !== 13)))) return;
      }
      if (await write(ctx, Buffer.from('\n\n'))) res.end();
      return;
    }
    const huge = has('huge-line');
    if (huge) {
      await sendHugeLine(ctx, intArg(huge.arg, 8 * 1024 * 1024, 1, MAX_HUGE_LINE_BYTES));
      return;
    }

    // The events (strings or Buffers), built up front.
    let pieces = plan.contentPieces;
    if (has('surrogate-split')) pieces = surrogateSplit(pieces);
    const chunks = streamChunks(plan, includeUsage, pieces).map((c) => ({ obj: c }));
    if (has('invalid-utf8')) {
      const marker = '\u0001\u0002';
      const json = JSON.stringify(chunkObject(plan, { content: ` ungültig:${marker} ` }));
      const at = json.indexOf('\\u0001\\u0002');
      const buf = Buffer.concat([
        Buffer.from(fix(`data: ${json.slice(0, at)}`)),
        Buffer.from([0xff, 0xfe]),
        Buffer.from(fix(`${json.slice(at + 12)}\n\n`)),
      ]);
      chunks.splice(Math.min(2, chunks.length), 0, { raw: buf });
    }
    if (has('broken-json')) chunks.splice(1, 0, { raw: fix('data: {"id":\n\n') });

    const events = [];
    if (extras) events.push(fix('\uFEFF: meinGPT simulator stream\nretry: 1000\n\n'));
    chunks.forEach((c, i) => {
      if (c.raw) {
        events.push(c.raw);
        return;
      }
      const json = JSON.stringify(c.obj);
      if (!extras) {
        events.push(fix(`data: ${json}\n\n`));
        return;
      }
      let ev = '';
      if (i % 2 === 0) ev += ': keep-alive\n\n';
      ev += `event: message\nid: ${i + 1}\n`;
      if (i === 1) ev += `${JSON.stringify(c.obj, null, 2).split('\n').map((l) => `data: ${l}`).join('\n')}\n`;
      else if (i === 2) ev += `data:${json}\n`;
      else ev += `data: ${json}\n`;
      ev += '\n';
      events.push(fix(ev));
    });

    const errorMid = has('error-mid-stream') || has('openai-error-mid-stream');
    const cut = has('cut');
    const cutAt = cut ? intArg(cut.arg, 3, 0, 1e9) : Infinity;
    const stall = has('stall');
    const stallMs = stall ? intArg(stall.arg, 10000, 0, MAX_WAIT_MS) : 0;

    const send = (data) => (bytewise ? writeBytes(ctx, data) : write(ctx, data));
    for (let i = 0; i < events.length; i += 1) {
      if (i >= cutAt) {
        await flushThenDestroy(ctx);
        return;
      }
      if (errorMid && i === 2) {
        const err = has('error-mid-stream')
          ? { status: 'error', message: 'Simulated upstream failure' }
          : { error: { message: 'Simulated upstream failure', type: 'server_error' } };
        if (await send(fix(`data: ${JSON.stringify(err)}\n\n`))) res.end();
        return;
      }
      if (stall && i === 2) {
        if (!(await sleep(stallMs, ctl.signal))) return;
      } else if (i > 0 && pacing > 0) {
        if (!(await sleep(pacing, ctl.signal))) return;
      }
      if (!(await send(events[i]))) return;
    }
    if (cutAt <= events.length) {
      await flushThenDestroy(ctx);
      return;
    }
    if (!has('no-done')) {
      if (pacing > 0 && !(await sleep(pacing, ctl.signal))) return;
      if (!(await send(fix('data: [DONE]\n\n')))) return;
    }
    const lateEnd = has('late-end');
    if (lateEnd && !(await sleep(intArg(lateEnd.arg, 50, 0, MAX_WAIT_MS), ctl.signal))) return;
    res.end();
  }

  async function sendHugeLine(ctx, total) {
    const { ctl } = ctx;
    const head = 'data: {"id":"';
    const piece = Buffer.alloc(64 * 1024, 0x61);
    let sent = 0;
    if (!(await write(ctx, head))) return;
    sent += head.length;
    while (sent < total) {
      const n = Math.min(piece.length, total - sent);
      if (!(await write(ctx, n === piece.length ? piece : piece.subarray(0, n)))) return;
      sent += n;
      await tick();
    }
    // Hold the line open, without a newline, until the client (or close()) ends it.
    await new Promise((resolve) => {
      if (ctl.signal.aborted) resolve();
      else ctl.signal.addEventListener('abort', resolve, { once: true });
    });
  }

  return {
    url: `http://${urlHost}:${actualPort}`,
    port: actualPort,
    host,
    close,
    log,
    resetFaults,
  };
}

/**
 * For the surrogate-split fault: 😀 as two pieces holding the lone surrogates. When the reply
 * contains no 😀, the emoji is inserted after the first piece.
 */
function surrogateSplit(pieces) {
  const out = [];
  let found = false;
  for (const p of pieces) {
    if (!p.includes('😀')) {
      out.push(p);
      continue;
    }
    found = true;
    const parts = p.split('😀');
    parts.forEach((part, i) => {
      if (part) out.push(part);
      if (i < parts.length - 1) out.push('\ud83d', '\ude00');
    });
  }
  if (!found) out.splice(Math.min(1, out.length), 0, '\ud83d', '\ude00');
  return out;
}
