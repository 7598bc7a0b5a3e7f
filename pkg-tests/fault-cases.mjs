// One table of fault cases against the simulator, run unchanged in Node, workerd and Chromium
// (node/faults.test.mjs, workerd/faults.test.mjs, browser/faults.test.mjs): each fault gives SPEC's
// typed error (class and status) within the timeout, never a hang, the key never shows, and the next
// call works. No imports: the runtime passes the package's exports in (`api`). The runners return
// plain data; checkCase() (run in Node) turns it into a list of problems.

/** The API key of every case: it must never show in an error, a log line or a URL. */
export const CANARY = 'sk-canary-7b3f9e21d4c8a6';

const S = true; // stream
const ERR = (error, status, more = {}) => ({ error, status, ...more });
const OK = (more = {}) => ({ ok: true, ...more });
const RA0 = { 'x-simulator-retry-after': '0' };

/**
 * name; stream and read ('iterate' | 'sse' | 'text' | 'final'); fault (x-simulator-fault); headers;
 * options (or a function of env giving them: a custom fetch that needs the key); expect (one outcome, or an array: that many calls in a row); requests (how many reached
 * the server, all calls together); maxMs (an outcome must come sooner: the fault itself lasts longer).
 */
export const FAULT_CASES = [
  { name: 'reset before headers', fault: 'reset', expect: ERR('APIConnectionError', null), requests: 1 },
  { name: 'reset before headers, stream', stream: S, fault: 'reset', expect: ERR('APIConnectionError', null) },
  { name: 'reset mid-body', fault: 'cut', expect: ERR('APIConnectionError', null) },
  { name: 'reset mid-body, stream, for await', stream: S, fault: 'cut:3', expect: ERR('APIConnectionError', null, { items: 3 }) },
  { name: 'reset mid-body, stream, toReadableStream', stream: S, read: 'sse', fault: 'cut:3', expect: ERR('APIConnectionError', null, { items: 3 }) },
  { name: 'reset mid-body, stream, textStream', stream: S, read: 'text', fault: 'cut:4', expect: ERR('APIConnectionError', null) },
  { name: 'reset mid-body, stream, finalCompletion alone', stream: S, read: 'final', fault: 'cut:4', expect: ERR('APIConnectionError', null) },
  { name: 'slow first byte beyond timeoutMs', fault: 'slow-first-byte:8000', options: { timeoutMs: 500 }, expect: ERR('APIConnectionTimeoutError', null), maxMs: 6000 },
  { name: 'slow first byte beyond timeoutMs, stream', stream: S, fault: 'slow-first-byte:8000', options: { timeoutMs: 500 }, expect: ERR('APIConnectionTimeoutError', null), maxMs: 6000 },
  { name: 'slow first byte within timeoutMs', stream: S, read: 'final', fault: 'slow-first-byte:300', options: { timeoutMs: 5000 }, expect: OK() },
  { name: 'stall mid-stream beyond timeoutMs, for await', stream: S, fault: 'stall:8000', options: { timeoutMs: 500 }, expect: ERR('APIConnectionTimeoutError', null, { items: 2 }), maxMs: 6000 },
  { name: 'stall mid-stream beyond timeoutMs, toReadableStream', stream: S, read: 'sse', fault: 'stall:8000', options: { timeoutMs: 500 }, expect: ERR('APIConnectionTimeoutError', null, { items: 2 }), maxMs: 6000 },
  { name: 'stall mid-stream within timeoutMs', stream: S, fault: 'stall:300', options: { timeoutMs: 5000 }, expect: OK() },
  // Retry-After: 1 s twice; the backoff alone would wait at most 0.5 s + 1 s.
  { name: '429 storm, Retry-After (s) honoured, then success', fault: 'seq:429:1/429:1/ok', options: { maxRetries: 2 }, expect: OK({ minMs: 1900 }), requests: 3 },
  { name: '429 storm, retry-after-ms honoured, then success, stream', stream: S, read: 'sse', fault: 'seq:429:300ms/429:300ms/429:300ms/ok', options: { maxRetries: 3 }, expect: OK({ minMs: 850 }), requests: 4 },
  { name: '429 storm beyond maxRetries', fault: '429:0', options: { maxRetries: 2 }, expect: ERR('RateLimitError', 429), requests: 3 },
  { name: '5xx flap within one call, then success', fault: 'seq:503/500/502-html/ok', headers: RA0, options: { maxRetries: 3 }, expect: OK(), requests: 4 },
  {
    name: '5xx flap across calls (no retries)',
    stream: S,
    read: 'final',
    fault: 'seq:503/ok/502-html/ok/openai-error:500/ok',
    options: { maxRetries: 0 },
    expect: [ERR('InternalServerError', 503), OK(), ERR('InternalServerError', 502), OK(), ERR('InternalServerError', 500), OK()],
    requests: 6,
  },
  { name: '5xx beyond maxRetries, stream', stream: S, fault: '503', headers: RA0, options: { maxRetries: 1 }, expect: ERR('InternalServerError', 503), requests: 2 },
  { name: 'HTML error page', fault: '502-html', expect: ERR('InternalServerError', 502), requests: 1 },
  { name: 'HTML error page, stream', stream: S, fault: '502-html', expect: ERR('InternalServerError', 502) },
  // (Not 408 here: Chromium's network stack itself re-sends a request answered by 408.)
  { name: '404, 422 and a retried 409', fault: 'seq:404/ok/422/ok/409/409', headers: RA0, options: { maxRetries: 1 }, expect: [ERR('NotFoundError', 404), OK(), ERR('UnprocessableEntityError', 422), OK(), ERR('APIError', 409)], requests: 6 },
  { name: 'garbage bytes', fault: 'garbage', expect: ERR('APIError', 200) },
  { name: 'garbage bytes, stream, for await', stream: S, fault: 'garbage', expect: ERR('APIError', undefined, { items: 1 }) },
  { name: 'garbage bytes, stream, textStream', stream: S, read: 'text', fault: 'garbage:100000', expect: ERR('APIError') },
  { name: 'broken JSON, stream, toReadableStream', stream: S, read: 'sse', fault: 'broken-json', expect: ERR('APIError', undefined, { items: 1 }) },
  { name: 'a huge single line over the cap', stream: S, fault: `huge-line:${17 * 1024 * 1024 + 5}`, expect: ERR('APIError', undefined, { items: 0, message: '16 MiB|too large|exceeds' }) },
  { name: 'a huge single line that never ends', stream: S, read: 'sse', fault: 'huge-line:2000000', options: { timeoutMs: 1500 }, expect: ERR('APIConnectionTimeoutError', null, { items: 0 }) },
  { name: 'invalid UTF-8, textStream', stream: S, read: 'text', fault: 'invalid-utf8', expect: OK({ text: '\uFFFD' }) },
  { name: 'invalid UTF-8, for await', stream: S, fault: 'invalid-utf8', expect: OK({ text: '\uFFFD' }) },
  { name: 'an error object mid-stream', stream: S, fault: 'error-mid-stream', expect: ERR('APIError', undefined, { items: 2, message: '^Simulated upstream failure$' }) },
  { name: 'an OpenAI error object mid-stream, toReadableStream', stream: S, read: 'sse', fault: 'openai-error-mid-stream', expect: ERR('APIError', undefined, { items: 2 }) },
  { name: 'a server that echoes the key', fault: 'echo-key', expect: ERR('AuthenticationError', 401, { message: '^Incorrect API key provided: ' }) },
  { name: 'a server that echoes the key inside a stream', stream: S, fault: 'echo-key', expect: ERR('APIError', undefined, { items: 0, message: '^Incorrect API key provided: ' }) },
  { name: 'no [DONE], clean end', stream: S, read: 'final', fault: 'no-done', expect: OK() },
  // Issue 12: the key hides in places the plain redaction did not look (escaped in JSON, a header,
  // a cause, a key given only as an Authorization header, a key in the baseUrl query).
  { name: 'a 401 whose JSON escapes the key (\\u0073k-...)', options: (env) => ({ fetch: async () => new Response(`{"status":"error","message":"Incorrect API key provided: \\u00${env.apiKey.charCodeAt(0).toString(16)}${env.apiKey.slice(1).replace('-', '\\u002d')}"}`, { status: 401, headers: { 'content-type': 'application/json' } }) }), expect: ERR('AuthenticationError', 401, { message: '^Incorrect API key provided: ' }) },
  { name: 'a server that echoes the key in a response header', options: (env) => ({ fetch: async () => new Response('{"status":"error","message":"no"}', { status: 401, headers: { 'x-echo': `Bearer ${env.apiKey}` } }) }), expect: ERR('AuthenticationError', 401) },
  { name: 'a custom fetch that throws the Authorization value', options: () => ({ fetch: async (url, init) => { throw new TypeError(`boom ${new Headers(init.headers).get('authorization')}`); } }), expect: ERR('APIConnectionError', null) },
  { name: 'the key only as headers.Authorization, echoed by the server', fault: 'echo-key', options: (env) => ({ apiKey: undefined, headers: { authorization: `Bearer ${env.apiKey}` } }), expect: ERR('AuthenticationError', 401, { message: '^Incorrect API key provided: ' }) },
  { name: 'the key in the baseUrl query, the connection refused', options: (env) => ({ baseUrl: `http://127.0.0.1:9/v1?key=${env.apiKey}`, fetch: async (url) => { throw new TypeError(`Failed to fetch ${url}`); } }), expect: ERR('APIConnectionError', null) },
  // Issue 12: comment lines are no events: the idle timer fires although bytes keep coming.
  {
    name: 'a stream that sends only comments after its first chunk',
    stream: S,
    options: () => ({ fetch: async (url, init) => commentsOnly(init.signal), timeoutMs: 600 }),
    expect: ERR('APIConnectionTimeoutError', null, { items: 1 }),
    maxMs: 4000,
  },
  // Issue 12: a redirect to another origin is not followed (the conversation stays where the caller
  // sent it); a browser hides the status of a manual redirect, so the status is not checked here.
  { name: 'a 307 to another origin', fault: 'redirect:307', options: { maxRetries: 2 }, expect: ERR('APIError', undefined, { message: 'redirect' }), requests: 1 },
  { name: 'a 308 to another origin, stream', stream: S, fault: 'redirect:308', expect: ERR('APIError', undefined, { message: 'redirect' }), requests: 1 },
  // Not faults of the server, but errors of the remaining classes, for the key-safety checks.
  { name: 'a refused request (ValidationError)', request: { temperature: 9 }, expect: ERR('ValidationError', null), requests: 0 },
  { name: 'abort while waiting for the response', fault: 'slow-first-byte:8000', abortAfterMs: 300, expect: ERR('APIUserAbortError', null), maxMs: 6000, requests: 1 },
  { name: 'abort mid-stream', stream: S, fault: 'stall:8000', abortAfterMs: 600, expect: ERR('APIUserAbortError', null, { items: 2 }), maxMs: 6000 },
];

