// The JS API: what is sent, where, and what comes back (SPEC "The JS API").
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import {
  chatCompletion,
  validateRequest,
  init,
  ChatCompletionStream,
  ValidationError,
  AuthenticationError,
} from 'meingpt-wasm';
import {
  T,
  KEY,
  NOW,
  startSim,
  req,
  opts,
  uid,
  logFor,
  rawPost,
  rejection,
  fakeFetch,
  response,
  collect,
  assertErrorClass,
  WEATHER_TOOL,
} from './helpers.mjs';

let sim;
before(async () => {
  sim = await startSim();
});
after(async () => {
  await sim?.close();
});

/** The one log record of a call made with `x-test-id: id`. */
function only(id) {
  const recs = logFor(sim, id);
  assert.equal(recs.length, 1, `expected exactly one request, got ${recs.length}`);
  return recs[0];
}

test('the package loads through its exports map and exports what the types name', T, async () => {
  assert.equal(typeof chatCompletion, 'function');
  assert.equal(typeof validateRequest, 'function');
  await init();
  await init(); // idempotent
  await validateRequest(req());
  const err = await rejection(validateRequest(req({ temperature: 5 })));
  assertErrorClass(err, ValidationError);
  assert.equal(err.param, 'temperature');
});

test('a non-stream result equals the response the simulator sends, every field included', T, async () => {
  for (const model of ['gpt-4o-mini', 'sonar']) {
    const body = req({ model, temperature: 0.2 });
    const raw = await rawPost(sim, body);
    assert.equal(raw.status, 200);
    const expected = JSON.parse(raw.text);
    const got = await chatCompletion(body, opts(sim));
    assert.deepEqual(got, expected, model);
    assert.equal(Object.getPrototypeOf(got), Object.prototype, 'a plain object');
    assert.equal(got.created, Math.floor(NOW / 1000));
    assert.match(got.choices[0].message.content, /München/u);
  }
});

