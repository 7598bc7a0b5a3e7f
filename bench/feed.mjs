// The stream's CPU work without the network: `StreamCore` of a built package fed a 20,000-chunk SSE
// body in 64 KB reads, against plain JS doing the least (TextDecoder, split, JSON.parse per event).
// Three kinds of chunks: a constant shape (what bench/stream.mjs serves), OpenAI style with a member
// that changes per chunk (`obfuscation`), and tool-call argument pieces (never a same-shape chunk).
//   node bench/feed.mjs [pkg dir]        (default: pkg/, after `npm run build`)
// Prints min / median ms of 15 interleaved runs: `drain` (Rust only: SSE, chunk reading, accumulation),
// `objects` (drain + the batch string + JSON.parse + the chunk objects, what `for await` costs), `floor`.
import path from 'node:path';
import { pathToFileURL } from 'node:url';

const dir = path.resolve(process.argv[2] ?? new URL('../pkg', import.meta.url).pathname);
const { init } = await import(pathToFileURL(path.join(dir, 'node.js')).href);
await init();
const { StreamCore } = await import(pathToFileURL(path.join(dir, 'meingpt_wasm.js')).href);
// What `for await` does with each batch's items: same-shape chunks come as strings to fill in.
const { chunkReader } = await import(pathToFileURL(path.join(dir, 'stream.js')).href);

const N = 20000;
const head = '"id":"chatcmpl-bench","object":"chat.completion.chunk","created":1700000000,"model":"gpt-4o-mini"';
const kinds = {
  constant: (i) =>
    `{${head},"system_fingerprint":"fp_1","choices":[{"index":0,"delta":{"content":"wört ${i} "},"logprobs":null,"finish_reason":null}]}`,
  obfuscation: (i) =>
    `{${head},"service_tier":"default","system_fingerprint":"fp_1","choices":[{"index":0,"delta":{"content":"wört ${i} "},"logprobs":null,"finish_reason":null}],"obfuscation":"${((i * 2654435761) % 1e9).toString(36)}"}`,
  'tool calls': (i) =>
    `{${head},"system_fingerprint":"fp_1","choices":[{"index":0,"delta":{"tool_calls":[{"index":0,"function":{"arguments":"{\\"a${i}\\":"}}]},"logprobs":null,"finish_reason":null}]}`,
};

// StreamCore's modes (src/boundary.rs; the digits are rewritten by `cargo run --example boundary`).
const MODE_OBJECTS = /* MODE_OBJECTS */ 0;
const MODE_DRAIN = /* MODE_DRAIN */ 3;
const rows = [];
for (const [kind, chunk] of Object.entries(kinds)) {
  let body = '';
  for (let i = 0; i < N; i++) body += `data: ${chunk(i)}\n\n`;
  body += 'data: [DONE]\n\n';
  const bytes = new TextEncoder().encode(body);
  const reads = [];
  for (let i = 0; i < bytes.length; i += 65536) reads.push(bytes.subarray(i, i + 65536));
  const ours = (mode) => () => {
    const core = new StreamCore(200, '');
    const read = chunkReader();
    let n = 0;
    for (const r of reads) {
      core.feed(r, mode);
      const batch = core.take(mode);
      if (typeof batch === 'string') for (const item of JSON.parse(batch)) n += read(item) ? 1 : 0;
    }
    core.free();
    return n;
  };
  const floor = () => {
    const decoder = new TextDecoder();
    let rest = '';
    let n = 0;
    for (const r of reads) {
      const events = (rest + decoder.decode(r, { stream: true })).split('\n\n');
      rest = events.pop();
      for (const e of events) if (e !== 'data: [DONE]') n += JSON.parse(e.slice(6)) ? 1 : 0;
    }
    return n;
  };
  const runs = { drain: ours(MODE_DRAIN), objects: ours(MODE_OBJECTS), floor };
  const times = {};
  for (let round = 0; round < 15; round++) {
    for (const [name, run] of Object.entries(runs)) {
      const start = performance.now();
      run();
      (times[name] ??= []).push(performance.now() - start);
    }
  }
  const stat = (t) => {
    t.sort((a, b) => a - b);
    return { min: +t[0].toFixed(2), median: +t[7].toFixed(2) };
  };
  const s = Object.fromEntries(Object.entries(times).map(([k, t]) => [k, stat(t)]));
  rows.push({ kind, kib: Math.round(bytes.length / 1024), ...s });
}
console.log(`| chunks (${N}) | SSE KiB | drain ms | objects ms | floor ms | objects / floor |`);
console.log('|---|---:|---:|---:|---:|---:|');
for (const r of rows) {
  const ratio = (r.objects.median / r.floor.median).toFixed(2);
  console.log(
    `| ${r.kind} | ${r.kib} | ${r.drain.min} / ${r.drain.median} | ${r.objects.min} / ${r.objects.median} | ${r.floor.min} / ${r.floor.median} | ${ratio}x |`,
  );
}
