// Runs the crate's wasm tests (tests/wasm.rs) in Node against the meinGPT simulator: starts the
// simulator on 127.0.0.1 (a free port), runs `cargo test -p meingpt --target wasm32-unknown-unknown`
// with its URL in MEINGPT_SIM_URL (the runner is wasm-bindgen-test-runner, see .cargo/config.toml),
// and stops the simulator.
import { spawn } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { startSimulator } from '../../../simulator/server.mjs';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
const sim = await startSimulator();
let code = 1;
try {
  code = await new Promise((resolve, reject) => {
    const child = spawn('cargo', ['test', '-p', 'meingpt', '--target', 'wasm32-unknown-unknown', ...process.argv.slice(2)], {
      cwd: root,
      stdio: 'inherit',
      env: { ...process.env, MEINGPT_SIM_URL: sim.url, WASM_BINDGEN_TEST_TIMEOUT: process.env.WASM_BINDGEN_TEST_TIMEOUT ?? '120' },
    });
    child.on('error', reject);
    child.on('exit', (c, signal) => resolve(c ?? (signal ? 1 : 0)));
  });
} finally {
  await sim.close();
}
process.exit(code);
