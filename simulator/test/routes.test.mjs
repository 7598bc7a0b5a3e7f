// The simulator's other routes (routes.mjs) spoken to directly: determinism, the wire shapes, the
// key check, methods, bounds and the reset.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startSimulator } from '../server.mjs';
import { embeddingVector, ASSISTANTS } from '../routes.mjs';

let sim;
before(async () => {
  sim = await startSimulator({ now: 1718000000000, fileLimit: 2000 });
});
after(() => sim?.close());

const H = { authorization: 'Bearer sk-sim', 'content-type': 'application/json' };
const post = (p, body, headers = H) => fetch(sim.url + p, { method: 'POST', headers, body: JSON.stringify(body), signal: AbortSignal.timeout(10_000) });

test('embeddings: the same text the same unit vector, base64 the same floats, dimensions the start renormalised', { timeout: 10_000 }, async () => {
  const a = await (await post('/api/openai/v1/embeddings', { input: ['Hallo', 'Hallo'], dimensions: 6 })).json();
  assert.deepEqual(a.data[0].embedding, a.data[1].embedding);
  assert.deepEqual(a.data[0].embedding, Array.from(embeddingVector('Hallo', 6)));
  const norm = a.data[0].embedding.reduce((n, x) => n + x * x, 0);
  assert.ok(Math.abs(norm - 1) < 1e-6);
  const b = await (await post('/v1/embeddings', { input: 'Hallo', dimensions: 6, encoding_format: 'base64' })).json();
  const bytes = Uint8Array.from(Buffer.from(b.data[0].embedding, 'base64'));
  assert.deepEqual(Array.from(new Float32Array(bytes.buffer)), a.data[0].embedding);
  for (const [body, status] of [
    [{ input: 'x', dimensions: 0 }, 400],
    [{ input: 'x', dimensions: 3073 }, 400],
    [{ input: [] }, 400],
    [{ input: 'x', encoding_format: 'int8' }, 400],
  ]) {
    const r = await post('/api/openai/v1/embeddings', body);
    assert.equal(r.status, status, JSON.stringify(body));
    assert.equal((await r.json()).status, 'error');
  }
});

test('every route checks the key; wrong methods are 405; unknown routes 404', { timeout: 10_000 }, async () => {
  for (const p of ['/api/assistants/v1/', '/api/workflows/v1/user-workflows', `/api/assistant-files/v1/assistants/${ASSISTANTS[0].id}/files`]) {
    assert.equal((await fetch(sim.url + p)).status, 401, p);
    assert.equal((await fetch(sim.url + p, { headers: { authorization: 'Bearer sk-forbidden' } })).status, 403, p);
  }
  assert.equal((await fetch(`${sim.url}/api/assistants/v1/`, { method: 'DELETE', headers: H })).status, 405);
  assert.equal((await fetch(`${sim.url}/api/workflows/v1/x/y/z`, { headers: H })).status, 404);
});

test('files: the limit (413), a body without a file part (400), the reset clears them', { timeout: 10_000 }, async () => {
  const url = `${sim.url}/api/assistant-files/v1/assistants/${ASSISTANTS[0].id}/files`;
  const form = (size) => {
    const f = new FormData();
    f.append('file', new Blob([new Uint8Array(size)]), 'a.bin');
    return f;
  };
  assert.equal((await fetch(url, { method: 'POST', headers: { authorization: 'Bearer k' }, body: form(5000) })).status, 413);
  const empty = new FormData();
  empty.append('other', 'x');
  assert.equal((await fetch(url, { method: 'POST', headers: { authorization: 'Bearer k' }, body: empty })).status, 400);
  assert.equal((await fetch(url, { method: 'POST', headers: { authorization: 'Bearer k' }, body: form(100) })).status, 200);
  assert.equal((await (await fetch(url, { headers: { authorization: 'Bearer k' } })).json()).count, 1);
  await fetch(`${sim.url}/__sim/reset`, { method: 'POST' });
  assert.equal((await (await fetch(url, { headers: { authorization: 'Bearer k' } })).json()).count, 0);
});
