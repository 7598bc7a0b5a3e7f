// OpenAI-compatible clients pointed at the Worker (in workerd) as their base URL: the official `openai`
// npm client and meingpt-wasm itself (in Node) read the JSON and the streamed answers as the server
// sent them, and get typed errors with the upstream's status.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import OpenAI from 'openai';
import { chatCompletion, BadRequestError, RateLimitError, APIError } from 'meingpt-wasm';
import { bundleWorker, startWorker } from './helpers.mjs';
import { startSim, rawPost, rawChunks, KEY, T, WEATHER_TOOL } from '../node/helpers.mjs';

let sim;
let worker;
let client;
const CLIENT_TOKEN = 'sk-not-the-meingpt-key';

const ask = (content, extra = {}) => ({ model: 'gpt-4o-mini', messages: [{ role: 'user', content }], ...extra });

before(async () => {
  const bundle = await bundleWorker('worker-clients');
  sim = await startSim();
  worker = await startWorker(bundle, { secret: KEY, vars: { MEINGPT_BASE_URL: sim.baseUrl } });
  client = new OpenAI({ apiKey: CLIENT_TOKEN, baseURL: `${worker.url}/v1`, maxRetries: 0, timeout: 20_000 });
}, { timeout: 30_000 });

after(async () => {
  await worker?.dispose();
  await sim?.close();
}, { timeout: 15_000 });

test('openai: chat.completions.create() returns the completion the server sent', T, async () => {
  for (const request of [
    ask('Hallo! Wie ist das Wetter in München?', { temperature: 0.7 }),
    ask('Wie ist das Wetter in Berlin? get_weather', { tools: [WEATHER_TOOL] }),
    ask('Was gibt es Neues?', { model: 'sonar' }),
  ]) {
    const direct = JSON.parse((await rawPost(sim, request)).text);
    const completion = await client.chat.completions.create(request);
    assert.deepEqual(completion, direct);
  }
  assert.equal(sim.log.at(-1).headers.authorization, `Bearer ${KEY}`, "the Worker's key, not the client's token");
});

test('openai: a streamed create() yields the chunks the server sent', T, async () => {
  for (const request of [
    ask('Erzähl mir etwas über Köln 😀', { stream: true, stream_options: { include_usage: true } }),
    ask('Wetter in Hamburg und Bremen? get_weather', { stream: true, tools: [WEATHER_TOOL] }),
  ]) {
    const expected = await rawChunks(sim, request);
    const stream = await client.chat.completions.create(request);
    const chunks = [];
    for await (const chunk of stream) chunks.push(chunk);
    assert.deepEqual(chunks, expected);
  }
});

test("openai: the stream helper's finalChatCompletion() equals the non-stream answer", T, async () => {
  for (const request of [ask('Guten Morgen aus Görlitz!'), ask('Wie ist das Wetter in Ulm? get_weather', { tools: [WEATHER_TOOL] })]) {
    const plain = await client.chat.completions.create(request);
    const final = await client.chat.completions.stream(request).finalChatCompletion();
    assert.deepEqual(final.choices[0].message.content, plain.choices[0].message.content);
    assert.deepEqual(final.choices[0].message.tool_calls ?? [], plain.choices[0].message.tool_calls ?? []);
    assert.equal(final.choices[0].finish_reason, plain.choices[0].finish_reason);
    assert.equal(final.id, plain.id);
  }
});

test('openai: errors arrive typed, with status and message; mid-stream errors throw', T, async () => {
  const tools = [WEATHER_TOOL];
  await assert.rejects(client.chat.completions.create(ask('x', { model: 'sonar', tools })), (e) => {
    assert.ok(e instanceof OpenAI.BadRequestError, e.constructor.name);
    assert.equal(e.status, 400);
    assert.match(e.message, /Model 'sonar' does not support tools/);
    return true;
  });
  await assert.rejects(client.chat.completions.create(ask('x', { model: 'gpt-4o-mini@429:3', stream: true })), (e) => {
    assert.ok(e instanceof OpenAI.RateLimitError, e.constructor.name);
    assert.equal(e.headers.get('retry-after'), '3');
    return true;
  });
  await assert.rejects(client.chat.completions.create(ask('x', { temperature: 5 })), (e) => {
    assert.ok(e instanceof OpenAI.BadRequestError, e.constructor.name);
    assert.match(e.message, /temperature/);
    return true;
  });
  const stream = await client.chat.completions.create(ask('Hallo Welt, wie geht es?', { model: 'gpt-4o-mini@error-mid-stream', stream: true }));
  const chunks = [];
  await assert.rejects(
    (async () => {
      for await (const chunk of stream) chunks.push(chunk);
    })(),
    (e) => {
      assert.ok(e instanceof OpenAI.APIError, e.constructor.name);
      // The upstream's own words stay in the Worker's log; the client gets the generic message.
      assert.match(e.message, /Upstream error \(request id [0-9a-f-]{36}\)/);
      return true;
    },
  );
  assert.equal(chunks.length, 2, 'the chunks before the error arrived');
});

test('meingpt-wasm in Node, pointed at the Worker without a key: JSON, stream, errors', T, async () => {
  const options = { baseUrl: `${worker.url}/v1`, maxRetries: 0 };
  const request = ask('Grüß Gott! Was gibt es in Wien zu sehen?');
  const direct = JSON.parse((await rawPost(sim, request)).text);
  assert.deepEqual(await chatCompletion(request, options), direct);
  const streamed = { ...request, stream: true, stream_options: { include_usage: true } };
  const stream = await chatCompletion(streamed, options);
  const chunks = [];
  for await (const chunk of stream) chunks.push(chunk);
  assert.deepEqual(chunks, await rawChunks(sim, streamed));
  assert.deepEqual(await stream.finalCompletion(), direct);
  await assert.rejects(chatCompletion(ask('x', { model: 'sonar', tools: [WEATHER_TOOL] }), options), BadRequestError);
  await assert.rejects(chatCompletion(ask('x', { model: 'gpt-4o-mini@429:2' }), options), (e) => e instanceof RateLimitError && e.status === 429);
  const failing = await chatCompletion(ask('Hallo Welt, wie geht es?', { model: 'gpt-4o-mini@error-mid-stream', stream: true }), options);
  await assert.rejects(
    (async () => {
      for await (const chunk of failing) assert.ok(chunk);
    })(),
    (e) => e instanceof APIError && /^Upstream error \(request id [0-9a-f-]{36}\)$/.test(e.message),
  );
});
