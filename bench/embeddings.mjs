// Measurement 7, embeddings decoding (issue 15): 1,000 vectors of 3,072 dimensions, as a server sends
// them with `encoding_format: 'base64'` (what embeddings() asks for) and as floats. No network: a
// custom fetch answers with the prepared body, so the figures are the client's work (JSON.parse of
// the body, the base64 decoding in wasm) and the bytes a server would send.
//
//   node bench/embeddings.mjs [pkg dir] [runs]     standalone (default: pkg/, built by `npm run build`)
//   bench/run.mjs forks it with the packed package (bench/node_modules/meingpt-wasm) and reads its result.
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import { pathToFileURL, fileURLToPath } from 'node:url';
import { embeddingVector, toBase64 } from '../simulator/routes.mjs';
import { childMain, gc, stats } from './lib.mjs';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const VECTORS = 1000;
const DIMS = 3072;

/** Times of `fn` over `runs` runs after one warm-up, a GC before each. */
async function time(fn, runs) {
  await fn();
  const out = [];
  for (let i = 0; i < runs; i += 1) {
    gc();
    const t = performance.now();
    await fn();
    out.push(performance.now() - t);
  }
  return stats(out);
}

/** The measurement: { vectors, dims, times: {...}, bytes: { float, base64 } }. */
export async function measureEmbeddings(pkgDir, runs) {
  const { embeddings } = await import(pathToFileURL(path.join(pkgDir, 'node.js')).href);
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
  const answer = (text) => async () => new Response(text, { headers: { 'content-type': 'application/json' } });
  const opts = (text) => ({ apiKey: 'k', baseUrl: 'http://bench.invalid/api', fetch: answer(text), maxResponseBytes: 2 ** 31 });
  const input = Array.from({ length: VECTORS }, (_, i) => `Text ${i}`);

  // The figures count only if the decoded vectors are the server's float32 values.
  const check = await embeddings({ input }, opts(base64Body));
  for (const i of [0, 7, VECTORS - 1]) {
    if (check.data[i].embedding.length !== DIMS || check.data[i].embedding.some((x, j) => x !== vectors[i][j])) {
      throw new Error(`decoded vector ${i} differs from the server's`);
    }
  }
  const times = {
    parseFloats: await time(async () => JSON.parse(floatBody), runs),
    oursFloats: await time(() => embeddings({ input, encoding_format: 'float' }, opts(floatBody)), runs),
    oursBase64: await time(() => embeddings({ input }, opts(base64Body)), runs),
    parseBase64: await time(async () => JSON.parse(base64Body), runs),
  };
  const bytes = (text) => ({ raw: Buffer.byteLength(text), gzip: gzipSync(text).length });
  return { vectors: VECTORS, dims: DIMS, runs, times, bytes: { float: bytes(floatBody), base64: bytes(base64Body) } };
}

const main = process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url);
if (main && process.send) {
  // Forked by bench/run.mjs: <pkg dir> <runs>
  childMain(() => measureEmbeddings(path.resolve(process.argv[2]), Number(process.argv[3])));
} else if (main) {
  const r = await measureEmbeddings(path.resolve(process.argv[2] ?? path.join(HERE, '..', 'pkg')), Number(process.argv[3] ?? 7));
  const label = {
    parseFloats: 'JSON.parse of the float body (the floor)',
    oursFloats: 'embeddings(), server sends floats',
    oursBase64: 'embeddings(), server sends base64 (decoded in wasm)',
    parseBase64: 'JSON.parse of the base64 body alone',
  };
  console.log(`${r.vectors} vectors x ${r.dims} dimensions, ${r.runs} runs (min / median ms):`);
  for (const [k, t] of Object.entries(r.times)) console.log(`  ${label[k]}: ${t.min} / ${t.median}`);
  const kb = (n) => `${(n / 1024).toFixed(0)} KiB`;
  const { float, base64 } = r.bytes;
  console.log(`bytes on the wire: floats ${kb(float.raw)} (gzip ${kb(float.gzip)}), base64 ${kb(base64.raw)} (gzip ${kb(base64.gzip)})`);
}
