// Shared helpers of the Worker proxy tests: bundle examples/worker as wrangler does (see
// ../workerd/wrangler-like.mjs), run it in workerd through Miniflare with its wrangler.jsonc settings,
// and talk to it over real HTTP on 127.0.0.1.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { createRequire } from 'node:module';
import { APP, ROOT, INSTALLED, bundleLikeWrangler, startInWorkerd } from '../workerd/wrangler-like.mjs';

export { INSTALLED };
export const EXAMPLE = path.join(ROOT, 'examples', 'worker');
export const PATH = '/v1/chat/completions';

/** examples/worker/wrangler.jsonc (its comments are whole lines, so dropping them leaves JSON). */
export function wranglerConfig() {
  const text = fs.readFileSync(path.join(EXAMPLE, 'wrangler.jsonc'), 'utf8');
  return JSON.parse(text.replace(/^\s*\/\/.*$/gm, ''));
}

/**
 * Bundles examples/worker (its wrangler.jsonc `main`) into pkg-tests/.out/<name>/.
 * Returns what bundleLikeWrangler() does, plus `config` (the wrangler.jsonc).
 */
export async function bundleWorker(name) {
  const config = wranglerConfig();
  const bundle = await bundleLikeWrangler({ entry: path.join(EXAMPLE, config.main), outDir: path.join(APP, '.out', name) });
  return { ...bundle, config };
}

/**
 * Runs the bundle in workerd with the wrangler.jsonc compatibility settings and `vars`, overridden by
 * `vars` here; `secret` is MEINGPT_API_KEY (omit it to test the missing secret).
 * Returns { url (no trailing slash), mf, dispose() }.
 */
export function startWorker(bundle, { vars = {}, secret } = {}) {
  const { config } = bundle;
  const bindings = { ...config.vars, ...vars };
  if (secret !== undefined) bindings.MEINGPT_API_KEY = secret;
  return startInWorkerd(bundle, {
    compatibilityDate: config.compatibility_date,
    compatibilityFlags: config.compatibility_flags ?? [],
    bindings,
  });
}

const { Miniflare } = createRequire(path.join(ROOT, 'package.json'))('miniflare');

/**
 * Like startWorker(), with the Worker's console output (workerd's stdout and stderr) collected:
 * returns { url, mf, dispose(), logs() } where logs() is the text written so far.
 */
export async function startWorkerLogged(bundle, { vars = {}, secret } = {}) {
  const { config } = bundle;
  const bindings = { ...config.vars, ...vars };
  if (secret !== undefined) bindings.MEINGPT_API_KEY = secret;
  let text = '';
  const mf = new Miniflare({
    host: '127.0.0.1',
    port: 0,
    modules: true,
    scriptPath: bundle.script,
    modulesRoot: bundle.outDir,
    modulesRules: [
      { type: 'ESModule', include: ['**/*.js', '**/*.mjs'] },
      { type: 'CompiledWasm', include: ['**/*.wasm'] },
    ],
    compatibilityDate: config.compatibility_date,
    compatibilityFlags: config.compatibility_flags ?? [],
    cf: false,
    bindings,
    outboundService: { network: { allow: ['public', 'private', 'local'] } },
    handleRuntimeStdio(stdout, stderr) {
      for (const stream of [stdout, stderr]) {
        stream.setEncoding('utf8');
        stream.on('data', (d) => {
          text += d;
        });
      }
    },
  });
  let ready;
  try {
    ready = await Promise.race([mf.ready, new Promise((_, reject) => setTimeout(() => reject(new Error('workerd start-up took over 25 s')), 25_000).unref())]);
  } catch (e) {
    await mf.dispose().catch(() => {});
    throw e;
  }
  return { url: ready.href.replace(/\/$/, ''), mf, dispose: () => mf.dispose(), logs: () => text };
}

/** Starts several Workers at once; if one fails to start, the others are disposed before rethrowing. */
export async function startWorkers(bundle, settings) {
  const results = await Promise.allSettled(settings.map((s) => startWorker(bundle, s)));
  const failed = results.find((r) => r.status === 'rejected');
  if (!failed) return results.map((r) => r.value);
  await Promise.allSettled(results.filter((r) => r.status === 'fulfilled').map((r) => r.value.dispose()));
  throw failed.reason;
}

/** POSTs JSON (or a string / stream body) to the worker's chat path. */
export function post(worker, body, { headers = {}, signal, method = 'POST', path: p = PATH } = {}) {
  const init = {
    method,
    headers: { 'content-type': 'application/json', ...headers },
    signal: signal ?? AbortSignal.timeout(20_000),
  };
  if (body !== undefined) {
    init.body = typeof body === 'string' || body instanceof ReadableStream ? body : JSON.stringify(body);
    if (body instanceof ReadableStream) init.duplex = 'half';
  }
  return fetch(worker.url + p, init);
}

/** The data of each `data: ...` event of a clean SSE text (one line per event, as the package writes). */
export function sseData(text) {
  assert.ok(text.endsWith('\n\n'), `SSE ends with a blank line: ${JSON.stringify(text.slice(-40))}`);
  return text
    .slice(0, -2)
    .split('\n\n')
    .map((ev) => {
      assert.match(ev, /^data: [^\n]*$/, `event ${JSON.stringify(ev.slice(0, 60))} is one data line`);
      return ev.slice(6);
    });
}
