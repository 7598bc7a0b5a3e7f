// The chunk objects of `for await` against JSON.parse (issue 17): same-shape chunks are built from
// a template instead of parsed (src/objects.rs, js/stream.js chunkReader), and each must be what
// JSON.parse gives for its event: same values, same own keys in the same order (a `__proto__` key
// included, as an own property), same prototypes, a fresh object each time. Over the SSE corpus
// and over seeded random sequences of shapes, texts and members after `choices`, cut into reads at
// random places.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { createParser } from 'eventsource-parser';
import { ChatCompletionStream } from 'meingpt-wasm';

const corpus = new URL('../../tests/sse-corpus/', import.meta.url).pathname;

/** Throws unless `a` and `b` are the same JSON value, own keys in the same order. */
function same(a, b, at = '$') {
  assert.equal(typeof a, typeof b, at);
  if (a === null || typeof a != 'object') {
    assert.ok(Object.is(a, b), `${at}: ${a} vs ${b}`);
    return;
  }
  assert.equal(Array.isArray(a), Array.isArray(b), at);
  assert.equal(Object.getPrototypeOf(a), Object.getPrototypeOf(b), `${at}: prototype`);
  assert.deepEqual(Reflect.ownKeys(a), Reflect.ownKeys(b), `${at}: keys`);
  for (const k of Reflect.ownKeys(a)) same(a[k], b[k], `${at}.${String(k)}`);
}

/** A ReadableStream of `bytes` cut at `cuts`. */
function body(bytes, cuts) {
  const parts = [];
  let from = 0;
  for (const c of [...cuts, bytes.length]) {
    parts.push(bytes.subarray(from, c));
    from = c;
  }
  return new ReadableStream({
    pull(controller) {
      if (parts.length) controller.enqueue(parts.shift());
      else controller.close();
    },
  });
}

/** The chunks JSON.parse gives for an SSE body, up to `[DONE]` or the first event that is not JSON. */
function expected(bytes) {
  const out = [];
  let over = false;
  const parser = createParser({
    onEvent(e) {
      if (over) return;
      if (e.data === '[DONE]') over = true;
      else {
        try {
          out.push(JSON.parse(e.data));
        } catch {
          over = true;
        }
      }
    },
  });
  parser.feed(new TextDecoder().decode(bytes));
  return out;
}

/** Reads `bytes` (cut at `cuts`) with `for await`; the chunks, and the error if it failed. */
async function ours(bytes, cuts) {
  const stream = await ChatCompletionStream.fromReadableStream(body(bytes, cuts));
  const chunks = [];
  try {
    for await (const c of stream) chunks.push(c);
    return { chunks };
  } catch (error) {
    return { chunks, error };
  }
}

/** Compares what `for await` gives with JSON.parse: a failed stream's chunks are a prefix. */
async function check(bytes, cuts, what) {
  const want = expected(bytes);
  const got = await ours(bytes, cuts);
  if (!got.error) assert.equal(got.chunks.length, want.length, `${what}: chunk count`);
  assert.ok(got.chunks.length <= want.length, what);
  got.chunks.forEach((c, i) => same(c, want[i], `${what} chunk ${i}`));
  // Fresh objects: no two chunks share a member object.
  const seen = new Set();
  const walk = (v) => {
    if (v === null || typeof v != 'object') return;
    assert.ok(!seen.has(v), `${what}: an object is shared between chunks`);
    seen.add(v);
    for (const k of Object.keys(v)) walk(v[k]);
  };
  got.chunks.forEach(walk);
  return got;
}

function random(seed) {
  let x = seed >>> 0 || 1;
  return (n) => {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    return (x >>> 0) % n;
  };
}

const cutsOf = (rand, n) => Array.from({ length: rand(8) }, () => rand(n + 1)).sort((a, b) => a - b);

test('the SSE corpus: the same chunks as JSON.parse, cut anywhere', async () => {
  const rand = random(0x17_0b1e);
  const files = readdirSync(corpus).filter((f) => f.endsWith('.sse'));
  assert.ok(files.length >= 15);
  let chunks = 0;
  for (const f of files) {
    const bytes = readFileSync(path.join(corpus, f));
    for (let round = 0; round < 20; round++) {
      chunks += (await check(bytes, round ? cutsOf(rand, bytes.length) : [], f)).chunks.length;
    }
  }
  assert.ok(chunks > 1000, `only ${chunks} chunks compared`);
});

