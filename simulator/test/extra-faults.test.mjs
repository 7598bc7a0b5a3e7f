// Faults added for the robustness tests: `seq:` (429 storms, 5xx flaps), `garbage`, `echo-key`.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startSimulator } from '../server.mjs';

const CHAT = '/api/openai/v1/chat/completions';
const body = { model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'echo:Grüße' }] };
let sim;
before(async () => {
  sim = await startSimulator({ port: 0, now: 1718000000000 });
});
after(async () => {
  await sim?.close();
});

const post = (headers, b = body, init = {}) =>
  fetch(sim.url + CHAT, {
    method: 'POST',
    headers: { authorization: 'Bearer sk-seq', 'content-type': 'application/json', ...headers },
    body: JSON.stringify(b),
    ...init,
  });

test('seq: each request of a group gets the next fault, `ok` none, then normal answers', { timeout: 10000 }, async () => {
  const h = { 'x-simulator-fault': 'seq:503/ok/429:2/502-html/openai-error:500' };
  const got = [];
  for (let i = 0; i < 7; i += 1) {
    const res = await post(h);
    got.push([res.status, res.headers.get('retry-after'), res.headers.get('content-type').split(';')[0], (await res.text()).slice(0, 20)]);
  }
  assert.deepEqual(got.map((g) => g[0]), [503, 200, 429, 502, 500, 200, 200]);
  assert.equal(got[2][1], '2');
  assert.equal(got[3][2], 'text/html');
  assert.match(got[4][3], /^\{"error":/);
  assert.match(got[5][3], /^\{"id":"chatcmpl-/);
  const faults = sim.log.slice(-7).map((r) => r.fault);
  assert.deepEqual(faults, ['503', null, '429:2', '502-html', 'openai-error:500', null, null]);
});

test('seq: groups by fault key, else by spec and body; reset clears the counts', { timeout: 10000 }, async () => {
  const spec = { 'x-simulator-fault': 'seq:500/ok' };
  assert.equal((await post(spec, { ...body, temperature: 1 })).status, 500);
  assert.equal((await post(spec, { ...body, temperature: 0 })).status, 500, 'another body is another group');
  assert.equal((await post(spec, { ...body, temperature: 1 })).status, 200);
  const k = { ...spec, 'x-simulator-fault-key': 'seq-key' };
  assert.equal((await post(k, { ...body, temperature: 0.1 })).status, 500);
  assert.equal((await post(k, { ...body, temperature: 0.2 })).status, 200, 'same key, other body: same group');
  sim.resetFaults();
  assert.equal((await post(k)).status, 500);
  const bad = await post({ 'x-simulator-fault': 'seq:ok/nope' });
  assert.equal(bad.status, 200);
  const bad2 = await post({ 'x-simulator-fault': 'seq:ok/nope' });
  assert.equal(bad2.status, 400);
  assert.match(await bad2.text(), /Unknown simulator fault 'nope'/);
});

test('garbage: 200 with the same pseudo-random bytes each time (non-stream); one chunk, then a data line of them (stream)', { timeout: 10000 }, async () => {
  const a = Buffer.from(await (await post({ 'x-simulator-fault': 'garbage:300' })).arrayBuffer());
  const b = Buffer.from(await (await post({ 'x-simulator-fault': 'garbage:300' })).arrayBuffer());
  assert.equal(a.length, 300);
  assert.ok(a.equals(b), 'deterministic');
  assert.ok(new Set(a).size > 100, 'bytes of every kind');
  assert.throws(() => JSON.parse(a.toString('utf8')));
  const res = await post({ 'x-simulator-fault': 'garbage' }, { ...body, stream: true });
  assert.equal(res.status, 200);
  assert.match(res.headers.get('content-type'), /^text\/event-stream/);
  const bytes = Buffer.from(await res.arrayBuffer());
  const text = bytes.toString('latin1');
  const events = text.split('\n\n');
  assert.equal(events.length, 3, 'two events, then the end');
  assert.equal(JSON.parse(events[0].slice(6)).object, 'chat.completion.chunk');
  assert.ok(events[1].startsWith('data: ') && !/[\r\n]/.test(events[1]));
  assert.ok(events[1].length > 4000);
});

test('echo-key: the key in a 401 message (non-stream) and in an error event (stream)', { timeout: 10000 }, async () => {
  const h = { 'x-simulator-fault': 'echo-key', authorization: 'Bearer sk-canary-echo' };
  const res = await post(h);
  assert.equal(res.status, 401);
  assert.deepEqual(await res.json(), { error: { message: 'Incorrect API key provided: sk-canary-echo', type: 'invalid_request_error' } });
  const s = await post(h, { ...body, stream: true });
  assert.equal(s.status, 200);
  assert.equal(await s.text(), 'data: {"error":{"message":"Incorrect API key provided: sk-canary-echo","type":"invalid_request_error"}}\n\n');
});

test('redirect[:status]: a 3xx to another origin, not followed by this test', { timeout: 10000 }, async () => {
  for (const [spec, status] of [['redirect', 307], ['redirect:308', 308], ['redirect:301', 301]]) {
    const res = await post({ 'x-simulator-fault': spec, authorization: 'Bearer sk-x' }, body, { redirect: 'manual' });
    assert.equal(res.status, status);
    assert.equal(res.headers.get('location'), 'http://127.0.0.1:9/elsewhere/chat/completions');
    assert.equal(await res.text(), '');
  }
});
