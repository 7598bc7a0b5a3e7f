// Reasoning models and today's model ids (issue 15, item 1): `reasoning_content` (or `reasoning`)
// survives finalCompletion(), runTools' history and runToolsStream's events; Perplexity
// `citations` reach runToolsStream's final event.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { chatCompletion, runTools, runToolsStream } from 'meingpt-wasm';
import { T, startSim, opts, collect as gather, fakeFetch, response, sseText, chunk } from './helpers.mjs';

let sim;
before(async () => {
  sim = await startSim();
});
after(() => sim?.close());

const ask = (model, content, extra = {}) => ({ model, messages: [{ role: 'user', content }], ...extra });
const CITY = { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] };
/** Every event of an async iterable; its error thrown. */
async function collect(it) {
  const { items, error } = await gather(it);
  if (error) throw error;
  return items;
}
const weather = { description: 'Wetter', parameters: CITY, run: async ({ city }) => ({ city, grad: 21 }) };

test('the simulator lists current model ids, among them reasoning models', T, async () => {
  const list = await (await fetch(`${sim.baseUrl}/models`)).json();
  const ids = list.data.map((m) => m.id);
  for (const id of ['gpt-5', 'o3', 'claude-opus-4-5@20251101', 'gemini-2.5-pro', 'deepseek-r1', 'sonar-deep-research']) {
    assert.ok(ids.includes(id), id);
  }
  assert.equal(list.data.find((m) => m.id === 'deepseek-r1').reasoning, true);
});

test('a reasoning model: reasoning_content streams before the answer, and finalCompletion() keeps it', T, async () => {
  const plain = await chatCompletion(ask('deepseek-r1', 'Was ist 2+2?'), opts(sim));
  const thought = plain.choices[0].message.reasoning_content;
  assert.match(thought, /Ich überlege/);
  const stream = await chatCompletion(ask('deepseek-r1', 'Was ist 2+2?', { stream: true }), opts(sim));
  const order = [];
  let joined = '';
  for await (const c of stream) {
    const d = c.choices[0]?.delta ?? {};
    if (d.reasoning_content) {
      order.push('r');
      joined += d.reasoning_content;
    }
    if (d.content) order.push('c');
  }
  assert.equal(joined, thought);
  assert.ok(order.indexOf('c') > order.lastIndexOf('r'), `reasoning first: ${order.join('')}`);
  const final = await stream.finalCompletion();
  assert.deepEqual(final.choices[0].message, plain.choices[0].message);
  const { usage: u1, ...a } = final;
  const { usage: u2, ...b } = plain;
  assert.deepEqual(a, b);
});

test('finalCompletion() joins `reasoning` (the other servers\' name) too, split characters included', T, async () => {
  const body = sseText([
    chunk({ role: 'assistant', reasoning: 'Grü' }),
    chunk({ reasoning: 'ße \ud83d' }),
    chunk({ reasoning: '\ude00' }),
    chunk({ content: 'Antwort', reasoning: null }, { finish: 'stop' }),
  ]);
  const fetch = fakeFetch(() => response(body));
  const stream = await chatCompletion(ask('o3', 'x', { stream: true }), { apiKey: 'k', baseUrl: 'http://fake.invalid/v1', fetch });
  const final = await stream.finalCompletion();
  assert.equal(final.choices[0].message.reasoning, 'Grüße 😀');
  assert.equal(final.choices[0].message.content, 'Antwort');
});

test('runTools keeps the reasoning in the assistant messages it sends back', T, async () => {
  const r = await runTools(ask('deepseek-r1', 'Wie ist das Wetter in München? Nutze get_weather.'), { tools: { get_weather: weather } }, opts(sim));
  assert.equal(r.steps, 2);
  const [, call, , answer] = r.messages;
  assert.match(call.reasoning_content, /Werkzeug/);
  assert.ok(call.tool_calls.length);
  assert.match(answer.reasoning_content, /./);
  // The second request carried the first turn's reasoning back to the server.
  const sent = sim.log.filter((l) => l.body?.model === 'deepseek-r1').at(-1).body;
  assert.equal(sent.messages[1].reasoning_content, call.reasoning_content);
});

test('runToolsStream: `reasoning` events before `content`, citations on the final event', T, async () => {
  const events = await collect(runToolsStream(ask('deepseek-r1', 'Hallo, wer bist du?'), { tools: { get_weather: weather } }, opts(sim)));
  const kinds = events.map((e) => e.type);
  assert.ok(kinds.includes('reasoning'), kinds.join());
  assert.ok(kinds.indexOf('content') > kinds.lastIndexOf('reasoning'));
  const done = events.at(-1);
  assert.equal(events.filter((e) => e.type === 'reasoning').map((e) => e.delta).join(''), done.completion.choices[0].message.reasoning_content);
  assert.equal(done.messages.at(-1).reasoning_content, done.completion.choices[0].message.reasoning_content);

  // sonar cannot call tools: toolsFallback 'drop' asks it once more without them.
  const sonar = await collect(runToolsStream(ask('sonar', 'Was gibt es Neues?'), { tools: { get_weather: weather } }, opts(sim, { toolsFallback: 'drop' })));
  const last = sonar.at(-1);
  assert.equal(last.type, 'done');
  assert.ok(Array.isArray(last.citations) && last.citations.length > 0, 'citations on the done event');
  assert.deepEqual(last.citations, last.completion.citations);
});
