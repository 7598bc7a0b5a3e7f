// Runs every test: cargo test on the host, then the built package as users get it: `npm pack`
// of pkg/, installed into pkg-tests/ (a scratch app), tested in Node, in workerd and in Chromium.
import { existsSync, readdirSync, rmSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import { root, run, output, step } from './lib.mjs';

const only = process.argv.slice(2);
const want = (name) => only.length === 0 || only.includes(name);
const started = Date.now();

if (want('rust')) {
  step('cargo fmt --check, clippy -D warnings (host and wasm32)');
  run('cargo', ['fmt', '--all', '--check']);
  run('cargo', ['clippy', '--quiet', '--all-targets', '--', '-D', 'warnings']);
  run('cargo', ['clippy', '--quiet', '--target', 'wasm32-unknown-unknown', '--', '-D', 'warnings']);
  run('cargo', ['clippy', '--quiet', '--target', 'wasm32-unknown-unknown', '--features', 'schema-wasm', '--target-dir', 'target/schema', '--', '-D', 'warnings']);
  step('cargo test (host)');
  run('cargo', ['test', '--quiet']);
  // The Rust crate for Rust apps (crates/meingpt): types, validation and errors on the host.
  step('crates/meingpt: clippy -D warnings (host and wasm32), cargo test (host)');
  run('cargo', ['clippy', '--quiet', '-p', 'meingpt', '--all-targets', '--', '-D', 'warnings']);
  run('cargo', ['clippy', '--quiet', '-p', 'meingpt', '--all-targets', '--target', 'wasm32-unknown-unknown', '--', '-D', 'warnings']);
  run('cargo', ['test', '--quiet', '-p', 'meingpt']);
  // The apps built on it: the workers-rs example and the bench app (wasm32 only).
  run('cargo', ['clippy', '--quiet', '-p', 'meingpt-rust-worker', '-p', 'meingpt-bench-app', '--target', 'wasm32-unknown-unknown', '--', '-D', 'warnings']);
  // The allocator's unsafe code under Miri with strict provenance, where nightly Miri is
  // installed (`rustup toolchain install nightly --component miri`); about 35 s.
  step('Miri (strict provenance): the wasm allocator src/heap.rs');
  if (output('cargo', ['+nightly', 'miri', '--version']) !== null) {
    run('cargo', ['+nightly', 'miri', 'test', '--quiet', '--lib', 'heap'], { env: { ...process.env, MIRIFLAGS: '-Zmiri-strict-provenance' } });
  } else console.log('skipped: no nightly Miri here');
}

// The build's rewrites of wasm-bindgen's output (scripts/glue.mjs) on wasm-bindgen 0.2.130's real
// glue and on changed copies of it, which must stop the build: no build needed.
if (want('rust') || want('size')) {
  step('node --test scripts/glue.test.mjs (the checked rewrites of the glue)');
  run(process.execPath, ['--test', path.join(root, 'scripts', 'glue.test.mjs')]);
}

// Its client (wasm-bindgen-test) against the simulator, which the script starts and stops: in Node,
// and in headless Chromium through Debian's chromedriver.
if (want('rust-wasm')) {
  step('crates/meingpt: wasm-bindgen-test in Node against the simulator');
  run(process.execPath, [path.join(root, 'crates', 'meingpt', 'tests', 'run-wasm.mjs')]);
}
if (want('rust-browser')) {
  step('crates/meingpt: wasm-bindgen-test in headless Chromium against the simulator');
  run(process.execPath, [path.join(root, 'crates', 'meingpt', 'tests', 'run-wasm.mjs'), '--browser']);
}
if (want('rust-worker')) {
  // The workers-rs example (examples/rust-worker) built with the pinned wasm-bindgen, in workerd.
  step('examples/rust-worker: build, then node --test in workerd (Miniflare) against the simulator');
  run(process.execPath, [path.join(root, 'examples', 'rust-worker', 'build.mjs')]);
  run(process.execPath, ['--test', path.join(root, 'examples', 'rust-worker', 'test', 'worker.test.mjs')]);
}

step('npm pack pkg/ and install it into pkg-tests/');
const packDir = path.join(root, 'target', 'pack');
rmSync(packDir, { recursive: true, force: true });
mkdirSync(packDir, { recursive: true });
run('npm', ['pack', '--silent', '--pack-destination', packDir], { cwd: path.join(root, 'pkg') });
const tarball = path.join(packDir, readdirSync(packDir).find((f) => f.endsWith('.tgz')));
const app = path.join(root, 'pkg-tests');
rmSync(path.join(app, 'node_modules', 'meingpt-wasm'), { recursive: true, force: true });
run('npm', ['install', '--no-save', '--no-audit', '--no-fund', '--no-package-lock', tarball], { cwd: app });

const suites = [
  ['simulator', path.join(root, 'simulator', 'test')],
  ['differential', path.join(root, 'tests', 'differential')],
  ['node', path.join(app, 'node')],
  ['workerd', path.join(app, 'workerd')],
  ['worker', path.join(app, 'worker')],
  ['browser', path.join(app, 'browser')],
  ['demo', path.join(app, 'demo')],
  ['types', path.join(app, 'types')],
  ['size', path.join(app, 'size')],
  // Issue 16: every runtime people deploy to (the binaries come from pinned npm packages).
  ['edge', path.join(app, 'edge')],
  ['cjs', path.join(app, 'cjs')],
  ['deno', path.join(app, 'deno')],
  ['bun', path.join(app, 'bun')],
  ['bundlers', path.join(app, 'bundlers')],
  ['nextjs', path.join(app, 'nextjs')],
];
for (const [name, dir] of suites) {
  if (!want(name) || !existsSync(dir)) continue;
  step(`node --test ${path.relative(root, dir)}`);
  const files = readdirSync(dir)
    .filter((f) => f.endsWith('.test.mjs'))
    .map((f) => path.join(dir, f));
  if (files.length) run(process.execPath, ['--test', '--test-concurrency=1', ...files], { env: { ...process.env, MEINGPT_TARBALL: tarball } });
}
console.log(`\nall tests passed in ${((Date.now() - started) / 1000).toFixed(1)} s`);
