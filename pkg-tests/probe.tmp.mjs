import path from 'node:path';
import { bundleWorker, startWorker, postJson } from './workerd/harness.mjs';
import { FAULT_CASES, CANARY } from './fault-cases.mjs';
import { startSimulator } from '../simulator/server.mjs';
const { scriptPath } = await bundleWorker(path.resolve('workerd/faults-worker.js'), path.resolve('.out/probe'));
const sim = await startSimulator({ port: 0 });
const mf = await startWorker(scriptPath, { SIM_URL: sim.url });
let seen = 0;
for (const c of FAULT_CASES) {
  await postJson(mf, { mode: 'case', name: c.name, id: 'x', apiKey: CANARY });
  await new Promise((r) => setTimeout(r, 100));
  const { body } = await postJson(mf, { mode: 'unhandled' });
  if (body.length > seen) console.log(c.name, body.slice(seen));
  seen = body.length;
}
const t = await postJson(mf, { mode: 'trap', apiKey: CANARY });
console.log('trap', JSON.stringify(t.body).slice(0, 300));
const { body } = await postJson(mf, { mode: 'unhandled' });
console.log('after trap', body.slice(seen));
await mf.dispose(); await sim.close();
