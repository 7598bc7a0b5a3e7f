// Measurement 8: CPU time of workerd (what Workers bill), read from /proc, for
//   (a) examples/worker (the proxy built on meingpt-wasm) and
//   (b) bench/apps/worker-passthrough.js (the key swapped in, `new Response(upstream.body, upstream)`),
// both bundled as wrangler bundles and run by the workerd binary of node_modules/workerd directly
// (a generated config, one socket straight into the Worker: no Miniflare entry Worker in between).
// The upstream: the simulator's answer (simulator/server.mjs, in this process, 127.0.0.1) to an
// echoed German text of 300 words (303 SSE events), recorded once and replayed by a server of ours
// with a long keep-alive, one event per write with `pacingMs` between them (so workerd reads the
// stream the way it arrives from a model: an event at a time).
//
// Part 1, per streamed answer: each Worker in its own workerd process, warmed up, then `answers`
// requests (`concurrency` at a time), every answer read to the end and checked; CPU = utime + stime
// of the workerd process (/proc/<pid>/stat, clock ticks of `getconf CLK_TCK`) over the run, minus
// the same process's idle CPU over the same wall time (measured beside it); rounds alternate the
// Workers; ms of CPU per answer, medians.
// Part 2, instantiate + first request: a fresh workerd process per start for an empty Worker, the
// pass-through and the proxy; CPU (summed over the process's threads from /proc/<pid>/task/*/schedstat,
// ns, since clock ticks are 10 ms) from spawn to listening (config, script evaluation, wasm compiled),
// and from listening to the first answer read to the end (the first request: the package's wasm
// instantiated, the upstream connection opened); the first request is a non-stream call, or the
// streamed answer of part 1.
//
//   node bench/worker-cpu.mjs [answers] [rounds] [starts] [pacingMs] [in flight] [extra Workers...]
//   (standalone: prints JSON; extra Workers: names of bench/apps/worker-<name>.js, or paths)
import { execFileSync, spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { createRequire } from 'node:module';
import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { BENCH, ROOT, childMain, median } from './lib.mjs';
import { streamContent, KEY } from './payloads.mjs';
import { startSimulator } from '../simulator/server.mjs';

const requireFromRoot = createRequire(path.join(ROOT, 'package.json'));
const OUT = path.join(BENCH, '.out', 'worker-cpu');
const EXAMPLE = path.join(ROOT, 'examples', 'worker');
const CLK_TCK = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
/** The echoed text: 40 pieces of the bench's German text, about 2 KB and 300 words (events). */
const TEXT = streamContent(40, 3);
const CHAT = {
  model: 'gpt-4o-mini',
  stream: true,
  stream_options: { include_usage: true },
  messages: [{ role: 'user', content: `echo:${TEXT}` }],
};

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const round1 = (x) => Math.round(x * 10) / 10;
const round3 = (x) => Math.round(x * 1000) / 1000;

/** utime + stime of process `pid` in ms (all its threads, dead ones included; CLK_TCK resolution). */
export function statCpuMs(pid) {
  const s = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
  const f = s.slice(s.lastIndexOf(')') + 2).split(' '); // f[0] is field 3 (state)
  return ((Number(f[11]) + Number(f[12])) * 1000) / CLK_TCK;
}

/** CPU time in ms of the live threads of `pid`, from each thread's schedstat (ns). */
export function schedCpuMs(pid) {
  let ns = 0;
  for (const tid of fs.readdirSync(`/proc/${pid}/task`)) {
    try {
      ns += Number(fs.readFileSync(`/proc/${pid}/task/${tid}/schedstat`, 'utf8').split(' ')[0]);
    } catch {
      // the thread ended meanwhile
    }
  }
  return ns / 1e6;
}

/** CPU time in ms of the main thread of `pid` (where workerd runs the isolate), from its schedstat. */
export function mainThreadCpuMs(pid) {
  return Number(fs.readFileSync(`/proc/${pid}/task/${pid}/schedstat`, 'utf8').split(' ')[0]) / 1e6;
}

/** Bundles `entry` as wrangler does (ESM, conditions workerd/worker/browser, .wasm kept as modules). */
export async function bundle(entry, outDir) {
  const esbuild = requireFromRoot('esbuild');
  fs.rmSync(outDir, { recursive: true, force: true });
  fs.mkdirSync(outDir, { recursive: true });
  const wasm = [];
  const plugins = [
    {
      // `meingpt-wasm` is the tarball installed in bench/node_modules (what users get).
      name: 'meingpt-wasm-from-bench',
      setup(build) {
        build.onResolve({ filter: /^meingpt-wasm$/ }, async (args) => {
          if (args.pluginData === 'bench') return undefined;
          const r = await build.resolve(args.path, { kind: args.kind, resolveDir: BENCH, pluginData: 'bench' });
          return r.errors.length ? { errors: r.errors } : { path: r.path };
        });
      },
    },
    {
      name: 'wasm-modules-like-wrangler',
      setup(build) {
        build.onResolve({ filter: /\.wasm$/ }, (args) => {
          const bytes = fs.readFileSync(path.resolve(args.resolveDir, args.path));
          const name = `${createHash('sha1').update(bytes).digest('hex').slice(0, 16)}-${path.basename(args.path)}`;
          if (!wasm.includes(name)) wasm.push(name);
          fs.writeFileSync(path.join(outDir, name), bytes);
          return { path: `./${name}`, external: true };
        });
      },
    },
  ];
  await esbuild.build({
    entryPoints: [entry],
    outfile: path.join(outDir, 'worker.js'),
    bundle: true,
    format: 'esm',
    platform: 'neutral',
    target: 'es2022',
    conditions: ['workerd', 'worker', 'browser'],
    mainFields: ['module', 'main'],
    plugins,
    logLevel: 'silent',
  });
  return { dir: outDir, wasm };
}

const str = (s) => JSON.stringify(String(s)); // a Cap'n Proto text literal (ASCII here)

/** Writes `dir/config.capnp`: one socket on 127.0.0.1 straight into the Worker, loopback outbound allowed. */
export function writeConfig({ dir, wasm }, { compatibilityDate, compatibilityFlags = [], bindings = {} }) {
  const modules = [`(name = "worker.js", esModule = embed "worker.js")`, ...wasm.map((w) => `(name = ${str(w)}, wasm = embed ${str(w)})`)];
  const text = `using Workerd = import "/workerd/workerd.capnp";
const config :Workerd.Config = (
  services = [
    (name = "main", worker = .worker),
    (name = "internet", network = (allow = ["public", "private", "local"])),
  ],
  sockets = [(name = "http", address = "127.0.0.1:0", http = (), service = "main")],
);
const worker :Workerd.Worker = (
  modules = [${modules.join(', ')}],
  compatibilityDate = ${str(compatibilityDate)},
  compatibilityFlags = [${compatibilityFlags.map(str).join(', ')}],
  bindings = [${Object.entries(bindings)
    .map(([k, v]) => `(name = ${str(k)}, text = ${str(v)})`)
    .join(', ')}],
  globalOutbound = "internet",
);
`;
  fs.writeFileSync(path.join(dir, 'config.capnp'), text);
  return path.join(dir, 'config.capnp');
}

function workerdBinary() {
  const dir = path.dirname(requireFromRoot.resolve('workerd/package.json'));
  return path.join(dir, 'bin', 'workerd');
}

/**
 * Starts workerd on `config`; resolves { pid, url, stop() } once it listens (its control fd reports
 * the port). Rejects after 30 s.
 */
export function startWorkerd(config, extraArgs = []) {
  return new Promise((resolve, reject) => {
    const child = spawn(workerdBinary(), ['serve', config, '--experimental', '--control-fd=3', ...extraArgs], {
      cwd: path.dirname(config),
      stdio: ['ignore', 'pipe', 'pipe', 'pipe'],
    });
    let err = '';
    for (const s of [child.stdout, child.stderr]) {
      s.setEncoding('utf8');
      s.on('data', (d) => {
        if (err.length < 20_000) err += d;
      });
    }
    let control = '';
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`workerd did not listen within 30 s: ${err}`));
    }, 30_000);
    const stop = () =>
      new Promise((done) => {
        if (child.exitCode !== null || child.signalCode !== null) return done();
        child.once('exit', () => done());
        child.kill('SIGKILL');
      });
    child.stdio[3].setEncoding('utf8');
    child.stdio[3].on('data', (d) => {
      control += d;
      for (const line of control.split('\n')) {
        let m;
        try {
          m = JSON.parse(line);
        } catch {
          continue;
        }
        if (m.event === 'listen' && m.socket === 'http') {
          clearTimeout(timer);
          resolve({ pid: child.pid, url: `http://127.0.0.1:${m.port}`, stop, stderr: () => err });
        }
      }
    });
    child.on('exit', (code, signal) => {
      clearTimeout(timer);
      reject(new Error(`workerd exited (${code ?? signal}) before listening: ${err}`));
    });
  });
}

