// Differential test: every file of tests/sse-corpus, decoded by our Rust SSE decoder and by
// eventsource-parser, cut into network chunks at every single split point, byte by byte, and at
// seeded random multi-splits: both must give the same events (type, data, last event ID) and the
// same final retry value, and no split may change the outcome.
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { buildHarness, firstDifference, random, root, runOurs, runTheirs } from './harness.mjs';

const corpus = path.join(root, 'tests', 'sse-corpus');
const files = readdirSync(corpus).filter((f) => f.endsWith('.sse')).sort();
const SEED = 0x5e5e_2026;
const RANDOM_PLANS = 300;

let exe;
before(() => {
  exe = buildHarness();
});

/** Every way this suite cuts a body of `n` bytes. */
function plans(name, n) {
  const out = [[]];
  for (let i = 0; i <= n; i++) out.push([i]);
  out.push(Array.from({ length: Math.max(0, n - 1) }, (_, i) => i + 1));
  let seed = SEED;
  for (const c of name) seed = Math.imul(seed ^ c.charCodeAt(0), 0x01000193);
  const rand = random(seed);
  for (let p = 0; p < RANDOM_PLANS; p++) {
    const k = 2 + rand(Math.min(64, n + 1));
    out.push(Array.from({ length: k }, () => rand(n + 1)).sort((a, b) => a - b));
  }
  return out;
}

test('the corpus is there and non-trivial', () => {
  assert.ok(files.length >= 15, `only ${files.length} corpus files`);
  const outcomes = runOurs(exe, files.map((f) => [path.join(corpus, f), []]));
  const total = outcomes.reduce((n, o) => n + o.events.length, 0);
  assert.ok(total >= 150, `only ${total} events in the corpus`);
});

for (const name of files) {
  test(`${name}: same events as eventsource-parser at every split`, () => {
    const file = path.join(corpus, name);
    const bytes = readFileSync(file);
    const cutPlans = plans(name, bytes.length);
    const ours = runOurs(exe, cutPlans.map((cuts) => [file, cuts]));
    const failures = [];
    for (let i = 0; i < cutPlans.length && failures.length < 5; i++) {
      const diff = firstDifference(ours[i], runTheirs(bytes, cutPlans[i]));
      if (diff) failures.push(`cuts [${cutPlans[i].slice(0, 20).join(',')}${cutPlans[i].length > 20 ? ',…' : ''}]: ${diff}`);
    }
    assert.deepEqual(failures, [], `${name} (seed ${SEED}, ${cutPlans.length} cut plans)`);
    assert.equal(ours[0].error, null);
  });
}
