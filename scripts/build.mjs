// Builds the publishable package into pkg/: one `--target web` wasm-bindgen build, wasm-opt from
// npm binaryen, the per-runtime entry shims, hand-written types and the package manifest.
import { cpSync, existsSync, mkdirSync, readFileSync, readdirSync, rmSync, writeFileSync, statSync } from 'node:fs';
import { gzipSync } from 'node:zlib';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { root, run, output, step } from './lib.mjs';
import { flatSnippets, shortImports, glueFactory, wasmExports, checkAfterDeath } from './glue.mjs';

const pkg = path.join(root, 'pkg');
const name = 'meingpt_wasm';
const wasmIn = path.join(root, 'target/wasm32-unknown-unknown/release', `${name}.wasm`);
// Flattening and re-looping the control flow before -Oz: 200 B less gzip than -Oz alone, same
// speed (measured in DESIGN.md, "wasm-opt passes").
const OPT = ['--flatten', '--rereloop', '-Oz'];

run('cargo', ['run', '--quiet', '--example', 'boundary']); // the JS side of the boundary, from src/boundary.rs and src/error.rs
step('cargo build (wasm32, release)');
run('cargo', ['build', '--release', '--target', 'wasm32-unknown-unknown']);

step('wasm-bindgen');
rmSync(pkg, { recursive: true, force: true });
run('wasm-bindgen', [
  wasmIn,
  '--out-dir', pkg,
  '--out-name', name,
  '--target', 'web',
  '--weak-refs',
  '--no-typescript',
]);

step('wasm-opt --flatten --rereloop -Oz');
const bg = path.join(pkg, `${name}_bg.wasm`);
run(path.join(root, 'node_modules/.bin/wasm-opt'), [
  ...OPT, '--strip-debug', '--strip-producers',
  '--enable-bulk-memory', '--enable-nontrapping-float-to-int', '--enable-sign-ext',
  '--enable-mutable-globals', '--enable-reference-types', '--enable-multivalue',
  bg, '-o', bg,
]);

// The helpers' validator (runTools, parse): its own small wasm without wasm-bindgen, loaded on
// their first use, so the main wasm every call loads does not carry it (src/schema_abi.rs).
step('cargo build --features schema-wasm (the validator wasm of the helpers)');
const schemaTarget = path.join(root, 'target', 'schema');
run('cargo', ['build', '--release', '--target', 'wasm32-unknown-unknown', '--features', 'schema-wasm', '--target-dir', schemaTarget]);
const schemaWasm = path.join(pkg, 'meingpt_schema.wasm');
run(path.join(root, 'node_modules/.bin/wasm-opt'), [
  ...OPT, '--strip-debug', '--strip-producers',
  '--enable-bulk-memory', '--enable-nontrapping-float-to-int', '--enable-sign-ext',
  '--enable-mutable-globals', '--enable-reference-types', '--enable-multivalue',
  path.join(schemaTarget, 'wasm32-unknown-unknown/release', `${name}.wasm`), '-o', schemaWasm,
]);

step('JS shims, types, manifest');
// The glue imports its snippets (js/errors.js) from a hashed folder; put them beside it under
// stable names so the entries can export the very same classes. Then short import names and the
// glue factory. Each rewrite checks its input and stops the build with a GlueChanged error naming
// the wasm-bindgen version when its output is not what the rewrite was written for (scripts/glue.mjs).
const glue = path.join(pkg, `${name}.js`);
const bindgenVersion = output('wasm-bindgen', ['--version'])?.trim().split(' ').pop();
const snippetDir = path.join(pkg, 'snippets');
const snippets = existsSync(snippetDir) ? readdirSync(snippetDir, { recursive: true }).filter((f) => f.endsWith('.js')) : [];
// The raw glue's real exports, from the module itself (its snippets are still in place; `?raw`:
// lazy.js imports the rewritten file under the plain URL below).
const exportNames = Object.keys(await import(`${pathToFileURL(glue).href}?raw`));
let glueText = flatSnippets(readFileSync(glue, 'utf8'), snippets.length, bindgenVersion);
const short = shortImports(readFileSync(bg), glueText, bindgenVersion);
writeFileSync(bg, short.bytes);
const factory = glueFactory(short.glueText, exportNames, bindgenVersion);
writeFileSync(glue, factory.text);
rmSync(path.join(pkg, 'snippets'), { recursive: true, force: true });
const helperFiles = ['tools.js', 'rehydrate.js', 'routes.js']; // loaded on first use of runTools/parse/fromReadableStream and the other routes
for (const f of ['errors.js', 'stream.js', 'client.js', 'lazy.js', 'exports.js', 'node.js', 'browser.js', 'workerd.js', 'edge.js', 'index.d.ts', ...helperFiles]) {
  cpSync(path.join(root, 'js', f), path.join(pkg, f));
}
rmSync(path.join(pkg, '.gitignore'), { force: true });
// What lazy.js lets run on a dead instance: wasm exports, every class's destructor among them.
const { AFTER_DEATH } = await import(pathToFileURL(path.join(pkg, 'lazy.js')).href);
checkAfterDeath(AFTER_DEATH, wasmExports(readFileSync(bg)), factory.classes, bindgenVersion);
const version = JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8')).version;
const manifest = {
  name: 'meingpt-wasm',
  version,
  description:
    "meinGPT's OpenAI-compatible Chat Completions API from Rust compiled to WebAssembly: one chatCompletion() for Node, browsers and Cloudflare Workers",
  license: 'MIT',
  type: 'module',
  sideEffects: false,
  keywords: ['meingpt', 'openai', 'chat', 'completions', 'wasm', 'cloudflare-workers', 'sse'],
  engines: { node: '>=18' },
  files: [
    `${name}.js`, `${name}_bg.wasm`, 'errors.js', 'stream.js', 'client.js', 'lazy.js', 'exports.js',
    'node.js', 'browser.js', 'workerd.js', 'edge.js', 'index.d.ts', 'README.md', 'LICENSE', ...helperFiles, 'meingpt_schema.wasm',
  ],
  types: './index.d.ts',
  exports: {
    '.': {
      types: './index.d.ts',
      workerd: './workerd.js',
      'edge-light': './edge.js',
      node: './node.js',
      browser: './browser.js',
      default: './browser.js',
    },
    './package.json': './package.json',
  },
};
writeFileSync(path.join(pkg, 'package.json'), JSON.stringify(manifest, null, 2) + '\n');
cpSync(path.join(root, 'README.md'), path.join(pkg, 'README.md'));
cpSync(path.join(root, 'LICENSE'), path.join(pkg, 'LICENSE'));

const gz = (f) => gzipSync(readFileSync(path.join(pkg, f)), { level: 9 }).length;
const browserFiles = [`${name}_bg.wasm`, `${name}.js`, 'errors.js', 'stream.js', 'client.js', 'lazy.js', 'exports.js', 'browser.js'];
const total = browserFiles.reduce((n, f) => n + gz(f), 0);
console.log(
  `wasm: ${statSync(bg).size} B raw, ${gz(`${name}_bg.wasm`)} B gzip; ` +
    `browser load (wasm + JS): ${total} B gzip (${(total / 1024).toFixed(1)} KiB)`,
);
console.log(`helpers, loaded on first use: ${[...helperFiles, 'meingpt_schema.wasm'].map((f) => `${f} ${gz(f)} B gzip`).join(', ')}`);
console.log(`files: ${readdirSync(pkg).join(' ')}`);
