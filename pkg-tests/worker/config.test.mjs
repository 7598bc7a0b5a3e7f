// The Worker's settings in workerd: the body limit (413, by Content-Length and by counting a chunked
// body), the model allowlist, `*` origins, a missing secret, and a key meinGPT refuses.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { bundleWorker, startWorkers, post } from './helpers.mjs';
import { startSim, within, KEY, T } from '../node/helpers.mjs';

const LIMIT = 2048;
let sim;
let strict; // small body limit, model allowlist, any origin
let noKey; // MEINGPT_API_KEY not set
let badKey; // a key meinGPT refuses

const ask = (content, extra = {}) => ({ model: 'gpt-4o-mini', messages: [{ role: 'user', content }], ...extra });
const calls = () => sim.log.filter((r) => r.path === '/api/openai/v1/chat/completions').length;

async function errorBody(res) {
  const body = await res.json();
  assert.deepEqual(Object.keys(body), ['status', 'message']);
  assert.equal(body.status, 'error');
  return body.message;
}

/** A request body of exactly `size` bytes (JSON padded inside the message). */
function sized(size) {
  const base = JSON.stringify(ask(''));
  return JSON.stringify(ask('x'.repeat(size - base.length)));
}

/**
 * A chunked body (no Content-Length): `text` in pieces of `piece` bytes. With `holdAfter`, the body
 * stops after that many bytes without ending, until `release()`: a Worker that answers meanwhile
 * counted the bytes as they arrived.
 */
function chunkedBody(text, { piece = 256, holdAfter = Infinity } = {}) {
  const enc = new TextEncoder().encode(text);
  let release;
  const released = new Promise((resolve) => {
    release = resolve;
  });
  const stats = { sent: 0, release };
  const stream = new ReadableStream({
    async pull(controller) {
      if (stats.sent >= holdAfter) await released;
      if (stats.sent >= enc.length) return controller.close();
      controller.enqueue(enc.slice(stats.sent, stats.sent + piece));
      stats.sent += piece;
    },
  });
  return { stream, stats };
}

before(async () => {
  const bundle = await bundleWorker('worker-config');
  sim = await startSim();
  const base = { MEINGPT_BASE_URL: sim.baseUrl };
  [strict, noKey, badKey] = await startWorkers(bundle, [
    { secret: KEY, vars: { ...base, MAX_BODY_BYTES: String(LIMIT), ALLOWED_MODELS: 'gpt-4o-mini, sonar', ALLOWED_ORIGINS: '*' } },
    { vars: base },
    { secret: 'sk-invalid', vars: base },
  ]);
}, { timeout: 60_000 });

after(async () => {
  await Promise.all([strict, noKey, badKey].map((w) => w?.dispose()));
  await sim?.close();
}, { timeout: 15_000 });

test('413 when Content-Length is over the limit; a body at the limit passes', T, async () => {
  const before = calls();
  const over = await post(strict, sized(LIMIT + 1));
  assert.equal(over.status, 413);
  assert.match(await errorBody(over), new RegExp(`limit is ${LIMIT} bytes`));
  assert.equal(calls(), before, 'nothing sent upstream');
  const at = await post(strict, sized(LIMIT));
  assert.equal(at.status, 200);
  assert.equal((await at.json()).object, 'chat.completion');
});

test('413 when a chunked body without Content-Length grows over the limit, counted as it arrives', T, async () => {
  const before = calls();
  const big = chunkedBody(sized(64 * 1024), { holdAfter: LIMIT + 512 });
  try {
    const res = await within(post(strict, big.stream), 10_000, 'the 413 answer');
    assert.equal(res.status, 413);
    assert.match(await errorBody(res), /too large/);
    assert.ok(big.stats.sent <= LIMIT + 512, 'answered before the body ended');
  } finally {
    big.stats.release();
  }
  assert.equal(calls(), before, 'nothing sent upstream');
  const ok = chunkedBody(sized(LIMIT - 10), { piece: 100 });
  const fine = await post(strict, ok.stream);
  assert.equal(fine.status, 200);
  assert.equal((await fine.json()).object, 'chat.completion');
});

test('the model allowlist refuses other models with 403 and sends nothing', T, async () => {
  const before = calls();
  for (const model of ['gpt-4o', 'claude-3-5-sonnet', 'gpt-4o-mini@500']) {
    const res = await post(strict, ask('Hallo', { model }));
    assert.equal(res.status, 403, model);
    assert.equal(await errorBody(res), `Model '${model}' is not allowed here`);
  }
  assert.equal(calls(), before);
  const allowed = await post(strict, ask('Hallo', { model: 'sonar', stream: true }));
  assert.equal(allowed.status, 200);
  assert.match(await allowed.text(), /data: \[DONE\]\n\n$/);
});

test('ALLOWED_ORIGINS=* lets any origin in, with its own origin echoed', T, async () => {
  const res = await post(strict, ask('Hallo'), { headers: { origin: 'https://anywhere.example' } });
  assert.equal(res.status, 200);
  assert.equal(res.headers.get('access-control-allow-origin'), 'https://anywhere.example');
  await res.arrayBuffer();
});

test('a missing secret is a 500 that names it; nothing is sent', T, async () => {
  const before = calls();
  for (const request of [ask('Hallo'), ask('Hallo', { stream: true })]) {
    const res = await post(noKey, request);
    assert.equal(res.status, 500);
    const message = await errorBody(res);
    assert.match(message, /MEINGPT_API_KEY/);
    assert.match(message, /wrangler secret put MEINGPT_API_KEY/);
  }
  assert.equal(calls(), before);
});

test('a key meinGPT refuses: 401 passes through, the key is not echoed', T, async () => {
  for (const stream of [false, true]) {
    const res = await post(badKey, ask('Hallo', { stream }), { headers: { authorization: `Bearer ${KEY}` } });
    assert.equal(res.status, 401);
    const text = await res.text();
    assert.ok(!text.includes('sk-invalid'));
    assert.deepEqual(JSON.parse(text), { status: 'error', message: 'Unauthorized: invalid API key' });
  }
  assert.equal(sim.log.at(-1).headers.authorization, 'Bearer sk-invalid', "the Worker's key, not the client's");
});