const CLASSES = [
  'MeinGPTError', 'ValidationError', 'APIError', 'BadRequestError', 'AuthenticationError', 'PermissionDeniedError',
  'NotFoundError', 'UnprocessableEntityError', 'RateLimitError', 'InternalServerError', 'APIConnectionError',
  'APIConnectionTimeoutError', 'APIUserAbortError',
];

/** Where `secret` shows in a value: its strings, own properties (enumerable or not), causes, headers. */
export function leaksOf(value, secret, path = 'error', depth = 0, seen = new Set(), out = []) {
  if (typeof value === 'string') {
    if (value.includes(secret)) out.push(path);
    return out;
  }
  if (value === null || typeof value !== 'object' || depth > 6 || seen.has(value)) return out;
  seen.add(value);
  if (typeof Headers !== 'undefined' && value instanceof Headers) {
    for (const [k, v] of value) leaksOf(`${k}: ${v}`, secret, `${path}.headers`, depth, seen, out);
    return out;
  }
  if (value instanceof Error) {
    leaksOf(String(value), secret, `String(${path})`, depth, seen, out);
    leaksOf(String(value.stack), secret, `${path}.stack`, depth, seen, out);
    try {
      leaksOf(String(JSON.stringify(value)), secret, `JSON.stringify(${path})`, depth, seen, out);
    } catch {
      // a cycle: the property walk below still sees everything
    }
  }
  for (const k of Reflect.ownKeys(value)) {
    if (typeof k === 'symbol') continue;
    const d = Object.getOwnPropertyDescriptor(value, k);
    if (d && 'value' in d) leaksOf(d.value, secret, `${path}.${k}`, depth + 1, seen, out);
  }
  if ('cause' in value && !Object.prototype.hasOwnProperty.call(value, 'cause')) leaksOf(value.cause, secret, `${path}.cause`, depth + 1, seen, out);
  return out;
}

