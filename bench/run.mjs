// `npm run bench`: builds pkg/ when it is missing or older than its sources, packs it and installs the
// tarball into bench/node_modules (as scripts/test.mjs does for pkg-tests), starts the bench server
// in its own process, runs the eight measurements and writes bench/RESULTS.md and bench/results.json.
//
//   node bench/run.mjs                 everything (a few minutes)
//   node bench/run.mjs stream memory   only these measurements (printed, written to bench/.out/)
//   --no-build                         use pkg/ as it is, even when older than the sources
//   --quick                            fewer repetitions (a smoke run; figures not for the record)
import { fork, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { BENCH, ROOT, runChild } from './lib.mjs';
import { shippedBytes } from './shipped.mjs';
import { nodeColdStart, workerdStart } from './cold-start.mjs';
import { machine, writeReport } from './report.mjs';

const argv = process.argv.slice(2);
const flags = new Set(argv.filter((a) => a.startsWith('--')));
const only = argv.filter((a) => !a.startsWith('--'));
const ALL = ['size', 'stream', 'roundtrip', 'cold', 'memory', 'concurrency', 'embeddings', 'workerd-cpu'];
for (const o of only) if (!ALL.includes(o)) throw new Error(`unknown measurement ${o}; one of ${ALL.join(', ')}`);
const want = (name) => only.length === 0 || only.includes(name);
const quick = flags.has('--quick');
const N = quick
  ? { streamWarm: 1, streamRuns: 3, rtWarm: 1, rtRuns: 2, rtCalls: 500, cold: 3, workerd: 2, memoryMB: 20, conc: 1000, concRuns: 1, embRuns: 3, cpuAnswers: 100, cpuRounds: 1, cpuStarts: 2 }
  : { streamWarm: 2, streamRuns: 7, rtWarm: 1, rtRuns: 5, rtCalls: 2000, cold: 7, workerd: 5, memoryMB: 100, conc: 1000, concRuns: 3, embRuns: 7, cpuAnswers: 200, cpuRounds: 3, cpuStarts: 4 };
const STREAM_CHUNKS = 20_000;
const CONC_CHUNKS = 100;
const MEMORY_CLIENTS = ['ours', 'openai', 'floor'];
const CONC_CLIENTS = ['ours', 'openai', 'floor'];

const log = (...a) => console.log('[bench]', ...a);
function run(cmd, args, cwd = ROOT) {
  const r = spawnSync(cmd, args, { cwd, stdio: 'inherit' });
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} exited with ${r.status ?? r.signal}`);
}

/** Newest mtime (ms) of the files under `p`. */
function newest(p) {
  if (!fs.existsSync(p)) return 0;
  const st = fs.statSync(p);
  if (!st.isDirectory()) return st.mtimeMs;
  return Math.max(0, ...fs.readdirSync(p).map((f) => newest(path.join(p, f))));
}

function ensureBuild() {
  const built = path.join(ROOT, 'pkg', 'package.json');
  const sources = ['src', 'js', 'Cargo.toml', 'Cargo.lock', 'scripts/build.mjs'].map((p) => newest(path.join(ROOT, p)));
  const stale = !fs.existsSync(built) || fs.statSync(built).mtimeMs < Math.max(...sources);
  if (stale && flags.has('--no-build')) log('pkg/ is older than its sources; --no-build: using it anyway');
  else if (stale) {
    log('pkg/ is missing or older than src/, js/ or scripts/build.mjs: npm run build');
    run(process.execPath, [path.join(ROOT, 'scripts', 'build.mjs')]);
  }
}

function installPackage() {
  const packDir = path.join(ROOT, 'target', 'bench-pack');
  fs.rmSync(packDir, { recursive: true, force: true });
  fs.mkdirSync(packDir, { recursive: true });
  run('npm', ['pack', '--silent', '--pack-destination', packDir], path.join(ROOT, 'pkg'));
  const tarball = path.join(packDir, fs.readdirSync(packDir).find((f) => f.endsWith('.tgz')));
  fs.rmSync(path.join(BENCH, 'node_modules', 'meingpt-wasm'), { recursive: true, force: true });
  run('npm', ['install', '--no-save', '--no-audit', '--no-fund', '--no-package-lock', '--loglevel=error', tarball], BENCH);
}

function startServer() {
  const child = fork(path.join(BENCH, 'server.mjs'), [], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  const request = (msg) =>
    new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('bench server did not answer')), 30_000);
      child.once('message', (m) => {
        clearTimeout(timer);
        resolve(m);
      });
      if (msg) child.send(msg);
    });
  return {
    ready: request(),
    prebuild: (list) => request({ prebuild: list }),
    stop: () => {
      if (child.connected) child.disconnect();
      child.kill();
    },
  };
}

const started = Date.now();
ensureBuild();
log('packing pkg/ and installing it into bench/node_modules');
installPackage();
const server = startServer();
const results = { machine: machine(), params: { ...N, streamChunks: STREAM_CHUNKS, concChunks: CONC_CHUNKS, quick } };
try {
  const { url } = await server.ready;
  log(`bench server at ${url} (pid of its own process)`);
  await server.prebuild([[STREAM_CHUNKS, 0], [STREAM_CHUNKS, 0, 'obfuscation'], [STREAM_CHUNKS, 0, 'tools'], ...Array.from({ length: N.conc }, (_, i) => [CONC_CHUNKS, i])]);

  if (want('size')) {
    log('1. bytes shipped');
    results.size = {
      ours: await shippedBytes('browser-ours.js', BENCH),
      openai: await shippedBytes('browser-openai.js', BENCH),
    };
  }
  if (want('stream')) {
    log(`2. stream consumption (${STREAM_CHUNKS} chunks, ${N.streamRuns} runs after ${N.streamWarm} warm-up)`);
    results.stream = await runChild('stream.mjs', [url, N.streamWarm, N.streamRuns, STREAM_CHUNKS].map(String));
    // The same stream with OpenAI's per-chunk `obfuscation` member, and as tool-call arguments.
    for (const kind of ['obfuscation', 'tools']) {
      const args = [url, N.streamWarm, N.streamRuns, STREAM_CHUNKS, kind, 'ours', 'openai', 'floor'];
      results.stream[kind] = await runChild('stream.mjs', args.map(String));
    }
  }
  if (want('roundtrip')) {
    log(`3. ${N.rtCalls} sequential non-stream calls (${N.rtRuns} runs after ${N.rtWarm} warm-up)`);
    results.roundtrip = await runChild('roundtrip.mjs', [url, N.rtWarm, N.rtRuns, N.rtCalls].map(String), { timeoutMs: 300_000 });
  }
  if (want('cold')) {
    log(`4. cold start (${N.cold} fresh node processes per client; ${N.workerd} Miniflare starts per Worker)`);
    results.cold = { node: await nodeColdStart(url, N.cold), workerd: await workerdStart(url, N.workerd) };
  }
  if (want('memory')) {
    log(`5. memory while reading a ${N.memoryMB} MB stream (one process per client)`);
    results.memory = {};
    for (const c of MEMORY_CLIENTS) results.memory[c] = await runChild('memory.mjs', [c, url, String(N.memoryMB)]);
  }
  if (want('concurrency')) {
    log(`6. ${N.conc} concurrent streams of ${CONC_CHUNKS} chunks (one process per client, ${N.concRuns} runs)`);
    results.concurrency = {};
    for (const c of CONC_CLIENTS) {
      results.concurrency[c] = await runChild('concurrency.mjs', [c, url, N.conc, CONC_CHUNKS, N.concRuns].map(String), {
        timeoutMs: 300_000,
      });
    }
  }
  if (want('embeddings')) {
    log(`7. embeddings: 1,000 vectors of 3,072 dimensions decoded (${N.embRuns} runs after one warm-up; no network)`);
    results.embeddings = await runChild('embeddings.mjs', [path.join(BENCH, 'node_modules', 'meingpt-wasm'), String(N.embRuns)], {
      timeoutMs: 300_000,
    });
  }
  if (want('workerd-cpu')) {
    log(`8. workerd CPU: ${N.cpuAnswers} streamed answers x ${N.cpuRounds} rounds per Worker (pass-through, proxy, JS pump); ${N.cpuStarts} fresh starts each`);
    // answers, rounds, starts, pacing ms, requests in flight, then the extra Workers (bench/apps/worker-<name>.js)
    const args = [N.cpuAnswers, N.cpuRounds, N.cpuStarts, 1, 24, 'jspump'].map(String);
    results.workerdCpu = await runChild('worker-cpu.mjs', args, { timeoutMs: 1_800_000 });
  }
} finally {
  server.stop();
}
results.machine.loadAverageEnd = os.loadavg().map((x) => Math.round(x * 100) / 100);
results.seconds = Math.round((Date.now() - started) / 1000);
const full = only.length === 0 && !quick;
const out = writeReport(results, full ? BENCH : path.join(BENCH, '.out'));
log(`done in ${results.seconds} s: ${path.relative(ROOT, out.md)}, ${path.relative(ROOT, out.json)}`);
