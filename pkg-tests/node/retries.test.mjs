// Retries: what is retried, how often, how long between attempts (SPEC "Retries").
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import {
  chatCompletion,
  APIError,
  BadRequestError,
  AuthenticationError,
  PermissionDeniedError,
  NotFoundError,
  UnprocessableEntityError,
  RateLimitError,
  InternalServerError,
  APIConnectionError,
  APIUserAbortError,
} from 'meingpt-wasm';
import {
  T,
  KEY,
  startSim,
  req,
  opts,
  uid,
  fault,
  logFor,
  collect,
  within,
  sleep,
  rejection,
  settle,
  localServer,
  unusedPort,
  assertErrorClass,
  assertHealthy,
} from './helpers.mjs';

let sim;
before(async () => {
  sim = await startSim();
});
after(async () => {
  await sim?.close();
});

/** The global fetch, with every call's time recorded (and an optional header change per attempt). */
function timedFetch(perAttempt = () => ({})) {
  const calls = [];
  const f = (url, init) => {
    calls.push(Date.now());
    const headers = new Headers(init.headers);
    for (const [k, v] of Object.entries(perAttempt(calls.length))) headers.set(k, v);
    return fetch(url, { ...init, headers });
  };
  f.calls = calls;
  return f;
}
const gaps = (calls) => calls.slice(1).map((t, i) => t - calls[i]);

test('429 with retry-after: 1, then success: resolves after about 1 s, 2 requests', T, async () => {
  const id = uid();
  const t0 = Date.now();
  const got = await chatCompletion(req(), opts(sim, { headers: fault('429:1', { times: 1 }) }, id));
  const took = Date.now() - t0;
  assert.equal(got.object, 'chat.completion');
  const recs = logFor(sim, id);
  assert.deepEqual(recs.map((r) => r.status), [429, 200]);
  assert.ok(took >= 950, `waited only ${took} ms (Retry-After: 1)`);
  assert.ok(took < 2500, `took ${took} ms`);
});

test('retry-after-ms is honoured (longer than the backoff would be)', T, async () => {
  const id = uid();
  const f = timedFetch();
  const got = await chatCompletion(req(), opts(sim, { headers: fault('429:1200ms', { times: 1 }), fetch: f }, id));
  assert.equal(got.object, 'chat.completion');
  assert.deepEqual(logFor(sim, id).map((r) => r.status), [429, 200]);
  const [gap] = gaps(f.calls);
  assert.ok(gap >= 1150 && gap < 2000, `waited ${gap} ms for retry-after-ms: 1200`);
});

test('Retry-After as an HTTP date is honoured', T, async () => {
  const id = uid();
  const f = timedFetch();
  // Two seconds ahead, rounded down to the second the date can say: a wait of 1 to 2 s.
  const date = new Date(Math.floor(Date.now() / 1000) * 1000 + 2000).toUTCString();
  const headers = { ...fault('503', { times: 1 }), 'x-simulator-retry-after': date };
  const got = await chatCompletion(req(), opts(sim, { headers, fetch: f }, id));
  assert.equal(got.object, 'chat.completion');
  assert.deepEqual(logFor(sim, id).map((r) => r.status), [503, 200]);
  const [gap] = gaps(f.calls);
  assert.ok(gap >= 900 && gap < 2600, `waited ${gap} ms until ${date}`);
});

test('a Retry-After beyond 60 s is not honoured: the backoff is used instead', T, async () => {
  const id = uid();
  const f = timedFetch();
  const headers = { ...fault('503', { times: 1 }), 'x-simulator-retry-after': '120' };
  const got = await chatCompletion(req(), opts(sim, { headers, fetch: f }, id));
  assert.equal(got.object, 'chat.completion');
  assert.deepEqual(logFor(sim, id).map((r) => r.status), [503, 200]);
  const [gap] = gaps(f.calls);
  assert.ok(gap >= 360 && gap < 1000, `waited ${gap} ms (backoff 0.375 to 0.5 s)`);
});

test('500 twice, then success, with the default maxRetries: 3 requests, backoff about 0.5 s then 1 s', T, async () => {
  const id = uid();
  const f = timedFetch();
  const got = await chatCompletion(req(), opts(sim, { headers: fault('500', { times: 2 }), fetch: f }, id));
  assert.equal(got.object, 'chat.completion');
  assert.deepEqual(logFor(sim, id).map((r) => r.status), [500, 500, 200]);
  const [g1, g2] = gaps(f.calls);
  // 0.5 s and 1 s, shortened by up to 25 % jitter; some slack for the request itself.
  assert.ok(g1 >= 375 - 15 && g1 <= 500 + 250, `first backoff ${g1} ms`);
  assert.ok(g2 >= 750 - 15 && g2 <= 1000 + 250, `second backoff ${g2} ms`);
  assert.ok(g2 > g1, 'the backoff doubles');
});

test('maxRetries: 0 makes one request only', T, async () => {
  const id = uid();
  const err = await rejection(chatCompletion(req(), opts(sim, { headers: fault('500'), maxRetries: 0 }, id)));
  assertErrorClass(err, InternalServerError);
  await sleep(700);
  assert.equal(logFor(sim, id).length, 1);
});