test("fields the types do not name come through (sonar's citations)", T, async () => {
  const got = await chatCompletion(req({ model: 'sonar' }), opts(sim));
  assert.ok(Array.isArray(got.citations) && got.citations.length > 0, JSON.stringify(got));
  for (const c of got.citations) assert.match(c, /^https:\/\//);
});

test('Authorization is "Bearer <apiKey>"; Content-Type is application/json', T, async () => {
  const id = uid();
  await chatCompletion(req(), opts(sim, {}, id));
  const rec = only(id);
  assert.equal(rec.headers.authorization, `Bearer ${KEY}`);
  assert.equal(rec.headers['content-type'], 'application/json');
  assert.equal(rec.method, 'POST');
});

test('without apiKey no Authorization header is sent (the server answers 401)', T, async () => {
  const id = uid();
  const err = await rejection(chatCompletion(req(), { baseUrl: sim.baseUrl, headers: { 'x-test-id': id } }));
  assertErrorClass(err, AuthenticationError);
  assert.equal(err.status, 401);
  const rec = only(id);
  assert.equal(rec.headers.authorization, undefined);
  assert.equal(rec.headers['content-type'], 'application/json');
});

test('custom headers are sent, as a record, a Headers object or pairs', T, async () => {
  const forms = [
    (id) => ({ 'x-test-id': id, 'x-trace': 'abc-123', 'X-Mixed-Case': 'Wert' }),
    (id) => new Headers({ 'x-test-id': id, 'x-trace': 'abc-123', 'X-Mixed-Case': 'Wert' }),
    (id) => [
      ['x-test-id', id],
      ['x-trace', 'abc-123'],
      ['X-Mixed-Case', 'Wert'],
    ],
  ];
  for (const form of forms) {
    const id = uid();
    await chatCompletion(req(), { apiKey: KEY, baseUrl: sim.baseUrl, headers: form(id) });
    const rec = only(id);
    assert.equal(rec.headers['x-trace'], 'abc-123');
    assert.equal(rec.headers['x-mixed-case'], 'Wert');
    assert.equal(rec.headers.authorization, `Bearer ${KEY}`, 'the defaults stay');
    assert.equal(rec.headers['content-type'], 'application/json');
  }
});

test('custom headers override the defaults', T, async () => {
  const id = uid();
  await chatCompletion(req(), opts(sim, { headers: { 'Content-Type': 'application/json; charset=utf-8' } }, id));
  assert.equal(only(id).headers['content-type'], 'application/json; charset=utf-8');
});

test('the URL is `${baseUrl without trailing slash}/chat/completions`; baseURL is an alias', T, async () => {
  const cases = [
    [{ baseUrl: `${sim.url}/api/openai/v1` }, '/api/openai/v1/chat/completions'],
    [{ baseUrl: `${sim.url}/api/openai/v1/` }, '/api/openai/v1/chat/completions'],
    [{ baseURL: `${sim.url}/api/openai/v1` }, '/api/openai/v1/chat/completions'],
    [{ baseURL: `${sim.url}/v1/` }, '/v1/chat/completions'],
  ];
  for (const [o, path] of cases) {
    const id = uid();
    const got = await chatCompletion(req(), { apiKey: KEY, ...o, headers: { 'x-test-id': id } });
    assert.equal(got.object, 'chat.completion');
    assert.equal(only(id).path, path, JSON.stringify(o));
  }
  // The URL as fetch gets it.
  const f = fakeFetch(() => response(JSON.stringify({ id: 'x', object: 'chat.completion', choices: [] })));
  await chatCompletion(req(), { apiKey: KEY, baseUrl: 'https://proxy.example/openai/v1/', fetch: f });
  assert.equal(f.calls[0].url, 'https://proxy.example/openai/v1/chat/completions');
});

test('a wrong base path gives the server its say (404 from the server, not a guess)', T, async () => {
  const id = uid();
  const err = await rejection(chatCompletion(req(), opts(sim, { baseUrl: `${sim.url}/nope` }, id)));
  assert.equal(err.status, 404);
  assert.equal(only(id).path, '/nope/chat/completions');
});

test('the default base URL is meinGPT\'s', T, async () => {
  const f = fakeFetch(() => response(JSON.stringify({ id: 'x', object: 'chat.completion', choices: [] })));
  await chatCompletion(req(), { apiKey: KEY, fetch: f });
  assert.equal(f.calls[0].url, 'https://app.meingpt.com/api/openai/v1/chat/completions');
});

test('unknown request fields are forwarded unchanged', T, async () => {
  const id = uid();
  const body = req({
    temperature: 0.7,
    user: 'nutzer-42',
    seed: 7,
    metadata: { projekt: 'Größe', tags: ['ä', 'ö', 1, null, true], nested: { deep: [1.5, -0, 1e21] } },
    logit_bias: { 50256: -100 },
    frequency_penalty: 0,
    x_vendor_flag: false,
    messages: [
      { role: 'system', content: 'Sei kurz.', name: 'regel' },
      { role: 'user', content: [{ type: 'text', text: 'Grüß Gott 🚀' }, { type: 'custom_part', value: { a: 1 } }] },
    ],
  });
  await chatCompletion(body, opts(sim, {}, id));
  assert.deepEqual(only(id).body, JSON.parse(JSON.stringify(body)));
});

test('fields left out are not sent (never null in their place)', T, async () => {
  const id = uid();
  const body = { model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'Hallo' }], temperature: undefined, tools: undefined };
  await chatCompletion(body, opts(sim, {}, id));
  const sent = only(id).body;
  assert.deepEqual(Object.keys(sent).sort(), ['messages', 'model']);
  assert.ok(!('temperature' in sent));
  assert.ok(!('stream' in sent));
  assert.ok(!('tool_choice' in sent));
  assert.deepEqual(Object.keys(sent.messages[0]).sort(), ['content', 'role']);
  // And a stream request sends exactly what was given.
  const id2 = uid();
  const s = await chatCompletion({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'Hallo' }], stream: true }, opts(sim, {}, id2));
  await collect(s);
  assert.deepEqual(Object.keys(only(id2).body).sort(), ['messages', 'model', 'stream']);
});

