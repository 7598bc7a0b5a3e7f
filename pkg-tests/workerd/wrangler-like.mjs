// Bundling and running a Worker as wrangler does, for the workerd test suites (workerd/, worker/).
//
// The bundle: esbuild with wrangler's settings (ESM, conditions workerd/worker/browser, es2022), and
// wrangler's CompiledWasm rule for `*.wasm` imports: the file is copied beside the bundle under a
// content-hashed name and kept as an external module import. `meingpt-wasm` always resolves to the
// tarball installed in pkg-tests/node_modules (through its exports map), wherever the entry lives.
// Running: Miniflare (workerd) on 127.0.0.1, port 0, `cf: false`, loopback outbound allowed.
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import { fileURLToPath } from 'node:url';
import { createRequire } from 'node:module';
import { within } from '../node/helpers.mjs';

export const APP = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..'); // pkg-tests/
export const ROOT = path.resolve(APP, '..');
export const INSTALLED = path.join(APP, 'node_modules', 'meingpt-wasm');

const requireFromRoot = createRequire(path.join(ROOT, 'package.json'));
const esbuild = requireFromRoot('esbuild');
const { Miniflare } = requireFromRoot('miniflare');

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
 * Bundles `entry` into `outDir` (emptied first) as wrangler would.
 * Returns { outDir, script, text, wasm: [{name, file, bytes, gzip}], inputs (absolute paths) }.
 */
export async function bundleLikeWrangler({ entry, outDir }) {
  fs.rmSync(outDir, { recursive: true, force: true });
  fs.mkdirSync(outDir, { recursive: true });
  const wasm = [];
  const script = path.join(outDir, path.basename(entry));
  const result = await esbuild.build({
    entryPoints: [entry],
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
  // esbuild's metafile paths are relative to the working directory.
  const inputs = Object.keys(result.metafile.inputs).map((p) => path.resolve(p));
  return { outDir, script, text: fs.readFileSync(script, 'utf8'), wasm, inputs };
}

/**
 * Runs a bundle in workerd (Miniflare). Returns { url (no trailing slash), mf, dispose() }; a Worker
 * that does not start within 25 s is disposed and the start rejects (so no test process hangs).
 */
export async function startInWorkerd(bundle, { compatibilityDate, compatibilityFlags = [], bindings = {} }) {
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
    compatibilityDate,
    compatibilityFlags,
    cf: false,
    bindings,
    // Test servers listen on 127.0.0.1: workerd refuses loopback outbound unless allowed.
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