/** Plain data about an error: name, status, message, the package classes it is an instance of, leaks. */
export function describeError(api, e, secret) {
  return {
    name: e?.name,
    status: e?.status ?? null,
    message: String(e?.message),
    isError: e instanceof Error,
    classes: CLASSES.filter((c) => typeof api[c] === 'function' && e instanceof api[c]),
    leaks: leaksOf(e, secret),
  };
}

/** Records console output (every method that logs) while `fn` runs; still prints it. */
export async function withConsole(fn) {
  const lines = [];
  const saved = {};
  for (const m of ['log', 'info', 'warn', 'error', 'debug', 'trace']) {
    saved[m] = console[m];
    console[m] = (...args) => {
      lines.push(args.map((a) => (a instanceof Error ? `${a.stack}` : typeof a === 'string' ? a : safeJson(a))).join(' '));
      saved[m].apply(console, args);
    };
  }
  try {
    return { value: await fn(), lines };
  } finally {
    Object.assign(console, saved);
  }
}

function safeJson(v) {
  try {
    return JSON.stringify(v) ?? String(v);
  } catch {
    return String(v);
  }
}

/** Resolves to { hang: true } when `promise` has not settled after `ms`, else to its value. */
export function watchdog(promise, ms) {
  let timer;
  return Promise.race([
    promise,
    new Promise((resolve) => {
      timer = setTimeout(() => resolve({ hang: true, afterMs: ms }), ms);
    }),
  ]).finally(() => clearTimeout(timer));
}

