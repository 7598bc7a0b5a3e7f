// meingpt-wasm from a CommonJS app: require('meingpt-wasm') in Node (the `node` entry through
// require(esm)), the scenario against the simulator, and the same module as import() gives.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createRequire } from 'node:module';
import { APP, runApp } from '../runtimes/child.mjs';
import { checkScenario, checkLoadError } from '../runtimes/check.mjs';
import { describeError } from '../runtimes/scenario.mjs';

test('Node CommonJS: require() gives the package; the scenario runs', { timeout: 60_000 }, async () => {
  const { result, stderr } = await runApp(process.execPath, [path.join(APP, 'cjs', 'app.cjs')], { cwd: path.join(APP, 'cjs') });
  checkScenario(result);
  assert.equal(result.sameAsImport, true, 'require() and import() give the same module');
  assert.doesNotMatch(stderr, /Error|Warning/, stderr);
});

test('Node: a wasm that is not beside the package is a MeinGPTError that says what to do', { timeout: 30_000 }, async () => {
  // A copy of the installed package without its wasm, as a server bundle that forgot to copy it.
  const copy = fs.mkdtempSync(path.join(os.tmpdir(), 'meingpt-no-wasm-'));
  try {
    fs.cpSync(path.join(APP, 'node_modules', 'meingpt-wasm'), copy, { recursive: true });
    fs.rmSync(path.join(copy, 'meingpt_wasm_bg.wasm'));
    const api = createRequire(import.meta.url)(path.join(copy, 'node.js'));
    const e = await api.chatCompletion({ model: 'm', messages: [{ role: 'user', content: 'x' }] }).then(() => null, (err) => err);
    checkLoadError(describeError(api, e), /keep it beside the package's node\.js/);
    assert.equal(e.cause?.code, 'ENOENT', 'the cause is kept');
  } finally {
    fs.rmSync(copy, { recursive: true, force: true });
  }
});