test('when the attempts run out, the last attempt\'s error is thrown', T, async () => {
  const id = uid();
  // Each attempt fails differently: 500, then 502, then 429.
  const f = timedFetch((n) => ({ 'x-simulator-fault': ['500', '502', '429:0'][n - 1] }));
  const err = await rejection(chatCompletion(req(), opts(sim, { fetch: f }, id)));
  assertErrorClass(err, RateLimitError);
  assert.equal(err.status, 429);
  assert.deepEqual(logFor(sim, id).map((r) => r.status), [500, 502, 429]);
  // The same error every time: its class and status.
  const id2 = uid();
  const e2 = await rejection(chatCompletion(req(), opts(sim, { headers: fault('503'), maxRetries: 1 }, id2)));
  assertErrorClass(e2, InternalServerError);
  assert.equal(e2.status, 503);
  assert.equal(logFor(sim, id2).length, 2);
});

test('408, 409 and a timeout are retried', T, async () => {
  for (const name of ['408', '409']) {
    const id = uid();
    const got = await chatCompletion(req(), opts(sim, { headers: fault(name, { times: 1 }) }, id));
    assert.equal(got.object, 'chat.completion', name);
    assert.deepEqual(logFor(sim, id).map((r) => r.status), [Number(name), 200], name);
  }
  const id = uid();
  const got = await chatCompletion(req(), opts(sim, { headers: fault('slow-first-byte:3000', { times: 1 }), timeoutMs: 300 }, id));
  assert.equal(got.object, 'chat.completion');
  assert.equal(logFor(sim, id).length, 2);
});

test('400, 401, 403, 404, 413 and 422 are never retried', T, async () => {
  const cases = [
    ['400', BadRequestError],
    ['401', AuthenticationError],
    ['403', PermissionDeniedError],
    ['404', NotFoundError],
    ['413', APIError],
    ['422', UnprocessableEntityError],
    ['openai-error:400', BadRequestError],
  ];
  const ids = [];
  for (const [name, Cls] of cases) {
    const id = uid();
    ids.push([name, id]);
    const err = await rejection(chatCompletion(req(), opts(sim, { headers: fault(name), maxRetries: 2 }, id)));
    assertErrorClass(err, Cls, name);
  }
  await sleep(700); // longer than a first backoff
  for (const [name, id] of ids) assert.equal(logFor(sim, id).length, 1, name);
});

test('a refused connection is retried (custom fetch counting the calls)', T, async () => {
  const port = await unusedPort();
  const f = timedFetch();
  const err = await rejection(chatCompletion(req(), { apiKey: KEY, baseUrl: `http://127.0.0.1:${port}/v1`, fetch: f, maxRetries: 2 }));
  assertErrorClass(err, APIConnectionError);
  assert.equal(f.calls.length, 3);
});

test('a server that destroys the socket is retried, then succeeds', T, async () => {
  let n = 0;
  const srv = await localServer((rq, rs) => {
    n += 1;
    if (n === 1) {
      rq.socket.destroy();
      return;
    }
    rs.writeHead(200, { 'content-type': 'application/json' });
    rs.end(JSON.stringify({ id: 'ok', object: 'chat.completion', created: 1, model: 'm', choices: [] }));
  });
  try {
    const got = await chatCompletion(req(), { apiKey: KEY, baseUrl: srv.url });
    assert.equal(got.id, 'ok');
    assert.equal(srv.requests.length, 2);
  } finally {
    await srv.close();
  }
});

test('an HTTP error before a stream starts is retried like any other', T, async () => {
  const id = uid();
  const s = await chatCompletion(req({ stream: true }), opts(sim, { headers: fault('502', { times: 1 }) }, id));
  const { items, error } = await collect(s);
  assert.equal(error, undefined);
  assert.ok(items.length > 2);
  assert.deepEqual(logFor(sim, id).map((r) => r.status), [502, 200]);
});

test('abort during the backoff gives APIUserAbortError at once, with no further request', T, async () => {
  const id = uid();
  const ac = new AbortController();
  // The server asks for a 30 s wait.
  const headers = { ...fault('503'), 'x-simulator-retry-after': '30' };
  const p = chatCompletion(req(), opts(sim, { headers, signal: ac.signal }, id));
  for (let i = 0; i < 100 && logFor(sim, id).length === 0; i += 1) await sleep(10);
  await sleep(200);
  const t0 = Date.now();
  ac.abort();
  const err = await rejection(within(p, 2000, 'abort during backoff'));
  assertErrorClass(err, APIUserAbortError);
  assert.ok(Date.now() - t0 < 500, `${Date.now() - t0} ms`);
  await sleep(300);
  assert.equal(logFor(sim, id).length, 1);
});

test('no retry after a stream has yielded its first chunk (cut-off stream: 1 request)', T, async () => {
  const id = uid();
  const { value, error } = await settle(async () => {
    const s = await chatCompletion(req({ stream: true }), opts(sim, { headers: fault('cut:3'), maxRetries: 2 }, id));
    return collect(s);
  });
  assert.equal(error, undefined);
  assert.equal(value.items.length, 3);
  assertErrorClass(value.error, APIConnectionError);
  await sleep(700);
  assert.equal(logFor(sim, id).length, 1);
  await assertHealthy(sim, 'after the cut stream');
});
