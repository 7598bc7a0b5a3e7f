// Streams: the four ways of reading, abort, and the SSE decoder (SPEC "Streams").
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import { chatCompletion, ChatCompletionStream, MeinGPTError, APIUserAbortError, APIConnectionError, APIConnectionTimeoutError } from 'meingpt-wasm';
import {
  T,
  KEY,
  startSim,
  req,
  opts,
  uid,
  fault,
  logFor,
  rawPost,
  rawChunks,
  parseSSE,
  collect,
  readAll,
  within,
  waitFor,
  sleep,
  bytes,
  concatBytes,
  chunk,
  sseText,
  streamOf,
  controlledBody,
  fakeFetch,
  response,
  rejection,
  catchUnhandled,
  settle,
  assertErrorClass,
  assertHealthy,
  WEATHER_TOOL,
} from './helpers.mjs';

let sim;
before(async () => {
  sim = await startSim();
});
after(async () => {
  await sim?.close();
});

const dec = new TextDecoder();
const LONE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/u;
const withUsage = (extra = {}) => req({ stream: true, stream_options: { include_usage: true }, ...extra });
const contentOf = (chunks) => chunks.map((c) => c.choices?.[0]?.delta?.content ?? '').join('');

/** The non-stream completion the simulator sends for the same request. */
async function nonStream(body) {
  const { stream, stream_options: so, ...rest } = body;
  const r = await rawPost(sim, rest);
  assert.equal(r.status, 200, r.text);
  return JSON.parse(r.text);
}

// ---------- the ways of reading ----------

test('iteration yields every chunk in order and ends at [DONE]', T, async () => {
  for (const body of [req({ stream: true }), withUsage(), withUsage({ model: 'sonar' })]) {
    const expected = await rawChunks(sim, body);
    const s = await chatCompletion(body, opts(sim));
    assert.ok(s instanceof ChatCompletionStream);
    const { items, error } = await within(collect(s), 10_000, 'iteration');
    assert.equal(error, undefined, String(error));
    assert.deepEqual(items, expected);
    assert.ok(items.length > 5);
  }
});

test('iteration ends at the clean end of a body without [DONE] (fault no-done)', T, async () => {
  const body = withUsage();
  const expected = await rawChunks(sim, body);
  const s = await chatCompletion(body, opts(sim, { headers: fault('no-done') }));
  const { items, error } = await within(collect(s), 10_000, 'iteration');
  assert.equal(error, undefined, String(error));
  assert.deepEqual(items, expected);
  assert.deepEqual(await s.finalCompletion(), await nonStream(body));
});

test('[DONE] ends the stream even while the connection stays open, and releases it', T, async () => {
  const b = controlledBody();
  const f = fakeFetch(() => response(b.body));
  const s = await chatCompletion(req({ stream: true }), { apiKey: KEY, fetch: f, maxRetries: 0 });
  const chunks = [chunk({ role: 'assistant', content: '' }), chunk({ content: 'Grüße' }), chunk({}, { finish: 'stop' })];
  b.push(sseText(chunks));
  b.push(sseText([chunk({ content: 'nach DONE' })], { done: false })); // must be ignored
  const { items, error } = await within(collect(s), 3000, 'iteration after [DONE]');
  assert.equal(error, undefined);
  assert.deepEqual(items, chunks);
  await within(b.cancelled, 3000, 'the body being cancelled after [DONE]');
  assert.equal((await s.finalCompletion()).choices[0].message.content, 'Grüße');
});

test('a stream read to [DONE] leaves its connection to the next call, whichever way it is read', T, async () => {
  // The server ends the body a moment after [DONE] (in its own TCP segment): the stream reads that
  // end instead of cancelling the body, which would close the connection.
  let connections = 0;
  const server = http.createServer((request, res) => {
    request.resume();
    request.on('end', () => {
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      res.write(sseText([chunk({ role: 'assistant', content: 'Grüße' })], { done: false }));
      setTimeout(() => {
        res.write(sseText([chunk({}, { finish: 'stop' })]));
        setTimeout(() => res.end(), 20);
      }, 5);
    });
  });
  server.on('connection', () => (connections += 1));
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  try {
    const options = { apiKey: KEY, baseUrl: `http://127.0.0.1:${server.address().port}/v1`, maxRetries: 0 };
    const reads = [
      async (s) => (await collect(s)).items.length,
      async (s) => (await readAll(s.textStream())).items.length,
      async (s) => (await readAll(s.toReadableStream())).items.length,
      async (s) => (await s.finalCompletion()).choices.length,
    ];
    for (const read of [...reads, ...reads]) {
      const s = await chatCompletion(req({ stream: true }), options);
      assert.ok(await read(s));
      await sleep(60); // the body's end arrives and the connection goes back to the pool
    }
    assert.equal(connections, 1, 'one connection for eight streams');
  } finally {
    server.closeAllConnections();
    server.close();
  }
});

