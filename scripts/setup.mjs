// Installs what building and testing need, idempotently: the wasm32 Rust target, wasm-bindgen-cli
// at the exact version in Cargo.lock, the npm dev dependencies, and (with --browser) Debian's
// Chromium for the browser tests, with its chromedriver for the Rust crate's wasm-bindgen-test
// suite in Chromium. Each step is skipped when already satisfied.
import { existsSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { root, run, output, step } from './lib.mjs';

const browser = process.argv.includes('--browser');

step('Rust target wasm32-unknown-unknown');
if (!(output('rustup', ['target', 'list', '--installed']) ?? '').includes('wasm32-unknown-unknown')) {
  run('rustup', ['target', 'add', 'wasm32-unknown-unknown']);
} else console.log('present');

step('wasm-bindgen-cli');
if (!existsSync(path.join(root, 'Cargo.lock'))) run('cargo', ['generate-lockfile']);
const lock = readFileSync(path.join(root, 'Cargo.lock'), 'utf8');
const want = /name = "wasm-bindgen"\nversion = "([^"]+)"/.exec(lock)?.[1];
if (!want) throw new Error('wasm-bindgen is missing from Cargo.lock');
const have = (output('wasm-bindgen', ['--version']) ?? '').trim().split(' ')[1];
if (have !== want) {
  console.log(`installing wasm-bindgen-cli ${want} (found ${have ?? 'none'})`);
  // Not --locked: the CLI's own lock file wants a crate release the registry does not serve.
  run('cargo', ['install', 'wasm-bindgen-cli', '--version', `=${want}`]);
} else console.log(`wasm-bindgen ${have}`);

step('npm dependencies');
const stamp = path.join(root, 'node_modules', '.package-lock.json');
const lockFile = path.join(root, 'package-lock.json');
if (!existsSync(stamp) || statSync(stamp).mtimeMs < statSync(lockFile).mtimeMs) {
  run('npm', ['ci', '--no-audit', '--no-fund']);
} else console.log('up to date');

if (browser) {
  step('Chromium and chromedriver (Debian) for the browser tests');
  // chromium-driver: wasm-bindgen-test-runner drives Chromium through it (crates/meingpt tests).
  const missing = [
    ['/usr/bin/chromium', 'chromium'],
    ['/usr/bin/chromedriver', 'chromium-driver'],
  ].filter(([file]) => !existsSync(file)).map(([, pkg]) => pkg);
  if (missing.length === 0) console.log('present');
  else if (process.getuid?.() === 0) {
    run('apt-get', ['update']);
    run('apt-get', ['install', '-y', '--no-install-recommends', ...missing]);
  } else {
    console.log(`not installed and not root: run \`sudo apt-get install ${missing.join(' ')}\``);
  }
}
