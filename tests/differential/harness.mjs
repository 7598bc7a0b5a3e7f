// Both sides of the differential SSE tests: our Rust decoder (examples/sse_events.rs, built with
// cargo on the host) and eventsource-parser behind a streaming TextDecoder, as a JS client
// would read a fetch body. Both are fed the same bytes cut at the same offsets.
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { createParser } from 'eventsource-parser';

export const root = fileURLToPath(new URL('../..', import.meta.url));

/** Builds the Rust harness (release, host) and returns the path of its executable. */
export function buildHarness() {
  const r = spawnSync(
    'cargo',
    ['build', '--release', '--quiet', '--example', 'sse_events', '--message-format=json-render-diagnostics'],
    { cwd: root, encoding: 'utf8', maxBuffer: 64 << 20, timeout: 15 * 60_000 },
  );
  if (r.status !== 0) throw new Error(`cargo build --example sse_events failed:\n${r.stderr}`);
  for (const line of r.stdout.split('\n')) {
    if (!line.startsWith('{')) continue;
    const msg = JSON.parse(line);
    if (msg.reason === 'compiler-artifact' && msg.target?.name === 'sse_events' && msg.executable) return msg.executable;
  }
  throw new Error('cargo did not report the sse_events executable');
}

/**
 * Runs our decoder on jobs `[path, cuts]` in one process. Returns one outcome per job, the
 * harness's `=` ("same as the file's one-chunk job", which must come first) already resolved.
 */
export function runOurs(exe, jobs) {
  const input = jobs.map(([file, cuts]) => `${file}\t${cuts.join(',')}\n`).join('');
  const r = spawnSync(exe, [], { input, encoding: 'utf8', maxBuffer: 1 << 30, timeout: 10 * 60_000 });
  if (r.status !== 0) throw new Error(`sse_events failed (${r.status ?? r.signal}):\n${r.stderr}`);
  const lines = r.stdout.split('\n');
  const whole = new Map();
  return jobs.map(([file, cuts], i) => {
    const line = lines[i];
    if (line === '=') return whole.get(file);
    const outcome = JSON.parse(line);
    if (cuts.length === 0) whole.set(file, outcome);
    return outcome;
  });
}

/**
 * eventsource-parser on `bytes` cut at `cuts`, normalised to what the WHATWG algorithm (and our
 * decoder) exposes; see tests/sse-corpus/README.md for why each step is needed:
 * - the event type is '' when none was given (eventsource-parser: undefined);
 * - the id is the last event ID seen so far (eventsource-parser reports only an id set in the
 *   event's own block, so an id is carried forward from earlier events);
 * - at the end of the body, a bare CR that is the body's last line end ends its line:
 *   eventsource-parser holds a CR at the end of a chunk back until it sees what follows, and
 *   keeps holding it while later chunks bring no line end, so at the end of input (it has no
 *   end-of-input call) that line is lost. The last, unterminated line is discarded by both
 *   (eventsource-parser never processes it), so the text after the last line end is not fed, and
 *   one LF is fed when the last line end is a CR (CR LF is one line end, so nothing else changes).
 * `flushCr: false` skips the last step (the text is fed as decoded, up to its last line end).
 */
export function runTheirs(bytes, cuts, { flushCr = true } = {}) {
  const events = [];
  let retry = null;
  let lastId = '';
  const parser = createParser({
    onEvent(e) {
      if (e.id !== undefined) lastId = e.id;
      events.push([e.event ?? '', e.data, lastId]);
    },
    onRetry(ms) {
      retry = ms;
    },
  });
  const decoder = new TextDecoder('utf-8');
  const pieces = [];
  let start = 0;
  for (const cut of [...cuts, bytes.length]) {
    pieces.push(decoder.decode(bytes.subarray(start, cut), { stream: true }));
    start = cut;
  }
  pieces.push(decoder.decode());
  const text = pieces.join('');
  let budget = Math.max(text.lastIndexOf('\n'), text.lastIndexOf('\r')) + 1;
  for (const piece of pieces) {
    if (piece === '' || budget === 0) continue;
    parser.feed(piece.slice(0, budget));
    budget -= Math.min(budget, piece.length);
  }
  const end = Math.max(text.lastIndexOf('\n'), text.lastIndexOf('\r'));
  if (flushCr && end >= 0 && text[end] === '\r') parser.feed('\n');
  return { events, retry, error: null };
}

/** A small seeded generator (mulberry32), so every run cuts the same way. */
export function random(seed) {
  let a = seed >>> 0;
  return (n) => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return (((t ^ (t >>> 14)) >>> 0) / 4294967296) * n | 0;
  };
}

/** Where two outcomes first differ, as a short text; '' when they are the same. */
export function firstDifference(ours, theirs) {
  if (ours.error !== theirs.error) return `error: ours ${JSON.stringify(ours.error)}, theirs ${JSON.stringify(theirs.error)}`;
  const n = Math.max(ours.events.length, theirs.events.length);
  for (let i = 0; i < n; i++) {
    const a = JSON.stringify(ours.events[i]);
    const b = JSON.stringify(theirs.events[i]);
    if (a !== b) return `event ${i}: ours ${a?.slice(0, 300)}, theirs ${b?.slice(0, 300)}`;
  }
  if (ours.retry !== theirs.retry) return `retry: ours ${ours.retry}, theirs ${theirs.retry}`;
  return '';
}
