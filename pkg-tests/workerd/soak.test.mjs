// Soak in workerd (issue 7): 200 concurrent Worker requests, each streaming a completion from the
// simulator, 10 rounds, byte-exact (toReadableStream() against the simulator's own SSE,
// finalCompletion() against the echoed text), and the wasm memory stable from round 2 on.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { bundleWorker, startWorker, postJson } from './harness.mjs';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const ROOT = path.resolve(HERE, '..', '..');
const { startSimulator } = await import(pathToFileURL(path.join(ROOT, 'simulator', 'server.mjs')).href);
const KEY = 'sk-workerd-soak-4711';
const STREAMS = 200;
const ROUNDS = 10;

let sim;
let mf;
before(async () => {
  const { scriptPath } = await bundleWorker(path.join(HERE, 'faults-worker.js'), path.join(HERE, '..', '.out', 'workerd-soak'));
  sim = await startSimulator({ port: 0, host: '127.0.0.1', now: 1718000000000 });
  mf = await startWorker(scriptPath, { SIM_URL: sim.url });
}, { timeout: 30_000 });
after(async () => {
  await mf?.dispose();
  await sim?.close();
}, { timeout: 15_000 });

const text = (i) => `Soak ${i} im Worker: Grüße aus München, ${'äöü ß 😀 '.repeat(1 + (i % 5))}Ende.`;
const request = (i) => ({ model: 'gpt-4o-mini', stream: true, messages: [{ role: 'user', content: `echo:${text(i)}` }] });

test(`workerd: ${STREAMS} concurrent streams x ${ROUNDS} rounds, byte-exact, wasm memory stable`, { timeout: 180_000 }, async (t) => {
  const refs = await Promise.all(
    Array.from({ length: STREAMS }, async (_, i) => {
      const res = await fetch(`${sim.url}/api/openai/v1/chat/completions`, {
        method: 'POST',
        headers: { authorization: `Bearer ${KEY}`, 'content-type': 'application/json' },
        body: JSON.stringify(request(i)),
      });
      return res.text();
    }),
  );
  const rounds = [];
  for (let r = 0; r < ROUNDS; r += 1) {
    const t0 = Date.now();
    const results = await Promise.all(
      Array.from({ length: STREAMS }, (_, i) => postJson(mf, { mode: 'soak', request: request(i), options: { apiKey: KEY, maxRetries: 0, timeoutMs: 60_000 } })),
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