// Chunks around a hole `@` (the text that changes), then members after `choices` from TRAILERS at `#`.
const SHAPES = [
  '{"id":"c","object":"chat.completion.chunk","created":1,"model":"m","choices":[{"index":0,"delta":{"content":"@"},"logprobs":null,"finish_reason":null}]#}',
  '{"choices":[{"delta":{"content":"@"}}]#}',
  '{"choices":[{"delta":{"content":"a","content":"@"}}]#}',
  '{"choices":[{"delta":{"content":"@","content":"b"}}]#}',
  '{"__proto__":{"x":1},"choices":[{"delta":{"content":"@","__proto__":null}}]#}',
  '{"choices":[{"delta":{"content":"@"}}],"choices":[{"delta":{"content":"z"}}]#}',
  '{"choices":[{"delta":{"content":"@"}},{"index":1}]#}',
  '{"choices":[{"index":2,"delta":{"role":"assistant","content":"@"}}],"usage":null#}',
  '{"id":"x","choices":[{"delta":{"content":"@"}}],"id":"y"#}',
  '{"created":-0,"n":1e400,"choices":[{"delta":{"content":"@"}}],"a":[[],{},[{}]]#}',
  '{"choices":[{"index":0,"delta":{"tool_calls":[{"index":0,"function":{"arguments":"@"}}]},"finish_reason":null}]#}',
  '{"choices":[{"delta":{"tool_calls":[{"index":1,"id":"call","type":"function","function":{"arguments":"@"}}]}}]#}',
  '{"choices":[{"delta":{"tool_calls":[{"function":{"arguments":"@","arguments":"w"}}]}}]#}',
  ' { "choices" : [ { "delta" : { "content" : "@" } } ] # } ',
];
const TEXTS = ['', 'a', 'Grüße', '\\"', '\\\\', '\\n', '\\ud83d', '\\ude00!', '😀', '\\u0000meingpt-wasm\\u0000hole', '\\/'];
const TRAILERS = [
  '',
  ',"obfuscation":"a"',
  ',"obfuscation":"bb"',
  ',"obfuscation":"\\u0063"',
  ',"o":1,"p":[2,{"q":null}]',
  ',"o":"x","o":"y"',
  ',"id":"z"',
  ',"i\\u0064":"z"',
  ',"__proto__":{"p":1}',
  ',"choices":[]',
  ',"usage":{"total_tokens":3}',
  ',"obfuscation":"c","o":{"a":[1]}',
];
const NOT_OBJECTS = ['5', '"text"', '[1,{"a":2}]', 'null', '[0,1]', '["x"]'];

test('random sequences of shapes, texts and members after choices: the same chunks as JSON.parse', async () => {
  const rand = random(0x2026_1202);
  let compared = 0;
  for (let seq = 0; seq < 600; seq++) {
    let shape = SHAPES[rand(SHAPES.length)];
    let trailer = TRAILERS[rand(TRAILERS.length)];
    const events = [];
    for (let i = 0, n = 1 + rand(30); i < n; i++) {
      if (rand(6) === 0) shape = SHAPES[rand(SHAPES.length)];
      if (rand(3) === 0) trailer = TRAILERS[rand(TRAILERS.length)];
      events.push(rand(40) === 0 ? NOT_OBJECTS[rand(NOT_OBJECTS.length)] : shape.replace('@', TEXTS[rand(TEXTS.length)]).replace('#', trailer));
    }
    const sse = events.map((e) => `data: ${e}\n\n`).join('') + (rand(4) ? 'data: [DONE]\n\n' : '');
    const bytes = new TextEncoder().encode(sse);
    const got = await check(bytes, cutsOf(rand, bytes.length), `sequence ${seq}`);
    assert.equal(got.error, undefined, `sequence ${seq}: ${got.error}`);
    compared += got.chunks.length;
  }
  assert.ok(compared > 5000, `only ${compared} chunks compared`);
});

test('a chunk object is the reader’s own: changing one changes no other', async () => {
  const chunk = (t) => `data: {"id":"c","choices":[{"index":0,"delta":{"content":"${t}"}}],"obfuscation":"${t}"}\n\n`;
  const bytes = new TextEncoder().encode(['a', 'b', 'c', 'd'].map(chunk).join('') + 'data: [DONE]\n\n');
  const stream = await ChatCompletionStream.fromReadableStream(body(bytes, []));
  const seen = [];
  for await (const c of stream) {
    c.choices[0].delta.content += '!';
    c.choices.push(1);
    c.id = 'changed';
    seen.push(c);
  }
  assert.deepEqual(
    seen.map((c) => [c.id, c.choices[0].delta.content, c.choices.length, c.obfuscation]),
    [
      ['changed', 'a!', 2, 'a'],
      ['changed', 'b!', 2, 'b'],
      ['changed', 'c!', 2, 'c'],
      ['changed', 'd!', 2, 'd'],
    ],
  );
});
