// Re-hydration (issue 6): toReadableStream({format: 'sse' | 'ndjson'}) and
// ChatCompletionStream.fromReadableStream / fromResponse turning those bytes into a full stream again.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import {
  chatCompletion,
  ChatCompletionStream,
  APIError,
  RateLimitError,
  BadRequestError,
  InternalServerError,
  APIUserAbortError,
  ValidationError,
  MeinGPTError,
} from 'meingpt-wasm';
import {
  T,
  startSim,
  opts,
  rawChunks,
  collect,
  readAll,
  within,
  bytes,
  concatBytes,
  chunk,
  sseText,
  partsBody,
  controlledBody,
  localServer,
  rejection,
  assertErrorClass,
  assertHealthy,
} from './helpers.mjs';

let sim;
before(async () => {
  sim = await startSim();
});
after(() => sim?.close());

const TEXT = 'Grüße aus Köln 😀 – „Straße“';
const ask = (extra = {}) => ({
  model: 'gpt-4o-mini',
  messages: [{ role: 'user', content: `echo:${TEXT}` }],
  stream: true,
  stream_options: { include_usage: true },
  ...extra,
});
const dec = new TextDecoder();
const textOf = (parts) => dec.decode(concatBytes(parts));

test('SSE round trip: toReadableStream() bytes make a stream equal to the original', T, async () => {
  const expected = await rawChunks(sim, ask());
  const reference = await chatCompletion({ ...ask(), stream: false }, opts(sim));
  const original = await chatCompletion(ask(), opts(sim));
  const again = await ChatCompletionStream.fromReadableStream(original.toReadableStream());
  assert.ok(again instanceof ChatCompletionStream);
  const { items, error } = await collect(again);
  assert.equal(error, undefined);
  assert.deepEqual(items, expected);
  assert.deepEqual(await again.finalCompletion(), reference);
  assert.deepEqual(await original.finalCompletion(), reference);
});

test('NDJSON: one chunk per line, no [DONE]; fromReadableStream reads it back, split anywhere', T, async () => {
  const expected = await rawChunks(sim, ask());
  const reference = await chatCompletion({ ...ask(), stream: false }, opts(sim));
  const s = await chatCompletion(ask(), opts(sim));
  const { items: parts } = await readAll(s.toReadableStream({ format: 'ndjson' }));
  const text = textOf(parts);
  assert.ok(text.endsWith('\n'));
  const lines = text.slice(0, -1).split('\n');
  assert.deepEqual(lines.map((l) => JSON.parse(l)), expected);
  assert.ok(!text.includes('[DONE]'));
  // Back to a stream, from bytes cut one per read.
  const again = await ChatCompletionStream.fromReadableStream(partsBody([...bytes(text)].map((b) => new Uint8Array([b]))));
  const { items } = await readAll(again.textStream());
  assert.equal(items.join(''), TEXT);
  assert.deepEqual(await again.finalCompletion(), reference);
});

test('NDJSON as other servers write it: CRLF, blank lines, a BOM, no final newline, a multi-line SSE event', T, async () => {
  const c1 = chunk({ role: 'assistant', content: 'Grü' });
  const c2 = chunk({ content: 'ße' });
  const c3 = chunk({}, { finish: 'stop' });
  const ndjson = `\uFEFF\r\n${JSON.stringify(c1)}\r\n\r\n${JSON.stringify(c2)}\n${JSON.stringify(c3)}`;
  const s = await ChatCompletionStream.fromReadableStream(partsBody([ndjson.slice(0, 5), ndjson.slice(5, 40), ndjson.slice(40)]));
  const { items } = await collect(s);
  assert.deepEqual(items, [c1, c2, c3]);
  assert.equal((await s.finalCompletion()).choices[0].message.content, 'Grüße');
  // Strings are read too (a ReadableStream<string>).
  const strings = new ReadableStream({
    start(c) {
      c.enqueue(`${JSON.stringify(c1)}\n`);
      c.enqueue(JSON.stringify(c2));
      c.close();
    },
  });
  const fromStrings = await ChatCompletionStream.fromReadableStream(strings);
  assert.equal((await fromStrings.finalCompletion()).choices[0].message.content, 'Grüße');
  // SSE with comments, CR line ends and a pretty-printed event.
  const sse = `: hallo\r\r${sseText([c1], { done: false, nl: '\r' })}data: {"id":"chatcmpl-hand",\ndata:  "object":"chat.completion.chunk","created":1718000000,"model":"gpt-4o-mini","choices":[{"index":0,"delta":{"content":"ße"},"finish_reason":null}]}\n\n${sseText([c3])}`;
  const t = await ChatCompletionStream.fromReadableStream(partsBody([sse]));
  const { items: texts } = await readAll(t.textStream());
  assert.equal(texts.join(''), 'Grüße');
});

