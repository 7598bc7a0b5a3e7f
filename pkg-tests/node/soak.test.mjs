// Soak (issue 7): 1,000 concurrent streams against the simulator, 10 rounds, byte-exact
// (toReadableStream() against the simulator's own SSE, finalCompletion() against the echoed text),
// and the heap after gc() and the wasm memory stable from round 2 to round 10. The client runs in a child process with
// --expose-gc (soak-run.mjs); the simulator runs here.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { startSim } from './helpers.mjs';

const STREAMS = 1000;
const ROUNDS = 10;
let sim;
before(async () => {
  sim = await startSim();
});
after(async () => {
  await sim?.close();
});

/** Runs soak-run.mjs; resolves to its JSON line (the child is killed after `ms`). */
function runChild(args, ms) {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--expose-gc', fileURLToPath(new URL('./soak-run.mjs', import.meta.url)), ...args], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    const timer = setTimeout(() => child.kill('SIGKILL'), ms);
    child.on('close', (code) => {
      clearTimeout(timer);
      if (code !== 0) return reject(new Error(`soak child exited ${code}: ${stderr.slice(-2000)}`));
      try {
        resolve(JSON.parse(stdout.trim().split('\n').at(-1)));
      } catch (e) {
        reject(new Error(`soak child printed no result: ${stdout.slice(-500)} ${stderr.slice(-500)} ${e}`));
      }
    });
  });
}

test(`${STREAMS} concurrent streams x ${ROUNDS} rounds: byte-exact, heap stable`, { timeout: 180_000 }, async (t) => {
  const r = await runChild([sim.baseUrl, String(STREAMS), String(ROUNDS)], 170_000);
  const mb = (b) => (b / 1048576).toFixed(1);
  t.diagnostic(r.rounds.map((x, i) => `round ${i + 1}: ${x.ms} ms, heapUsed ${mb(x.heapUsed)} MB, wasm memory ${mb(x.wasmMemory)} MB, rss ${mb(x.rss)} MB`).join('; '));
  assert.equal(r.rounds.length, ROUNDS);
  for (const [i, x] of r.rounds.entries()) {
    assert.deepEqual(x.errors, [], `round ${i + 1}`);
    assert.equal(x.mismatches, 0, `round ${i + 1}: streams not byte-exact`);
    assert.equal(x.ok, STREAMS, `round ${i + 1}`);
  }
  // Generous: a leak of even 1 kB per stream would add about 8 MB over rounds 3 to 10.
  const [second, last] = [r.rounds[1].heapUsed, r.rounds[ROUNDS - 1].heapUsed];
  assert.ok(last < second * 1.25 + 4 * 1048576, `heapUsed after gc: round 2 ${mb(second)} MB, round ${ROUNDS} ${mb(last)} MB`);
  // The wasm linear memory only grows: after the first rounds set its high-water mark, it must stay.
  const [w2, wLast] = [r.rounds[1].wasmMemory, r.rounds[ROUNDS - 1].wasmMemory];
  assert.ok(w2 > 0, 'the wasm memory is measured');
  assert.ok(wLast <= w2 * 1.25 + 1048576, `wasm memory: round 2 ${mb(w2)} MB, round ${ROUNDS} ${mb(wLast)} MB`);
});
