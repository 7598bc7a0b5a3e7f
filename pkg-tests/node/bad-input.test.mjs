// Bad input, from the caller and from the server: always a typed error or a correct result, and
// the module is not poisoned afterwards (SPEC "Bad input"). Every case ends with assertHealthy().
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import {
  chatCompletion,
  validateRequest,
  ValidationError,
  APIError,
  InternalServerError,
  APIConnectionError,
  APIConnectionTimeoutError,
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
  rawPost,
  collect,
  readAll,
  within,
  waitFor,
  bytes,
  concatBytes,
  chunk,
  sseText,
  streamOf,
  fakeFetch,
  response,
  rejection,
  settle,
  assertErrorClass,
  assertHealthy,
  WEATHER_TOOL,
} from './helpers.mjs';

let sim;
before(async () => {
  sim = await startSim();
});
after(async () => {
  await sim?.close();
});

/** A test for one bad case: `run()` checks the outcome, then the module must still work. */
function badCase(name, run, extra = {}) {
  test(name, { ...T, ...extra }, async () => {
    await run();
    await assertHealthy(sim, `after: ${name}`);
  });
}

/** The call must reject with ValidationError for `param`, and send nothing. */
async function refused(request, options, param) {
  const f = fakeFetch(() => assert.fail('nothing may be sent'));
  const o = options === undefined ? { apiKey: KEY, fetch: f } : options;
  let p;
  try {
    p = chatCompletion(request, o);
  } catch (e) {
    assert.fail(`threw synchronously: ${e}`);
  }
  const err = await rejection(p, `request ${String(param)}`);
  assertErrorClass(err, ValidationError, String(param));
  if (param instanceof RegExp) assert.match(err.param, param);
  else assert.equal(err.param, param, err.message);
  assert.ok(err.message.length > 0);
  assert.equal(f.calls.length, 0);
  return err;
}

// ---------- from the caller: the request ----------

const cyclic = req();
cyclic.messages.push({ role: 'user', content: 'x', self: cyclic });
const getterBoom = req();
Object.defineProperty(getterBoom, 'temperature', {
  enumerable: true,
  get() {
    throw new Error('getter boom');
  },
});
const proxyBoom = new Proxy(req(), {
  ownKeys() {
    throw new Error('proxy boom');
  },
});
let veryDeep = 1;
for (let i = 0; i < 100_000; i += 1) veryDeep = [veryDeep];

const requestCases = [
  ['request null', null, 'request'],
  ['request undefined', undefined, 'request'],
  ['request a number', 42, 'request'],
  ['request a string', 'Hallo', 'request'],
  ['request a JSON string of a valid request', JSON.stringify(req()), 'request'],
  ['request an array', [req()], 'request'],
  ['request a function', () => req(), 'request'],
  ['request {}', {}, 'model'],
  ['model null', req({ model: null }), 'model'],
  ['messages missing', { model: 'gpt-4o-mini' }, 'messages'],
  ['messages not an array', req({ messages: { 0: { role: 'user', content: 'x' } } }), 'messages'],
  ['messages a string', req({ messages: 'Hallo' }), 'messages'],
  ['messages empty', req({ messages: [] }), 'messages'],
  ['a message null', req({ messages: [{ role: 'user', content: 'a' }, null] }), 'messages[1]'],
  ['a message a string', req({ messages: ['Hallo'] }), 'messages[0]'],
  ['unknown role', req({ messages: [{ role: 'robot', content: 'x' }] }), 'messages[0].role'],
  ['role missing', req({ messages: [{ content: 'x' }] }), 'messages[0].role'],
  ['content a number', req({ messages: [{ role: 'user', content: 5 }] }), 'messages[0].content'],
  ['temperature NaN', req({ temperature: NaN }), 'temperature'],
  ['temperature Infinity', req({ temperature: Infinity }), 'temperature'],
  ['temperature -Infinity', req({ temperature: -Infinity }), 'temperature'],
  ['temperature -1', req({ temperature: -1 }), 'temperature'],
  ['temperature 3', req({ temperature: 3 }), 'temperature'],
  ['temperature 2.0000001', req({ temperature: 2.0000001 }), 'temperature'],
  ["temperature '1'", req({ temperature: '1' }), 'temperature'],
  ['temperature null', req({ temperature: null }), 'temperature'],
  ['temperature true', req({ temperature: true }), 'temperature'],
  ['tool_choice naming no tool', req({ tools: [WEATHER_TOOL], tool_choice: { type: 'function', function: { name: 'nope' } } }), 'tool_choice.function.name'],
  ['tool_choice naming a tool without tools', req({ tool_choice: { type: 'function', function: { name: 'get_weather' } } }), 'tool_choice.function.name'],
  ['tool_choice an unknown word', req({ tools: [WEATHER_TOOL], tool_choice: 'always' }), 'tool_choice'],
  ['tools not an array', req({ tools: WEATHER_TOOL }), 'tools'],
  ['a tool null', req({ tools: [null] }), 'tools[0]'],
  ['stream a string', req({ stream: 'true' }), 'stream'],
  ['a cyclic object', cyclic, 'request'],
  ['a BigInt field', req({ seed: 12345678901234567890n }), 'request'],
  ['a getter that throws', getterBoom, 'request'],
  ['a Proxy that throws', proxyBoom, 'request'],
  ['nesting too deep for JSON.stringify', req({ metadata: veryDeep }), 'request'],
];
for (const [name, request, param] of requestCases) {
  badCase(`caller: ${name} → ValidationError (${param})`, async () => {
    await refused(request, undefined, param);
    // validateRequest() says the same.
    const v = await rejection(validateRequest(request));
    assertErrorClass(v, ValidationError);
    assert.equal(v.param, param);
  });
}

