// The build's rewrites of wasm-bindgen's output (scripts/glue.mjs) against wasm-bindgen 0.2.130's
// real glue (fixtures/glue-0.2.130.js, written by `wasm-bindgen --target web --weak-refs` for this
// package) and against changed copies of it: each change must stop the build with GlueChanged naming
// the wasm-bindgen version, never pass through half rewritten. Run by `node scripts/test.mjs rust`.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import {
  WRITTEN_FOR,
  GlueChanged,
  replaceExactly,
  flatSnippets,
  shortImports,
  glueFactory,
  wasmExports,
  checkAfterDeath,
} from './glue.mjs';

const GLUE = readFileSync(fileURLToPath(new URL('./fixtures/glue-0.2.130.js', import.meta.url)), 'utf8');
// The fixture's exports, as `import()` of it lists them (the build imports the real glue).
const EXPORTS = ['StreamCore', 'connectionError', 'default', 'httpError', 'initSync', 'prepare', 'retryDelay', 'tooLargeError', 'validateRequest', '__meingpt_trap'];
const V = '9.9.9';

/** Asserts that `fn` throws GlueChanged naming both versions and matching `what`. */
function changed(fn, what) {
  assert.throws(fn, (e) => {
    assert.ok(e instanceof GlueChanged, `${e?.name}: ${e?.message}`);
    assert.match(e.message, what);
    assert.match(e.message, new RegExp(`wasm-bindgen ${V.replaceAll('.', '\\.')}`));
    assert.ok(e.message.includes(`wasm-bindgen ${WRITTEN_FOR}`), e.message);
    return true;
  });
}

/** The glue after the snippet rewrite, as the factory sees it. */
const flat = () => flatSnippets(GLUE, 1, V);

test('the fixture is what wasm-bindgen 0.2.130 wrote for this package (the rewrites are checked against real output)', () => {
  assert.equal(WRITTEN_FOR, '0.2.130');
  assert.match(GLUE, /^import \{ makeError \} from '\.\/snippets\/meingpt-wasm-[0-9a-f]+\/js\/errors\.js';$/m);
  for (const name of EXPORTS.filter((n) => n !== 'default' && n !== 'initSync')) assert.match(GLUE, new RegExp(`^export (class|function) ${name}\\b`, 'm'));
});

