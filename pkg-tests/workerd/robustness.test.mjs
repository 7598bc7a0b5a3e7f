// Robustness inside workerd (Miniflare, no nodejs_compat), against the simulator, with the test
// Worker faults-worker.js bundled as wrangler would (wrangler-like.mjs):
// - the shared fault table (../fault-cases.mjs): typed errors within the timeout, never a hang, the
//   canary key never shows (errors, console, URL, headers other than Authorization), the next call works;
// - never poisoned: a trapped instance is replaced (the shared trap scenario);
// - soak: 200 concurrent Worker requests each streaming a completion, 10 rounds, byte-exact
//   (toReadableStream() against the simulator's own SSE, finalCompletion() against the echoed text),
//   the wasm memory stable from round 2 on.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { APP, ROOT, bundleLikeWrangler, startInWorkerd } from './wrangler-like.mjs';
import { FAULT_CASES, CANARY, checkCase, checkTrap } from '../fault-cases.mjs';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const { startSimulator } = await import(pathToFileURL(path.join(ROOT, 'simulator', 'server.mjs')).href);

let sim;
let worker;
before(async () => {
  const bundle = await bundleLikeWrangler({ entry: path.join(HERE, 'faults-worker.js'), outDir: path.join(APP, '.out', 'workerd-robustness') });
  sim = await startSimulator({ port: 0, host: '127.0.0.1', now: 1718000000000 });
  worker = await startInWorkerd(bundle, { compatibilityDate: '2025-09-01', bindings: { SIM_URL: sim.url } });
}, { timeout: 40_000 });
after(async () => {
  await worker?.dispose();
  await sim?.close();
}, { timeout: 15_000 });

/** POSTs JSON to the Worker and parses its JSON answer. */
async function postJson(body) {
  const res = await worker.mf.dispatchFetch('http://worker.test/', {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  const text = await res.text();
  try {
    return { status: res.status, body: JSON.parse(text) };
  } catch {
    return { status: res.status, body: text };
  }
}

let n = 0;
for (const c of FAULT_CASES) {
  test(`workerd fault: ${c.name}`, { timeout: 60_000 }, async () => {
    n += 1;
    const id = `wd-fault-${n}`;
    const { status, body } = await postJson({ mode: 'case', name: c.name, id, apiKey: CANARY });
    assert.equal(status, 200, JSON.stringify(body).slice(0, 500));
    const problems = checkCase(c, body, CANARY, sim.log.filter((r) => r.headers['x-test-id'] === id).length);
    for (const r of sim.log) {
      if (r.path.includes(CANARY)) problems.push(`the key in a path: ${r.path}`);
      for (const [k, v] of Object.entries(r.headers)) if (k !== 'authorization' && String(v).includes(CANARY)) problems.push(`the key in header ${k}`);
    }
    assert.deepEqual(problems, [], JSON.stringify(body.outcomes).slice(0, 1500));
  });
}

test('workerd: a trapped instance is replaced; in-flight calls fail; the next calls work', { timeout: 60_000 }, async () => {
  const { status, body } = await postJson({ mode: 'trap', apiKey: CANARY });
  assert.equal(status, 200, JSON.stringify(body).slice(0, 500));
  assert.deepEqual(checkTrap(body), [], JSON.stringify(body).slice(0, 2000));
});

test('workerd: no unhandled rejection besides the runtime\'s own for aborted or broken fetches', { timeout: 10_000 }, async () => {
  const { body } = await postJson({ mode: 'unhandled' });
  // workerd rejects a promise of its own when a fetch is aborted while its body is read (see
  // worker.test.mjs), and likewise ('Network connection lost.') when the connection breaks mid-body:
  // reproduced with plain JS (fetch, getReader(), read() in try/catch; no package code).
  assert.ok(body.length > 0, 'the runtime reports them: this check sees unhandled rejections');
  assert.deepEqual(body.filter((u) => !/^(AbortError: The operation was aborted|Error: Network connection lost\.)$/.test(u)), []);
});

const SOAK_KEY = 'sk-workerd-soak-4711';
const STREAMS = 200;
const ROUNDS = 10;
const text = (i) => `Soak ${i} im Worker: Grüße aus München, ${'äöü ß 😀 '.repeat(1 + (i % 5))}Ende.`;
const request = (i) => ({ model: 'gpt-4o-mini', stream: true, messages: [{ role: 'user', content: `echo:${text(i)}` }] });

test(`workerd: ${STREAMS} concurrent streams x ${ROUNDS} rounds, byte-exact, wasm memory stable`, { timeout: 180_000 }, async (t) => {
  const refs = await Promise.all(
    Array.from({ length: STREAMS }, async (_, i) => {
      const res = await fetch(`${sim.url}/api/openai/v1/chat/completions`, {
        method: 'POST',
        headers: { authorization: `Bearer ${SOAK_KEY}`, 'content-type': 'application/json' },
        body: JSON.stringify(request(i)),
      });
      return res.text();
    }),
  );
  const rounds = [];
  for (let r = 0; r < ROUNDS; r += 1) {
    const t0 = Date.now();
    const results = await Promise.all(
      Array.from({ length: STREAMS }, (_, i) => postJson({ mode: 'soak', request: request(i), options: { apiKey: SOAK_KEY, maxRetries: 0, timeoutMs: 60_000 } })),
    );
    const bad = results
      .map((x, i) => (x.status !== 200 ? `${i}: HTTP ${x.status} ${JSON.stringify(x.body).slice(0, 200)}` : x.body.sse !== refs[i] ? `${i}: SSE differs` : x.body.content !== text(i) ? `${i}: content differs` : null))
      .filter(Boolean);
    rounds.push({ ms: Date.now() - t0, bad, wasmMemory: Math.max(...results.map((x) => x.body?.wasmMemory ?? 0)) });
  }
  t.diagnostic(rounds.map((x, i) => `round ${i + 1}: ${x.ms} ms, wasm memory ${(x.wasmMemory / 1048576).toFixed(2)} MB`).join('; '));
  for (const [i, x] of rounds.entries()) assert.deepEqual(x.bad.slice(0, 5), [], `round ${i + 1}`);
  const [w2, wLast] = [rounds[1].wasmMemory, rounds[ROUNDS - 1].wasmMemory];
  assert.ok(w2 > 0, 'the wasm memory is measured');
  assert.ok(wLast <= w2 * 1.25 + 1048576, `wasm memory: round 2 ${w2} B, round ${ROUNDS} ${wLast} B`);
});
