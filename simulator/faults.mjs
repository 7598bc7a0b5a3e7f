// The chat route's faults: the table of names, parsing a fault spec (`x-simulator-fault` or the model
// suffix `model@fault[:arg]`), the per-group counters (`-times`, `-key`, `seq:`), and the faults that
// answer before auth and validation (status, reset, slow-first-byte, echo-key, redirect). The faults
// that shape a reply act in respond.mjs.
import { HttpError, destroy, sendError, sendJson, setStatus, sleep, statusMessage } from './http.mjs';
import { sha256hex } from './text.mjs';

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

/** Fault counters kept (the oldest group is forgotten first). */
const FAULT_COUNTERS_MAX = 10000;
/** Bounds of the fault arguments that size an output or a wait (larger values are clamped). */
export const MAX_GARBAGE_BYTES = 64 * 1024 * 1024;
export const MAX_HUGE_LINE_BYTES = 1024 * 1024 * 1024;
export const MAX_WAIT_MS = 600000;

const OPENAI_ERROR_TYPES = {
  400: 'invalid_request_error',
  401: 'authentication_error',
  403: 'permission_error',
  404: 'not_found_error',
  409: 'conflict_error',
  422: 'invalid_request_error',
  429: 'rate_limit_error',
};

/** `a,b:arg,...` -> `[{ name, arg, kind }]`; a bare 4xx/5xx number is fault `status` with that argument. */
export function parseFaults(spec) {
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

/** A fault's whole-number argument, `def` when absent, clamped to [min, max]. */
export function intArg(arg, def, min = 0, max = 2 ** 31) {
  if (arg === '' || arg === undefined) return def;
  const n = Number(arg);
  if (!Number.isFinite(n)) throw new HttpError(400, `Invalid simulator fault argument '${String(arg).slice(0, 40)}'`);
  return Math.min(max, Math.max(min, Math.floor(n)));
}

/**
 * Fault garbage: n deterministic pseudo-random bytes (a 32-bit LCG), the same on every run, in pieces
 * of at most 64 KiB (so a large n is written with backpressure, never held whole).
 */
export function* garbagePieces(n) {
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

/**
 * For the surrogate-split fault: 😀 as two pieces holding the lone surrogates. When the reply
 * contains no 😀, the emoji is inserted after the first piece.
 */
export function surrogateSplit(pieces) {
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

/** Requests counted per fault group (`x-simulator-fault-times`, `seq:`); bounded. */
export function createFaultCounters() {
  const counters = new Map();
  return {
    /** Counts one more request of a group; the oldest group goes when there are too many. */
    count(key) {
      const n = (counters.get(key) || 0) + 1;
      counters.delete(key);
      counters.set(key, n);
      if (counters.size > FAULT_COUNTERS_MAX) counters.delete(counters.keys().next().value);
      return n;
    },
    clear() {
      counters.clear();
    },
  };
}

/**
 * The faults this request gets: from `spec` (the header, else the model suffix), after `seq:` steps
 * and `x-simulator-fault-times`. `text` is the body (a request without a key is grouped with the same
 * spec and body: a retry). Throws HttpError 400 for an unknown fault.
 */
export function faultsFor(counters, req, spec, text) {
  if (!spec) return [];
  const groupKey = () => {
    const keyRaw = req.headers['x-simulator-fault-key'];
    return typeof keyRaw === 'string' && keyRaw ? `key:${keyRaw}` : `spec:${spec}:${sha256hex(text)}`;
  };
  let faults = [];
  if (/^seq:/i.test(spec)) {
    // `seq:<f1>/<f2>/…`: the n-th request of the group gets the n-th fault (`ok`: none), later ones none.
    const steps = spec.slice(4).split('/').map((x) => x.trim());
    const step = steps[counters.count(`seq:${groupKey()}`) - 1];
    if (step && step.toLowerCase() !== 'ok') faults = parseFaults(step);
  } else faults = parseFaults(spec);
  if (!faults.length) return faults;
  const timesRaw = req.headers['x-simulator-fault-times'];
  if (typeof timesRaw === 'string' && timesRaw.trim() !== '') {
    const times = Number(timesRaw);
    if (Number.isFinite(times) && counters.count(groupKey()) > times) return [];
  }
  return faults;
}

/** How the log shows the faults of a request. */
export function faultLabel(faults) {
  return faults.length ? faults.map((f) => (f.arg ? `${f.name}:${f.arg}` : f.name)).join(',') : null;
}

/**
 * The faults that act before auth and validation. True when the request is done (answered, or the
 * connection is gone); throws HttpError 400 for a bad fault argument.
 */
export async function preFaults(ctx, faults, streamAsked) {
  const has = (name) => faults.find((f) => f.name === name);
  const slow = has('slow-first-byte');
  if (slow && !(await sleep(intArg(slow.arg, 2000, 0, MAX_WAIT_MS), ctx.ctl.signal))) return true;
  if (has('reset')) {
    destroy(ctx);
    return true;
  }
  if (has('echo-key')) {
    sendEchoKey(ctx, streamAsked);
    return true;
  }
  const redirect = has('redirect');
  if (redirect) {
    sendRedirect(ctx, intArg(redirect.arg, 307, 300, 399));
    return true;
  }
  const statusFault = faults.find((f) => f.kind === 'status');
  if (statusFault) {
    sendStatusFault(ctx, statusFault);
    return true;
  }
  return false;
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
  const st = intArg(f.arg, 500, 0, 999);
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