test('toReadableStream() gives `data: <json>\\n\\n` per chunk, then `data: [DONE]\\n\\n`', T, async () => {
  const body = withUsage({ model: 'sonar' });
  const { text: rawText } = await rawPost(sim, body);
  const expectedChunks = parseSSE(rawText).slice(0, -1).map((e) => JSON.parse(e));
  const s = await chatCompletion(body, opts(sim));
  const rs = s.toReadableStream();
  assert.ok(rs instanceof ReadableStream);
  const { items, error } = await within(readAll(rs), 10_000, 'toReadableStream');
  assert.equal(error, undefined, String(error));
  assert.ok(items.every((x) => x instanceof Uint8Array), 'bytes');
  const text = dec.decode(concatBytes(items));
  assert.equal(text, `${expectedChunks.map((c) => `data: ${JSON.stringify(c)}\n\n`).join('')}data: [DONE]\n\n`);
  // And it is ready for new Response(...).
  const s2 = await chatCompletion(body, opts(sim));
  const viaResponse = await new Response(s2.toReadableStream(), { headers: { 'content-type': 'text/event-stream' } }).text();
  assert.equal(viaResponse, text);
});

test('toReadableStream() re-encodes a multi-line data event as valid SSE (fault sse-extras)', T, async () => {
  const body = withUsage();
  const expected = await rawChunks(sim, body);
  const s = await chatCompletion(body, opts(sim, { headers: fault('sse-extras') }));
  const { items, error } = await readAll(s.toReadableStream());
  assert.equal(error, undefined, String(error));
  const events = parseSSE(dec.decode(concatBytes(items)));
  assert.equal(events.at(-1), '[DONE]');
  assert.deepEqual(events.slice(0, -1).map((e) => JSON.parse(e)), expected);
});

/** Reads one value with a bound: the proof a read method hands data on before the body ends. */
async function firstValueWhileBodyOpen(read, what) {
  const b = controlledBody();
  const f = fakeFetch(() => response(b.body));
  const s = await chatCompletion(req({ stream: true }), { apiKey: KEY, fetch: f, maxRetries: 0 });
  const c1 = chunk({ role: 'assistant', content: 'Erster Teil ' });
  b.push(sseText([c1], { done: false }));
  // Nothing more is sent until the first value has been read.
  const { first, rest } = await within(read(s), 3000, `${what}: the first value while the body is still open`);
  b.push(sseText([chunk({ content: 'zweiter Teil' }), chunk({}, { finish: 'stop' })]));
  b.close();
  const more = await within(rest(), 3000, `${what}: the rest`);
  return { first, more, final: await s.finalCompletion(), c1 };
}

test('toReadableStream() is incremental: the first chunk is readable before the server sends more', T, async () => {
  const { first, more, final, c1 } = await firstValueWhileBodyOpen(async (s) => {
    const reader = s.toReadableStream().getReader();
    const { value } = await reader.read();
    return {
      first: value,
      rest: async () => {
        const out = [];
        for (let i = 0; i < 100; i += 1) {
          const r = await reader.read();
          if (r.done) return out;
          out.push(r.value);
        }
        return out;
      },
    };
  }, 'toReadableStream');
  assert.equal(dec.decode(first), `data: ${JSON.stringify(c1)}\n\n`);
  assert.ok(dec.decode(concatBytes(more)).endsWith('data: [DONE]\n\n'));
  assert.equal(final.choices[0].message.content, 'Erster Teil zweiter Teil');
});

