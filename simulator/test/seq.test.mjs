// The `seq:` fault: the n-th request of a group gets the n-th fault of the list (429 storms, 5xx flaps).
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

const post = (headers, b = body) =>
  fetch(sim.url + CHAT, {
    method: 'POST',
    headers: { authorization: 'Bearer sk-seq', 'content-type': 'application/json', ...headers },
    body: JSON.stringify(b),
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
