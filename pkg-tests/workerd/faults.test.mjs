// The shared fault table (../fault-cases.mjs) and the trap scenario inside workerd (Miniflare, no
// nodejs_compat), against the simulator: typed errors within the timeout, never a hang, the canary key
// never shows (errors, console, URL, headers other than Authorization), the next call works, and a
// trapped instance is replaced.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { bundleWorker, startWorker, postJson } from './harness.mjs';
import { FAULT_CASES, CANARY, checkCase, checkTrap } from '../fault-cases.mjs';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const ROOT = path.resolve(HERE, '..', '..');
const { startSimulator } = await import(pathToFileURL(path.join(ROOT, 'simulator', 'server.mjs')).href);

let sim;
let mf;
before(async () => {
  const { scriptPath } = await bundleWorker(path.join(HERE, 'faults-worker.js'), path.join(HERE, '..', '.out', 'workerd-faults'));
  sim = await startSimulator({ port: 0, host: '127.0.0.1', now: 1718000000000 });
  mf = await startWorker(scriptPath, { SIM_URL: sim.url });
}, { timeout: 30_000 });
after(async () => {
  await mf?.dispose();
  await sim?.close();
}, { timeout: 15_000 });

let n = 0;
for (const c of FAULT_CASES) {
  test(`workerd fault: ${c.name}`, { timeout: 60_000 }, async () => {
    n += 1;
    const id = `wd-fault-${n}`;
    const { status, body } = await postJson(mf, { mode: 'case', name: c.name, id, apiKey: CANARY });
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
  const { status, body } = await postJson(mf, { mode: 'trap', apiKey: CANARY });
  assert.equal(status, 200, JSON.stringify(body).slice(0, 500));
  assert.deepEqual(checkTrap(body), [], JSON.stringify(body).slice(0, 2000));
});

test('workerd: no unhandled rejection besides the runtime\'s own for aborted or broken fetches', { timeout: 10_000 }, async () => {
  const { body } = await postJson(mf, { mode: 'unhandled' });
  // workerd rejects a promise of its own when a fetch is aborted while its body is read (see
  // worker.test.mjs), and likewise ('Network connection lost.') when the connection breaks mid-body:
  // reproduced with plain JS (fetch, getReader(), read() in try/catch; no package code).
  assert.ok(body.length > 0, 'the runtime reports them: this check sees unhandled rejections');
  assert.deepEqual(body.filter((u) => !/^(AbortError: The operation was aborted|Error: Network connection lost\.)$/.test(u)), []);
});
