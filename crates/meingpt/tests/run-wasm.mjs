// Runs the crate's wasm tests (tests/wasm.rs, tests/reuse.rs) in Node, or with `--browser` in
// headless Chromium (Debian's chromium-driver), against the meinGPT simulator: starts the simulator
// on 127.0.0.1 (a free port), runs `cargo test -p meingpt --target wasm32-unknown-unknown` with its URL
// in MEINGPT_SIM_URL (read at compile time, so a browser finds it too; the runner is
// wasm-bindgen-test-runner, see .cargo/config.toml), and stops the simulator.
// Other arguments go to cargo test (e.g. `--test wasm`, a test name).
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { startSimulator } from '../../../simulator/server.mjs';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
const args = process.argv.slice(2);
const browser = args.includes('--browser');
const env = { ...process.env, WASM_BINDGEN_TEST_TIMEOUT: process.env.WASM_BINDGEN_TEST_TIMEOUT ?? '120' };
if (browser) {
  env.WASM_BINDGEN_USE_BROWSER = '1';
  env.CHROMEDRIVER ??= '/usr/bin/chromedriver';
  if (!existsSync(env.CHROMEDRIVER)) throw new Error(`no ${env.CHROMEDRIVER}: run \`node scripts/setup.mjs\` (apt chromium-driver)`);
}
const cargoArgs = ['test', '-p', 'meingpt', '--target', 'wasm32-unknown-unknown', ...args.filter((a) => a !== '--browser')];
// The doctests are compiled (not run) once, in the Node run.
if (browser) cargoArgs.push('--tests');
const sim = await startSimulator();
let code = 1;
try {
  code = await new Promise((resolve, reject) => {
    const child = spawn('cargo', cargoArgs, { cwd: root, stdio: 'inherit', env: { ...env, MEINGPT_SIM_URL: sim.url } });
    child.on('error', reject);
    child.on('exit', (c, signal) => resolve(c ?? (signal ? 1 : 0)));
  });
} finally {
  await sim.close();
}
process.exit(code);