test('fromResponse over HTTP: a server piping toReadableStream() (as a Worker does) and one sending NDJSON', T, async () => {
  const reference = await chatCompletion({ ...ask(), stream: false }, opts(sim));
  const server = await localServer(async (rq, rs) => {
    const format = rq.url === '/ndjson' ? 'ndjson' : 'sse';
    const upstream = await chatCompletion(ask(), opts(sim));
    rs.writeHead(200, { 'content-type': format === 'sse' ? 'text/event-stream' : 'application/x-ndjson' });
    const reader = upstream.toReadableStream({ format }).getReader();
    for (let i = 0; i < 1000; i += 1) {
      const { done, value } = await reader.read();
      if (done) break;
      rs.write(value);
    }
    rs.end();
  });
  try {
    for (const path of ['/sse', '/ndjson']) {
      const res = await fetch(server.url + path, { signal: AbortSignal.timeout(10000) });
      const s = await ChatCompletionStream.fromResponse(res);
      const { items, error } = await collect(s);
      assert.equal(error, undefined, path);
      assert.equal(items.map((c) => c.choices[0]?.delta?.content ?? '').join(''), TEXT, path);
      assert.deepEqual(await s.finalCompletion(), reference, path);
    }
  } finally {
    await server.close();
  }
});

test('fromResponse: a non-2xx response rejects with the class and message chatCompletion would give', T, async () => {
  const cases = [
    [new Response('{"status":"error","message":"Zu viele Anfragen"}', { status: 429, headers: { 'retry-after': '1' } }), RateLimitError, 'Zu viele Anfragen'],
    [new Response('{"error":{"message":"bad things","type":"invalid_request_error"}}', { status: 400 }), BadRequestError, 'bad things'],
    [new Response('<html><body><h1>502 Bad Gateway</h1></body></html>', { status: 502 }), InternalServerError, /HTTP 502/],
  ];
  for (const [res, Cls, message] of cases) {
    const e = await rejection(ChatCompletionStream.fromResponse(res), Cls.name);
    assertErrorClass(e, Cls);
    assert.equal(e.status, res.status);
    if (typeof message === 'string') assert.equal(e.message, message);
    else assert.match(e.message, message);
  }
  const e = await rejection(ChatCompletionStream.fromResponse(new Response('{"status":"error","message":"x"}', { status: 429 })));
  assert.deepEqual(e.body, { status: 'error', message: 'x' });
  assert.equal(e.headers.get('content-type'), 'text/plain;charset=UTF-8');
});

test('an error object inside the re-hydrated bytes makes the iteration throw', T, async () => {
  for (const line of ['{"status":"error","message":"Simulated upstream failure"}', '{"error":{"message":"Simulated upstream failure"}}']) {
    const ndjson = `${JSON.stringify(chunk({ role: 'assistant', content: 'a' }))}\n${line}\n`;
    const s = await ChatCompletionStream.fromReadableStream(partsBody([ndjson]));
    const { items, error } = await collect(s);
    assert.equal(items.length, 1);
    assertErrorClass(error, APIError);
    assert.equal(error.message, 'Simulated upstream failure');
    await rejection(s.finalCompletion());
  }
  const cut = await ChatCompletionStream.fromReadableStream(partsBody([`${JSON.stringify(chunk({ content: 'a' }))}\n{"id":`]));
  const { error } = await collect(cut);
  assertErrorClass(error, APIError);
  assert.match(error.message, /not JSON/);
});

test('abort() and the signal stop a re-hydrated stream and cancel its body', T, async () => {
  const body = controlledBody();
  const s = await ChatCompletionStream.fromReadableStream(body.body);
  body.push(`data: ${JSON.stringify(chunk({ role: 'assistant', content: 'a' }))}\n\n`);
  const it = s[Symbol.asyncIterator]();
  assert.equal((await it.next()).value.choices[0].delta.content, 'a');
  const pending = it.next();
  s.abort();
  const e = await within(rejection(pending), 5000, 'the read after abort()');
  assertErrorClass(e, APIUserAbortError);
  await within(body.cancelled, 5000, 'the body cancel');

  const controller = new AbortController();
  const body2 = controlledBody();
  const s2 = await ChatCompletionStream.fromReadableStream(body2.body, { signal: controller.signal });
  const final = s2.finalCompletion();
  setTimeout(() => controller.abort(), 20);
  assertErrorClass(await within(rejection(final), 5000, 'finalCompletion after the signal'), APIUserAbortError);
  await within(body2.cancelled, 5000, 'the body cancel');
});

test('bad input: not a stream is a ValidationError; a stream is read once', T, async () => {
  for (const bad of [undefined, 42, 'data: x', {}, new Response(null)]) {
    const e = await rejection(
      bad instanceof Response ? ChatCompletionStream.fromResponse(bad) : ChatCompletionStream.fromReadableStream(bad),
      String(bad),
    );
    assertErrorClass(e, ValidationError);
    assert.equal(e.param, 'readable');
  }
  const s = await ChatCompletionStream.fromReadableStream(partsBody([sseText([chunk({ content: 'x' })])]));
  await collect(s);
  assert.throws(() => s.textStream(), MeinGPTError);
  await assertHealthy(sim, 'after re-hydration errors');
});
