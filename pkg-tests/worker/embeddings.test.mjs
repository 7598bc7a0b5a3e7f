// The Worker proxy's POST /v1/embeddings (issue 15) in workerd against the simulator: float arrays
// (base64 upstream), validation before sending, CORS and the key as for chat, errors in meinGPT's shape.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { bundleWorker, startWorker, post } from './helpers.mjs';
import { startSim, KEY, T } from '../node/helpers.mjs';
import { ROOT } from '../workerd/wrangler-like.mjs';

const { embeddingVector } = await import(pathToFileURL(path.join(ROOT, 'simulator', 'routes.mjs')).href);
const ORIGIN = 'https://app.example';
const PATH = '/v1/embeddings';
let sim;
let worker;

before(async () => {
  const bundle = await bundleWorker('worker-embeddings');
  sim = await startSim();
  worker = await startWorker(bundle, { secret: KEY, vars: { MEINGPT_BASE_URL: sim.baseUrl, ALLOWED_ORIGINS: ORIGIN } });
}, { timeout: 30_000 });

after(async () => {
  await worker?.dispose();
  await sim?.close();
}, { timeout: 15_000 });

const upstream = () => sim.log.filter((r) => r.path === '/api/openai/v1/embeddings');

test('POST /v1/embeddings: float arrays, base64 on the upstream wire, the secret key sent', T, async () => {
  const before = upstream().length;
  const res = await post(worker, { input: ['Hallo', 'Welt'], dimensions: 8 }, { path: PATH, headers: { origin: ORIGIN, authorization: 'Bearer client-own' } });
  assert.equal(res.status, 200);
  assert.equal(res.headers.get('access-control-allow-origin'), ORIGIN);
  const body = await res.json();
  assert.deepEqual(body.data.map((d) => d.embedding), [Array.from(embeddingVector('Hallo', 8)), Array.from(embeddingVector('Welt', 8))]);
  const [rec] = upstream().slice(before);
  assert.equal(rec.body.encoding_format, 'base64');
  assert.equal(rec.headers.authorization, `Bearer ${KEY}`);
});

test('POST /v1/embeddings: refused with the field named before anything is sent', T, async () => {
  const before = upstream().length;
  const res = await post(worker, { input: 'a', dimensions: 0 }, { path: PATH, headers: { origin: ORIGIN } });
  assert.equal(res.status, 400);
  const text = await res.text();
  assert.ok(!text.includes(KEY));
  assert.match(JSON.parse(text).message, /^dimensions must be a whole number >= 1/);
  assert.equal(upstream().length, before);
});

test('POST /v1/embeddings: meinGPT\'s 403 (API not enabled) keeps its status and message', T, async () => {
  // The simulator's key without API access; the Worker forwards no client header, so a second Worker.
  const off = await startWorker(await bundleWorker('worker-embeddings-403'), { secret: 'sk-forbidden', vars: { MEINGPT_BASE_URL: sim.baseUrl, ALLOWED_ORIGINS: ORIGIN } });
  try {
    const res = await post(off, { input: 'a' }, { path: PATH, headers: { origin: ORIGIN } });
    assert.equal(res.status, 403);
    assert.deepEqual(await res.json(), { status: 'error', message: 'Completions API is not enabled for your organization' });
  } finally {
    await off.dispose();
  }
});

test('other meinGPT routes are not served by the Worker; a foreign origin is refused', T, async () => {
  for (const p of ['/v1/assistants', '/api/assistants/v1/', '/v1/embeddings/x']) {
    const res = await post(worker, { input: 'a' }, { path: p, headers: { origin: ORIGIN } });
    assert.equal(res.status, 404, p);
  }
  const foreign = await post(worker, { input: 'a' }, { path: PATH, headers: { origin: 'https://evil.example' } });
  assert.equal(foreign.status, 403);
});
