// No request can stall the simulator (issue 12, item 8): it answers any page (CORS `*`), so every
// output it generates is bounded. The hostile requests run against a simulator in a child process
// (`node simulator/cli.mjs`), so that a stall or a blow-up shows as a timeout and a peak RSS of that
// process (VmHWM), not as a hang of the test itself.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import { startSimulator } from '../server.mjs';
import { MAX_PIECES } from '../reply.mjs';

const CLI = path.join(path.dirname(fileURLToPath(import.meta.url)), '..', 'cli.mjs');
const CHAT = '/api/openai/v1/chat/completions';
const MiB = 1024 * 1024;
/** Peak RSS allowed for the simulator process through all the hostile requests below. */
const PEAK_MIB = 300;
let child;
let childUrl;
let sim; // in-process, for the log and the reply shapes

before(async () => {
  child = spawn(process.execPath, [CLI, '--port', '0'], { stdio: ['ignore', 'pipe', 'inherit'] });
  child.stdout.setEncoding('utf8');
  let out = '';
  childUrl = await new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no URL from the simulator: ${out}`)), 10_000);
    child.stdout.on('data', (d) => {
      out += d;
      const m = /listening on (http:\S+)/.exec(out);
      if (m) {
        clearTimeout(timer);
        resolve(m[1]);
      }
    });
  });
  sim = await startSimulator({ port: 0, now: 1718000000000 });
});

after(async () => {
  await sim?.close();
  if (child && child.exitCode === null) {
    child.kill('SIGKILL');
    await Promise.race([once(child, 'exit'), new Promise((r) => setTimeout(r, 3000))]);
  }
});

/** The child's peak resident memory so far (MiB), or null where /proc is missing. */
function peakMiB() {
  try {
    const m = /VmHWM:\s+(\d+) kB/.exec(fs.readFileSync(`/proc/${child.pid}/status`, 'utf8'));
    return m ? Number(m[1]) / 1024 : null;
  } catch {
    return null;
  }
}

function ask(content, extra = {}) {
  return { model: 'gpt-4o-mini', messages: [{ role: 'user', content }], ...extra };
}

const schemaAsk = (schema, content = 'x') => ask(content, { response_format: { type: 'json_schema', json_schema: { name: 's', schema } } });

/** POSTs to `base`; resolves to { status, text, ms }, or rejects after `ms` (a stalled simulator). */
async function timedPost(base, body, { headers = {}, ms = 8000 } = {}) {
  const t0 = performance.now();
  const res = await fetch(base + CHAT, {
    method: 'POST',
    headers: { authorization: 'Bearer sk-bounds', 'content-type': 'application/json', ...headers },
    body: typeof body === 'string' ? body : JSON.stringify(body),
    signal: AbortSignal.timeout(ms),
  });
  const text = await res.text();
  return { status: res.status, text, ms: performance.now() - t0 };
}

test('hostile json_schema replies are refused at once with 400; the simulator stays small and keeps answering', { timeout: 60_000 }, async (t) => {
  const hostile = [
    // The schema: 100 x 100 strings of at least 100 000 characters (1 GB of reply).
    ['100x100 strings of minLength 100000', { type: 'array', minItems: 100, items: { type: 'array', minItems: 100, items: { type: 'string', minLength: 100000 } } }],
    ['1000x1000 strings of minLength 1000', { type: 'array', minItems: 1000, items: { type: 'array', minItems: 1000, items: { type: 'string', minLength: 1000 } } }],
    ['one string of minLength 1e15', { type: 'string', minLength: 1e15 }],
    ['1e9 nulls', { type: 'array', minItems: 1e9, items: { type: 'null' } }],
    ['1e9 properties', { type: 'object', minProperties: 1e9 }],
    ['a 100 KB const a thousand times', { type: 'array', minItems: 1000, items: { const: 'y'.repeat(100000) } }],
    ['a 2000-key object $ref-ed 2000 times', { type: 'array', minItems: 2000, items: { $ref: '#/$defs/big' }, $defs: { big: { type: 'object', properties: Object.fromEntries(Array.from({ length: 2000 }, (_, i) => [`k${i}`, { type: 'integer' }])) } } }],
  ];
  for (const [name, schema] of hostile) {
    const res = await timedPost(childUrl, schemaAsk(schema));
    t.diagnostic(`${name}: ${res.status} in ${res.ms.toFixed(0)} ms, peak RSS ${peakMiB()?.toFixed(0)} MiB`);
    assert.equal(res.status, 400, `${name}: ${res.text.slice(0, 200)}`);
    assert.match(JSON.parse(res.text).message, /simulator's limit/);
    assert.ok(res.ms < 3000, `${name}: answered in ${res.ms.toFixed(0)} ms`);
  }
  // The same as tool-call arguments: one budget for the whole reply.
  const tool = (i) => ({ type: 'function', function: { name: `t${i}`, parameters: { type: 'object', required: ['a'], properties: { a: { type: 'string', minLength: 400000 } } } } });
  const tools = await timedPost(childUrl, ask('t0 t1 t2 t3', { tools: [0, 1, 2, 3].map(tool) }));
  assert.equal(tools.status, 400, tools.text.slice(0, 200));
  const ok = await timedPost(childUrl, ask('echo:noch da'));
  assert.equal(ok.status, 200);
  assert.equal(JSON.parse(ok.text).choices[0].message.content, 'noch da');
  const peak = peakMiB();
  if (peak !== null) assert.ok(peak < PEAK_MIB, `peak RSS ${peak.toFixed(0)} MiB`);
});

test('a pattern with catastrophic backtracking cannot stall it: 400 after the time bound, then normal answers', { timeout: 60_000 }, async (t) => {
  // `query` takes the user message; `^(a+)+$` against 40 a's and a '!' backtracks 2^40 times.
  const schema = { type: 'object', required: ['query'], properties: { query: { type: 'string', pattern: '^(a+)+$' } } };
  const res = await timedPost(childUrl, schemaAsk(schema, `${'a'.repeat(40)}!`), { ms: 10_000 });
  t.diagnostic(`ReDoS pattern: ${res.status} in ${res.ms.toFixed(0)} ms`);
  assert.equal(res.status, 400, res.text.slice(0, 200));
  assert.match(JSON.parse(res.text).message, /took over 2000 ms/);
  assert.ok(res.ms < 5000, `${res.ms.toFixed(0)} ms`);
  const ok = await timedPost(childUrl, ask('echo:weiter'), { ms: 3000 });
  assert.equal(ok.status, 200);
  // In process, a shorter bound (opts.generationMs) and a harmless pattern still applied.
  const quick = await startSimulator({ port: 0, generationMs: 200 });
  try {
    const r = await timedPost(quick.url, schemaAsk(schema, `${'a'.repeat(40)}!`), { ms: 5000 });
    assert.equal(r.status, 400);
    assert.ok(r.ms < 2000, `${r.ms.toFixed(0)} ms`);
    const fine = await timedPost(quick.url, schemaAsk({ type: 'object', required: ['code'], properties: { code: { type: 'string', pattern: '^[A-Z]{2}$' } } }));
    assert.equal(fine.status, 200);
    assert.match(JSON.parse(JSON.parse(fine.text).choices[0].message.content).code, /^[A-Z]{2}$/);
  } finally {
    await quick.close();
  }
});

test('large but bounded schemas are answered in full: minItems and minLength are kept, not cut', { timeout: 20_000 }, async () => {
  const cases = [
    [{ type: 'array', minItems: 1500, items: { type: 'integer' } }, (v) => v.length === 1500],
    [{ type: 'string', minLength: 200000 }, (v) => v.length === 200000],
    [{ type: 'object', minProperties: 50 }, (v) => Object.keys(v).length >= 50],
  ];
  for (const [schema, check] of cases) {
    const res = await timedPost(sim.url, schemaAsk(schema));
    assert.equal(res.status, 200, res.text.slice(0, 200));
    assert.ok(check(JSON.parse(JSON.parse(res.text).choices[0].message.content)), JSON.stringify(schema).slice(0, 80));
  }
});

test('a 1 MB echo of one-letter words streams in at most MAX_PIECES content events, the same text', { timeout: 20_000 }, async () => {
  const content = 'a '.repeat(500000);
  const res = await timedPost(sim.url, ask(`echo:${content}`, { stream: true }));
  assert.equal(res.status, 200);
  const events = res.text.split('\n\n').filter((e) => e.startsWith('data: {'));
  const text = events.map((e) => JSON.parse(e.slice(6)).choices[0]?.delta?.content ?? '').join('');
  assert.equal(text, content);
  assert.ok(events.length <= MAX_PIECES + 3, `${events.length} events`);
});

test('more than 128 tools is a 400, as at OpenAI', { timeout: 10_000 }, async () => {
  const tools = Array.from({ length: 129 }, (_, i) => ({ type: 'function', function: { name: `t${i}` } }));
  const res = await timedPost(sim.url, ask('x', { tools }));
  assert.equal(res.status, 400);
  assert.equal(JSON.parse(res.text).message, 'tools: at most 128 tools');
  const fine = await timedPost(sim.url, ask('t127', { tools: tools.slice(0, 128) }));
  assert.equal(fine.status, 200);
});

test('garbage of 64 MiB is written in pieces: four at once keep the simulator small', { timeout: 60_000 }, async (t) => {
  const before = peakMiB();
  const runs = [false, true, false, true].map(async (stream) => {
    const res = await fetch(childUrl + CHAT, {
      method: 'POST',
      headers: { authorization: 'Bearer sk-bounds', 'content-type': 'application/json', 'x-simulator-fault': `garbage:${64 * MiB}` },
      body: JSON.stringify(ask('x', { stream })),
      signal: AbortSignal.timeout(40_000),
    });
    let n = 0;
    for await (const chunk of res.body) n += chunk.length;
    return n;
  });
  const sizes = await Promise.all(runs);
  assert.equal(sizes[0], 64 * MiB);
  assert.ok(sizes[1] > 60 * MiB);
  const peak = peakMiB();
  t.diagnostic(`peak RSS ${before?.toFixed(0)} -> ${peak?.toFixed(0)} MiB`);
  if (peak !== null) assert.ok(peak < PEAK_MIB, `peak RSS ${peak.toFixed(0)} MiB`);
});

test('the log keeps at most 32 MiB of request bodies (the newest records)', { timeout: 30_000 }, async () => {
  const big = ask('x'.repeat(900 * 1024), { model: 'no-such-model' });
  for (let i = 0; i < 40; i += 1) {
    const res = await timedPost(sim.url, big);
    assert.equal(res.status, 400);
  }
  const bytes = sim.log.reduce((n, r) => n + (r.body ? JSON.stringify(r.body).length : 0), 0);
  assert.ok(bytes <= 32 * MiB, `${(bytes / MiB).toFixed(1)} MiB of bodies in the log`);
  assert.equal(sim.log.at(-1).body.messages[0].content.length, 900 * 1024, 'the newest record keeps its body');
});
