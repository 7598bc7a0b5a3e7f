// The minimal streaming Rust app on the meingpt crate (src/lib.rs): its size as a browser loads it
// (wasm-bindgen --target web, wasm-opt -Oz, gzip -9 of the wasm and the glue), and its stream speed
// against the npm package (pkg/, run `node scripts/build.mjs` first) on the bench server's
// 20,000-chunk stream, in this Node process. `node bench/rust-app/run.mjs [runs]`; writes
// bench/rust-app/RESULTS.md.
import { fork, spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { KEY, models, streamContent } from '../payloads.mjs';

const here = path.dirname(fileURLToPath(import.meta.url));
const root = path.resolve(here, '../..');
const out = path.join(here, '.out');
const runs = Number(process.argv[2] ?? 5);
const CHUNKS = 20_000;

function run(cmd, args) {
  const r = spawnSync(cmd, args, { stdio: 'inherit', cwd: root });
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} exited with ${r.status}`);
}

run('cargo', ['build', '--release', '--target', 'wasm32-unknown-unknown', '-p', 'meingpt-bench-app']);
rmSync(out, { recursive: true, force: true });
mkdirSync(out, { recursive: true });
run('wasm-bindgen', [path.join(root, 'target/wasm32-unknown-unknown/release/meingpt_bench_app.wasm'), '--out-dir', out, '--out-name', 'app', '--target', 'web', '--no-typescript']);
const wasmFile = path.join(out, 'app_bg.wasm');
run(path.join(root, 'node_modules/.bin/wasm-opt'), [
  '-Oz', '--strip-debug', '--strip-producers', '--enable-bulk-memory', '--enable-nontrapping-float-to-int',
  '--enable-sign-ext', '--enable-mutable-globals', '--enable-reference-types', '--enable-multivalue', wasmFile, '-o', wasmFile,
]);
const gz = (f) => gzipSync(readFileSync(f), { level: 9 }).length;
const size = {
  wasmRaw: readFileSync(wasmFile).length,
  wasmGzip: gz(wasmFile),
  glueGzip: gz(path.join(out, 'app.js')),
};

// The bench server (its own process), as bench/run.mjs starts it.
const server = fork(path.join(root, 'bench/server.mjs'), [], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
const next = () => new Promise((resolve) => server.once('message', resolve));
const { url } = await next();
const model = models.stream(CHUNKS, 0);
server.send({ prebuild: [model] });
await next();
const expected = streamContent(CHUNKS, 0);
const baseUrl = `${url}/v1`;

const app = await import(pathToFileURL(path.join(out, 'app.js')).href);
app.initSync({ module: readFileSync(wasmFile) });
const { chatCompletion } = await import(pathToFileURL(path.join(root, 'pkg/node.js')).href);

const readers = {
  async rust() {
    const r = await app.stream_chat(baseUrl, KEY, model);
    return { chunks: r.chunks, text: r.text };
  },
  async npm() {
    const stream = await chatCompletion({ model, messages: [{ role: 'user', content: 'Erzähl mir etwas über München.' }], stream: true }, { apiKey: KEY, baseUrl, maxRetries: 0 });
    let chunks = 0;
    let text = '';
    for await (const c of stream) {
      chunks += 1;
      text += c.choices[0]?.delta?.content ?? '';
    }
    return { chunks, text };
  },
};
const times = { rust: [], npm: [] };
try {
  for (let i = 0; i <= runs; i += 1) {
    for (const name of i % 2 ? ['rust', 'npm'] : ['npm', 'rust']) {
      globalThis.gc?.();
      const t = performance.now();
      const r = await readers[name]();
      const ms = performance.now() - t;
      if (r.text !== expected) throw new Error(`${name}: content differs from what the server sent`);
      if (i > 0) times[name].push(ms); // the first round warms up
    }
  }
} finally {
  server.kill();
}
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const line = (name) => `| ${name} | ${median(times[name]).toFixed(0)} ms | ${times[name].map((t) => t.toFixed(0)).join(', ')} |`;
const report = `# A minimal streaming Rust app on the \`meingpt\` crate

\`node bench/rust-app/run.mjs\` (${new Date().toISOString().slice(0, 10)}, Node ${process.version}).

Size as a browser loads it (\`wasm-bindgen --target web\`, \`wasm-opt -Oz\`, gzip -9):
app_bg.wasm ${size.wasmRaw} B raw, **${size.wasmGzip} B gzip**; app.js (glue) ${size.glueGzip} B gzip.
(The npm package's browser load of a minimal streaming call: about 35 KB gzip, see pkg-tests/size.)

Stream consumption, ${CHUNKS.toLocaleString('en')} chunks (bench server, same bytes for both), median of ${runs}:

| reader | median | runs |
| --- | --- | --- |
${line('rust')}
${line('npm')}

rust = \`Client::chat_completion_stream\` read to the end as typed chunks (serde) through \`futures::Stream\`;
npm = \`meingpt-wasm\`'s \`for await\` over \`chatCompletion(..., {stream: true})\`.
`;
writeFileSync(path.join(here, 'RESULTS.md'), report);
console.log(report);
