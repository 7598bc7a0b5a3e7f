// Builds the Rust Worker without worker-build (which downloads its tools): cargo (release, wasm32),
// the pinned wasm-bindgen CLI (`--target web`), npm binaryen's wasm-opt, and a small ES-module entry
// (shim.mjs) that instantiates the wasm from the CompiledWasm module Workers give it.
// Output: examples/rust-worker/build/{index.mjs, worker.js, worker_bg.wasm}.
import { copyFileSync, mkdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { gzipSync } from 'node:zlib';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { spawnSync } from 'node:child_process';

const here = path.dirname(fileURLToPath(import.meta.url));
const root = path.resolve(here, '../..');
const out = path.join(here, 'build');

function run(cmd, args) {
  const r = spawnSync(cmd, args, { stdio: 'inherit', cwd: root });
  if (r.error) throw r.error;
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} exited with ${r.status}`);
}

run('cargo', ['build', '--release', '--target', 'wasm32-unknown-unknown', '-p', 'meingpt-rust-worker']);
rmSync(out, { recursive: true, force: true });
mkdirSync(out, { recursive: true });
run('wasm-bindgen', [
  path.join(root, 'target/wasm32-unknown-unknown/release/meingpt_rust_worker.wasm'),
  '--out-dir', out, '--out-name', 'worker', '--target', 'web', '--no-typescript',
]);
const wasm = path.join(out, 'worker_bg.wasm');
run(path.join(root, 'node_modules/.bin/wasm-opt'), [
  '-Oz', '--strip-debug', '--strip-producers',
  '--enable-bulk-memory', '--enable-nontrapping-float-to-int', '--enable-sign-ext',
  '--enable-mutable-globals', '--enable-reference-types', '--enable-multivalue',
  wasm, '-o', wasm,
]);
copyFileSync(path.join(here, 'shim.mjs'), path.join(out, 'index.mjs'));
const bytes = readFileSync(wasm);
console.log(`rust-worker: worker_bg.wasm ${statSync(wasm).size} B raw, ${gzipSync(bytes, { level: 9 }).length} B gzip`);