badCase('caller: a 900 kB message goes through', async () => {
  const id = uid();
  const content = `echo:${'Hallo Welt, schöne Grüße! '.repeat(40_000)}`.slice(0, 900_000);
  const got = await chatCompletion(req({ messages: [{ role: 'user', content }] }), opts(sim, {}, id));
  assert.equal(got.choices[0].message.content, content.slice(5));
  assert.equal(logFor(sim, id)[0].body.messages[0].content, content);
});

badCase("caller: a 1.2 MB message gets the server's 413 as an APIError (not retried)", async () => {
  const id = uid();
  const err = await rejection(chatCompletion(req({ messages: [{ role: 'user', content: 'ä'.repeat(600_000) }] }), opts(sim, {}, id)));
  assertErrorClass(err, APIError);
  assert.equal(err.status, 413);
  assert.match(err.message, /too large/);
  assert.equal(logFor(sim, id).length, 1);
});

// ---------- from the caller: the options ----------

const optionCases = [
  ['options a number', 5, /^options/],
  ['options a string', 'sk-key', /^options/],
  ['timeoutMs -1', { timeoutMs: -1 }, 'options.timeoutMs'],
  ['timeoutMs 0', { timeoutMs: 0 }, 'options.timeoutMs'],
  ['timeoutMs NaN', { timeoutMs: NaN }, 'options.timeoutMs'],
  ["timeoutMs '1000'", { timeoutMs: '1000' }, 'options.timeoutMs'],
  ['maxRetries 1.5', { maxRetries: 1.5 }, 'options.maxRetries'],
  ['maxRetries -1', { maxRetries: -1 }, 'options.maxRetries'],
  ['maxRetries Infinity', { maxRetries: Infinity }, 'options.maxRetries'],
  ["maxRetries '2'", { maxRetries: '2' }, 'options.maxRetries'],
  ['signal {}', { signal: {} }, 'options.signal'],
  ['signal an AbortController', { signal: new AbortController() }, 'options.signal'],
  ['fetch 5', { fetch: 5 }, 'options.fetch'],
  ['fetch an object', { fetch: { fetch() {} } }, 'options.fetch'],
  ['headers 5', { headers: 5 }, 'options.headers'],
  ["headers 'x-a: b'", { headers: 'x-a: b' }, 'options.headers'],
  ['a header name with a space', { headers: { 'bad name': 'x' } }, 'options.headers'],
  ['a header value with a newline', { headers: { 'x-inject': 'a\r\nx-evil: 1' } }, 'options.headers'],
  ['apiKey a number', { apiKey: 42 }, 'options.apiKey'],
  ['apiKey with a newline', { apiKey: 'sk-a\r\nx-evil: 1' }, 'options.apiKey'],
  ["baseUrl 'ftp://host'", { baseUrl: 'ftp://host/v1' }, 'baseUrl'],
  ['baseUrl 12', { baseUrl: 12 }, 'baseUrl'],
];
for (const [name, options, param] of optionCases) {
  badCase(`caller: ${name} → ValidationError`, async () => {
    const f = fakeFetch(() => assert.fail('nothing may be sent'));
    const o = typeof options === 'object' ? { apiKey: KEY, fetch: f, ...options } : options;
    if (typeof options === 'object' && 'fetch' in options) o.fetch = options.fetch;
    const err = await refused(req(), o, param);
    assert.ok(!err.message.includes('x-evil'), 'the bad value is not echoed into a header-like message');
    assert.equal(f.calls.length, 0);
  });
}

