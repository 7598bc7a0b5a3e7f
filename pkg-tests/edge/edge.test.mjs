// meingpt-wasm in Vercel's Edge Runtime (npm `edge-runtime`, the emulator Vercel and Next.js run edge
// code in) with wasm code generation off, as deployed Edge Functions are: WebAssembly.compile of
// bytes is refused, only a compiled module can be instantiated.
//
// The app is bundled by esbuild as Vercel's and Next.js's bundlers do for the edge (conditions
// edge-light, worker, browser): a `*.wasm?module` import becomes a WebAssembly.Module the host
// compiled outside the sandbox and hands in as a global (Next.js: `wasm_<hash>` bindings), so the
// module comes from another realm, as there.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { createRequire } from 'node:module';
import { checkScenario, checkLoadError } from '../runtimes/check.mjs';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const APP = path.resolve(HERE, '..'); // pkg-tests/
const ROOT = path.resolve(APP, '..');
const INSTALLED = path.join(APP, 'node_modules', 'meingpt-wasm');
const requireFromRoot = createRequire(path.join(ROOT, 'package.json'));
const esbuild = requireFromRoot('esbuild');
const { EdgeRuntime } = requireFromRoot('edge-runtime');
const { startSimulator } = await import(pathToFileURL(path.join(ROOT, 'simulator', 'server.mjs')).href);
const T = { timeout: 60_000 };

let sim;
before(async () => {
  sim = await startSimulator({ port: 0, now: 1718000000000 });
});
after(() => sim?.close());

/** A global name for each `?module` wasm, as Next.js names its wasm bindings. */
const binding = (file) => `wasm_${path.basename(file, '.wasm')}`;

/**
 * The edge bundle of `code` (an app importing 'meingpt-wasm' and ../runtimes/scenario.mjs), one
 * script that sets globalThis.app. `conditions`: what the bundler resolves the package with.
 */
async function bundle(code, { conditions = ['edge-light', 'worker', 'browser'], wasmModules = true } = {}) {
  const plugins = [];
  if (wasmModules) {
    plugins.push({
      name: 'wasm-module-bindings',
      setup(b) {
        b.onResolve({ filter: /\.wasm\?module$/ }, (a) => ({
          path: path.join(a.resolveDir, a.path.replace(/\?module$/, '')),
          namespace: 'wasm-binding',
        }));
        b.onLoad({ filter: /.*/, namespace: 'wasm-binding' }, (a) => ({
          contents: `export default globalThis.${binding(a.path)};`,
          loader: 'js',
        }));
      },
    });
  }
  const result = await esbuild.build({
    stdin: { contents: code, resolveDir: HERE, sourcefile: 'edge-app.mjs', loader: 'js' },
    bundle: true,
    format: 'iife',
    platform: 'neutral',
    mainFields: ['module', 'main'],
    conditions,
    write: false,
    logLevel: 'silent',
    plugins,
  });
  return result.outputFiles[0].text;
}

/** Wasm modules compiled outside the sandbox (the host's job), by global name. */
function compiledBindings() {
  const out = {};
  for (const f of ['meingpt_wasm_bg.wasm', 'meingpt_schema.wasm']) {
    out[binding(f)] = new WebAssembly.Module(readFileSync(path.join(INSTALLED, f)));
  }
  return out;
}

/** An Edge Runtime sandbox that refuses wasm code generation, with `bindings` as globals. */
function sandbox(initialCode, bindings = {}) {
  return new EdgeRuntime({
    initialCode,
    codeGeneration: { strings: false, wasm: false },
    extend: (context) => Object.assign(context, bindings),
  });
}

const SCENARIO = `
import * as api from 'meingpt-wasm';
import { run, describeError } from '../runtimes/scenario.mjs';
globalThis.app = {
  run: (o) => run(api, o).then((r) => JSON.stringify(r)),
  fail: (o) => api.chatCompletion({ model: 'm', messages: [{ role: 'user', content: 'x' }] }, o)
    .then(() => null, (e) => JSON.stringify(describeError(api, e))),
  tools: (o) => api.runTools({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'Nutze t.' }] },
    { tools: { t: { parameters: { type: 'object' }, run: () => 'ok' } } }, o)
    .then(() => null, (e) => JSON.stringify(describeError(api, e))),
  withSignal: (o, signal) => api.chatCompletion({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'Hallo' }] }, { ...o, signal })
    .then((c) => c.object, (e) => JSON.stringify(describeError(api, e))),
  init: (module) => api.init({ module }).then(() => 'ok', (e) => JSON.stringify(describeError(api, e))),
};
`;
const o = () => JSON.stringify({ baseUrl: `${sim.url}/api/openai/v1`, apiKey: 'sk-edge-test' });
const bad = () => JSON.stringify({ baseUrl: `${sim.url}/api/openai/v1`, apiKey: 'sk-invalid', maxRetries: 0 });