const MESSAGE = 'Hallo! Wie ist das Wetter in München? Grüße 😀';

/** The request of a case. */
export function requestOf(c, content = MESSAGE) {
  return { model: 'gpt-4o-mini', messages: [{ role: 'user', content }], ...(c.stream ? { stream: true } : {}) };
}

/** Reads a stream the case's way into out.items and out.text (kept when the read throws). */
async function readStream(stream, read, out) {
  if (read === 'final') {
    out.text = (await stream.finalCompletion()).choices[0].message.content;
    return;
  }
  if (read === 'iterate' || read === undefined) {
    for await (const chunk of stream) {
      out.items += 1;
      out.text += chunk.choices?.[0]?.delta?.content ?? '';
    }
    return;
  }
  const reader = (read === 'sse' ? stream.toReadableStream() : stream.textStream()).getReader();
  const decoder = new TextDecoder();
  let sse = '';
  const finish = () => {
    if (read !== 'sse') return;
    const events = sse.split('\n\n').filter((e) => e.startsWith('data: ') && e !== 'data: [DONE]');
    out.items = events.length;
    out.text = events.map((e) => JSON.parse(e.slice(6)).choices?.[0]?.delta?.content ?? '').join('');
  };
  try {
    for (let i = 0; i < 1_000_000; i += 1) {
      const { done, value } = await reader.read();
      if (done) break;
      if (read === 'sse') sse += decoder.decode(value, { stream: true });
      else {
        out.items += 1;
        out.text += value;
      }
    }
  } finally {
    finish();
  }
}

