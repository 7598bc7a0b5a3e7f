// Measurement 1 and the size check of `npm test`: the bytes a browser loads for a minimal streaming
// call. The app (bench/apps/browser-*.js) is bundled by esbuild (--bundle --minify --format=esm,
// platform browser) as a user's build would, plus every `.wasm` file the bundle loads by
// `new URL('./x.wasm', import.meta.url)` (found beside the bundled inputs). Sizes: raw, gzip -9,
// brotli -11 (node:zlib), per file and in total.
import { readFileSync, existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { gzipSync, brotliCompressSync, constants } from 'node:zlib';
import path from 'node:path';
import { BENCH, ROOT } from './lib.mjs';

const esbuild = createRequire(path.join(ROOT, 'package.json'))('esbuild');

function sizes(name, bytes) {
  return {
    name,
    raw: bytes.length,
    gzip: gzipSync(bytes, { level: 9 }).length,
    brotli: brotliCompressSync(bytes, { params: { [constants.BROTLI_PARAM_QUALITY]: 11 } }).length,
  };
}

/**
 * Bundles `bench/apps/<app>` with its bare imports resolved from `resolveDir` (a folder whose
 * node_modules holds the packages), returns { files: [{name, raw, gzip, brotli}], total, inputs }.
 */
export async function shippedBytes(app, resolveDir) {
  const result = await esbuild.build({
    stdin: { contents: readFileSync(path.join(BENCH, 'apps', app), 'utf8'), resolveDir, sourcefile: app, loader: 'js' },
    bundle: true,
    minify: true,
    format: 'esm',
    platform: 'browser',
    write: false,
    metafile: true,
    logLevel: 'silent',
  });
  const js = result.outputFiles[0].contents;
  const text = new TextDecoder().decode(js);
  const inputs = Object.keys(result.metafile.inputs).filter((p) => p !== '<stdin>').map((p) => path.resolve(p));
  const dirs = [...new Set(inputs.map((p) => path.dirname(p)))];
  const files = [sizes(`${app} bundled`, js)];
  for (const [, name] of text.matchAll(/new URL\(\s*["'`]\.\/([\w.-]+\.wasm)["'`]/g)) {
    const found = dirs.map((d) => path.join(d, name)).filter(existsSync);
    if (found.length !== 1) throw new Error(`the bundle loads ${name}, found ${found.length} candidates`);
    files.push(sizes(name, readFileSync(found[0])));
  }
  const total = { raw: 0, gzip: 0, brotli: 0 };
  for (const f of files) for (const k of Object.keys(total)) total[k] += f[k];
  return { files, total, inputs: inputs.length };
}