badCase('caller: a custom fetch that throws, rejects, or returns no Response → APIConnectionError', async () => {
  const fetches = {
    'throws synchronously': () => {
      throw new Error('sync boom');
    },
    'rejects with a string': () => Promise.reject('nope'),
    'returns 5': async () => 5,
    'returns null': async () => null,
    'returns {}': async () => ({}),
    'returns Response.error()': async () => Response.error(),
    'returns an object without text()': async () => ({ status: 200, headers: new Headers() }),
  };
  for (const [name, f] of Object.entries(fetches)) {
    for (const stream of [false, true]) {
      const err = await rejection(chatCompletion(req({ stream }), { apiKey: KEY, fetch: f, maxRetries: 0 }), name);
      assertErrorClass(err, APIConnectionError, `${name}, stream ${stream}`);
    }
  }
});

// ---------- from the server ----------

badCase('server: broken JSON in a 200 body → APIError with the status and the text as body', async () => {
  const server = await rawPost(sim, req(), fault('broken-json'));
  const err = await rejection(chatCompletion(req(), opts(sim, { headers: fault('broken-json'), maxRetries: 0 })));
  assertErrorClass(err, APIError);
  assert.equal(err.status, 200);
  assert.equal(err.body, server.text);
});

badCase('server: broken JSON in a chunk → APIError from the iteration after the chunks before it', async () => {
  const s = await chatCompletion(req({ stream: true }), opts(sim, { headers: fault('broken-json') }));
  const { items, error } = await within(collect(s), 5000, 'broken chunk');
  assert.equal(items.length, 1);
  assertErrorClass(error, APIError);
  assert.match(error.message, /JSON/);
  assertErrorClass(await rejection(s.finalCompletion()), APIError);
});

badCase('server: an HTML 502 page → InternalServerError 502', async () => {
  const err = await rejection(chatCompletion(req(), opts(sim, { headers: fault('502-html'), maxRetries: 0 })));
  assertErrorClass(err, InternalServerError);
  assert.equal(err.status, 502);
  assert.match(String(err.body), /<h1>502 Bad Gateway<\/h1>/);
});

badCase('server: a non-stream body cut off → APIConnectionError', async () => {
  const err = await rejection(chatCompletion(req(), opts(sim, { headers: fault('cut'), maxRetries: 0 })));
  assertErrorClass(err, APIConnectionError);
});

badCase('server: a stream cut off → APIConnectionError', async () => {
  const { value, error } = await settle(async () => {
    const s = await chatCompletion(req({ stream: true }), opts(sim, { headers: fault('cut:2'), maxRetries: 0 }));
    return within(collect(s), 5000, 'cut stream');
  });
  assert.equal(error, undefined);
  assert.equal(value.items.length, 2);
  assertErrorClass(value.error, APIConnectionError);
});

badCase('server: one line larger than the 16 MiB event cap → APIError, no hang, connection released', async () => {
  const id = uid();
  const s = await chatCompletion(req({ stream: true }), opts(sim, { headers: fault(`huge-line:${17 * 1024 * 1024 + 123}`), maxRetries: 0 }, id));
  // The simulator never ends that line: only the cap can end the read.
  const { items, error } = await within(collect(s), 15_000, 'a 17 MiB line');
  assert.equal(items.length, 0);
  assertErrorClass(error, APIError);
  assert.match(error.message, /16 MiB|too large|exceeds/i);
  assert.ok(await waitFor(() => logFor(sim, id)[0]?.clientClosed, 5000), 'the connection was closed');
});

badCase('server: invalid UTF-8 is decoded with U+FFFD, not an error (fault invalid-utf8)', async () => {
  const body = req({ stream: true });
  const normal = JSON.parse((await rawPost(sim, req())).text).choices[0].message.content;
  const s = await chatCompletion(body, opts(sim, { headers: fault('invalid-utf8') }));
  const { items, error } = await readAll(s.textStream());
  assert.equal(error, undefined, String(error));
  const text = items.join('');
  assert.ok(text.includes(' ungültig:\uFFFD\uFFFD '), JSON.stringify(text.slice(0, 80)));
  assert.equal(text.replace(' ungültig:\uFFFD\uFFFD ', ''), normal);
  assert.equal((await s.finalCompletion()).choices[0].message.content, text);
});

