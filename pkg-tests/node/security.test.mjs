// Issue 12, client side: what a hostile server, a careless custom fetch or an odd option must not get
// past. Key redaction everywhere an error lands (decoded bodies, causes, headers, a key given only
// as an Authorization header), baseUrl parsed as a URL, redirects not followed, maxResponseBytes,
// an idle timer that counts events (not comment bytes), and wasm memory given back after a huge
// stream. Each test here failed on the package before these fixes.
import test from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import {
  chatCompletion,
  APIError,
  AuthenticationError,
  ValidationError,
  APIConnectionError,
  APIConnectionTimeoutError,
  ResponseTooLargeError,
} from 'meingpt-wasm';
import { T, KEY, req, chunk, sseText, response, fakeFetch, localServer, rejection, assertNoSecret, assertErrorClass, collect } from './helpers.mjs';

const SECRET = 'sk-canary-9f8e7d6c5b4a';
const FAKE = 'http://fake.invalid/v1';
const json = (obj, status = 200, headers = {}) => new Response(JSON.stringify(obj), { status, headers: { 'content-type': 'application/json', ...headers } });

// ---------- 3. the key never leaks, whatever carried it and wherever it lands ----------

test('a key escaped in a JSON error body (\\u0073k-, \\/) is redacted from e.body too', T, async () => {
  const SLASHED = 'sk-canary/slash-0123456';
  const escaped = [
    [SECRET, `{"status":"error","message":"Incorrect key \\u0073${SECRET.slice(1)}"}`],
    [SLASHED, `{"status":"error","message":"Incorrect key ${SLASHED.replace('/', '\\/')}"}`],
    [SECRET, `{"error":{"message":"key: ${SECRET.replace(/-/g, '\\u002d')}","param":"\\u0073${SECRET.slice(1)}"}}`],
    [SECRET, `{"status":"error","message":"fine","${SECRET.slice(0, 2)}\\u002d${SECRET.slice(3)}":"in a member name"}`],
  ];
  for (const [secret, text] of escaped) {
    assert.ok(!text.includes(secret) && JSON.stringify(JSON.parse(text)).includes(secret), `the case hides the key: ${text}`);
    const fetch = fakeFetch(() => new Response(text, { status: 401, headers: { 'content-type': 'application/json' } }));
    const e = await rejection(chatCompletion(req(), { apiKey: secret, baseUrl: FAKE, fetch, maxRetries: 0 }));
    assertErrorClass(e, AuthenticationError, text);
    assert.equal(typeof e.body, 'object', 'the body is still parsed JSON');
    assertNoSecret(e, secret, text);
    assert.ok(JSON.stringify(e.body).includes('[redacted]'), `${text}: ${JSON.stringify(e.body)}`);
  }
});

test("the key given only as headers.Authorization is redacted from message, stack and body", T, async () => {
  const fetch = fakeFetch((url, init) => {
    const auth = new Headers(init.headers).get('authorization');
    return json({ status: 'error', message: `Incorrect API key provided: ${auth}` }, 401);
  });
  for (const headers of [{ Authorization: `Bearer ${SECRET}` }, [['authorization', `Bearer ${SECRET}`]], new Headers({ authorization: SECRET })]) {
    const e = await rejection(chatCompletion(req(), { baseUrl: FAKE, fetch, headers, maxRetries: 0 }));
    assertErrorClass(e, AuthenticationError);
    assertNoSecret(e, SECRET, 'Authorization header');
    assert.match(e.message, /\[redacted\]/);
  }
  // Both carriers at once: the header wins on the wire, both are secrets.
  const other = 'sk-other-0123456789';
  const e = await rejection(
    chatCompletion(req(), { apiKey: other, baseUrl: FAKE, headers: { authorization: `Bearer ${SECRET}` }, maxRetries: 0, fetch: async () => json({ status: 'error', message: `${other} ${SECRET}` }, 401) }),
  );
  assertNoSecret(e, SECRET, 'header key');
  assertNoSecret(e, other, 'apiKey');
});

