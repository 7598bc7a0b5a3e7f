// meingpt-wasm in Deno 2 (npm `deno`, pinned): the package from node_modules (deno.json
// `nodeModulesDir: manual`), as Deno apps and Deno-based hosts (Deno Deploy, Netlify Edge
// Functions, Supabase Edge Functions) import it; Deno resolves it through the `node` condition.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { APP, npmBinary, runApp } from '../runtimes/child.mjs';
import { checkScenario } from '../runtimes/check.mjs';

test('Deno: a plain call, a stream, error classes, an abort, a runTools round trip', { timeout: 90_000 }, async (t) => {
  const deno = npmBinary('deno');
  t.diagnostic(deno.version);
  assert.match(deno.version, /^deno 2\./);
  const { result } = await runApp(
    deno.bin,
    ['run', '--no-lock', '--allow-net=127.0.0.1', '--allow-read', 'app.mjs'],
    { cwd: path.join(APP, 'deno'), env: { DENO_NO_UPDATE_CHECK: '1', DENO_NO_PROMPT: '1' } },
  );
  checkScenario(result);
  assert.equal(result.entry, 'node.js');
});