/** The content joined from an SSE answer (throws unless it is a complete stream). */
function sseContent(text) {
  if (!text.endsWith('data: [DONE]\n\n')) throw new Error(`answer does not end with [DONE]: …${JSON.stringify(text.slice(-200))}`);
  let s = '';
  let usage = false;
  for (const line of text.split('\n')) {
    if (!line.startsWith('data: ') || line === 'data: [DONE]') continue;
    const chunk = JSON.parse(line.slice(6));
    if (chunk.usage) usage = true;
    s += chunk.choices?.[0]?.delta?.content ?? '';
  }
  if (!usage) throw new Error('answer without its usage chunk');
  return s;
}

export const REQUEST_BODY = JSON.stringify(CHAT);
export const JSON_BODY = JSON.stringify({ model: CHAT.model, messages: CHAT.messages });

/** One streamed answer through the Worker at `url`, read to the end; returns its text. */
/** Connection failures before an answer started (a kept-alive socket closed meanwhile), retried. */
export const retried = { count: 0 };

export async function ask(url, attempt = 0, body = REQUEST_BODY) {
  let res;
  let text = '';
  try {
    res = await fetch(`${url}/v1/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body,
      signal: AbortSignal.timeout(60_000),
    });
    const decoder = new TextDecoder();
    for await (const bytes of res.body) text += decoder.decode(bytes, { stream: true });
  } catch (e) {
    if (!res && attempt < 3 && e.cause?.code !== undefined) {
      retried.count += 1;
      return ask(url, attempt + 1, body);
    }
    const where = res ? `after ${res.status} and ${text.length} chars: …${JSON.stringify(text.slice(-100))}` : 'before the answer';
    throw new Error(`${e.message}: ${e.cause?.message ?? e.cause} (${where})`, { cause: e });
  }
  if (res.status !== 200) throw new Error(`Worker answered ${res.status}: ${text.slice(0, 300)}`);
  return text;
}

/** `n` answers, `concurrency` at a time; each checked against the first one's length and end. */
export async function load(url, n, concurrency, expectedLength, onError) {
  let next = 0;
  const one = async () => {
    while (next < n) {
      next += 1;
      let text;
      try {
        text = await ask(url);
      } catch (e) {
        throw new Error(`${e.message}\nworkerd said: ${onError?.() ?? ''}`, { cause: e });
      }
      if ((expectedLength >= 0 && text.length !== expectedLength) || !text.endsWith('data: [DONE]\n\n')) {
        throw new Error(`answer of ${text.length} chars (expected ${expectedLength}): …${JSON.stringify(text.slice(-120))}`);
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, n) }, one));
}

/**
 * The upstream: the simulator's answers to the bench's two requests (streamed and not), recorded
 * once, then replayed by a server of our own on 127.0.0.1 (one write per event, `pacingMs` apart),
 * whose keep-alive outlasts the pauses between rounds: the simulator's Node default of 5 s closes
 * workerd's pooled connections while another Worker runs, and the next request on one fails.
 */
export async function startUpstream(pacingMs) {
  const sim = await startSimulator({ now: 1718000000000 });
  let recorded;
  try {
    const call = async (body) => {
      const res = await fetch(`${sim.url}/api/openai/v1/chat/completions`, {
        method: 'POST',
        headers: { authorization: `Bearer ${KEY}`, 'content-type': 'application/json' },
        body,
      });
      return { type: res.headers.get('content-type'), text: await res.text() };
    };
    recorded = { stream: await call(REQUEST_BODY), json: await call(JSON_BODY) };
  } finally {
    await sim.close();
  }
  const events = recorded.stream.text.split(/(?<=\n\n)/).map((e) => Buffer.from(e));
  if (sseContent(recorded.stream.text) !== TEXT) throw new Error('the simulator did not echo the text');
  const server = http.createServer({ keepAliveTimeout: 600_000, noDelay: true }, (req, res) => {
    let body = '';
    req.setEncoding('utf8');
    req.on('data', (d) => {
      body += d;
    });
    req.on('end', async () => {
      if (!/^Bearer /.test(req.headers.authorization ?? '')) return void res.writeHead(401).end('{"status":"error","message":"no key"}');
      if (!JSON.parse(body).stream) return void res.writeHead(200, { 'content-type': recorded.json.type }).end(recorded.json.text);
      res.writeHead(200, { 'content-type': recorded.stream.type, 'cache-control': 'no-cache' });
      for (let i = 0; i < events.length && !res.destroyed; i += 1) {
        if (i > 0 && pacingMs > 0) await sleep(pacingMs);
        res.write(events[i]);
      }
      res.end();
    });
  });
  server.keepAliveTimeout = 600_000;
  await new Promise((r) => server.listen(0, '127.0.0.1', r));
  return {
    url: `http://127.0.0.1:${server.address().port}`,
    events: events.length,
    close: () =>
      new Promise((r) => {
        server.closeAllConnections();
        server.close(r);
      }),
  };
}

/** CPU (ms, /proc/<pid>/stat) of `pid` while idle for `ms`. */
async function idleCpu(pid, ms) {
  const c0 = statCpuMs(pid);
  const s0 = schedCpuMs(pid);
  await sleep(ms);
  return { stat: statCpuMs(pid) - c0, sched: schedCpuMs(pid) - s0, ms };
}

export async function workerCpu({ answers = 2000, rounds = 3, starts = 5, pacingMs = 1, concurrency = 32, warm = 100, extra = [] } = {}) {
  fs.mkdirSync(OUT, { recursive: true });
  const wrangler = JSON.parse(fs.readFileSync(path.join(EXAMPLE, 'wrangler.jsonc'), 'utf8').replace(/^\s*\/\/.*$/gm, ''));
  const sim = await startUpstream(pacingMs);
  const started = [];
  try {
    const baseUrl = `${sim.url}/v1`;
    const settings = {
      compatibilityDate: wrangler.compatibility_date,
      compatibilityFlags: wrangler.compatibility_flags ?? [],
      bindings: { ...wrangler.vars, MEINGPT_BASE_URL: baseUrl, MEINGPT_API_KEY: KEY },
    };
    const bundles = {
      empty: await bundle(path.join(BENCH, 'apps', 'worker-empty.js'), path.join(OUT, 'empty')),
      passthrough: await bundle(path.join(BENCH, 'apps', 'worker-passthrough.js'), path.join(OUT, 'passthrough')),
      proxy: await bundle(path.join(EXAMPLE, wrangler.main), path.join(OUT, 'proxy')),
    };
    const configs = Object.fromEntries(Object.entries(bundles).map(([k, b]) => [k, writeConfig(b, settings)]));
    const WORKERS = ['passthrough', 'proxy', ...extra];
    // (an extra given as a path: a Worker file elsewhere, e.g. an earlier examples/worker, for comparison)
    for (const name of extra) bundles[name] = await bundle(name.includes('/') ? name : path.join(BENCH, 'apps', `worker-${name}.js`), path.join(OUT, name.includes('/') ? `${path.basename(path.dirname(name))}-${path.basename(name, '.js')}` : name));
    for (const name of extra) configs[name] = writeConfig(bundles[name], settings);

    // Part 1: CPU per streamed answer, each Worker in its own long-lived workerd.
    const live = {};
    for (const name of WORKERS) {
      const w = await startWorkerd(configs[name]);
      started.push(w);
      const first = await ask(w.url);
      // (jsread, a diagnosis, answers with the byte count alone)
      if (name !== 'jsread' && sseContent(first) !== TEXT) throw new Error(`${name}: the joined deltas differ from the echoed text`);
      live[name] = { ...w, length: first.length, events: first.split('\n\n').length - 1 };
      await load(w.url, warm, concurrency, first.length).catch((e) => {
        throw new Error(`${name}: ${e.message}\nworkerd stderr: ${w.stderr().slice(-3000)}`);
      });
    }
    const acc = Object.fromEntries(WORKERS.map((n) => [n, { perAnswer: [], perAnswerSched: [], wallMs: [], rawMs: [], idleMs: [] }]));
    for (let r = 0; r < rounds; r += 1) {
      for (let k = 0; k < WORKERS.length; k += 1) {
        const name = WORKERS[(k + r) % WORKERS.length];
        const { pid, url, length } = live[name];
        const c0 = statCpuMs(pid);
        const s0 = schedCpuMs(pid);
        const t0 = performance.now();
        await load(url, answers, concurrency, length, () => `${name}: ${live[name].stderr()}`);
        await sleep(50); // work the last answers left behind (closing, GC) counts too
        const wall = performance.now() - t0;
        const used = statCpuMs(pid) - c0;
        const usedSched = schedCpuMs(pid) - s0;
        const idle = await idleCpu(pid, Math.min(wall, 3000));
        const idleStat = (idle.stat * wall) / idle.ms;
        const idleSched = (idle.sched * wall) / idle.ms;
        acc[name].perAnswer.push((used - idleStat) / answers);
        acc[name].perAnswerSched.push((usedSched - idleSched) / answers);
        acc[name].wallMs.push(wall);
        acc[name].rawMs.push(used);
        acc[name].idleMs.push(idleStat);
      }
    }
    for (const w of started.splice(0)) await w.stop();
    const perAnswer = {};
    for (const name of WORKERS) {
      const a = acc[name];
      perAnswer[name] = {
        events: live[name].events,
        bytes: live[name].length,
        cpuMsPerAnswer: round3(median(a.perAnswer)),
        cpuMsPerAnswerMin: round3(Math.min(...a.perAnswer)),
        cpuMsPerAnswerSched: round3(median(a.perAnswerSched)),
        runs: a.perAnswer.map(round3),
        wallMs: a.wallMs.map(Math.round),
        cpuMs: a.rawMs.map(Math.round),
        idleCpuMs: a.idleMs.map(round1),
      };
    }

    // Part 2: a fresh workerd per start, up to the first answer: a non-stream one (`json`: the
    // Worker's instantiation and one call) and the streamed one of part 1 (`stream`).
    const START = ['empty', 'passthrough json', 'proxy json', 'passthrough stream', 'proxy stream'];
    const st = Object.fromEntries(START.map((n) => [n, { start: [], first: [], firstMain: [], total: [], startStat: [], totalStat: [] }]));
    for (let r = 0; r < starts + 1; r += 1) {
      for (let k = 0; k < START.length; k += 1) {
        const kind = START[(k + r) % START.length];
        const [name, mode] = kind.split(' ');
        const w = await startWorkerd(configs[name]);
        started.push(w);
        try {
          const c0 = schedCpuMs(w.pid);
          const m0 = mainThreadCpuMs(w.pid);
          const t0 = statCpuMs(w.pid);
          if (name === 'empty') {
            const res = await fetch(`${w.url}/`);
            if ((await res.text()) !== 'ok') throw new Error('empty Worker: unexpected answer');
          } else if (mode === 'json') {
            const completion = JSON.parse(await ask(w.url, 0, JSON_BODY));
            if (completion.choices?.[0]?.message?.content !== TEXT) throw new Error(`${name}: first non-stream answer differs`);
          } else if (sseContent(await ask(w.url)) !== TEXT) throw new Error(`${name}: first answer differs`);
          await sleep(50);
          const c1 = schedCpuMs(w.pid);
          const m1 = mainThreadCpuMs(w.pid);
          const t1 = statCpuMs(w.pid);
          if (r === 0) continue; // the first round fills the OS file cache
          st[kind].start.push(c0);
          st[kind].first.push(c1 - c0);
          st[kind].firstMain.push(m1 - m0);
          st[kind].total.push(c1);
          st[kind].startStat.push(t0);
          st[kind].totalStat.push(t1);
        } finally {
          await w.stop();
          started.splice(started.indexOf(w), 1);
        }
      }
    }
    const first = {};
    for (const kind of START) {
      const s = st[kind];
      first[kind] = {
        startMs: round1(median(s.start)),
        firstRequestMs: round1(median(s.first)),
        firstRequestMainThreadMs: round1(median(s.firstMain)),
        totalMs: round1(median(s.total)),
        totalStatMs: round1(median(s.totalStat)),
        runs: { start: s.start.map(round1), first: s.first.map(round1), total: s.total.map(round1) },
      };
    }
    return {
      answers,
      rounds,
      starts,
      pacingMs,
      concurrency,
      clkTck: CLK_TCK,
      retriedConnections: retried.count,
      textBytes: Buffer.byteLength(TEXT),
      wasm: bundles.proxy.wasm,
      perAnswer,
      first,
    };
  } finally {
    for (const w of started) await w.stop();
    await sim.close();
  }
}

if (process.argv[1] && path.resolve(process.argv[1]) === path.join(BENCH, 'worker-cpu.mjs')) {
  const [answers, rounds, starts, pacingMs, concurrency] = process.argv.slice(2, 7).map(Number);
  const opts = { extra: process.argv.slice(7), answers: answers || undefined, rounds: rounds || undefined, starts: starts || undefined, pacingMs: Number.isFinite(pacingMs) ? pacingMs : undefined, concurrency: concurrency || undefined };
  if (process.send) childMain(() => workerCpu(opts));
  else console.log(JSON.stringify(await workerCpu(opts), null, 2));
}