test('a custom fetch is used, with the URL and a RequestInit', T, async () => {
  const canned = {
    id: 'chatcmpl-canned',
    object: 'chat.completion',
    created: 1,
    model: 'gpt-4o-mini',
    choices: [{ index: 0, message: { role: 'assistant', content: 'Grüße vom Proxy' }, finish_reason: 'stop' }],
    usage: { prompt_tokens: 1, completion_tokens: 3, total_tokens: 4 },
    system_fingerprint: 'fp_x',
    citations: ['https://example.org'],
  };
  const f = fakeFetch(() => response(JSON.stringify(canned)));
  const before = sim.log.length;
  const body = req({ temperature: 1 });
  const got = await chatCompletion(body, { apiKey: KEY, baseUrl: sim.baseUrl, fetch: f, headers: { 'x-extra': '1' } });
  assert.deepEqual(got, canned);
  assert.equal(f.calls.length, 1);
  assert.equal(sim.log.length, before, 'the global fetch was not used');
  const { url, init: ri } = f.calls[0];
  assert.equal(url, `${sim.baseUrl}/chat/completions`);
  assert.ok(!url.includes(KEY), 'the key is never in the URL');
  assert.equal(ri.method, 'POST');
  assert.deepEqual(JSON.parse(ri.body), body);
  const h = new Headers(ri.headers);
  assert.equal(h.get('authorization'), `Bearer ${KEY}`);
  assert.equal(h.get('content-type'), 'application/json');
  assert.equal(h.get('x-extra'), '1');
  assert.ok(ri.signal instanceof AbortSignal, 'a signal is passed for timeouts and aborts');
  assert.equal(ri.credentials, undefined, 'no credentials mode beyond the fetch default');
});

test('stream: true gives a ChatCompletionStream; without it a plain completion', T, async () => {
  const s = await chatCompletion(req({ stream: true }), opts(sim));
  assert.ok(s instanceof ChatCompletionStream);
  assert.equal(typeof s[Symbol.asyncIterator], 'function');
  const { items, error } = await collect(s);
  assert.equal(error, undefined);
  assert.ok(items.every((c) => c.object === 'chat.completion.chunk'));
  const c = await chatCompletion(req({ stream: false }), opts(sim));
  assert.equal(c.object, 'chat.completion');
  assert.ok(!(c instanceof ChatCompletionStream));
});

test('tool calls come back as the server sent them', T, async () => {
  const body = req({ tools: [WEATHER_TOOL], tool_choice: { type: 'function', function: { name: 'get_weather' } } });
  const expected = JSON.parse((await rawPost(sim, body)).text);
  const got = await chatCompletion(body, opts(sim));
  assert.deepEqual(got, expected);
  assert.equal(got.choices[0].finish_reason, 'tool_calls');
  assert.deepEqual(JSON.parse(got.choices[0].message.tool_calls[0].function.arguments).city, 'München');
});

test('chatCompletion never throws synchronously: bad arguments give a rejected promise', T, async () => {
  const cyclic = req();
  cyclic.self = cyclic;
  const hostile = {
    get model() {
      throw new Error('getter boom');
    },
    messages: [],
  };
  const calls = [
    [],
    [null],
    [undefined, null],
    [42],
    ['text'],
    [[]],
    [Symbol('s')],
    [() => {}],
    [{}],
    [cyclic],
    [hostile],
    [req({ n: 10n })],
    [req(), 5],
    [req(), 'options'],
    [req(), { timeoutMs: 'soon' }],
    [req(), { fetch: 'not a function' }],
    [req(), { signal: 'abort' }],
    [req(), { headers: 7 }],
    [req(), { baseUrl: 12 }],
    [req(), { apiKey: 42 }],
  ];
  for (const args of calls) {
    let p;
    try {
      p = chatCompletion(...args);
    } catch (e) {
      assert.fail(`threw synchronously for ${String(args[0]?.toString?.() ?? args[0])}: ${e}`);
    }
    assert.ok(p instanceof Promise, 'a Promise is returned');
    const err = await rejection(p);
    assertErrorClass(err, ValidationError);
    assert.equal(typeof err.param, 'string');
    assert.ok(err.message.length > 0);
  }
});
