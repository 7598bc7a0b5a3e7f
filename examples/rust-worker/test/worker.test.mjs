// The Rust Worker (workers-rs + the meingpt crate) in workerd through Miniflare, against the meinGPT
// simulator on 127.0.0.1. Run after `node examples/rust-worker/build.mjs` (scripts/test.mjs
// rust-worker does both).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Miniflare } from 'miniflare';
import { startSimulator } from '../../../simulator/server.mjs';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const BUILD = path.join(HERE, '..', 'build');
const KEY = 'sk-rust-worker-4711';
let sim;
let mf;

before(async () => {
  assert.ok(existsSync(path.join(BUILD, 'index.mjs')), 'run node examples/rust-worker/build.mjs first');
  sim = await startSimulator();
  mf = new Miniflare({
    host: '127.0.0.1',
    port: 0,
    modules: true,
    scriptPath: path.join(BUILD, 'index.mjs'),
    modulesRoot: BUILD,
    modulesRules: [
      { type: 'ESModule', include: ['**/*.js', '**/*.mjs'] },
      { type: 'CompiledWasm', include: ['**/*.wasm'] },
    ],
    compatibilityDate: '2025-09-01',
    cf: false,
    bindings: { MEINGPT_API_KEY: KEY, MEINGPT_BASE_URL: `${sim.url}/api/openai/v1`, ALLOWED_ORIGINS: 'https://app.example' },
    // The simulator listens on 127.0.0.1: workerd refuses loopback outbound unless allowed.
    outboundService: { network: { allow: ['public', 'private', 'local'] } },
  });
  await mf.ready;
});

after(async () => {
  await mf?.dispose();
  await sim?.close();
});

const post = (body, headers = {}) =>
  mf.dispatchFetch('http://worker.test/v1/chat/completions', {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });

const echo = (text, extra = {}) => ({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: `echo:${text}` }], ...extra });

test('a plain call comes back as the simulator answered it, the key added by the Worker', async () => {
  const res = await post(echo('Grüße aus Rust 😀'));
  assert.equal(res.status, 200);
  const body = await res.json();
  assert.equal(body.object, 'chat.completion');
  assert.equal(body.choices[0].message.content, 'Grüße aus Rust 😀');
  const sent = sim.log.at(-1);
  assert.equal(sent.headers.authorization, `Bearer ${KEY}`);
});

test('a stream goes on as server-sent events, chunk for chunk, ending in [DONE]', async () => {
  const request = echo('eins zwei drei vier', { stream: true, stream_options: { include_usage: true } });
  const res = await post(request);
  assert.equal(res.status, 200);
  assert.match(res.headers.get('content-type'), /^text\/event-stream/);
  const text = await res.text();
  const events = text.trim().split('\n\n').map((e) => e.replace(/^data: /, ''));
  assert.equal(events.at(-1), '[DONE]');
  const chunks = events.slice(0, -1).map((e) => JSON.parse(e));
  assert.equal(chunks.map((c) => c.choices[0]?.delta?.content ?? '').join(''), 'eins zwei drei vier');
  assert.ok(chunks.at(-1).usage.total_tokens > 0);
  // The same chunks the simulator sent (typed and serialized again, unknown fields and nulls kept).
  const direct = await fetch(`${sim.url}/api/openai/v1/chat/completions`, {
    method: 'POST',
    headers: { authorization: `Bearer ${KEY}`, 'content-type': 'application/json' },
    body: JSON.stringify(request),
  });
  const reference = (await direct.text()).trim().split('\n\n').map((e) => e.replace(/^data: /, ''));
  assert.deepEqual(events.slice(0, -1).map((e) => JSON.parse(e)), reference.slice(0, -1).map((e) => JSON.parse(e)));
});

test('sonar citations pass through', async () => {
  const res = await post({ model: 'sonar', messages: [{ role: 'user', content: 'Neues?' }] });
  assert.equal(res.status, 200);
  assert.equal((await res.json()).citations.length, 3);
});

test('errors: validation before sending (400), the server status (400 for tools to sonar), bad JSON', async () => {
  const before = sim.log.length;
  let res = await post(echo('x', { temperature: 3 }));
  assert.equal(res.status, 400);
  assert.match((await res.json()).message, /temperature must be a number from 0 to 2/);
  assert.equal(sim.log.length, before, 'nothing sent');
  res = await post({
    model: 'sonar',
    messages: [{ role: 'user', content: 'hi' }],
    tools: [{ type: 'function', function: { name: 'get_weather' } }],
  });
  assert.equal(res.status, 400);
  assert.match((await res.json()).message, /does not support tools/);
  res = await post('{"model":');
  assert.equal(res.status, 400);
});

test('an error inside the stream arrives as an error event, then [DONE]', async () => {
  const faulty = await mf.dispatchFetch('http://worker.test/v1/chat/completions', {
    method: 'POST',
    body: JSON.stringify({ ...echo('eins zwei drei', { stream: true }), model: 'gpt-4o-mini@error-mid-stream' }),
  });
  const events = (await faulty.text()).trim().split('\n\n').map((e) => e.replace(/^data: /, ''));
  assert.equal(events.at(-1), '[DONE]');
  const error = JSON.parse(events.at(-2));
  assert.equal(error.status, 'error');
  assert.match(error.message, /Simulated upstream failure/);
});

test('only POST on the one route, and no foreign browser origin', async () => {
  assert.equal((await mf.dispatchFetch('http://worker.test/v1/chat/completions')).status, 405);
  assert.equal((await mf.dispatchFetch('http://worker.test/admin', { method: 'POST', body: '{}' })).status, 404);
  const res = await post(echo('x'), { origin: 'https://evil.example' });
  assert.equal(res.status, 403);
  assert.equal((await post(echo('x'), { origin: 'https://app.example' })).status, 200);
});
