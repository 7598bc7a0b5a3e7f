// Run by security.test.mjs in a child process with --expose-gc: streams 100,000 chunks of 1 KB
// through `for await` (the live wasm instance grows past 100 MB to keep the content for
// finalCompletion()), drops the stream, and reports whether the memory came back: the live
// instance's size and the process RSS after gc(). Prints one JSON line.
import { createRequire } from 'node:module';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { chatCompletion } from 'meingpt-wasm';
import { KEY, req, chunk, response, fakeFetch } from './helpers.mjs';

const entry = createRequire(import.meta.url).resolve('meingpt-wasm');
const { __memoryForTests } = await import(pathToFileURL(path.join(path.dirname(entry), 'lazy.js')).href);
const enc = new TextEncoder();
const N = 100_000;
const piece = 'x'.repeat(1000);

const body = () => {
  let i = 0;
  return new ReadableStream({
    pull(c) {
      if (i >= N) {
        c.enqueue(enc.encode('data: [DONE]\n\n'));
        c.close();
        return;
      }
      let text = '';
      for (let k = 0; k < 100 && i < N; k += 1, i += 1) text += `data: ${JSON.stringify(chunk({ content: piece }))}\n\n`;
      c.enqueue(enc.encode(text));
    },
  });
};

const gc = async () => {
  for (let i = 0; i < 5; i += 1) {
    globalThis.gc();
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
};

let peakWasm = 0;
let peakRss = 0;
let length = 0;
{
  const s = await chatCompletion(req({ stream: true }), { apiKey: KEY, fetch: fakeFetch(() => response(body())), maxResponseBytes: 2 ** 30 });
  let n = 0;
  for await (const c of s) {
    length += c.choices[0].delta.content.length;
    if ((n += 1) % 5000 === 0) {
      peakWasm = Math.max(peakWasm, __memoryForTests());
      peakRss = Math.max(peakRss, process.memoryUsage().rss);
    }
  }
  peakWasm = Math.max(peakWasm, __memoryForTests());
  peakRss = Math.max(peakRss, process.memoryUsage().rss);
}
await gc();
const afterWasm = __memoryForTests();
const afterRss = process.memoryUsage().rss;
const next = await chatCompletion(req(), { apiKey: KEY, fetch: async () => Response.json({ id: 'n', object: 'chat.completion', choices: [{ index: 0, message: { role: 'assistant', content: 'ok' } }] }) });
console.log(JSON.stringify({ peakWasm, peakRss, afterWasm, afterRss, rssDrop: peakRss - afterRss, text: length === N * piece.length, next: next.choices[0].message.content === 'ok' }));
