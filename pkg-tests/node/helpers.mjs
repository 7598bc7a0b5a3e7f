// Shared helpers of the Node package tests. Node built-ins only; the package is imported by its
// bare name (resolved through the installed tarball's `exports` map, `node` condition).
import assert from 'node:assert/strict';
import http from 'node:http';
import net from 'node:net';
import { chatCompletion, APIError, MeinGPTError } from 'meingpt-wasm';
import { startSimulator } from '../../simulator/server.mjs';

/** The simulator's clock (ms): fixed, so `created` is the same in every response. */
export const NOW = 1718000000000;
export const KEY = 'sk-test-key-4711';
export const CANARY = 'sk-canary-123456789';
export const CHAT_PATH = '/api/openai/v1/chat/completions';
/** Timeout of one test; no test should get close to it. */
export const T = { timeout: 20_000 };
export const MESSAGES = Object.freeze([{ role: 'user', content: 'Hallo! Wie ist das Wetter in München?' }]);
export const WEATHER_TOOL = Object.freeze({
  type: 'function',
  function: {
    name: 'get_weather',
    description: 'Aktuelles Wetter einer Stadt',
    parameters: {
      type: 'object',
      properties: { city: { type: 'string' }, unit: { type: 'string', enum: ['celsius', 'fahrenheit'] } },
      required: ['city'],
    },
  },
});

export const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
const enc = new TextEncoder();
export const bytes = (s) => (typeof s === 'string' ? enc.encode(s) : s);

let counter = 0;
/** A unique id for the `x-test-id` header, to find a call's requests in the simulator log. */
export function uid(prefix = 't') {
  counter += 1;
  return `${prefix}-${process.pid}-${counter}-${Date.now()}`;
}

/** Starts a simulator on 127.0.0.1 with a fixed clock; adds `baseUrl`. */
export async function startSim(opts = {}) {
  const sim = await startSimulator({ port: 0, now: NOW, ...opts });
  sim.baseUrl = `${sim.url}/api/openai/v1`;
  return sim;
}

/** A request body: gpt-4o-mini and a German user message, plus `extra`. */
export function req(extra = {}) {
  return { model: 'gpt-4o-mini', messages: MESSAGES.map((m) => ({ ...m })), ...extra };
}

/** Options for the simulator: key, base URL, and an `x-test-id` header when `id` is given. */
export function opts(sim, extra = {}, id = undefined) {
  const o = { apiKey: KEY, baseUrl: sim.baseUrl, ...extra };
  if (id !== undefined) o.headers = { ...(extra.headers || {}), 'x-test-id': id };
  return o;
}

/** Headers that make the simulator inject a fault (`times`: only the first N requests of `key`). */
export function fault(name, { times, key } = {}) {
  const h = { 'x-simulator-fault': name };
  if (times !== undefined) {
    h['x-simulator-fault-times'] = String(times);
    h['x-simulator-fault-key'] = key ?? uid('fk');
  }
  return h;
}

/** The simulator's log records of the requests that carried `x-test-id: id`. */
export function logFor(sim, id) {
  return sim.log.filter((r) => r.headers['x-test-id'] === id);
}

/** Polls `pred` every 20 ms until it is truthy or `ms` passed; returns the last value. */
export async function waitFor(pred, ms = 3000) {
  const until = Date.now() + ms;
  for (;;) {
    const v = pred();
    if (v || Date.now() >= until) return v;
    await sleep(20);
  }
}

/** Rejects after `ms` with a message: to bound a single await that must not hang. */
export function within(promise, ms, what = 'operation') {
  let timer;
  return Promise.race([
    promise,
    new Promise((_, reject) => {
      timer = setTimeout(() => reject(new Error(`${what} did not settle within ${ms} ms`)), ms);
    }),
  ]).finally(() => clearTimeout(timer));
}

/** Awaits a promise that must reject; returns the reason. */
export async function rejection(promise, what = 'the call') {
  try {
    await promise;
  } catch (e) {
    return e;
  }
  assert.fail(`${what} resolved, a rejection was expected`);
}

/** Iterates an async iterable, at most `max` items; returns { items, error }. */
export async function collect(iterable, max = 10_000) {
  const items = [];
  try {
    for await (const x of iterable) {
      items.push(x);
      if (items.length >= max) throw new Error(`more than ${max} items`);
    }
  } catch (error) {
    return { items, error };
  }
  return { items, error: undefined };
}

/** Reads a ReadableStream to its end (at most `max` reads); returns { items, error }. */
export async function readAll(stream, max = 100_000) {
  const reader = stream.getReader();
  const items = [];
  try {
    for (let i = 0; i < max; i += 1) {
      const { done, value } = await reader.read();
      if (done) return { items, error: undefined };
      items.push(value);
    }
    throw new Error(`more than ${max} reads`);
  } catch (error) {
    return { items, error };
  }
}