test('the factory rewrites the real glue: every export forwarded, the instance wrapped, the dead code gone', async () => {
  const { text, fns, classes } = glueFactory(flat(), EXPORTS, V);
  assert.deepEqual(classes, ['StreamCore']);
  assert.equal(fns.length, EXPORTS.length - 3);
  assert.match(text, /wasm = wrapExports\(instance\.exports\);/);
  assert.doesNotMatch(text, /instanceof WebAssembly\.Module|deprecated parameters|import\.meta\.url|\.\/snippets\//);
  // The result is a module whose factory makes glues with the same exports.
  const mod = await import(`data:text/javascript,${encodeURIComponent(text.replace(/^import .*$/gm, '').replace(/\bmakeError\b/g, 'Object'))}`);
  const glue = mod.createGlue((x) => x);
  for (const name of [...fns, ...classes, 'initSync', 'default']) assert.equal(typeof glue[name], 'function', name);
});

test('an exported Rust enum (`export const X = Object.freeze(...)`) is forwarded like the functions', async () => {
  const enumLine = 'export const Mode = Object.freeze({\n    Objects: 0, "0": "Objects",\n});\n';
  const text = flat().replace('export function prepare(', `${enumLine}\nexport function prepare(`);
  const out = glueFactory(text, [...EXPORTS, 'Mode'], V);
  assert.deepEqual(out.consts, ['Mode']);
  assert.match(out.text, /^export let .*\bMode\b/m);
  assert.doesNotMatch(out.text, /^export const/m);
  // Without its name among the real exports, the text and the module disagree: stop.
  changed(() => glueFactory(text, EXPORTS, V), /the glue exports/);
});

test('a changed glue stops the factory with GlueChanged naming the wasm-bindgen version', () => {
  const g = flat();
  const cases = [
    ['the instance kept under another name', g.replace('wasm = instance.exports;', 'wasm = inst.exports;'), /where the instance is kept: .* matched 0 times, expected 1/],
    ['the instance kept twice', g.replace('wasm = instance.exports;', 'wasm = instance.exports;\nwasm = instance.exports;'), /matched 2 times, expected 1/],
    ['the export list written otherwise', g.replace('export { initSync, __wbg_init as default };', 'export { __wbg_init as default, initSync };'), /the export list/],
    ["initSync's instanceof test changed", g.replace('if (!(module instanceof WebAssembly.Module)) {', 'if (!(module instanceof globalThis.WebAssembly.Module)) {'), /instanceof test/],
    ["initSync's warning changed", g.replace("console.warn('using deprecated parameters for `initSync()`", "console.error('using deprecated parameters for `initSync()`"), /initSync's warning/],
    ['the default URL changed', g.replace(/new URL\('meingpt_wasm_bg\.wasm', import\.meta\.url\)/, "new URL('./meingpt_wasm_bg.wasm', import.meta.url)"), /default URL/],
    ['an export written another way', g.replace('export function prepare(', 'function prepare(').replace('export { initSync,', 'export { prepare };\nexport { initSync,'), /the glue exports .*, its text shows/],
  ];
  for (const [name, text, message] of cases) {
    assert.notEqual(text, g, `${name}: the change applies to the fixture`);
    changed(() => glueFactory(text, EXPORTS, V), message);
  }
  // A real export the text does not show (wasm-bindgen writes a new kind of export).
  changed(() => glueFactory(g, [...EXPORTS, 'NewThing'], V), /the glue exports/);
});

test('the snippet imports must be as many as the snippet files', () => {
  assert.doesNotMatch(flat(), /\.\/snippets\//);
  assert.match(flat(), /from '\.\/errors\.js'/);
  changed(() => flatSnippets(GLUE, 2, V), /snippet imports: .* matched 1 time, expected 2/);
  changed(() => flatSnippets(GLUE.replaceAll('/snippets/', '/snips/'), 1, V), /matched 0 times/);
});

test('replaceExactly: plain strings and regexes, the count checked before anything is replaced', () => {
  assert.equal(replaceExactly('a.b.a', 'a', 'x', 2, 't', V), 'x.b.x');
  assert.equal(replaceExactly('a1 a2', /a(\d)/g, 'b$1', 2, 't', V), 'b1 b2');
  changed(() => replaceExactly('a.b.a', 'a', 'x', 1, 'ones', V), /ones: a matched 2 times, expected 1/);
  assert.throws(() => replaceExactly('a', /a/, 'b', 1, 't', V), TypeError);
});

/** A wasm module with one function type and these function imports from `./meingpt_wasm_bg.js`, plus exports. */
function wasm(imports, exports = []) {
  const enc = new TextEncoder();
  const str = (s) => [enc.encode(s).length, ...enc.encode(s)];
  const section = (id, body) => [id, body.length, ...body];
  const types = section(1, [1, 0x60, 0, 0]);
  const imps = section(2, [imports.length, ...imports.flatMap((n) => [...str('./meingpt_wasm_bg.js'), ...str(n), 0, 0])]);
  const exps = section(7, [exports.length, ...exports.flatMap((n, i) => [...str(n), 0, i])]);
  return Buffer.from([0, 0x61, 0x73, 0x6d, 1, 0, 0, 0, ...types, ...imps, ...(exports.length ? exps : [])]);
}

test('shortImports renames each import in the wasm and in the glue, once each', () => {
  const names = ['__wbg_fetch_0123456789abcdef', '__wbg_get_fedcba9876543210'];
  const glue = `const import0 = { __proto__: null, ${names[0]}: function() {}, ${names[1]}: function() {} };`;
  const out = shortImports(wasm(names), glue, V);
  assert.equal(out.glueText, 'const import0 = { __proto__: null, a: function() {}, b: function() {} };');
  assert.deepEqual(out.bytes, wasm(['a', 'b']));
  // An import the glue does not name, or names twice (its text changed): stop.
  changed(() => shortImports(wasm(names), glue.replace(names[1], '__wbg_get_other'), V), /__wbg_get_fedcba9876543210 in the glue: .* matched 0 times, expected 1/);
  changed(() => shortImports(wasm(names), `${glue}\nwasm.${names[0]}();`, V), /matched 2 times, expected 1/);
  // A prefix of another name is no match of it.
  changed(() => shortImports(wasm(['__wbg_x']), 'const o = { __wbg_x_1: 1 };', V), /matched 0 times/);
});

test('the exports lazy.js lets run on a dead instance are checked against the wasm', () => {
  const exps = ['memory', 'prepare', '__wbg_streamcore_free', 'streamcore_fail', 'streamcore_feed'];
  assert.deepEqual(wasmExports(wasm([], exps)), exps);
  checkAfterDeath(['__wbg_streamcore_free', 'streamcore_fail'], exps, ['StreamCore'], V);
  changed(() => checkAfterDeath(['__wbg_streamcore_free', 'streamcore_fail_now'], exps, ['StreamCore'], V), /names streamcore_fail_now, which the wasm does not export/);
  // A new class whose destructor lazy.js does not declare: its finalizer would throw on a dead instance.
  assert.throws(() => checkAfterDeath(['__wbg_streamcore_free'], [...exps, '__wbg_prepared_free'], ['StreamCore', 'Prepared'], V), /must name __wbg_prepared_free/);
});