badCase('server: invalid UTF-8 at every split decodes like TextDecoder (maximal subparts → U+FFFD)', async () => {
  const bad = concatBytes([
    bytes('a'),
    Uint8Array.of(0xc3),
    bytes('b'),
    Uint8Array.of(0xe2, 0x82),
    bytes('c'),
    Uint8Array.of(0xf0, 0x9f, 0x9a),
    bytes('d'),
    Uint8Array.of(0xed, 0xa0, 0x80),
    bytes('e'),
    Uint8Array.of(0xc0, 0xaf),
    bytes('f ü'),
    Uint8Array.of(0xff),
  ]);
  const expected = new TextDecoder('utf-8', { fatal: false }).decode(bad);
  assert.ok(expected.includes('\uFFFD'));
  const [head, tail] = JSON.stringify(chunk({ content: '\u0000' })).split('\\u0000');
  const wire = concatBytes([bytes(`data: ${head}`), bad, bytes(`${tail}\n\n`), bytes(sseText([chunk({}, { finish: 'stop' })]))]);
  for (let i = 1; i < wire.length; i += 1) {
    const s = await streamOf([wire.subarray(0, i), wire.subarray(i)]);
    const { items, error } = await collect(s);
    assert.equal(error, undefined, `split at ${i}: ${error}`);
    assert.equal(items[0].choices[0].delta.content, expected, `split at ${i}`);
  }
});

badCase('server: an empty 200 body → APIError (non-stream); an empty stream ends, finalCompletion rejects', async () => {
  const err = await rejection(chatCompletion(req(), { apiKey: KEY, fetch: fakeFetch(() => response('')), maxRetries: 0 }));
  assertErrorClass(err, APIError);
  assert.equal(err.status, 200);
  const s = await chatCompletion(req({ stream: true }), { apiKey: KEY, fetch: fakeFetch(() => response('')), maxRetries: 0 });
  const { items, error } = await within(collect(s), 3000, 'empty stream');
  assert.equal(error, undefined);
  assert.deepEqual(items, []);
  assertErrorClass(await rejection(s.finalCompletion()), APIError);
});

badCase('server: a stream without a body, or a body of strings instead of bytes → APIConnectionError', async () => {
  const err = await rejection(
    chatCompletion(req({ stream: true }), { apiKey: KEY, fetch: fakeFetch(() => new Response(null, { status: 200 })), maxRetries: 0 }),
  );
  assertErrorClass(err, APIConnectionError);
  const strings = new ReadableStream({
    start(c) {
      c.enqueue(sseText([chunk({ content: 'a' })]));
      c.close();
    },
  });
  const s = await chatCompletion(req({ stream: true }), { apiKey: KEY, fetch: fakeFetch(() => response(strings)), maxRetries: 0 });
  const { error } = await collect(s);
  assertErrorClass(error, APIConnectionError);
});

badCase('server: a response that never ends its body → APIConnectionTimeoutError, not a hang', async () => {
  const err = await rejection(
    chatCompletion(req(), {
      apiKey: KEY,
      timeoutMs: 300,
      maxRetries: 0,
      fetch: fakeFetch((url, init) => {
        // A body that sends half a JSON object and then waits until the signal fires.
        const body = new ReadableStream({
          start(c) {
            c.enqueue(bytes('{"id":"x",'));
            init.signal.addEventListener('abort', () => c.error(init.signal.reason ?? new Error('aborted')));
          },
        });
        return response(body, { headers: { 'content-type': 'application/json' } });
      }),
    }),
  );
  assertErrorClass(err, APIConnectionTimeoutError);
});

badCase('caller: a forwarded field nested 200 levels deep is sent unchanged', async () => {
  let deep = 'Boden';
  for (let i = 0; i < 200; i += 1) deep = { tiefer: deep };
  const id = uid();
  const body = req({ metadata: deep });
  await chatCompletion(body, opts(sim, {}, id));
  assert.deepEqual(logFor(sim, id)[0].body, body);
});

badCase('caller: a field nested 3000 levels deep is sent unchanged or refused with ValidationError', async () => {
  let deep = [];
  for (let i = 0; i < 3000; i += 1) deep = [deep];
  const id = uid();
  const body = req({ metadata: deep });
  const { value, error } = await settle(() => chatCompletion(body, opts(sim, {}, id)));
  if (error) {
    assertErrorClass(error, ValidationError);
    assert.equal(error.param, 'request');
    assert.equal(logFor(sim, id).length, 0);
  } else {
    assert.equal(value.object, 'chat.completion');
    assert.deepEqual(logFor(sim, id)[0].body, body);
  }
});
