// Differential fuzzing in miniature: seeded random bodies built from SSE tokens, line ends,
// multi-byte characters and invalid UTF-8, decoded by our decoder and by eventsource-parser in
// one chunk, byte by byte and at random multi-splits. Ids only appear right before a data line,
// so no block sets an id without data (a documented difference, see known-differences.test.mjs).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { buildHarness, firstDifference, random, runOurs, runTheirs } from './harness.mjs';

const SEED = 20261125;
const BODIES = 400;
const SPLITS = 20;
const TOKENS = [
  'data', 'data:', 'data: ', 'event:', 'event: ', 'event: update', 'retry: 7', 'retry: 1000', 'retry: x', 'retry',
  ':', ': ping', ' ', '\n', '\n', '\r', '\r', '\r\n', '\r\n', '\n\n', 'x', 'Grüße', '€', '😀', '\0', '[DONE]', '{"a":1}',
  'id: 3\ndata: i', 'id: \ndata: j', 'id:ü\ndata:',
].map((t) => Buffer.from(t))
  .concat([[0xff], [0xe2, 0x82], [0xac], [0xf0, 0x9f], [0x98, 0x80], [0xed, 0xa0, 0x80], [0xef, 0xbb, 0xbf], [0xc0]].map((b) => Buffer.from(b)));

let exe;
let dir;
before(() => {
  exe = buildHarness();
  dir = mkdtempSync(path.join(tmpdir(), 'sse-random-'));
});
after(() => rmSync(dir, { recursive: true, force: true }));

test(`${BODIES} random bodies: same events as eventsource-parser, whole, byte by byte and at ${SPLITS} random splits each`, () => {
  const rand = random(SEED);
  const jobs = [];
  const bodies = [];
  for (let b = 0; b < BODIES; b++) {
    const parts = Array.from({ length: rand(80) }, () => TOKENS[rand(TOKENS.length)]);
    const bytes = Buffer.concat(parts);
    const file = path.join(dir, `body-${b}.sse`);
    writeFileSync(file, bytes);
    bodies.push(bytes);
    const n = bytes.length;
    jobs.push([file, [], b]);
    jobs.push([file, Array.from({ length: Math.max(0, n - 1) }, (_, i) => i + 1), b]);
    for (let s = 0; s < SPLITS; s++) {
      jobs.push([file, Array.from({ length: 1 + rand(8) }, () => rand(n + 1)).sort((x, y) => x - y), b]);
    }
  }
  const ours = runOurs(exe, jobs.map(([file, cuts]) => [file, cuts]));
  let events = 0;
  const failures = [];
  for (let i = 0; i < jobs.length && failures.length < 5; i++) {
    const [, cuts, b] = jobs[i];
    if (cuts.length === 0) events += ours[i].events.length;
    const diff = firstDifference(ours[i], runTheirs(bodies[b], cuts));
    if (diff) failures.push(`body ${b} ${JSON.stringify(bodies[b].toString('latin1'))} cuts [${cuts}]: ${diff}`);
  }
  assert.deepEqual(failures, [], `seed ${SEED}`);
  assert.ok(events >= BODIES / 2, `only ${events} events in ${BODIES} bodies`);
});
