// Embeddings decoding (issue 15): 1,000 vectors of 3,072 dimensions, as a server sends them with
// `encoding_format: 'base64'` (what embeddings() asks for) and as floats. No network: a custom fetch
// answers with the prepared body, so the figures are the client's work (JSON.parse of the body, the
// base64 decoding in wasm) and the bytes a server would send.
//
//   node bench/embeddings.mjs [pkg dir]     (default: pkg/, built by `npm run build`)
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import { pathToFileURL, fileURLToPath } from 'node:url';
import { embeddingVector, toBase64 } from '../simulator/routes.mjs';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const PKG = path.resolve(process.argv[2] ?? path.join(HERE, '..', 'pkg'));
const { embeddings } = await import(pathToFileURL(path.join(PKG, 'node.js')).href);

const VECTORS = 1000;
const DIMS = 3072;
const RUNS = 7;

const vectors = Array.from({ length: VECTORS }, (_, i) => embeddingVector(`Text ${i}`, DIMS));
const body = (embedding) =>
  JSON.stringify({
    object: 'list',
    data: vectors.map((v, index) => ({ object: 'embedding', embedding: embedding(v), index })),
    model: 'text-embedding-3-large',
    usage: { prompt_tokens: 2 * VECTORS, total_tokens: 2 * VECTORS },
  });
const floatBody = body((v) => Array.from(v));
const base64Body = body(toBase64);

function median(xs) {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}
async function time(fn) {
  await fn(); // warm-up
  const out = [];
  for (let i = 0; i < RUNS; i += 1) {
    const t = performance.now();
    await fn();
    out.push(performance.now() - t);
  }
  return { median: median(out), min: Math.min(...out) };
}
const answer = (text) => async () => new Response(text, { headers: { 'content-type': 'application/json' } });
const opts = (text) => ({ apiKey: 'k', baseUrl: 'http://bench.invalid/api', fetch: answer(text), maxResponseBytes: 2 ** 31 });
const input = Array.from({ length: VECTORS }, (_, i) => `Text ${i}`);

const check = await embeddings({ input }, opts(base64Body));
if (check.data[7].embedding[5] !== vectors[7][5]) throw new Error('decoded vector differs');

const rows = [
  ['JSON.parse of the float body (the floor)', await time(async () => JSON.parse(floatBody))],
  ['embeddings(), server sends floats', await time(() => embeddings({ input, encoding_format: 'float' }, opts(floatBody)))],
  ['embeddings(), server sends base64 (decoded in wasm)', await time(() => embeddings({ input }, opts(base64Body)))],
  ['JSON.parse of the base64 body alone', await time(async () => JSON.parse(base64Body))],
];
console.log(`${VECTORS} vectors x ${DIMS} dimensions, ${RUNS} runs (median / min ms):`);
for (const [what, t] of rows) console.log(`  ${what}: ${t.median.toFixed(1)} / ${t.min.toFixed(1)}`);
const kb = (n) => `${(n / 1024).toFixed(0)} KiB`;
console.log(`bytes on the wire: floats ${kb(floatBody.length)} (gzip ${kb(gzipSync(floatBody).length)}), base64 ${kb(base64Body.length)} (gzip ${kb(gzipSync(base64Body).length)})`);
