// Builds the publishable package into pkg/: one `--target web` wasm-bindgen build, wasm-opt from
// npm binaryen, the per-runtime entry shims, hand-written types and the package manifest.
import { cpSync, mkdirSync, readFileSync, readdirSync, rmSync, writeFileSync, statSync } from 'node:fs';
import { gzipSync } from 'node:zlib';
import path from 'node:path';
import { root, run, step } from './lib.mjs';

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
// The glue imports its snippets (js/errors.js, js/stream.js) from a hashed folder; put them beside
// it under stable names so the entries can export the very same classes.
const glue = path.join(pkg, `${name}.js`);
let glueText = readFileSync(glue, 'utf8');
glueText = glueText.replace(/\.\/snippets\/[^'"]+\/js\/([a-z]+\.js)/g, './$1');
glueText = shortImports(bg, glueText);
glueText = glueFactory(glueText);
writeFileSync(glue, glueText);
rmSync(path.join(pkg, 'snippets'), { recursive: true, force: true });
const helperFiles = ['tools.js', 'rehydrate.js', 'routes.js']; // loaded on first use of runTools/parse/fromReadableStream and the other routes
for (const f of ['errors.js', 'stream.js', 'client.js', 'lazy.js', 'exports.js', 'node.js', 'browser.js', 'workerd.js', 'edge.js', 'index.d.ts', ...helperFiles]) {
  cpSync(path.join(root, 'js', f), path.join(pkg, f));
}
rmSync(path.join(pkg, '.gitignore'), { force: true });
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

/**
 * Short import names. wasm-bindgen names each import `__wbg_<what>_<16 hex digits>`; the hashes do
 * not compress, and each name is written twice: in the wasm's import section and as a key of the
 * glue's import object. Both are renamed here to `a`, `b`, ... (the names only have to agree
 * between the two files). The import section is rewritten in place; the rest of the wasm is
 * copied as it is. Saves about 450 B gzip of what a browser loads (DESIGN.md).
 */
function shortImports(wasmPath, glueText) {
  const bytes = readFileSync(wasmPath);
  let p = 8; // magic and version
  const leb = () => {
    let r = 0;
    let shift = 0;
    let b;
    do {
      b = bytes[p++];
      r += (b & 0x7f) * 2 ** shift;
      shift += 7;
    } while (b & 0x80);
    return r;
  };
  const uleb = (n) => {
    const out = [];
    do {
      let b = n % 128;
      n = Math.floor(n / 128);
      if (n > 0) b |= 0x80;
      out.push(b);
    } while (n > 0);
    return out;
  };
  const name = (i) => {
    const letters = 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ';
    let s = '';
    do {
      s = letters[i % 52] + s;
      i = Math.floor(i / 52) - 1;
    } while (i >= 0);
    return s;
  };
  const enc = new TextEncoder();
  const dec = new TextDecoder();
  while (p < bytes.length) {
    const at = p;
    const id = bytes[p++];
    const size = leb();
    const start = p;
    if (id !== 2) {
      p = start + size;
      continue;
    }
    const out = [];
    const count = leb();
    out.push(...uleb(count));
    const renames = new Map();
    for (let i = 0; i < count; i += 1) {
      const modLen = leb();
      const mod = bytes.subarray(p, p + modLen);
      p += modLen;
      const nameLen = leb();
      const old = dec.decode(bytes.subarray(p, p + nameLen));
      p += nameLen;
      const descStart = p;
      const kind = bytes[p++];
      const limits = () => {
        const flags = bytes[p++];
        leb();
        if (flags & 1) leb();
      };
      if (kind === 0) leb(); // function: type index
      else if (kind === 1) {
        p += 1; // table: reference type
        limits();
      } else if (kind === 2) limits(); // memory
      else if (kind === 3) p += 2; // global: value type, mutability
      else throw new Error(`shortImports: import kind ${kind} not handled`);
      const fresh = renames.get(old) ?? name(renames.size);
      renames.set(old, fresh);
      out.push(...uleb(mod.length), ...mod, ...uleb(fresh.length), ...enc.encode(fresh), ...bytes.subarray(descStart, p));
    }
    if (p !== start + size) throw new Error('shortImports: the import section did not parse to its end');
    for (const [old, fresh] of renames) {
      const re = new RegExp(`\\b${old}\\b`, 'g');
      if (!re.test(glueText)) throw new Error(`shortImports: import ${old} not found in the glue`);
      glueText = glueText.replace(re, fresh);
    }
    const section = [2, ...uleb(out.length), ...out];
    writeFileSync(wasmPath, Buffer.concat([bytes.subarray(0, at), Buffer.from(section), bytes.subarray(start + size)]));
    return glueText;
  }
  throw new Error('shortImports: no import section');
}

/**
 * Never poisoned (js/lazy.js): the glue keeps its instance in module variables, so a trapped instance
 * could not be replaced without the objects of the old one (streams, finalizers) calling into the new
 * one. So the whole glue goes into `createGlue(wrapExports)`: each call makes a separate glue with its
 * own instance, its exports wrapped by lazy.js (which notices a trap). The module's own exports call
 * the live glue, set by `useGlue()`; a class export constructs the live glue's class.
 */
function glueFactory(text) {
  const lines = text.split('\n');
  const imports = lines.filter((l) => /^import /.test(l));
  let body = lines.filter((l) => !/^import /.test(l)).join('\n');
  const fns = [...body.matchAll(/^export function (\w+)/gm)].map((m) => m[1]);
  const classes = [...body.matchAll(/^export class (\w+)/gm)].map((m) => m[1]);
  body = body.replace(/^export (class|function) /gm, '$1 ');
  const swaps = [
    [/^export \{ initSync, __wbg_init as default \};$/m, ''],
    ['wasm = instance.exports;', 'wasm = wrapExports(instance.exports);'],
    // initSync is only ever given a compiled module (the entries, lazy.js's fresh instance), which may
    // come from another realm (Next.js hands its edge sandbox modules compiled outside): no
    // `instanceof WebAssembly.Module` test, which such a module fails.
    [/^\s*if \(!\(module instanceof WebAssembly\.Module\)\) \{\n\s*module = new WebAssembly\.Module\(module\);\n\s*\}\n/m, ''],
    // The entries and lazy.js always pass a single object: the warnings about the old parameters
    // are dead code (and 100 B gzip of what a browser loads).
    [/^\s*if \(module !== undefined\) \{\n\s*if \(Object\.getPrototypeOf\(module\) === Object\.prototype\) \{\n\s*\(\{module\} = module\)\n\s*\} else \{\n\s*console\.warn\([^\n]*\n\s*\}\n\s*\}\n/m, '({ module } = module);\n'],
    [/^\s*if \(module_or_path !== undefined\) \{\n\s*if \(Object\.getPrototypeOf\(module_or_path\) === Object\.prototype\) \{\n\s*\(\{module_or_path\} = module_or_path\)\n\s*\} else \{\n\s*console\.warn\([^\n]*\n\s*\}\n\s*\}\n/m, '({ module_or_path } = module_or_path);\n'],
    // The entries always pass the wasm (browser.js its own `new URL`); inside the factory this default
    // could no longer be tree-shaken, and would put a wasm URL into Node and Workers bundles.
    [/^\s*if \(module_or_path === undefined\) \{\n\s*module_or_path = new URL\('meingpt_wasm_bg\.wasm', import\.meta\.url\);\n\s*\}\n/m, ''],
  ];
  for (const [from, to] of swaps) {
    if (!body.match(from)) throw new Error(`glueFactory: the wasm-bindgen glue changed, ${from} not found`);
    body = body.replace(from, to);
  }
  const api = [...fns, ...classes, 'initSync', 'default: __wbg_init', 'get module() { return wasmModule; }', 'get memory() { return wasm?.memory; }'];
  return [
    ...imports,
    `export function createGlue(wrapExports) {\n${body}\nreturn { ${api.join(', ')} };\n}`,
    'let glue;',
    'export function useGlue(g) {\n  glue = g;\n}',
    ...fns.map((f) => `export function ${f}(...a) {\n  return glue.${f}(...a);\n}`),
    ...classes.map((c) => `export function ${c}(...a) {\n  return new glue.${c}(...a);\n}`),
    '',
  ].join('\n');
}
