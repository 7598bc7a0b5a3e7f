// Bundles a test Worker the way wrangler does and runs it in workerd through Miniflare (no
// nodejs_compat): esbuild with conditions workerd/worker/browser, ESM, each `.wasm` import kept as an
// external module file beside the bundle (wrangler's CompiledWasm rule); loopback outbound allowed
// so the Worker reaches the simulator on 127.0.0.1.
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { createRequire } from 'node:module';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const requireFromRoot = createRequire(path.join(ROOT, 'package.json'));
const esbuild = requireFromRoot('esbuild');
const { Miniflare } = requireFromRoot('miniflare');

/** Bundles `entry` into `outDir/worker.js`; returns { scriptPath, metafile, wasmModuleName }. */
export async function bundleWorker(entry, outDir) {
  fs.rmSync(outDir, { recursive: true, force: true });
  fs.mkdirSync(outDir, { recursive: true });
  let wasmModuleName;
  const wasmModules = {
    name: 'wasm-modules-like-wrangler',
    setup(build) {
      build.onResolve({ filter: /\.wasm$/ }, (args) => {
        const file = path.resolve(args.resolveDir, args.path);
        const bytes = fs.readFileSync(file);
        wasmModuleName = `${createHash('sha1').update(bytes).digest('hex').slice(0, 16)}-${path.basename(file)}`;
        fs.writeFileSync(path.join(outDir, wasmModuleName), bytes);
        return { path: `./${wasmModuleName}`, external: true };
      });
    },
  };
  const scriptPath = path.join(outDir, 'worker.js');
  const result = await esbuild.build({
    entryPoints: [entry],
    outfile: scriptPath,
    bundle: true,
    format: 'esm',
    platform: 'neutral',
    target: 'es2022',
    conditions: ['workerd', 'worker', 'browser'],
    mainFields: ['module', 'main'],
    plugins: [wasmModules],
    metafile: true,
    logLevel: 'silent',
  });
  return { scriptPath, metafile: result.metafile, wasmModuleName };
}

/** Starts Miniflare on the bundle; `bindings` become the Worker's env. */
export async function startWorker(scriptPath, bindings) {
  const mf = new Miniflare({
    host: '127.0.0.1',
    port: 0,
    modules: true,
    scriptPath,
    modulesRoot: path.dirname(scriptPath),
    modulesRules: [
      { type: 'ESModule', include: ['**/*.js', '**/*.mjs'] },
      { type: 'CompiledWasm', include: ['**/*.wasm'] },
    ],
    compatibilityDate: '2025-09-01',
    compatibilityFlags: [],
    cf: false,
    bindings,
    outboundService: { network: { allow: ['public', 'private', 'local'] } },
  });
  await mf.ready;
  return mf;
}

/** POSTs JSON to the Worker and parses its JSON answer. */
export async function postJson(mf, body) {
  const res = await mf.dispatchFetch('http://worker.test/', {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  const text = await res.text();
  try {
    return { status: res.status, body: JSON.parse(text) };
  } catch {
    return { status: res.status, body: text };
  }
}
