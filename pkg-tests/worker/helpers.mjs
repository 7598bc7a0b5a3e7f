// Shared helpers of the Worker proxy tests: bundle examples/worker as wrangler does, run it in workerd
// through Miniflare, and talk to it over real HTTP on 127.0.0.1.
//
// The bundle: esbuild with wrangler's settings (ESM, conditions workerd/worker/browser, es2022), and
// wrangler's CompiledWasm rule for `*.wasm` imports: the file is copied beside the bundle under a
// content-hashed name and kept as an external module import. `meingpt-wasm` resolves to the tarball
// installed in pkg-tests/node_modules (through its exports map), never to a checkout.
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import { fileURLToPath } from 'node:url';
import { createRequire } from 'node:module';
import { within } from '../node/helpers.mjs';

const HERE = path.dirname(fileURLToPath(import.meta.url));
export const APP = path.resolve(HERE, '..'); // pkg-tests/
export const ROOT = path.resolve(APP, '..');
export const EXAMPLE = path.join(ROOT, 'examples', 'worker');
export const INSTALLED = path.join(APP, 'node_modules', 'meingpt-wasm');
export const PATH = '/v1/chat/completions';

const requireFromRoot = createRequire(path.join(ROOT, 'package.json'));
const esbuild = requireFromRoot('esbuild');
const { Miniflare } = requireFromRoot('miniflare');

/** examples/worker/wrangler.jsonc (its comments are whole lines, so dropping them leaves JSON). */
export function wranglerConfig() {
  const text = fs.readFileSync(path.join(EXAMPLE, 'wrangler.jsonc'), 'utf8');
  return JSON.parse(text.replace(/^\s*\/\/.*$/gm, ''));
}

/** Resolves `meingpt-wasm` from pkg-tests/ (the installed tarball), with the build's conditions. */
const installedPackage = {
  name: 'meingpt-wasm-from-pkg-tests',
  setup(build) {
    build.onResolve({ filter: /^meingpt-wasm$/ }, async (args) => {
      if (args.pluginData === 'from-pkg-tests') return undefined; // the inner resolve below
      const r = await build.resolve(args.path, { kind: args.kind, resolveDir: APP, pluginData: 'from-pkg-tests' });
      if (r.errors.length) return { errors: r.errors };
      return { path: r.path, namespace: r.namespace, sideEffects: r.sideEffects };
    });
  },
};

/** wrangler's CompiledWasm rule: the .wasm becomes a module beside the bundle. */
function wasmModules(outDir, seen) {
  return {
    name: 'wasm-modules-like-wrangler',
    setup(build) {
      build.onResolve({ filter: /\.wasm$/ }, (args) => {
        const file = path.resolve(args.resolveDir, args.path);
        const bytes = fs.readFileSync(file);
        const name = `${createHash('sha1').update(bytes).digest('hex').slice(0, 16)}-${path.basename(file)}`;
        fs.writeFileSync(path.join(outDir, name), bytes);
        seen.push({ name, file, bytes: bytes.length, gzip: gzipSync(bytes).length });
        return { path: `./${name}`, external: true };
      });
    },
  };
}

/**
 * Bundles examples/worker (its wrangler.jsonc `main`) into pkg-tests/.out/<name>/.
 * Returns { outDir, script, text, wasm: [{name, file, bytes, gzip}], inputs (absolute paths) }.
 */
export async function bundleWorker(name = 'worker') {
  const config = wranglerConfig();
  const outDir = path.join(APP, '.out', name);
  fs.rmSync(outDir, { recursive: true, force: true });
  fs.mkdirSync(outDir, { recursive: true });
  const wasm = [];
  const script = path.join(outDir, 'index.js');
  const result = await esbuild.build({
    entryPoints: [path.join(EXAMPLE, config.main)],
    outfile: script,
    bundle: true,
    format: 'esm',
    platform: 'neutral',
    target: 'es2022',
    conditions: ['workerd', 'worker', 'browser'],
    mainFields: ['module', 'main'],
    plugins: [installedPackage, wasmModules(outDir, wasm)],
    metafile: true,
    logLevel: 'silent',
  });
  const text = fs.readFileSync(script, 'utf8');
  const inputs = Object.keys(result.metafile.inputs).map((p) => path.resolve(p));
  return { outDir, script, text, wasm, inputs, config };
}

/**
 * Runs a bundle in workerd with the wrangler.jsonc compatibility settings and `vars`, overridden by
 * `vars` here; `secret` is MEINGPT_API_KEY (omit it to test the missing secret).
 * Returns { url (no trailing slash), mf, dispose() }.
 */
export async function startWorker(bundle, { vars = {}, secret } = {}) {
  const { config } = bundle;
  const bindings = { ...config.vars, ...vars };
  if (secret !== undefined) bindings.MEINGPT_API_KEY = secret;
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
    // The simulator listens on 127.0.0.1: workerd refuses loopback outbound unless allowed.
    outboundService: { network: { allow: ['public', 'private', 'local'] } },
  });
  let ready;
  try {
    ready = await within(mf.ready, 25_000, 'workerd start-up');
  } catch (e) {
    await mf.dispose().catch(() => {});
    throw e;
  }
  return { url: ready.href.replace(/\/$/, ''), mf, dispose: () => mf.dispose() };
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