test('textStream() and iteration are incremental too', T, async () => {
  const text = await firstValueWhileBodyOpen(async (s) => {
    const reader = s.textStream().getReader();
    const { value } = await reader.read();
    return {
      first: value,
      rest: async () => {
        const out = [];
        for (let i = 0; i < 100; i += 1) {
          const r = await reader.read();
          if (r.done) return out;
          out.push(r.value);
        }
        return out;
      },
    };
  }, 'textStream');
  assert.equal(text.first, 'Erster Teil ');
  assert.deepEqual(text.more, ['zweiter Teil']);
  const iter = await firstValueWhileBodyOpen(async (s) => {
    const it = s[Symbol.asyncIterator]();
    const { value } = await it.next();
    return {
      first: value,
      rest: async () => {
        const out = [];
        for (let i = 0; i < 100; i += 1) {
          const r = await it.next();
          if (r.done) return out;
          out.push(r.value);
        }
        return out;
      },
    };
  }, 'iteration');
  assert.deepEqual(iter.first, iter.c1);
  assert.equal(iter.more.length, 2);
});

test('toReadableStream() delivers the chunks before a stall while the server waits (fault stall)', T, async () => {
  const t0 = Date.now();
  const s = await chatCompletion(req({ stream: true }), opts(sim, { headers: fault('stall:1500') }));
  const reader = s.toReadableStream().getReader();
  const first = await reader.read();
  const tFirst = Date.now() - t0;
  assert.ok(!first.done);
  assert.match(dec.decode(first.value), /^data: \{/);
  assert.ok(tFirst < 1000, `first bytes after ${tFirst} ms, the server stalls 1500 ms after two chunks`);
  let text = dec.decode(first.value);
  for (let i = 0; i < 1000; i += 1) {
    const r = await reader.read();
    if (r.done) break;
    text += dec.decode(r.value);
  }
  assert.ok(Date.now() - t0 >= 1400, 'the rest came after the stall');
  assert.ok(text.endsWith('data: [DONE]\n\n'));
});

test('textStream() gives the content deltas', T, async () => {
  const body = req({ stream: true });
  const raw = await rawChunks(sim, body);
  const deltas = raw.map((c) => c.choices[0]?.delta?.content).filter((d) => typeof d === 'string' && d !== '');
  const s = await chatCompletion(body, opts(sim));
  const ts = s.textStream();
  assert.ok(ts instanceof ReadableStream);
  const { items, error } = await readAll(ts);
  assert.equal(error, undefined, String(error));
  assert.ok(items.every((x) => typeof x === 'string'));
  assert.deepEqual(items.filter((x) => x !== ''), deltas);
  assert.equal(items.join(''), (await nonStream(body)).choices[0].message.content);
});

test('textStream() of a tool-call reply has no text, finalCompletion() has the calls', T, async () => {
  const body = withUsage({ tools: [WEATHER_TOOL], tool_choice: 'required' });
  const s = await chatCompletion(body, opts(sim));
  const { items, error } = await readAll(s.textStream());
  assert.equal(error, undefined);
  assert.equal(items.join(''), '');
  assert.deepEqual(await s.finalCompletion(), await nonStream(body));
});

// ---------- finalCompletion ----------

test('finalCompletion() deep-equals the non-stream response (text, tool calls with argument deltas, citations, usage)', T, async () => {
  const bodies = [
    withUsage(),
    withUsage({ temperature: 1.7, messages: [{ role: 'user', content: 'Erzähl mir etwas Überraschendes über Köln' }] }),
    withUsage({ tools: [WEATHER_TOOL], tool_choice: { type: 'function', function: { name: 'get_weather' } } }),
    withUsage({
      tools: [WEATHER_TOOL, { type: 'function', function: { name: 'get_time', parameters: { type: 'object', properties: { tz: { type: 'string' } } } } }],
      tool_choice: 'required',
      messages: [{ role: 'user', content: 'Nutze get_weather und get_time für Berlin' }],
    }),
    withUsage({ model: 'sonar' }),
    withUsage({ response_format: { type: 'json_object' } }),
  ];
  for (const body of bodies) {
    const raw = await rawChunks(sim, body);
    const expected = await nonStream(body);
    const s = await chatCompletion(body, opts(sim));
    const { error } = await collect(s);
    assert.equal(error, undefined);
    assert.deepEqual(await s.finalCompletion(), expected, JSON.stringify(body).slice(0, 200));
    if (expected.choices[0].message.tool_calls) {
      const argDeltas = raw.filter((c) => c.choices[0]?.delta?.tool_calls?.[0]?.function?.arguments);
      assert.ok(argDeltas.length > 1, 'the arguments came in several deltas');
    }
  }
});

test('finalCompletion() without include_usage is the non-stream response without usage', T, async () => {
  const body = req({ stream: true });
  const { usage, ...expected } = await nonStream(body);
  assert.ok(usage);
  const s = await chatCompletion(body, opts(sim));
  const final = await within(s.finalCompletion(), 10_000, 'finalCompletion alone');
  assert.deepEqual(final, expected);
  assert.ok(!('usage' in final));
});

test('finalCompletion() works alongside each way of reading, and alone', T, async () => {
  const body = withUsage();
  const expected = await nonStream(body);
  // open(): claims the stream for one way of reading; then finalCompletion() is asked for while
  // nothing has been read yet, then the read runs to its end.
  const ways = {
    iterate: (s) => {
      const it = s[Symbol.asyncIterator]();
      return async () => (await collect({ [Symbol.asyncIterator]: () => it })).error;
    },
    toReadableStream: (s) => {
      const rs = s.toReadableStream();
      return async () => (await readAll(rs)).error;
    },
    textStream: (s) => {
      const rs = s.textStream();
      return async () => (await readAll(rs)).error;
    },
    alone: () => async () => undefined,
  };
  for (const [name, open] of Object.entries(ways)) {
    const s = await chatCompletion(body, opts(sim));
    const read = open(s);
    const early = s.finalCompletion();
    assert.ok(early instanceof Promise);
    assert.equal(await within(read(), 10_000, name), undefined, name);
    assert.deepEqual(await within(early, 10_000, name), expected, name);
    assert.deepEqual(await s.finalCompletion(), expected, `${name}: asked again`);
  }
});

test(
  'finalCompletion() asked for before the read starts does not take the stream from the read',
  T,
  async () => {
    const body = withUsage();
    const expected = await nonStream(body);
    const s = await chatCompletion(body, opts(sim));
    const early = s.finalCompletion();
    const { items, error } = await collect(s);
    assert.equal(error, undefined, String(error));
    assert.ok(items.length > 3);
    assert.deepEqual(await early, expected);
  },
);

// ---------- abort and connection release ----------

/** A stream that sends two chunks, then stalls: the connection is open while we act. */
async function stalledStream(id, extra = {}) {
  const s = await chatCompletion(req({ stream: true }), opts(sim, { headers: fault('stall:8000'), maxRetries: 0, ...extra }, id));
  const it = s[Symbol.asyncIterator]();
  const a = await it.next();
  const b = await it.next();
  assert.ok(!a.done && !b.done);
  return { s, it };
}

test('stream.abort() stops a pending read with APIUserAbortError and closes the connection', T, async () => {
  const id = uid();
  let stream;
  const { error } = await settle(async () => {
    const { s, it } = await stalledStream(id);
    stream = s;
    const pending = it.next();
    await sleep(100);
    const t0 = Date.now();
    s.abort();
    const err = await rejection(within(pending, 2000, 'the pending read after abort()'));
    assertErrorClass(err, APIUserAbortError);
    assert.ok(Date.now() - t0 < 1000);
    assert.equal(err.status, undefined);
  });
  assert.equal(error, undefined, error?.stack);
  assert.ok(await waitFor(() => logFor(sim, id)[0]?.clientClosed), 'the simulator saw the connection close');
  assertErrorClass(await rejection(stream.finalCompletion()), APIUserAbortError);
  await assertHealthy(sim, 'after abort()');
});

test('the signal aborts a stream mid-way: APIUserAbortError, connection closed, finalCompletion rejects', T, async () => {
  const id = uid();
  const ac = new AbortController();
  let stream;
  const { error } = await settle(async () => {
    const { s, it } = await stalledStream(id, { signal: ac.signal });
    stream = s;
    const pending = it.next();
    await sleep(100);
    const t0 = Date.now();
    ac.abort();
    assertErrorClass(await rejection(within(pending, 2000, 'the pending read after the signal')), APIUserAbortError);
    assert.ok(Date.now() - t0 < 1000);
  });
  assert.equal(error, undefined, error?.stack);
  assert.ok(await waitFor(() => logFor(sim, id)[0]?.clientClosed), 'the simulator saw the connection close');
  assertErrorClass(await rejection(stream.finalCompletion()), APIUserAbortError);
  await assertHealthy(sim, 'after a signal abort');
});

test('breaking out of for await closes the connection', T, async () => {
  const id = uid();
  const { error } = await settle(async () => {
    const s = await chatCompletion(req({ stream: true }), opts(sim, { headers: { 'x-simulator-pacing': '100' } }, id));
    let n = 0;
    for await (const c of s) {
      assert.equal(c.object, 'chat.completion.chunk');
      n += 1;
      if (n === 2) break;
    }
    assert.equal(n, 2);
  });
  assert.equal(error, undefined, error?.stack);
  assert.ok(await waitFor(() => logFor(sim, id)[0]?.clientClosed), 'the simulator saw the connection close');
  await assertHealthy(sim, 'after break');
});

test('cancelling textStream() or toReadableStream() closes the connection', T, async () => {
  for (const method of ['textStream', 'toReadableStream']) {
    const id = uid();
    const { error } = await settle(async () => {
      const s = await chatCompletion(req({ stream: true }), opts(sim, { headers: fault('stall:8000') }, id));
      const reader = s[method]().getReader();
      const first = await reader.read();
      assert.ok(!first.done);
      await reader.cancel();
    });
    assert.equal(error, undefined, error?.stack);
    assert.ok(await waitFor(() => logFor(sim, id)[0]?.clientClosed), `${method}: the simulator saw the connection close`);
  }
  await assertHealthy(sim, 'after cancel');
});

test('abort() of a hand-made body cancels it (the way a stream closes its connection)', T, async () => {
  const b = controlledBody();
  const f = fakeFetch(() => response(b.body));
  const s = await chatCompletion(req({ stream: true }), { apiKey: KEY, fetch: f, maxRetries: 0 });
  b.push(sseText([chunk({ content: 'a' })], { done: false }));
  const it = s[Symbol.asyncIterator]();
  assert.equal((await it.next()).value.choices[0].delta.content, 'a');
  const pending = it.next();
  s.abort();
  assertErrorClass(await rejection(within(pending, 2000, 'read after abort')), APIUserAbortError);
  await within(b.cancelled, 2000, 'the body being cancelled');
});

test('abort() after the end is harmless: finalCompletion() still gives the result', T, async () => {
  const body = withUsage();
  const s = await chatCompletion(body, opts(sim));
  const { error } = await collect(s);
  assert.equal(error, undefined);
  s.abort();
  s.abort();
  assert.deepEqual(await s.finalCompletion(), await nonStream(body));
});

test('a second read of any kind throws', T, async () => {
  const methods = {
    iterate: (s) => s[Symbol.asyncIterator](),
    toReadableStream: (s) => s.toReadableStream(),
    textStream: (s) => s.textStream(),
  };
  for (const [first, open] of Object.entries(methods)) {
    const s = await chatCompletion(req({ stream: true }), opts(sim));
    const r = open(s);
    for (const [second, again] of Object.entries(methods)) {
      assert.throws(() => again(s), (e) => e instanceof MeinGPTError && e instanceof Error && /read/i.test(e.message), `${first} then ${second}`);
    }
    // The first read still works, and so does finalCompletion().
    const res = first === 'iterate' ? await collect({ [Symbol.asyncIterator]: () => r }) : await readAll(r);
    assert.equal(res.error, undefined, String(res.error));
    assert.equal((await s.finalCompletion()).object, 'chat.completion');
    assert.throws(() => methods[first](s), MeinGPTError, `${first} after the end`);
  }
  // for await on a read stream throws too.
  const s = await chatCompletion(req({ stream: true }), opts(sim));
  await collect(s);
  await assert.rejects(async () => {
    // eslint-disable-next-line no-unused-vars
    for await (const _ of s);
  }, MeinGPTError);
});

test('memory stays flat: 100 MB streamed through each way of reading', { timeout: 60_000 }, async () => {
  const enc = new TextEncoder();
  const pad = 'x'.repeat(4000);
  // n chunks of ~4 kB each (a large unknown field, no content), ten per network read.
  const body = (n) => {
    let i = 0;
    return new ReadableStream({
      pull(c) {
        if (i >= n) {
          c.enqueue(enc.encode('data: [DONE]\n\n'));
          c.close();
          return;
        }
        let text = '';
        for (let k = 0; k < 10; k += 1, i += 1) text += `data: ${JSON.stringify(chunk({ content: '' }, { extra: { padding: `${pad}${i}` } }))}\n\n`;
        c.enqueue(enc.encode(text));
      },
    });
  };
  // Reads to the end without keeping anything.
  const drain = async (rs) => {
    const reader = rs.getReader();
    for (let i = 0; i < 1e6; i += 1) if ((await reader.read()).done) return;
    throw new Error('no end');
  };
  const ways = {
    finalCompletion: async () => {},
    iterate: async (s) => {
      let n = 0;
      // eslint-disable-next-line no-unused-vars
      for await (const _ of s) n += 1;
      return n;
    },
    toReadableStream: async (s) => drain(s.toReadableStream()),
    textStream: async (s) => drain(s.textStream()),
  };
  const run = async (n, read) => {
    const s = await chatCompletion(req({ stream: true }), { apiKey: KEY, fetch: fakeFetch(() => response(body(n))), maxRetries: 0, maxResponseBytes: 2 ** 30 });
    await read(s);
    return s.finalCompletion();
  };
  for (const [name, read] of Object.entries(ways)) {
    await run(1000, read); // warm up: the wasm memory and buffers at their working size
    const before = process.memoryUsage().rss;
    const final = await run(25_000, read);
    const grown = (process.memoryUsage().rss - before) / 1e6;
    assert.equal(final.padding, `${pad}24999`, `${name}: the last value of an extra field`);
    assert.ok(grown < 50, `${name}: rss grew by ${grown.toFixed(1)} MB while 100 MB streamed through`);
  }
});

// ---------- decoding ----------

const UMLAUT_TEXT = ['Grüße aus ', 'Köln, ', 'Düsseldorf und ', 'München: ', 'Äpfel, Öl, Übermut, ß ', '– 🚀 ', '日本語 ', 'ÿ€'];
const umlautChunks = () => [
  chunk({ role: 'assistant', content: '' }),
  ...UMLAUT_TEXT.map((t) => chunk({ content: t })),
  chunk({}, { finish: 'stop' }),
];

test('umlauts survive a split at every byte position, and a byte-by-byte body', T, async () => {
  const chunks = umlautChunks();
  const wire = bytes(sseText(chunks));
  const text = UMLAUT_TEXT.join('');
  for (let i = 1; i < wire.length; i += 1) {
    const s = await streamOf([wire.subarray(0, i), wire.subarray(i)]);
    const { items, error } = await readAll(s.textStream());
    assert.equal(error, undefined, `split at ${i}: ${error}`);
    assert.equal(items.join(''), text, `split at ${i}`);
    assert.equal((await s.finalCompletion()).choices[0].message.content, text, `split at ${i}`);
  }
  const perByte = Array.from(wire, (b) => Uint8Array.of(b));
  const s = await streamOf(perByte);
  const { items, error } = await collect(s);
  assert.equal(error, undefined);
  assert.deepEqual(items, chunks);
  assert.equal((await s.finalCompletion()).choices[0].message.content, text);
});

test('umlauts survive the simulator sending byte by byte (fault byte-split)', T, async () => {
  const body = withUsage({ messages: [{ role: 'user', content: 'Schöne Grüße aus Würzburg' }] });
  const s = await chatCompletion(body, opts(sim, { headers: fault('byte-split') }));
  const { items, error } = await within(readAll(s.textStream()), 15_000, 'byte-split stream');
  assert.equal(error, undefined);
  const expected = await nonStream(body);
  assert.equal(items.join(''), expected.choices[0].message.content);
  assert.match(items.join(''), /Würzburg/u);
  assert.deepEqual(await s.finalCompletion(), expected);
});

test('lone surrogate halves "\\ud83d" + "\\ude00" join to the emoji in textStream() and finalCompletion()', T, async () => {
  const chunks = [
    chunk({ role: 'assistant', content: '' }),
    chunk({ content: 'Rakete ' }),
    chunk({ content: '\ud83d' }),
    chunk({ content: '\ude00' }),
    chunk({ content: ' x\ud83d' }),
    chunk({ content: '\ude80y' }),
    chunk({}, { finish: 'stop' }),
  ];
  const wire = sseText(chunks);
  assert.ok(wire.includes('"\\ud83d"'), 'the wire carries the escape, as such servers send it');
  const expected = 'Rakete 😀 x🚀y';
  // Each chunk parses as JSON.parse would take it.
  const s1 = await streamOf([wire]);
  const { items, error } = await collect(s1);
  assert.equal(error, undefined);
  assert.equal(items[2].choices[0].delta.content, '\ud83d');
  assert.equal(items[3].choices[0].delta.content, '\ude00');
  assert.equal((await s1.finalCompletion()).choices[0].message.content, expected);
  // Joined text, whatever the network split.
  for (const parts of [[wire], wire.split('\n\n').map((p, i, a) => (i < a.length - 1 ? `${p}\n\n` : p))]) {
    const s = await streamOf(parts);
    const r = await readAll(s.textStream());
    assert.equal(r.error, undefined);
    assert.equal(r.items.join(''), expected);
    assert.ok(!LONE.test(r.items.join('')));
    assert.equal((await s.finalCompletion()).choices[0].message.content, expected);
  }
  // And in SSE output the chunks stay valid JSON.
  const s3 = await streamOf([wire]);
  const sse = dec.decode(concatBytes((await readAll(s3.toReadableStream())).items));
  assert.deepEqual(parseSSE(sse).slice(0, -1).map((e) => JSON.parse(e)), chunks);
});

test('the simulator\'s surrogate-split stream gives the emoji whole (fault surrogate-split)', T, async () => {
  const body = req({ stream: true });
  const s = await chatCompletion(body, opts(sim, { headers: fault('surrogate-split') }));
  const { items, error } = await readAll(s.textStream());
  assert.equal(error, undefined);
  const joined = items.join('');
  assert.ok(joined.includes('😀'), joined);
  assert.ok(!LONE.test(joined), 'no lone surrogate');
  const final = await s.finalCompletion();
  assert.equal(final.choices[0].message.content, joined);
  // It is the normal answer with the emoji inserted.
  assert.equal(joined.replace('😀', ''), (await nonStream(body)).choices[0].message.content);
});

test('CRLF and CR line ends decode right (faults crlf, cr)', T, async () => {
  const body = withUsage();
  const expected = await rawChunks(sim, body);
  for (const f of ['crlf', 'cr']) {
    const s = await chatCompletion(body, opts(sim, { headers: fault(f) }));
    const { items, error } = await collect(s);
    assert.equal(error, undefined, `${f}: ${error}`);
    assert.deepEqual(items, expected, f);
  }
});

test('BOM, comments, event/id/retry fields and multi-line data decode right (fault sse-extras)', T, async () => {
  const body = withUsage({ model: 'sonar' });
  const expected = await rawChunks(sim, body);
  const s = await chatCompletion(body, opts(sim, { headers: fault('sse-extras') }));
  const { items, error } = await collect(s);
  assert.equal(error, undefined, String(error));
  assert.deepEqual(items, expected);
  assert.deepEqual(await s.finalCompletion(), await nonStream(body));
});

test('the WHATWG rules hold at every split: BOM, CR/CRLF/LF, comments, fields, multi-line data', T, async () => {
  const c = [
    chunk({ role: 'assistant', content: '' }),
    chunk({ content: 'Zeile eins, ' }),
    chunk({ content: 'Größe: 2 ' }),
    chunk({ content: 'über CRLF ' }),
    chunk({ content: 'über CR ' }),
    chunk({ content: 'mehrzeilig' }),
    chunk({}, { finish: 'stop' }),
  ];
  const j = (o) => JSON.stringify(o);
  const pretty = JSON.stringify(c[5], null, 2).split('\n');
  const wire =
    '\uFEFF: Kommentar am Anfang\n' +
    'retry: 3000\n\n' +
    `event: message\nid: 1\ndata: ${j(c[0])}\n\n` +
    `:keep-alive\r\n\r\n` +
    `data:${j(c[1])}\n\n` + // no space after the colon
    `id: 2\r\ndata: ${j(c[2])}\r\n\r\n` +
    `data: ${j(c[3])}\r\n\r\n` +
    `event: message\rdata: ${j(c[4])}\r\r` +
    `${pretty.map((l, i) => (i % 2 ? `data:${l}` : `data: ${l}`)).join('\r\n')}\r\n\r\n` +
    'unknownfield: x\nid\n: comment\n\n' + // no data: no event
    `data: ${j(c[6])}\n\n` +
    'data: [DONE]\n\n';
  const expectedText = 'Zeile eins, Größe: 2 über CRLF über CR mehrzeilig';
  const wireBytes = bytes(wire);
  const runs = [[wireBytes], Array.from(wireBytes, (b) => Uint8Array.of(b))];
  for (let i = 1; i < wireBytes.length; i += 1) runs.push([wireBytes.subarray(0, i), wireBytes.subarray(i)]);
  for (const parts of runs) {
    const s = await streamOf(parts);
    const { items, error } = await collect(s);
    const where = `${parts.length} parts, first ${parts[0].length} bytes`;
    assert.equal(error, undefined, `${where}: ${error}`);
    assert.deepEqual(items, c, where);
    assert.equal(contentOf(items), expectedText, where);
  }
});

test('a BOM only counts at the very start; a data field alone is an empty line of data', T, async () => {
  const c0 = chunk({ content: 'a' });
  const c1 = chunk({ content: 'b' });
  const cases = [
    // A BOM later in the stream is part of the field name: an unknown field, ignored.
    [`\uFEFFdata: ${JSON.stringify(c0)}\n\n\uFEFFdata: ${JSON.stringify(c1)}\n\ndata: [DONE]\n\n`, [c0]],
    // Only one leading BOM is dropped.
    [`\uFEFF\uFEFFdata: ${JSON.stringify(c0)}\n\ndata: ${JSON.stringify(c1)}\n\ndata: [DONE]\n\n`, [c1]],
    // `data` with no colon adds an empty line; joined with the next line it is still the JSON.
    [`data\ndata: ${JSON.stringify(c0)}\n\ndata: [DONE]\n\n`, [c0]],
    // A last event without its blank line is not dispatched (WHATWG: discarded at EOF).
    [`data: ${JSON.stringify(c0)}\n\ndata: ${JSON.stringify(c1)}\n`, [c0]],
  ];
  for (const [wire, expected] of cases) {
    const s = await streamOf([wire]);
    const { items, error } = await collect(s);
    assert.equal(error, undefined, `${JSON.stringify(wire)}: ${error}`);
    assert.deepEqual(items, expected, JSON.stringify(wire));
  }
});

// ---------- no rejection left behind ----------

test(
  'no unhandled promise rejection when a stream is cut, errors, times out, is aborted or left by break',
  T,
  async () => {
    const scenarios = {
      'cut by the server': async () => {
        const s = await chatCompletion(req({ stream: true }), opts(sim, { headers: fault('cut'), maxRetries: 0 }));
        assertErrorClass((await collect(s)).error, APIConnectionError);
      },
      'body errors (hand-made)': async () => {
        const b = controlledBody();
        const s = await chatCompletion(req({ stream: true }), { apiKey: KEY, fetch: fakeFetch(() => response(b.body)), maxRetries: 0 });
        b.push(sseText([chunk({ content: 'a' })], { done: false }));
        setTimeout(() => b.error(new TypeError('network gone')), 30);
        assertErrorClass((await collect(s)).error, APIConnectionError);
      },
      'idle timeout': async () => {
        const s = await chatCompletion(req({ stream: true }), opts(sim, { headers: fault('stall:3000'), timeoutMs: 300, maxRetries: 0 }));
        assertErrorClass((await collect(s)).error, APIConnectionTimeoutError);
      },
      'stream.abort()': async () => {
        const { s, it } = await stalledStream(uid());
        const p = it.next();
        s.abort();
        assertErrorClass(await rejection(p), APIUserAbortError);
      },
      'signal': async () => {
        const ac = new AbortController();
        const { it } = await stalledStream(uid(), { signal: ac.signal });
        const p = it.next();
        ac.abort();
        assertErrorClass(await rejection(p), APIUserAbortError);
      },
      'break': async () => {
        const s = await chatCompletion(req({ stream: true }), opts(sim, { headers: { 'x-simulator-pacing': '50' } }));
        // eslint-disable-next-line no-unreachable-loop
        for await (const _ of s) break;
      },
    };
    const leaks = [];
    for (const [name, run] of Object.entries(scenarios)) {
      const { error, unhandled } = await catchUnhandled(run, 150);
      assert.equal(error, undefined, `${name}: ${error?.stack}`);
      for (const u of unhandled) leaks.push(`${name}: ${u?.name}: ${u?.message}`);
    }
    assert.deepEqual(leaks, []);
  },
);
