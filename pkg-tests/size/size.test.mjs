// Size check (bytes, not timings): the gzip total of what a browser loads for a minimal streaming
// call with the installed package (esbuild --bundle --minify of bench/apps/browser-ours.js, plus
// the .wasm it loads) must stay at or below the ceiling in bench/size-ceiling.json.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { shippedBytes } from '../../bench/shipped.mjs';

const APP = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..'); // pkg-tests/
const CEILING_FILE = path.join(APP, '..', 'bench', 'size-ceiling.json');

test('the browser load of a minimal streaming call stays under the size ceiling', { timeout: 60_000 }, async (t) => {
  const { gzipBytes: ceiling } = JSON.parse(readFileSync(CEILING_FILE, 'utf8'));
  assert.ok(Number.isInteger(ceiling) && ceiling > 0, 'bench/size-ceiling.json holds an integer gzipBytes');
  const { files, total } = await shippedBytes('browser-ours.js', APP);
  for (const f of files) t.diagnostic(`${f.name}: ${f.raw} B raw, ${f.gzip} B gzip, ${f.brotli} B brotli`);
  t.diagnostic(`total: ${total.gzip} B gzip (ceiling ${ceiling} B)`);
  // What is measured: the bundled app and exactly one wasm file, taken from the installed package.
  assert.equal(files.length, 2, `files: ${files.map((f) => f.name).join(', ')}`);
  assert.match(files[1].name, /\.wasm$/);
  assert.ok(files[1].raw > 1000 && files[0].raw > 1000, 'both files are real');
  assert.ok(
    total.gzip <= ceiling,
    `the browser load is ${total.gzip} B gzip, above the ceiling of ${ceiling} B in bench/size-ceiling.json`,
  );
});
