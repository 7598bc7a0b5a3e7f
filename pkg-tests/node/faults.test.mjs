// The shared fault table (../fault-cases.mjs) in Node against the simulator: each fault gives SPEC's
// typed error within the timeout, never a hang, the canary key never shows (errors, console, URL,
// headers other than Authorization), and the next call works. workerd and Chromium run the same table.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import * as api from 'meingpt-wasm';
import { FAULT_CASES, CANARY, runCase, checkCase } from '../fault-cases.mjs';
import { startSim, uid, logFor } from './helpers.mjs';

let sim;
before(async () => {
  sim = await startSim();
});
after(async () => {
  await sim?.close();
});

/** The key may travel only in the Authorization header: never in a path or another header. */
export function keyOutsideAuthorization(log, secret) {
  const out = [];
  for (const r of log) {
    if (r.path.includes(secret)) out.push(`path ${r.path}`);
    for (const [k, v] of Object.entries(r.headers)) if (k !== 'authorization' && String(v).includes(secret)) out.push(`header ${k}`);
  }
  return out;
}

for (const c of FAULT_CASES) {
  test(`fault: ${c.name}`, { timeout: 60_000 }, async () => {
    const id = uid('fault');
    const r = await runCase(api, c, { apiKey: CANARY, baseUrl: sim.baseUrl, id });
    const problems = checkCase(c, r, CANARY, logFor(sim, id).length);
    problems.push(...keyOutsideAuthorization(sim.log, CANARY));
    assert.deepEqual(problems, [], JSON.stringify(r.outcomes).slice(0, 1500));
  });
}
