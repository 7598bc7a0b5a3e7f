// Small helpers of the bench: statistics, child processes with a timeout, timing.
import { fork } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import path from 'node:path';

export const BENCH = path.dirname(fileURLToPath(import.meta.url));
export const ROOT = path.resolve(BENCH, '..');

export const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};

/** { min, median, runs } of a list of numbers (ms), rounded to 0.1. */
export function stats(xs) {
  const r = (x) => Math.round(x * 10) / 10;
  return { min: r(Math.min(...xs)), median: r(median(xs)), runs: xs.map(r) };
}

/** a / b rounded to 2 decimals (null when either is missing). */
export const ratio = (a, b) => (a == null || b == null || b === 0 ? null : Math.round((a / b) * 100) / 100);

/**
 * Forks `script` (in bench/) with `args` and resolves with the first IPC message it sends.
 * The child is killed (by its pid) when it does not answer within `timeoutMs`.
 */
export function runChild(script, args = [], { timeoutMs = 120_000, execArgv = ['--expose-gc'] } = {}) {
  return new Promise((resolve, reject) => {
    const child = fork(path.join(BENCH, script), args, { execArgv, stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
    let result;
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`${script} ${args.join(' ')} did not finish within ${timeoutMs} ms`));
    }, timeoutMs);
    child.on('message', (m) => {
      result ??= m;
    });
    child.on('error', reject);
    child.on('exit', (code, signal) => {
      clearTimeout(timer);
      if (result?.error) reject(new Error(`${script} ${args.join(' ')}: ${result.error}`));
      else if (result !== undefined) resolve(result);
      else reject(new Error(`${script} ${args.join(' ')} exited (${code ?? signal}) without a result`));
    });
  });
}

/** For child scripts: runs `main`, sends its result (or the error) to the parent, exits. */
export function childMain(main) {
  main().then(
    (result) => {
      process.send(result, () => process.exit(0));
    },
    (e) => {
      process.send({ error: e?.stack ?? String(e) }, () => process.exit(1));
    },
  );
}

/** Runs a full garbage collection when the process was started with --expose-gc. */
export const gc = () => globalThis.gc?.();

/** Milliseconds taken by `fn()`. */
export async function timed(fn) {
  const t0 = performance.now();
  const value = await fn();
  return { ms: performance.now() - t0, value };
}
