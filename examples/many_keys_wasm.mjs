// Times the shipped wasm's StreamCore.feed() on stream chunks with many distinct top-level
// members (issue 12, item 2) against normal chunks of the same byte size, as examples/many_keys.rs
// does on the host. `node scripts/build.mjs && node examples/many_keys_wasm.mjs [pkg dir]`
import { readFileSync } from 'node:fs';
import { pathToFileURL } from 'node:url';

// The package directory to measure: the argument, else the worktree's pkg/.
const dir = process.argv[2] ? pathToFileURL(`${process.argv[2]}/`) : new URL('../pkg/', import.meta.url);
const { createGlue } = await import(new URL('meingpt_wasm.js', dir));
const glue = createGlue((raw) => raw);
glue.initSync({ module: new WebAssembly.Module(readFileSync(new URL('meingpt_wasm_bg.wasm', dir))) });

const HEAD = '{"id":"c","object":"chat.completion.chunk","created":1,"model":"m","choices":[{"index":0,"delta":{"content":"a"},"finish_reason":null}]';
const key = (i) => `"k${String(i).padStart(6, '0')}":0`;
const keys = (n) => Array.from({ length: n }, (_, i) => key(i)).join(',');
const wide = (n, nested) => [nested ? `${HEAD},"x":{${keys(n)}}}` : `${HEAD},${keys(n)}}`];
const narrow = (n, distinct) =>
  Array.from({ length: n }, (_, i) => (distinct ? `${HEAD},${key(i)}}` : `${HEAD},"kkkkkkk":${i % 10}}`));

/** Best of three: the events as one SSE body, fed in 64 KiB reads (drain mode), then finished. */
function time(events) {
  const body = new TextEncoder().encode(events.map((e) => `data: ${e}\n\n`).join('') + 'data: [DONE]\n\n');
  let best = Infinity;
  for (let run = 0; run < 3; run++) {
    const t = performance.now();
    const core = new glue.StreamCore(200, '');
    let slowest = 0;
    for (let at = 0; at < body.length; at += 65536) {
      const t1 = performance.now();
      core.feed(body.subarray(at, at + 65536), /* MODE_DRAIN */ 3);
      slowest = Math.max(slowest, performance.now() - t1);
    }
    JSON.parse(core.finalCompletion());
    core.free();
    best = Math.min(best, performance.now() - t);
    time.slowest = Math.min(time.slowest ?? Infinity, slowest);
  }
  return [best, body.length];
}

const fmt = (ms) => `${ms.toFixed(2)} ms`;
for (const n of [40000, 80000]) {
  time.slowest = undefined;
  const [h, hb] = time(wide(n, false));
  const hs = time.slowest;
  const [m, mb] = time(wide(n, true));
  console.log(`one event, ${n} distinct keys (${hb} B): ${fmt(h)} (longest feed() call ${fmt(hs)}); same keys nested (${mb} B): ${fmt(m)} (${(h / m).toFixed(1)}x)`);
}
for (const n of [40000, 80000]) {
  const [h, hb] = time(narrow(n, true));
  const [m, mb] = time(narrow(n, false));
  console.log(`${n} events, each a new key (${hb} B): ${fmt(h)}; one key repeated (${mb} B): ${fmt(m)} (${(h / m).toFixed(1)}x)`);
}
