// The soak itself, run by soak.test.mjs in a child process with --expose-gc (so heapUsed after gc() is
// the package's, not the test runner's): `node --expose-gc soak-run.mjs <baseUrl> <streams> <rounds>`.
// Each round opens <streams> streams at once, reads each with toReadableStream() and finalCompletion()
// alongside, and compares them byte for byte with the simulator's own SSE and the echoed text.
// Prints one JSON line: { references, rounds: [{ ms, ok, mismatches, errors, heapUsed, rss, wasmMemory }] }.
import { createRequire } from 'node:module';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { chatCompletion } from 'meingpt-wasm';
import { KEY, req, concatBytes } from './helpers.mjs';

// The installed package's lazy.js (the module its entry uses): the wasm memory size, test-only.
const entry = createRequire(import.meta.url).resolve('meingpt-wasm');
const { __memoryForTests } = await import(pathToFileURL(path.join(path.dirname(entry), 'lazy.js')).href);

const [baseUrl, streams = '1000', rounds = '10'] = process.argv.slice(2);
const N = Number(streams);
const ROUNDS = Number(rounds);
const text = (i) => `Soak ${i}: Grüße aus München, ${'äöü ß 😀 '.repeat(1 + (i % 5))}Ende.`;
const body = (i) => req({ stream: true, messages: [{ role: 'user', content: `echo:${text(i)}` }] });

// The simulator's own SSE for each request, fetched without the package.
const refs = new Array(N);
for (let at = 0; at < N; at += 100) {
  await Promise.all(
    Array.from({ length: Math.min(100, N - at) }, async (_, k) => {
      const i = at + k;
      const res = await fetch(`${baseUrl}/chat/completions`, {
        method: 'POST',
        headers: { authorization: `Bearer ${KEY}`, 'content-type': 'application/json' },
        body: JSON.stringify(body(i)),
      });
      refs[i] = new Uint8Array(await res.arrayBuffer());
    }),
  );
}

async function one(i) {
  const s = await chatCompletion(body(i), { apiKey: KEY, baseUrl, maxRetries: 0, timeoutMs: 60_000 });
  const final = s.finalCompletion();
  const reader = s.toReadableStream().getReader();
  const parts = [];
  for (let k = 0; k < 100_000; k += 1) {
    const { done, value } = await reader.read();
    if (done) break;
    parts.push(value);
  }
  const got = concatBytes(parts);
  const ref = refs[i];
  const same = got.length === ref.length && got.every((b, k) => b === ref[k]);
  return same && (await final).choices[0].message.content === text(i);
}

const out = { references: N, rounds: [] };
for (let r = 0; r < ROUNDS; r += 1) {
  const t0 = Date.now();
  const results = await Promise.allSettled(Array.from({ length: N }, (_, i) => one(i)));
  const ms = Date.now() - t0;
  globalThis.gc();
  await new Promise((resolve) => setTimeout(resolve, 50));
  globalThis.gc();
  const { heapUsed, rss } = process.memoryUsage();
  out.rounds.push({
    ms,
    ok: results.filter((x) => x.status === 'fulfilled' && x.value).length,
    mismatches: results.filter((x) => x.status === 'fulfilled' && !x.value).length,
    errors: [...new Set(results.filter((x) => x.status === 'rejected').map((x) => `${x.reason?.name}: ${x.reason?.message}`))],
    heapUsed,
    rss,
    wasmMemory: __memoryForTests(),
  });
}
console.log(JSON.stringify(out));
