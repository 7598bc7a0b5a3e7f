// Where eventsource-parser and the WHATWG algorithm (which our decoder follows) part ways. Each
// case pins both sides, so the differential corpus test can rely on its normalisations and a
// change on either side shows up here. Details: tests/sse-corpus/README.md.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createParser } from 'eventsource-parser';
import { buildHarness, firstDifference, runOurs, runTheirs } from './harness.mjs';

let exe;
let dir;
before(() => {
  exe = buildHarness();
  dir = mkdtempSync(path.join(tmpdir(), 'sse-diff-'));
});
after(() => rmSync(dir, { recursive: true, force: true }));

let n = 0;
function ours(text) {
  const file = path.join(dir, `case-${n++}.sse`);
  writeFileSync(file, text);
  return runOurs(exe, [[file, []]])[0];
}

/** eventsource-parser as is, without the suite's normalisations. */
function raw(text) {
  const events = [];
  const retries = [];
  const p = createParser({ onEvent: (e) => events.push(e), onRetry: (ms) => retries.push(ms) });
  p.feed(text);
  return { events, retries };
}

test('an id in a block without data is the last event ID for later events (WHATWG); eventsource-parser drops it', () => {
  const text = 'id: 1\ndata: a\n\nid: 2\n\ndata: b\n\n';
  assert.deepEqual(ours(text).events, [['', 'a', '1'], ['', 'b', '2']]);
  assert.deepEqual(raw(text).events, [{ id: '1', event: undefined, data: 'a' }, { id: undefined, event: undefined, data: 'b' }]);
  // So the corpus avoids id-only blocks: the carried-forward id would differ, and the suite says so.
  assert.match(firstDifference(ours(text), runTheirs(Buffer.from(text), [])), /event 1: ours \["","b","2"\], theirs \["","b","1"\]/);
});

test('eventsource-parser reports no id for an event that did not set one; the normalisation carries it forward', () => {
  const text = 'id: 7\ndata: a\n\ndata: b\n\n';
  assert.deepEqual(raw(text).events.map((e) => e.id), ['7', undefined]);
  assert.equal(firstDifference(ours(text), runTheirs(Buffer.from(text), [])), '');
});

test('a final bare CR ends the last line for us; eventsource-parser waits for an LF that never comes', () => {
  const text = 'data: a\r\r';
  assert.deepEqual(ours(text).events, [['', 'a', '']]);
  assert.deepEqual(raw(text).events, []);
  assert.deepEqual(runTheirs(Buffer.from(text), [], { flushCr: false }).events, []);
  assert.deepEqual(runTheirs(Buffer.from(text), []).events, [['', 'a', '']]);
});

test('a CR at the end of a chunk stays held while later chunks bring no line end, and is lost at the end', () => {
  const text = 'data: a\r\rdata: unterminated';
  assert.deepEqual(ours(text).events, [['', 'a', '']]);
  const p = [];
  const parser = createParser({ onEvent: (e) => p.push(e.data) });
  parser.feed('data: a\r\r');
  parser.feed('data: unterminated');
  assert.deepEqual(p, []);
  // In one chunk it dispatches: the CR is not at the chunk's end.
  assert.deepEqual(raw(text).events.map((e) => e.data), ['a']);
  const bytes = Buffer.from(text);
  assert.deepEqual(runTheirs(bytes, [9], { flushCr: false }).events, []);
  assert.deepEqual(runTheirs(bytes, [9]).events, [['', 'a', '']]);
});

test('eventsource-parser strips "ï»¿" (the BOM bytes read as Latin-1) from decoded text; a real BOM is U+FEFF', () => {
  const text = '\u00ef\u00bb\u00bfdata: x\n\ndata: y\n\n';
  // For WHATWG "ï»¿data" is just an unknown field name.
  assert.deepEqual(ours(text).events, [['', 'y', '']]);
  assert.deepEqual(raw(text).events.map((e) => e.data), ['x', 'y']);
});

test('retry beyond 2^64: we saturate, eventsource-parser rounds through a double', () => {
  const text = 'retry: 99999999999999999999\n';
  assert.equal(ours(text).retry, 18446744073709551615); // u64::MAX, as JSON.parse reads it
  assert.deepEqual(raw(text).retries, [1e20]);
});

test('eventsource-parser takes text: the byte-level BOM, UTF-8 and invalid bytes are the TextDecoder\'s job', () => {
  // With the WHATWG TextDecoder in front, as in the corpus test, invalid UTF-8 agrees byte for byte.
  const bytes = Buffer.from([0xef, 0xbb, 0xbf, ...Buffer.from('data: a'), 0xed, 0xa0, 0x80, 0xc3, 0x0a, 0x0a]);
  const file = path.join(dir, 'bytes.sse');
  writeFileSync(file, bytes);
  const mine = runOurs(exe, [[file, []]])[0];
  assert.deepEqual(mine.events, [['', 'a\ufffd\ufffd\ufffd\ufffd', '']]);
  assert.equal(firstDifference(mine, runTheirs(bytes, [])), '');
});
