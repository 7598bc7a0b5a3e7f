// Not part of the run: where a Worker's CPU goes in workerd (used for measurement 8 and DESIGN.md).
// Starts the Worker (examples/worker, or a file of bench/apps/) in workerd with its inspector on,
// runs `answers` streamed answers from the simulator (as bench/worker-cpu.mjs does) under V8's
// sampling profiler, and prints the self time per function, and the total per script.
//
//   node --experimental-websocket bench/worker-profile.mjs [proxy|apps/<file>.js] [answers] [pacingMs] [concurrency]
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { BENCH, ROOT } from './lib.mjs';
import { KEY } from './payloads.mjs';
import { ask, bundle, load, startWorkerd, statCpuMs, writeConfig } from './worker-cpu.mjs';
import { startSimulator } from '../simulator/server.mjs';

const [which = 'proxy', answersArg = '200', pacingArg = '1', concArg = '8'] = process.argv.slice(2);
const EXAMPLE = path.join(ROOT, 'examples', 'worker');
const wrangler = JSON.parse(fs.readFileSync(path.join(EXAMPLE, 'wrangler.jsonc'), 'utf8').replace(/^\s*\/\/.*$/gm, ''));
const entry = which === 'proxy' ? path.join(EXAMPLE, wrangler.main) : path.resolve(BENCH, which);

const freePort = () =>
  new Promise((resolve) => {
    const s = net.createServer().listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });

const sim = await startSimulator({ pacingMs: Number(pacingArg), now: 1718000000000 });
const b = await bundle(entry, path.join(BENCH, '.out', 'worker-profile'));
const config = writeConfig(b, {
  compatibilityDate: wrangler.compatibility_date,
  compatibilityFlags: wrangler.compatibility_flags ?? [],
  bindings: { ...wrangler.vars, MEINGPT_BASE_URL: `${sim.url}/api/openai/v1`, MEINGPT_API_KEY: KEY },
});
const port = await freePort();
const w = await startWorkerd(config, [`--inspector-addr=127.0.0.1:${port}`]);
try {
  // answers 0: profile the first request alone (a non-stream call), from a fresh start
  const firstOnly = Number(answersArg) === 0;
  const first = firstOnly ? '' : await ask(w.url);
  if (!firstOnly) await load(w.url, 50, Number(concArg), first.length);
  const targets = await (await fetch(`http://127.0.0.1:${port}/json/list`)).json();
  const ws = new WebSocket(targets[0].webSocketDebuggerUrl);
  await new Promise((r, j) => {
    ws.onopen = r;
    ws.onerror = j;
  });
  let id = 0;
  const pending = new Map();
  ws.onmessage = (m) => {
    const msg = JSON.parse(m.data);
    if (msg.id && pending.has(msg.id)) {
      pending.get(msg.id)(msg);
      pending.delete(msg.id);
    }
  };
  const send = (method, params = {}) =>
    new Promise((r) => {
      id += 1;
      pending.set(id, r);
      ws.send(JSON.stringify({ id, method, params }));
    });
  await send('Profiler.enable');
  await send('Profiler.setSamplingInterval', { interval: 50 });
  await send('Profiler.start');
  const c0 = statCpuMs(w.pid);
  if (firstOnly) await ask(w.url, 0, JSON.stringify({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'echo:Grüß Gott' }] }));
  else await load(w.url, Number(answersArg), Number(concArg), first.length);
  const cpu = statCpuMs(w.pid) - c0;
  const { result } = await send('Profiler.stop');
  ws.close();
  const { nodes, samples, timeDeltas } = result.profile;
  const byId = new Map(nodes.map((n) => [n.id, n]));
  const self = new Map();
  for (let i = 0; i < samples.length; i += 1) self.set(samples[i], (self.get(samples[i]) ?? 0) + (timeDeltas[i] ?? 0));
  const fn = new Map();
  const script = new Map();
  let total = 0;
  for (const [nid, us] of self) {
    const { callFrame: f } = byId.get(nid);
    const key = `${f.functionName || '(anonymous)'} ${path.basename(f.url)}:${f.lineNumber + 1}`;
    fn.set(key, (fn.get(key) ?? 0) + us);
    const s = f.url ? path.basename(f.url) : f.functionName;
    script.set(s, (script.get(s) ?? 0) + us);
    total += us;
  }
  const n = Number(answersArg) || 1;
  const per = (us) => `${(us / 1000 / n).toFixed(3)} ms/answer`;
  console.log(`${which}: ${answersArg} answers, workerd CPU ${(cpu / n).toFixed(2)} ms/answer (/proc); profile spans ${per(total)}`);
  console.log('\nby script:');
  for (const [k, us] of [...script].sort((a, c) => c[1] - a[1]).slice(0, 12)) console.log(`  ${per(us).padStart(18)}  ${k}`);
  console.log('\nby function (self time):');
  for (const [k, us] of [...fn].sort((a, c) => c[1] - a[1]).slice(0, 40)) console.log(`  ${per(us).padStart(18)}  ${k}`);
} finally {
  await w.stop();
  await sim.close();
}