test('the sandbox really refuses wasm compiled from bytes', T, async () => {
  const rt = sandbox('');
  const bytes = readFileSync(path.join(INSTALLED, 'meingpt_wasm_bg.wasm'));
  rt.context.bytes = new Uint8Array(bytes);
  await assert.rejects(rt.evaluate('WebAssembly.compile(bytes)'), /Wasm code generation disallowed/);
});

test('edge-light entry: the scenario runs with the wasm as ?module imports', T, async () => {
  const code = await bundle(SCENARIO);
  assert.match(code, /wasm_meingpt_wasm_bg/, 'the bundle took the edge-light entry');
  assert.doesNotMatch(code, /import\.meta/, 'no import.meta in an edge bundle');
  const rt = sandbox(code, compiledBindings());
  checkScenario(JSON.parse(await rt.evaluate(`app.run(${o()})`)));
});

test('edge-light entry: no compiled module given is a MeinGPTError that says how to serve it', T, async () => {
  const rt = sandbox(await bundle(SCENARIO)); // the bindings are missing
  const e = JSON.parse(await rt.evaluate(`app.fail(${o()})`));
  checkLoadError(e, /import it with '\?module'/);
  // Not poisoned: the host hands the module to init({ module }), and calls work.
  Object.assign(rt.context, compiledBindings());
  assert.equal(await rt.evaluate('app.init(globalThis.wasm_meingpt_wasm_bg)'), 'ok');
  assert.equal(JSON.parse(await rt.evaluate(`app.fail(${bad()})`)).status, 401);
});

test('browser entry in the edge: the wasm URL cannot be fetched, a MeinGPTError (not TypeError: Invalid URL)', T, async () => {
  const rt = sandbox(await bundle(SCENARIO, { conditions: ['worker', 'browser'], wasmModules: false }));
  const e = JSON.parse(await rt.evaluate(`app.fail(${o()})`));
  checkLoadError(e, /serve it beside the package's JS as application\/wasm/);
});

test('browser entry in the edge: init({ module }) with a module the host compiled', T, async () => {
  const rt = sandbox(await bundle(SCENARIO, { conditions: ['worker', 'browser'], wasmModules: false }), compiledBindings());
  assert.equal(await rt.evaluate('app.init(globalThis.wasm_meingpt_wasm_bg)'), 'ok');
  const r = JSON.parse(await rt.evaluate(`app.fail(${bad()})`)); // the server's 401, no load error
  assert.equal(r.status, 401, JSON.stringify(r));
  assert.ok(r.is.AuthenticationError, JSON.stringify(r));
});

test('init({ module }) with bytes where compiling is refused: a MeinGPTError with the cause', T, async () => {
  const rt = sandbox(await bundle(SCENARIO, { conditions: ['worker', 'browser'], wasmModules: false }));
  rt.context.bytes = new Uint8Array(readFileSync(path.join(INSTALLED, 'meingpt_wasm_bg.wasm')));
  const e = JSON.parse(await rt.evaluate('app.init(bytes)'));
  checkLoadError(e, /application\/wasm/);
});

test('edge-light entry: a validator wasm (runTools) that is not there is a MeinGPTError too', T, async () => {
  const { wasm_meingpt_wasm_bg } = compiledBindings();
  const rt = sandbox(await bundle(SCENARIO), { wasm_meingpt_wasm_bg });
  const e = JSON.parse(await rt.evaluate(`app.tools(${o()})`));
  assert.equal(e.name, 'MeinGPTError', JSON.stringify(e));
  assert.match(e.message, /^meingpt-wasm could not load meingpt_schema\.wasm \(runTools, parse, the routes beyond chat\): import it with '\?module'/);
});

test("edge-light entry: an AbortSignal from outside the sandbox (Next.js passes the request's) is taken", T, async () => {
  const rt = sandbox(await bundle(SCENARIO), compiledBindings());
  const controller = new AbortController(); // Node's, not the sandbox's AbortSignal class
  rt.context.outer = controller.signal;
  assert.equal(await rt.evaluate('outer instanceof AbortSignal'), false, 'the signal is of another realm');
  assert.equal(await rt.evaluate(`app.withSignal(${o()}, outer)`), 'chat.completion');
  controller.abort();
  const e = JSON.parse(await rt.evaluate(`app.withSignal(${o()}, outer)`));
  assert.ok(e.is.APIUserAbortError, JSON.stringify(e));
});