test('e.cause is redacted: a custom fetch that throws the Authorization value, nested causes, a thrown string', T, async () => {
  const throwers = [
    (auth) => {
      throw new TypeError(`boom ${auth}`);
    },
    (auth) => {
      throw new Error('outer', { cause: new Error(`inner ${auth}`, { cause: { detail: [`deep ${auth}`] } }) });
    },
    (auth) => {
      throw `boom ${auth}`; // eslint-disable-line no-throw-literal
    },
    (auth) => {
      const e = new Error('plain');
      e.code = `E_${auth}`;
      e.url = `http://h/?k=${auth}`;
      throw e;
    },
  ];
  for (const [i, thrower] of throwers.entries()) {
    const fetch = async (url, init) => thrower(new Headers(init.headers).get('authorization'));
    for (const o of [{ apiKey: SECRET }, { headers: { Authorization: `Bearer ${SECRET}` } }]) {
      const e = await rejection(chatCompletion(req(), { ...o, baseUrl: FAKE, fetch, maxRetries: 0 }));
      assertErrorClass(e, APIConnectionError, `thrower ${i}`);
      assert.notEqual(e.cause, undefined, 'the cause is kept (redacted)');
      assertNoSecret(e, SECRET, `thrower ${i}`);
    }
  }
  // A cause that shows no secret is the very object the runtime threw.
  const original = new TypeError('fetch failed');
  const e = await rejection(chatCompletion(req(), { apiKey: SECRET, baseUrl: FAKE, fetch: async () => { throw original; }, maxRetries: 0 }));
  assert.equal(e.cause, original);
});

test('a key placed in the baseUrl query does not reach e.cause through the runtime\'s own message', T, async () => {
  // Nothing listens on port 9 of 127.0.0.1; a query carries the key, as some proxies want it.
  const e = await rejection(chatCompletion(req(), { apiKey: SECRET, baseUrl: `http://127.0.0.1:9/v1?key=${SECRET}`, maxRetries: 0, fetch: async (url) => { throw new TypeError(`Failed to fetch ${url}`); } }));
  assertErrorClass(e, APIConnectionError);
  assertNoSecret(e, SECRET, 'key in the baseUrl');
});

test('e.headers is redacted when a server echoes the key in a header (and kept as it is otherwise)', T, async () => {
  const fetch = fakeFetch(() => json({ status: 'error', message: 'no' }, 401, { 'x-echo': `Bearer ${SECRET}`, 'x-request-id': 'r-1' }));
  const e = await rejection(chatCompletion(req(), { apiKey: SECRET, baseUrl: FAKE, fetch, maxRetries: 0 }));
  assertErrorClass(e, AuthenticationError);
  assertNoSecret(e, SECRET, 'echoed header');
  assert.equal(e.headers.get('x-request-id'), 'r-1');
  assert.equal(e.headers.get('x-echo'), 'Bearer [redacted]');
  const plain = new Response('{"status":"error","message":"x"}', { status: 429, headers: { 'retry-after': '0' } });
  const e2 = await rejection(chatCompletion(req(), { apiKey: SECRET, baseUrl: FAKE, fetch: async () => plain, maxRetries: 0 }));
  assert.equal(e2.headers, plain.headers, 'untouched headers are the response\'s own');
});

test('a key echoed mid-stream, escaped, is redacted from the stream error', T, async () => {
  const body = `data: ${JSON.stringify(chunk({ content: 'a' }))}\n\ndata: {"status":"error","message":"bad \\u0073${SECRET.slice(1)}"}\n\n`;
  const fetch = fakeFetch(() => response(body));
  const s = await chatCompletion(req({ stream: true }), { apiKey: SECRET, baseUrl: FAKE, fetch, maxRetries: 0 });
  const { error: e } = await collect(s);
  assertErrorClass(e, APIError);
  assertNoSecret(e, SECRET, 'stream error');
});

// ---------- 4. baseUrl is a URL ----------

test('baseUrl: the route goes into the path, the query stays', T, async () => {
  for (const [base, want] of [
    ['http://h.test/v1?x=1', 'http://h.test/v1/chat/completions?x=1'],
    ['http://h.test/v1/?x=1&y=/z', 'http://h.test/v1/chat/completions?x=1&y=/z'],
    ['https://h.test', 'https://h.test/chat/completions'],
    ['/api/openai/v1', '/api/openai/v1/chat/completions'],
  ]) {
    const fetch = fakeFetch(() => json({ id: 'x', object: 'chat.completion', choices: [] }));
    await chatCompletion(req(), { apiKey: KEY, baseUrl: base, fetch });
    assert.equal(fetch.calls[0].url, want, base);
  }
});