export function concatBytes(parts) {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

/** A WHATWG-style SSE parser (for checking the package's SSE output): the data of each event. */
export function parseSSE(text) {
  const t = text.startsWith('\uFEFF') ? text.slice(1) : text;
  const events = [];
  let data = [];
  for (const line of t.split(/\r\n|\r|\n/)) {
    if (line === '') {
      if (data.length) events.push(data.join('\n'));
      data = [];
      continue;
    }
    if (line.startsWith(':')) continue;
    const i = line.indexOf(':');
    const field = i >= 0 ? line.slice(0, i) : line;
    let value = i >= 0 ? line.slice(i + 1) : '';
    if (value.startsWith(' ')) value = value.slice(1);
    if (field === 'data') data.push(value);
  }
  return events;
}

/** POSTs to the simulator directly (no package): what the server itself sends. */
export async function rawPost(sim, body, headers = {}) {
  const res = await fetch(sim.url + CHAT_PATH, {
    method: 'POST',
    headers: { authorization: `Bearer ${KEY}`, 'content-type': 'application/json', ...headers },
    body: JSON.stringify(body),
  });
  const text = await res.text();
  return { status: res.status, headers: res.headers, text };
}

/** The chunk objects the simulator streams for `body` (read without the package). */
export async function rawChunks(sim, body, headers = {}) {
  const { text } = await rawPost(sim, { ...body, stream: true }, headers);
  const events = parseSSE(text);
  assert.equal(events.at(-1), '[DONE]');
  return events.slice(0, -1).map((e) => JSON.parse(e));
}

// ---------- hand-made responses for options.fetch ----------

/** A chat.completion.chunk object as OpenAI streams it. */
export function chunk(delta, { finish = null, id = 'chatcmpl-hand', extra = {} } = {}) {
  return {
    id,
    object: 'chat.completion.chunk',
    created: 1718000000,
    model: 'gpt-4o-mini',
    ...extra,
    choices: [{ index: 0, delta, finish_reason: finish }],
  };
}

/** An SSE text of the chunks (data: json\n\n each), then [DONE] unless `done: false`. */
export function sseText(chunks, { done = true, nl = '\n' } = {}) {
  let s = chunks.map((c) => `data: ${typeof c === 'string' ? c : JSON.stringify(c)}${nl}${nl}`).join('');
  if (done) s += `data: [DONE]${nl}${nl}`;
  return s;
}

/**
 * A body the test controls: `push(bytes|string)`, `close()`, `error(e)`; `pulls` counts reads,
 * `cancelled` resolves when the package cancels the body (its way to close the connection).
 */
export function controlledBody() {
  let controller;
  let onCancel;
  const cancelled = new Promise((resolve) => {
    onCancel = resolve;
  });
  const body = new ReadableStream({
    start(c) {
      controller = c;
    },
    cancel(reason) {
      onCancel(reason ?? true);
    },
  });
  return {
    body,
    cancelled,
    push: (x) => controller.enqueue(bytes(x)),
    close: () => controller.close(),
    error: (e) => controller.error(e),
  };
}

/** A body that yields the given parts (strings or bytes) one per read, then ends. */
export function partsBody(parts) {
  const queue = parts.map(bytes);
  let i = 0;
  return new ReadableStream({
    pull(c) {
      if (i < queue.length) c.enqueue(queue[i++]);
      else c.close();
    },
  });
}

/** A Response as a server would send it. */
export function response(body, { status = 200, headers = {} } = {}) {
  const type = typeof body === 'string' && body.startsWith('{') ? 'application/json' : 'text/event-stream';
  return new Response(body, { status, headers: { 'content-type': type, ...headers } });
}

/** A custom fetch that answers with `make(url, init, n)` and records its calls. */
export function fakeFetch(make) {
  const calls = [];
  const f = async (url, init) => {
    calls.push({ url, init, at: Date.now() });
    return make(url, init, calls.length);
  };
  f.calls = calls;
  return f;
}

/** Streams `parts` through a hand-made response; returns the ChatCompletionStream. */
export function streamOf(parts, extraOptions = {}) {
  const fetch = fakeFetch(() => response(partsBody(parts)));
  return chatCompletion(req({ stream: true }), { apiKey: KEY, baseUrl: 'http://fake.invalid/v1', fetch, maxRetries: 0, ...extraOptions });
}

// ---------- local servers ----------

/** A node:http server on 127.0.0.1 with `handler(req, res, body)`; `close()` ends it. */
export async function localServer(handler) {
  const sockets = new Set();
  const requests = [];
  const server = http.createServer((rq, rs) => {
    const chunks = [];
    rq.on('data', (c) => chunks.push(c));
    rq.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      requests.push({ method: rq.method, url: rq.url, headers: rq.headers, body });
      handler(rq, rs, body);
    });
  });
  server.on('connection', (s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${server.address().port}`;
  return {
    url,
    requests,
    close: () =>
      new Promise((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}

/** A port on 127.0.0.1 where nothing listens (bound once, then released). */
export async function unusedPort() {
  const srv = net.createServer();
  await new Promise((resolve) => srv.listen(0, '127.0.0.1', resolve));
  const { port } = srv.address();
  await new Promise((resolve) => srv.close(resolve));
  return port;
}

// ---------- checks ----------

/** Every string reachable from an error: own properties (enumerable or not), cause, headers. */
export function allStrings(value, depth = 0, seen = new Set()) {
  const out = [];
  if (typeof value === 'string') return [value];
  if (value === null || typeof value !== 'object' || depth > 5 || seen.has(value)) return out;
  seen.add(value);
  if (typeof Headers !== 'undefined' && value instanceof Headers) {
    for (const [k, v] of value) out.push(k, v);
    return out;
  }
  if (value instanceof Error) {
    out.push(String(value), String(value.message), String(value.stack));
  }
  for (const k of Reflect.ownKeys(value)) {
    if (typeof k === 'symbol') continue;
    const d = Object.getOwnPropertyDescriptor(value, k);
    if (d && 'value' in d) out.push(...allStrings(d.value, depth + 1, seen));
  }
  return out;
}

/** Asserts that an error nowhere shows `secret`. */
export function assertNoSecret(err, secret, what) {
  assert.ok(err instanceof Error, `${what}: an Error was expected`);
  const own = {};
  for (const k of Object.getOwnPropertyNames(err)) own[k] = err[k];
  const views = {
    'String(err)': String(err),
    'err.message': String(err.message),
    'err.stack': String(err.stack),
    'JSON.stringify(own properties)': JSON.stringify(own),
    'JSON.stringify(err)': JSON.stringify(err),
  };
  for (const [name, text] of Object.entries(views)) {
    assert.ok(!text.includes(secret), `${what}: ${name} shows the API key: ${text.slice(0, 300)}`);
  }
  for (const s of allStrings(err)) {
    assert.ok(!s.includes(secret), `${what}: a property of the error shows the API key: ${s.slice(0, 300)}`);
  }
}

/** Asserts the class, `name` and `instanceof Error` of an error. */
export function assertErrorClass(err, Cls, what = '') {
  assert.ok(err instanceof Error, `${what} not an Error: ${err}`);
  assert.ok(err instanceof MeinGPTError, `${what} not a MeinGPTError: ${err?.name}: ${err?.message}`);
  assert.ok(err instanceof Cls, `${what} expected ${Cls.name}, got ${err?.name} (${err?.constructor?.name}): ${err?.message}`);
  assert.equal(err.name, Cls.name, `${what} name`);
  assert.equal(Object.prototype.toString.call(err), '[object Error]');
}

/** Runs `fn` and returns { value, error } instead of throwing. */
export async function settle(fn) {
  try {
    return { value: await fn(), error: undefined };
  } catch (error) {
    return { value: undefined, error };
  }
}

/**
 * Runs `fn` with unhandled promise rejections recorded instead of reported, and returns
 * { value, error, unhandled }: for the test that asserts a torn-down stream leaves none behind
 * (elsewhere node:test itself fails the test in which one happens). The test runner's listeners
 * are put back afterwards.
 */
export async function catchUnhandled(fn, settleMs = 60) {
  const unhandled = [];
  const saved = process.listeners('unhandledRejection');
  const record = (reason) => unhandled.push(reason);
  process.removeAllListeners('unhandledRejection');
  process.on('unhandledRejection', record);
  let value;
  let error;
  try {
    value = await fn();
  } catch (e) {
    error = e;
  } finally {
    await sleep(settleMs);
    process.off('unhandledRejection', record);
    for (const l of saved) process.on('unhandledRejection', l);
  }
  return { value, error, unhandled };
}

/**
 * The module is not poisoned: a normal call and a normal stream still work, and the streamed
 * answer assembles to the same completion.
 */
export async function assertHealthy(sim, what = 'after the previous case') {
  const body = req({ messages: [{ role: 'user', content: 'Gesundheitscheck: läuft alles?' }] });
  const completion = await within(chatCompletion(body, opts(sim)), 10_000, `non-stream call ${what}`);
  assert.equal(completion.object, 'chat.completion', what);
  const content = completion.choices[0].message.content;
  assert.ok(typeof content === 'string' && content.length > 10, `${what}: content ${content}`);
  const stream = await within(
    chatCompletion({ ...body, stream: true, stream_options: { include_usage: true } }, opts(sim)),
    10_000,
    `stream call ${what}`,
  );
  const { items, error } = await within(collect(stream), 10_000, `stream read ${what}`);
  assert.equal(error, undefined, `${what}: ${error}`);
  assert.ok(items.length > 2, what);
  assert.deepEqual(await stream.finalCompletion(), completion, `${what}: finalCompletion`);
}

export { chatCompletion, APIError, MeinGPTError };
