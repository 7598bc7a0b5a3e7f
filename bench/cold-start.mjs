// Measurement 4: cold start. (a) Node: a fresh `node` process per run (bench/cold-child.mjs) imports
// the client and makes its first call; import-only and import + first call, per client, rounds
// rotating the order. (b) workerd: a Worker per client (bench/apps/worker-*.js, bundled the way
// wrangler bundles), started by `new Miniflare(...)`, then its first `dispatchFetch` (one call to
// the bench server).
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { createRequire } from 'node:module';
import fs from 'node:fs';
import path from 'node:path';
import { BENCH, ROOT, stats } from './lib.mjs';
import { KEY } from './payloads.mjs';

const NODE_CLIENTS = ['ours', 'openai', 'floor'];
const WORKERS = { ours: 'worker-ours.js', openai: 'worker-openai.js', floor: 'worker-fetch.js' };

function coldProcess(client, url, timeoutMs = 60_000) {
  return new Promise((resolve, reject) => {
    const t0 = performance.now();
    const child = spawn(process.execPath, [path.join(BENCH, 'cold-child.mjs'), client, url], {
      cwd: BENCH,
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let out = '';
    child.stdout.on('data', (d) => {
      out += d;
    });
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.on('error', reject);
    child.on('exit', (code) => {
      clearTimeout(timer);
      const wall = performance.now() - t0;
      if (code !== 0) return reject(new Error(`cold-child ${client} exited with ${code}`));
      resolve({ ...JSON.parse(out), wall });
    });
  });
}

/** Node cold start: `runs` fresh processes per client. */
export async function nodeColdStart(url, runs) {
  const acc = Object.fromEntries(NODE_CLIENTS.map((n) => [n, { import: [], importAndCall: [], sinceStart: [], wall: [] }]));
  for (let r = 0; r < runs + 1; r += 1) {
    for (let k = 0; k < NODE_CLIENTS.length; k += 1) {
      const name = NODE_CLIENTS[(k + r) % NODE_CLIENTS.length];
      const m = await coldProcess(name, url);
      if (r === 0) continue; // the first round warms the OS file cache
      for (const key of Object.keys(acc[name])) acc[name][key].push(m[key]);
    }
  }
  return Object.fromEntries(
    NODE_CLIENTS.map((n) => [n, Object.fromEntries(Object.entries(acc[n]).map(([k, xs]) => [k, stats(xs)]))]),
  );
}

const requireFromRoot = createRequire(path.join(ROOT, 'package.json'));

/** Bundles a Worker as wrangler does: conditions workerd/worker/browser, `.wasm` imports kept as modules. */
async function bundleWorker(app, outDir) {
  const esbuild = requireFromRoot('esbuild');
  fs.rmSync(outDir, { recursive: true, force: true });
  fs.mkdirSync(outDir, { recursive: true });
  const wasmModules = {
    name: 'wasm-modules-like-wrangler',
    setup(build) {
      build.onResolve({ filter: /\.wasm$/ }, (args) => {
        const bytes = fs.readFileSync(path.resolve(args.resolveDir, args.path));
        const name = `${createHash('sha1').update(bytes).digest('hex').slice(0, 16)}-${path.basename(args.path)}`;
        fs.writeFileSync(path.join(outDir, name), bytes);
        return { path: `./${name}`, external: true };
      });
    },
  };
  await esbuild.build({
    entryPoints: [path.join(BENCH, 'apps', app)],
    outfile: path.join(outDir, 'worker.js'),
    bundle: true,
    format: 'esm',
    platform: 'neutral',
    target: 'es2022',
    conditions: ['workerd', 'worker', 'browser'],
    mainFields: ['module', 'main'],
    plugins: [wasmModules],
    logLevel: 'silent',
  });
  return path.join(outDir, 'worker.js');
}

/** workerd start-up: `runs` Miniflare instances per Worker, each up to its first answered call. */
export async function workerdStart(url, runs) {
  const { Miniflare } = requireFromRoot('miniflare');
  const scripts = {};
  for (const [name, app] of Object.entries(WORKERS)) scripts[name] = await bundleWorker(app, path.join(BENCH, '.out', `worker-${name}`));
  const names = Object.keys(WORKERS);
  const acc = Object.fromEntries(names.map((n) => [n, { ready: [], firstCall: [], total: [] }]));
  for (let r = 0; r < runs + 1; r += 1) {
    for (let k = 0; k < names.length; k += 1) {
      const name = names[(k + r) % names.length];
      const t0 = performance.now();
      const mf = new Miniflare({
        host: '127.0.0.1',
        port: 0,
        modules: true,
        scriptPath: scripts[name],
        modulesRoot: path.dirname(scripts[name]),
        modulesRules: [
          { type: 'ESModule', include: ['**/*.js', '**/*.mjs'] },
          { type: 'CompiledWasm', include: ['**/*.wasm'] },
        ],
        compatibilityDate: '2025-09-01',
        compatibilityFlags: [],
        cf: false,
        bindings: { BASE_URL: `${url}/v1`, KEY },
        outboundService: { network: { allow: ['public', 'private', 'local'] } },
      });
      try {
        await mf.ready;
        const t1 = performance.now();
        const res = await mf.dispatchFetch('http://worker.bench/');
        const body = await res.json();
        const t2 = performance.now();
        if (res.status !== 200 || body.object !== 'chat.completion') throw new Error(`worker ${name}: ${res.status} ${JSON.stringify(body).slice(0, 300)}`);
        if (r === 0) continue;
        acc[name].ready.push(t1 - t0);
        acc[name].firstCall.push(t2 - t1);
        acc[name].total.push(t2 - t0);
      } finally {
        await mf.dispose();
      }
    }
  }
  return Object.fromEntries(names.map((n) => [n, Object.fromEntries(Object.entries(acc[n]).map(([k, xs]) => [k, stats(xs)]))]));
}
