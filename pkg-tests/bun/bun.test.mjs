// meingpt-wasm in Bun 1 (npm `bun`, pinned): `bun run app.mjs` imports the package from node_modules.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { APP, npmBinary, runApp } from '../runtimes/child.mjs';
import { checkScenario } from '../runtimes/check.mjs';

test('Bun: a plain call, a stream, error classes, an abort, a runTools round trip', { timeout: 90_000 }, async (t) => {
  const bun = npmBinary('bun');
  t.diagnostic(`bun ${bun.version}`);
  assert.match(bun.version, /^1\./);
  const { result } = await runApp(bun.bin, ['run', 'app.mjs'], {
    cwd: path.join(APP, 'bun'),
    env: { DO_NOT_TRACK: '1', BUN_RUNTIME_TRANSPILER_CACHE_PATH: '0' },
  });
  checkScenario(result);
  assert.equal(result.entry, 'node.js');
});
