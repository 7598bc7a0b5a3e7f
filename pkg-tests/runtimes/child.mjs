// Runs one runtime's app (a child process: node, deno, bun) against a simulator on 127.0.0.1 and
// returns the JSON the app printed as its last stdout line. Bounded in time; the child is killed
// by its own pid when it overruns.
import { spawn, spawnSync } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

export const APP = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..'); // pkg-tests/
export const ROOT = path.resolve(APP, '..');
const { startSimulator } = await import(pathToFileURL(path.join(ROOT, 'simulator', 'server.mjs')).href);

/**
 * The binary an npm package (pinned in the workspace's devDependencies) installed, checked by
 * `--version` (its postinstall puts the real binary behind node_modules/.bin).
 */
export function npmBinary(name) {
  const bin = path.join(ROOT, 'node_modules', '.bin', name);
  const v = spawnSync(bin, ['--version'], { encoding: 'utf8', timeout: 20_000 });
  if (v.status !== 0) throw new Error(`${bin} --version failed (npm ci in the workspace installs it): ${v.stderr || v.error}`);
  return { bin, version: v.stdout.trim().split('\n')[0] };
}

/** Starts a simulator, runs `cmd args... <baseUrl> <apiKey>` in `cwd`, returns the parsed result. */
export async function runApp(cmd, args, { cwd, env = {}, timeoutMs = 60_000 } = {}) {
  const sim = await startSimulator({ port: 0, now: 1718000000000 });
  try {
    const child = spawn(cmd, [...args, `${sim.url}/api/openai/v1`, 'sk-runtime-test'], {
      cwd,
      env: { ...process.env, NO_COLOR: '1', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    const code = await new Promise((resolve) => child.on('close', resolve));
    clearTimeout(timer);
    if (code !== 0) throw new Error(`${path.basename(cmd)} exited with ${code}:\n${stderr}\n${stdout}`);
    const last = stdout.trim().split('\n').at(-1);
    return { result: JSON.parse(last), stderr };
  } finally {
    await sim.close();
  }
}
