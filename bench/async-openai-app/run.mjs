// The minimal streaming Rust app of bench/rust-app, built twice: on the `meingpt` crate
// (bench/rust-app) and on `async-openai` (this folder, its own workspace, Cargo.lock and target/).
// Both are built and measured the same way as bench/rust-app/run.mjs does (cargo --release for
// wasm32 with opt-level z, lto, codegen-units 1, panic abort; wasm-bindgen --target web; wasm-opt
// -Oz; gzip -9), then both read the bench server's 20,000-chunk stream in this Node process,
// interleaved, so their times are comparable. `node bench/async-openai-app/run.mjs [runs]`; writes
// its section of bench/rust-app/RESULTS.md (between the markers below; the rest is left as it is).
// Not part of `npm test`: the async-openai build alone takes minutes.
import { fork, spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { loadavg } from 'node:os';
import { gzipSync } from 'node:zlib';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { KEY, models, streamContent } from '../payloads.mjs';

const here = path.dirname(fileURLToPath(import.meta.url));
const root = path.resolve(here, '../..');
const out = path.join(here, '.out');
const results = path.join(root, 'bench/rust-app/RESULTS.md');
const runs = Number(process.argv[2] ?? 5);
const CHUNKS = 20_000;
const START = '<!-- async-openai-app: written by bench/async-openai-app/run.mjs -->';
const END = '<!-- /async-openai-app -->';

function run(cmd, args, cwd) {
  const r = spawnSync(cmd, args, { stdio: 'inherit', cwd });
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} exited with ${r.status}`);
}
const output = (cmd, args) => spawnSync(cmd, args, { encoding: 'utf8' }).stdout.trim();

const wasmTarget = 'target/wasm32-unknown-unknown/release';
const apps = {
  meingpt: {
    cwd: root,
    build: ['-p', 'meingpt-bench-app'],
    wasm: path.join(root, wasmTarget, 'meingpt_bench_app.wasm'),
  },
  'async-openai': {
    cwd: here,
    build: [],
    wasm: path.join(here, wasmTarget, 'async_openai_bench_app.wasm'),
  },
};

// Build, bind, optimize, measure: each app as bench/rust-app/run.mjs does it. `--locked`: the
// root's and this folder's Cargo.lock are used as committed, never rewritten.
rmSync(out, { recursive: true, force: true });
for (const [name, app] of Object.entries(apps)) {
  run('cargo', ['build', '--release', '--locked', '--target', 'wasm32-unknown-unknown', ...app.build], app.cwd);
  app.dir = path.join(out, name);
  mkdirSync(app.dir, { recursive: true });
  run('wasm-bindgen', [app.wasm, '--out-dir', app.dir, '--out-name', 'app', '--target', 'web', '--no-typescript'], root);
  app.wasmFile = path.join(app.dir, 'app_bg.wasm');
  run(path.join(root, 'node_modules/.bin/wasm-opt'), [
    '-Oz', '--strip-debug', '--strip-producers', '--enable-bulk-memory', '--enable-nontrapping-float-to-int',
    '--enable-sign-ext', '--enable-mutable-globals', '--enable-reference-types', '--enable-multivalue', app.wasmFile, '-o', app.wasmFile,
  ], root);
  const gz = (f) => gzipSync(readFileSync(f), { level: 9 }).length;
  app.size = {
    cargoRaw: readFileSync(app.wasm).length,
    wasmRaw: readFileSync(app.wasmFile).length,
    wasmGzip: gz(app.wasmFile),
    glueGzip: gz(path.join(app.dir, 'app.js')),
  };
}

// The bench server (its own process), as bench/run.mjs starts it.
const server = fork(path.join(root, 'bench/server.mjs'), [], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
const next = () => new Promise((resolve) => server.once('message', resolve));
const { url } = await next();
const model = models.stream(CHUNKS, 0);
server.send({ prebuild: [[CHUNKS, 0]] });
await next();
const expected = streamContent(CHUNKS, 0);
const baseUrl = `${url}/v1`;

for (const app of Object.values(apps)) {
  app.module = await import(pathToFileURL(path.join(app.dir, 'app.js')).href);
  app.module.initSync({ module: readFileSync(app.wasmFile) });
  app.times = [];
  app.cpu = [];
}
const names = Object.keys(apps);
try {
  for (let i = 0; i <= runs; i += 1) {
    for (const name of i % 2 ? names : [...names].reverse()) {
      globalThis.gc?.();
      const t = performance.now();
      const c = process.cpuUsage();
      const r = await apps[name].module.stream_chat(baseUrl, KEY, model);
      const ms = performance.now() - t;
      const cpu = process.cpuUsage(c);
      if (r.text !== expected) throw new Error(`${name}: content differs from what the server sent`);
      apps[name].chunks = r.chunks;
      if (i > 0) {
        // the first round warms up
        apps[name].times.push(ms);
        apps[name].cpu.push((cpu.user + cpu.system) / 1000);
      }
    }
  }
} finally {
  server.kill();
}

const lock = readFileSync(path.join(here, 'Cargo.lock'), 'utf8');
const version = (crate) => new RegExp(`name = "${crate}"\\nversion = "([^"]+)"`).exec(lock)?.[1] ?? '?';
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const row = (name) => {
  const { size, times, cpu, chunks } = apps[name];
  const list = (xs) => xs.map((t) => t.toFixed(0)).join(', ');
  return `| ${name} | ${size.cargoRaw} B | ${size.wasmRaw} B | **${size.wasmGzip} B** | ${size.glueGzip} B | ${chunks} | ${median(times).toFixed(0)} ms (${list(times)}) | ${median(cpu).toFixed(0)} ms (${list(cpu)}) |`;
};
const section = `${START}
## The same app on \`async-openai\`

\`node bench/async-openai-app/run.mjs\` (${new Date().toISOString().slice(0, 10)}, Node ${process.version}, ${output('rustc', ['--version'])},
wasm-bindgen ${output('wasm-bindgen', ['--version']).replace(/^wasm-bindgen /, '')}, ${output(path.join(root, 'node_modules/.bin/wasm-opt'), ['--version'])}): both apps built
and measured as above, in one run. bench/async-openai-app/src/lib.rs is bench/rust-app/src/lib.rs on
async-openai ${version('async-openai')} (\`default-features = false, features = ["chat-completion"]\`; on wasm32 its
reqwest ${version('reqwest')} uses \`fetch\`), with its own workspace, Cargo.lock and target/.

| app | cargo wasm | after wasm-opt -Oz | gzip -9 | glue gzip | chunks read | ${CHUNKS.toLocaleString('en')}-chunk stream: median wall (runs) | median CPU of this process (runs) |
| --- | --- | --- | --- | --- | --- | --- | --- |
${row('meingpt')}
${row('async-openai')}

The two apps read the same stream from the bench server, interleaved in one Node process (a warm-up
round, then ${runs} measured); each checks the joined content against what the server sent. CPU is
\`process.cpuUsage()\` (user + system, all threads of the Node process: the wasm, fetch, GC) over one read:
less moved by other load on the machine than the wall time (the machine load average was ${loadavg().map((l) => l.toFixed(1)).join(', ')} at the end).

Commands (run by the script):

\`\`\`
cargo build --release --locked --target wasm32-unknown-unknown -p meingpt-bench-app  # in the repo root
cargo build --release --locked --target wasm32-unknown-unknown                       # in bench/async-openai-app
wasm-bindgen <app>.wasm --out-dir <dir> --out-name app --target web --no-typescript
node_modules/.bin/wasm-opt -Oz --strip-debug --strip-producers --enable-bulk-memory --enable-nontrapping-float-to-int \\
  --enable-sign-ext --enable-mutable-globals --enable-reference-types --enable-multivalue <dir>/app_bg.wasm -o <dir>/app_bg.wasm
gzip -9 (node:zlib gzipSync level 9) of app_bg.wasm and app.js
\`\`\`

(bench/rust-app/run.mjs writes this file afresh, without this section: run this script after it.)
${END}
`;

let text = readFileSync(results, 'utf8');
const from = text.indexOf(START);
const to = text.indexOf(END);
if (from >= 0 && to > from) text = text.slice(0, from) + section + text.slice(to + END.length).replace(/^\n/, '');
else text = `${text.trimEnd()}\n\n${section}`;
writeFileSync(results, text);
console.log(section);