test('baseUrl: fragment, userinfo, protocol-relative and non-http(s) URLs are a ValidationError with param baseUrl', T, async () => {
  const fetch = fakeFetch(() => json({}));
  for (const base of ['http://h/v1#frag', 'http://user:sk-1@h/v1', `https://${SECRET}@h/v1`, '//evil.example/v1', '/\\evil.example/v1', 'ftp://h/v1', 'javascript:alert(1)', 'http://h/v 1', 'http://h:99999/v1', '', 42]) {
    const e = await rejection(chatCompletion(req(), { apiKey: KEY, baseUrl: base, fetch }), String(base));
    assertErrorClass(e, ValidationError, String(base));
    assert.equal(e.param, 'baseUrl', String(base));
    if (typeof base === 'string' && base.includes(SECRET)) assertNoSecret(e, SECRET, 'userinfo');
  }
  assert.equal(fetch.calls.length, 0, 'nothing was sent');
});

// ---------- 7. redirects ----------

test('a 307/308 to another origin is not followed: APIError naming it, the other origin never sees the prompt', T, async () => {
  const other = await localServer((rq, rs) => rs.writeHead(200, { 'content-type': 'application/json' }).end('{"stolen":true}'));
  const api = await localServer((rq, rs) => rs.writeHead(Number(rq.url.split('/')[1]), { location: `${other.url}/steal` }).end());
  try {
    for (const code of [301, 302, 303, 307, 308]) {
      const e = await rejection(chatCompletion(req(), { apiKey: SECRET, baseUrl: `${api.url}/${code}`, maxRetries: 2 }));
      assertErrorClass(e, APIError, String(code));
      assert.equal(e.status, code);
      assert.match(e.message, /redirect/);
      assert.ok(e.message.includes(`${other.url}/steal`), e.message);
      assertNoSecret(e, SECRET, 'redirect');
    }
    assert.equal(other.requests.length, 0, 'the prompt went to the other origin');
    assert.equal(api.requests.length, 5, 'a redirect is not retried');
    // followRedirects: true follows (fetch drops Authorization across origins, as it should).
    const r = await chatCompletion(req(), { apiKey: SECRET, baseUrl: `${api.url}/307`, followRedirects: true });
    assert.deepEqual(r, { stolen: true });
    assert.equal(other.requests.length, 1);
    assert.equal(other.requests[0].headers.authorization, undefined);
    const bad = await rejection(chatCompletion(req(), { apiKey: KEY, baseUrl: api.url, followRedirects: 'yes' }));
    assertErrorClass(bad, ValidationError);
    assert.equal(bad.param, 'options.followRedirects');
  } finally {
    await api.close();
    await other.close();
  }
});

test('a custom fetch is asked not to follow, and one that followed anyway is refused', T, async () => {
  const fetch = fakeFetch(() => {
    const r = json({ id: 'x', choices: [] });
    Object.defineProperty(r, 'redirected', { value: true });
    return r;
  });
  const e = await rejection(chatCompletion(req(), { apiKey: KEY, baseUrl: FAKE, fetch }));
  assertErrorClass(e, APIError);
  assert.match(e.message, /redirect/);
  assert.equal(fetch.calls[0].init.redirect, 'manual');
});

// ---------- 5. maxResponseBytes ----------

test('maxResponseBytes: a body past it fails with ResponseTooLargeError, not retried; streams too', T, async () => {
  const big = JSON.stringify({ id: 'x', object: 'chat.completion', choices: [], pad: 'x'.repeat(200_000) });
  const server = await localServer((rq, rs) => {
    if (rq.url.includes('chunked')) {
      rs.writeHead(200, { 'content-type': 'application/json' });
      rs.write(big.slice(0, 100_000));
      setTimeout(() => rs.end(big.slice(100_000)), 10);
    } else if (rq.url.includes('stream')) {
      rs.writeHead(200, { 'content-type': 'text/event-stream' });
      rs.end(sseText(Array.from({ length: 100 }, () => chunk({ content: 'x'.repeat(2000) }))));
    } else rs.writeHead(rq.url.includes('500') ? 500 : 200, { 'content-type': 'application/json' }).end(big);
  });
  try {
    for (const path of ['/ok', '/chunked', '/500']) {
      const e = await rejection(chatCompletion(req(), { apiKey: KEY, baseUrl: server.url + path, maxResponseBytes: 100_000, maxRetries: 2 }));
      assertErrorClass(e, ResponseTooLargeError, path);
      assert.ok(e instanceof APIError);
      assert.match(e.message, /maxResponseBytes \(100000 bytes\)/);
    }
    assert.equal(server.requests.length, 3, 'never retried');
    const ok = await chatCompletion(req(), { apiKey: KEY, baseUrl: `${server.url}/ok`, maxResponseBytes: 300_000 });
    assert.equal(ok.pad.length, 200_000);
    const s = await chatCompletion(req({ stream: true }), { apiKey: KEY, baseUrl: `${server.url}/stream`, maxResponseBytes: 50_000 });
    const { error: e } = await collect(s);
    assertErrorClass(e, ResponseTooLargeError, 'stream');
    for (const bad of [0, -1, 1.5, '1000', 2 ** 33]) {
      const v = await rejection(chatCompletion(req(), { apiKey: KEY, baseUrl: server.url, maxResponseBytes: bad }));
      assert.equal(v.param, 'options.maxResponseBytes', String(bad));
    }
  } finally {
    await server.close();
  }
});