/** A streamed 200 whose body sends one chunk, then only `:` comment lines every 100 ms (at most 8 s). */
function commentsOnly(signal) {
  const enc = new TextEncoder();
  let timer;
  let n = 0;
  const body = new ReadableStream({
    start(c) {
      c.enqueue(enc.encode('data: {"id":"c1","object":"chat.completion.chunk","created":1,"model":"m","choices":[{"index":0,"delta":{"content":"a"},"finish_reason":null}]}\n\n'));
      // As a real fetch body: an abort of the request fails the read.
      signal?.addEventListener('abort', () => {
        clearInterval(timer);
        try {
          c.error(signal.reason);
        } catch {
          // already closed or cancelled
        }
      });
      timer = setInterval(() => {
        if ((n += 1) > 80) {
          clearInterval(timer);
          c.close();
        } else c.enqueue(enc.encode(':\n'));
      }, 100);
    },
    cancel() {
      clearInterval(timer);
    },
  });
  return new Response(body, { headers: { 'content-type': 'text/event-stream' } });
}

/** One call of a case: { ok, items, text, error, final, ms }. */
async function callOnce(api, c, env) {
  const t0 = Date.now();
  const extra = typeof c.options === 'function' ? c.options(env) : c.options;
  const headers = { 'x-test-id': env.id, ...(c.fault ? { 'x-simulator-fault': c.fault } : {}), ...c.headers, ...extra?.headers };
  const options = { apiKey: env.apiKey, baseUrl: env.baseUrl, maxRetries: 0, timeoutMs: 5000, ...extra, headers };
  if (c.abortAfterMs) options.signal = AbortSignal.timeout(c.abortAfterMs);
  const out = { ok: false, items: 0, text: '', error: null, final: null };
  let stream;
  try {
    const res = await api.chatCompletion({ ...requestOf(c), ...c.request }, options);
    if (c.stream) {
      stream = res;
      if (!(stream instanceof api.ChatCompletionStream)) throw new Error('not a ChatCompletionStream');
      await readStream(stream, c.read, out);
    } else out.text = res.choices[0].message.content;
    out.ok = true;
  } catch (e) {
    out.error = describeError(api, e, env.apiKey);
  }
  if (stream && c.read !== 'final') {
    try {
      const f = await stream.finalCompletion();
      out.final = { ok: true, text: f.choices[0].message.content };
    } catch (e) {
      out.final = { ok: false, error: describeError(api, e, env.apiKey) };
    }
  }
  out.ms = Date.now() - t0;
  return out;
}

function canonical(v) {
  if (Array.isArray(v)) return `[${v.map(canonical).join(',')}]`;
  if (v && typeof v === 'object') return `{${Object.keys(v).sort().map((k) => `${JSON.stringify(k)}:${canonical(v[k])}`).join(',')}}`;
  return JSON.stringify(v);
}

/** The next call works: a plain call, and a stream whose finalCompletion() equals it. */
export async function healthCheck(api, env) {
  try {
    const request = requestOf({}, 'Gesundheitscheck: läuft alles? 🚀');
    const options = { apiKey: env.apiKey, baseUrl: env.baseUrl, timeoutMs: 10000 };
    const plain = await api.chatCompletion(request, options);
    const stream = await api.chatCompletion({ ...request, stream: true, stream_options: { include_usage: true } }, options);
    let n = 0;
    for await (const chunk of stream) if (chunk) n += 1;
    const final = await stream.finalCompletion();
    return { ok: true, chunks: n, same: canonical(final) === canonical(plain), content: plain.choices[0].message.content };
  } catch (e) {
    return { ok: false, error: describeError(api, e, env.apiKey) };
  }
}

/** Runs one case (all its calls), then the health check; console output is recorded. */
export async function runCase(api, c, env) {
  const calls = Array.isArray(c.expect) ? c.expect.length : 1;
  const { value, lines } = await withConsole(async () => {
    const outcomes = [];
    for (let i = 0; i < calls; i += 1) outcomes.push(await watchdog(callOnce(api, c, env), 15000));
    const next = await watchdog(healthCheck(api, env), 15000);
    return { outcomes, next };
  });
  return { name: c.name, ...value, console: lines };
}

/** The problems of a case's result (empty when it passed). `requests`: the simulator's count. */
export function checkCase(c, r, secret = CANARY, requests = undefined) {
  const p = [];
  const expects = Array.isArray(c.expect) ? c.expect : [c.expect];
  expects.forEach((x, i) => {
    const o = r.outcomes[i];
    const at = expects.length > 1 ? `call ${i + 1}: ` : '';
    if (!o) return p.push(`${at}no outcome`);
    if (o.hang) return p.push(`${at}hang: nothing after ${o.afterMs} ms`);
    if (c.maxMs !== undefined && o.ms > c.maxMs) p.push(`${at}took ${o.ms} ms (> ${c.maxMs})`);
    if (x.ok) {
      if (!o.ok) return p.push(`${at}expected success, got ${o.error?.name} ${o.error?.status}: ${o.error?.message}`);
      if (!o.text) p.push(`${at}empty content`);
      if (x.text && !o.text.includes(x.text)) p.push(`${at}content lacks ${JSON.stringify(x.text)}: ${o.text.slice(0, 80)}`);
      if (x.minMs !== undefined && o.ms < x.minMs) p.push(`${at}took ${o.ms} ms, Retry-After asks for ${x.minMs}`);
      if (o.final && (!o.final.ok || o.final.text !== o.text)) p.push(`${at}finalCompletion: ${JSON.stringify(o.final).slice(0, 200)}`);
      return undefined;
    }
    const e = o.error;
    if (!e) return p.push(`${at}expected ${x.error}, the call succeeded`);
    if (e.name !== x.error || !e.classes.includes(x.error)) p.push(`${at}expected ${x.error}, got ${e.name} [${e.classes}]: ${e.message}`);
    if (!e.isError || !e.classes.includes('MeinGPTError')) p.push(`${at}not an Error and MeinGPTError: ${e.name}`);
    if (x.error === 'APIError' && e.classes.some((k) => k !== 'APIError' && k !== 'MeinGPTError')) p.push(`${at}exactly APIError expected: [${e.classes}]`);
    if (x.status !== undefined && e.status !== x.status) p.push(`${at}status ${e.status}, expected ${x.status}`);
    if (x.items !== undefined && o.items !== x.items) p.push(`${at}${o.items} items before the error, expected ${x.items}`);
    if (x.message && !new RegExp(x.message).test(e.message)) p.push(`${at}message ${JSON.stringify(e.message)} !~ /${x.message}/`);
    if (e.leaks.length) p.push(`${at}the key shows in ${e.leaks.join(', ')}`);
    if (o.final) {
      if (o.final.ok) p.push(`${at}finalCompletion() resolved after an error`);
      else if (o.final.error.name !== e.name) p.push(`${at}finalCompletion() rejected with ${o.final.error.name}, the read with ${e.name}`);
      else if (o.final.error.leaks.length) p.push(`${at}the key shows in finalCompletion's error: ${o.final.error.leaks}`);
    }
    return undefined;
  });
  if (r.next?.hang || !r.next?.ok) p.push(`the next call failed: ${JSON.stringify(r.next).slice(0, 300)}`);
  else if (!r.next.same) p.push('the next stream did not assemble to the next plain answer');
  const logged = (r.console ?? []).filter((l) => l.includes(secret));
  if (logged.length) p.push(`the key shows in console output: ${logged[0].slice(0, 200)}`);
  if (c.requests !== undefined && requests !== undefined && requests !== c.requests) p.push(`${requests} requests reached the server, expected ${c.requests}`);
  return p;
}

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Never poisoned: `trap()` (the package's test-only hook) makes the live wasm instance execute
 * `unreachable`. A stream reading on it must fail with APIConnectionError (not hang), a call waiting
 * for its response must complete on the fresh instance, and the next calls must work, again and again.
 */
export async function runTrapScenario(api, trap, env) {
  const opts = (headers = {}) => ({ apiKey: env.apiKey, baseUrl: env.baseUrl, maxRetries: 0, timeoutMs: 3000, headers });
  const settle = (p) =>
    watchdog(
      p.then(
        (v) => ({ ok: true, value: v }),
        (e) => ({ ok: false, error: describeError(api, e, env.apiKey) }),
      ),
      15000,
    );
  const out = { before: await healthCheck(api, env) };
  // In flight on the instance about to die: a paced stream (2 chunks read, a third read pending) and
  // a call waiting for its first byte.
  const words = Array.from({ length: 40 }, (_, i) => `Wort${i}`).join(' ');
  const stream = await api.chatCompletion(requestOf({ stream: true }, `echo:${words}`), opts({ 'x-simulator-pacing': '500' }));
  const it = stream[Symbol.asyncIterator]();
  await it.next();
  await it.next();
  const pending = settle(api.chatCompletion(requestOf({}), opts({ 'x-simulator-fault': 'slow-first-byte:1500' })));
  await sleep(200); // the request is out
  // Read on until a read waits for the network (the chunks of one network read come at once).
  let third;
  for (let i = 0; i < 30; i += 1) {
    third = settle(it.next());
    if ((await Promise.race([third, sleep(50).then(() => 'waiting')])) === 'waiting') break;
  }
  const t0 = Date.now();
  try {
    trap();
    out.trap = { ok: true };
  } catch (e) {
    out.trap = { ok: false, error: describeError(api, e, env.apiKey), causeIsRuntimeError: e?.cause instanceof WebAssembly.RuntimeError };
  }
  out.third = await third;
  out.pending = { ...(await pending), ms: Date.now() - t0 };
  out.rest = await settle(it.next());
  out.final = await settle(stream.finalCompletion());
  out.after = await healthCheck(api, env);
  out.again = [];
  for (let i = 0; i < 3; i += 1) {
    try {
      trap();
    } catch {
      // the trap's own APIConnectionError, checked above
    }
    out.again.push(await healthCheck(api, env));
  }
  try {
    trap(); // right before a validation: validateRequest starts afresh too
  } catch {
    // as above
  }
  out.validate = await settle(api.validateRequest(requestOf({})));
  out.invalid = await settle(api.validateRequest({ ...requestOf({}), temperature: 7 }));
  return out;
}

/** The problems of a trap scenario's result. */
export function checkTrap(r) {
  const p = [];
  const leaks = [];
  JSON.stringify(r, (k, v) => (k === 'leaks' && v.length ? leaks.push(...v) : v));
  if (leaks.length) p.push(`the key shows in ${leaks.join(', ')}`);
  const healthy = (h, what) => {
    if (!h?.ok || !h.same) p.push(`${what}: ${JSON.stringify(h).slice(0, 300)}`);
  };
  const connErr = (x, what) => {
    if (x?.hang) p.push(`${what}: hang`);
    else if (x?.ok !== false || x.error.name !== 'APIConnectionError' || !x.error.classes.includes('APIConnectionError')) p.push(`${what}: expected APIConnectionError, got ${JSON.stringify(x).slice(0, 300)}`);
  };
  healthy(r.before, 'before the trap');
  connErr(r.trap, 'the trapping call');
  if (!r.trap?.causeIsRuntimeError) p.push('the trap error has no WebAssembly.RuntimeError as its cause');
  connErr(r.third, 'a stream read waiting for data at the trap');
  if (!r.pending?.ok || !r.pending.value?.choices?.[0]?.message?.content) p.push(`a call waiting for its response at the trap: ${JSON.stringify(r.pending).slice(0, 300)}`);
  // After its error the iterator is finished: done, or the same error again; never a hang or a chunk.
  if (!(r.rest?.ok && r.rest.value?.done === true)) connErr(r.rest, 'a read of that stream after the trap');
  connErr(r.final, "that stream's finalCompletion()");
  healthy(r.after, 'the next call');
  r.again.forEach((h, i) => healthy(h, `the call after trap ${i + 2}`));
  if (r.again.length !== 3) p.push('not every trap was followed by a call');
  if (!r.validate?.ok) p.push(`validateRequest after a trap: ${JSON.stringify(r.validate)}`);
  if (r.invalid?.ok !== false || r.invalid.error.name !== 'ValidationError') p.push(`validateRequest of a bad request: ${JSON.stringify(r.invalid)}`);
  return p;
}