// ---------- 6. the idle timer counts events ----------

test('a server that sends only comments times out (the idle timer counts events, not bytes)', T, async () => {
  const server = await localServer((rq, rs) => {
    rs.writeHead(200, { 'content-type': 'text/event-stream' });
    rs.write(`data: ${JSON.stringify(chunk({ content: 'a' }))}\n\n`);
    const timer = setInterval(() => rs.write(':\n'), 100);
    rs.on('close', () => clearInterval(timer));
    setTimeout(() => {
      clearInterval(timer);
      rs.end();
    }, 8000);
  });
  try {
    const t0 = Date.now();
    const s = await chatCompletion(req({ stream: true }), { apiKey: KEY, baseUrl: server.url, timeoutMs: 700, maxRetries: 0 });
    const got = [];
    const e = await rejection((async () => {
      for await (const c of s) got.push(c);
    })());
    assertErrorClass(e, APIConnectionTimeoutError);
    assert.equal(got.length, 1);
    assert.ok(Date.now() - t0 < 3000, `took ${Date.now() - t0} ms`);
  } finally {
    await server.close();
  }
});

test('events slower than timeoutMs apart in bytes but each within it keep the stream alive', T, async () => {
  // One event every 300 ms, written in 3 pieces 100 ms apart, timeoutMs 600: never idle.
  const server = await localServer((rq, rs) => {
    rs.writeHead(200, { 'content-type': 'text/event-stream' });
    let i = 0;
    const tick = () => {
      if (i === 6) return rs.end('data: [DONE]\n\n');
      const ev = `data: ${JSON.stringify(chunk({ content: String(i) }))}\n\n`;
      i += 1;
      rs.write(ev.slice(0, 10));
      setTimeout(() => rs.write(ev.slice(10, 20)), 100);
      setTimeout(() => {
        rs.write(ev.slice(20));
        setTimeout(tick, 100);
      }, 200);
      return undefined;
    };
    tick();
  });
  try {
    const s = await chatCompletion(req({ stream: true }), { apiKey: KEY, baseUrl: server.url, timeoutMs: 600, maxRetries: 0 });
    const { items, error } = await collect(s);
    assert.equal(error, undefined);
    const text = items.map((c) => c.choices[0]?.delta?.content ?? '').join('');
    assert.equal(text, '012345');
  } finally {
    await server.close();
  }
});

// ---------- 5. memory given back ----------

test('a process that streamed a huge answer gets its wasm memory back', { timeout: 120_000 }, () => {
  const child = spawnSync(process.execPath, ['--expose-gc', fileURLToPath(new URL('./memory-run.mjs', import.meta.url))], { encoding: 'utf8', timeout: 110_000 });
  assert.equal(child.status, 0, child.stderr);
  const r = JSON.parse(child.stdout.trim().split('\n').pop());
  // 100,000 chunks of 1 KB through for-await: the live instance grows past 100 MB while reading.
  assert.ok(r.peakWasm > 100e6, `peak wasm memory ${r.peakWasm}`);
  assert.equal(r.text, true, 'the content arrived whole');
  assert.ok(r.afterWasm < 40e6, `the live instance still holds ${(r.afterWasm / 1e6).toFixed(1)} MB after the stream`);
  assert.ok(r.rssDrop > 60e6, `rss went ${(r.peakRss / 1e6).toFixed(0)} -> ${(r.afterRss / 1e6).toFixed(0)} MB`);
  assert.equal(r.next, true, 'the next call works on the fresh instance');
});
