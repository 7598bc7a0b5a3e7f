// Measurement 5 (one child process per client): heap and RSS sampled every 10 ms while the client
// reads a ~100 MB stream (chunks counted, deltas not kept). Reports start (after import and a GC),
// the values at 25/50/75 % of the read time, peak, end (before GC) and after a GC, in MB.
// Args: <client> <server url> <MB>
import { childMain, gc } from './lib.mjs';
import { loadClient } from './clients.mjs';
import { models } from './payloads.mjs';

const MB = 1024 * 1024;
const snap = () => {
  const m = process.memoryUsage();
  return { rss: m.rss, heapUsed: m.heapUsed, external: m.external }; // external includes arrayBuffers (wasm memory)
};
const round = ({ rss, heapUsed, external }) =>
  Object.fromEntries(Object.entries({ rss, heapUsed, external }).map(([k, v]) => [k, Math.round((v / MB) * 10) / 10]));

childMain(async () => {
  const [name, url, mb] = process.argv.slice(2);
  const client = await loadClient(name, url);
  await client.call(models.small); // the library is loaded and ready
  gc();
  gc();
  const start = snap();
  const samples = [];
  const t0 = performance.now();
  const timer = setInterval(() => samples.push({ t: performance.now() - t0, ...snap() }), 10);
  const { chunks, length } = await client.stream(models.big(Number(mb)), false);
  clearInterval(timer);
  const ms = performance.now() - t0;
  const end = snap();
  gc();
  gc();
  const afterGc = snap();
  const at = (f) => samples.find((s) => s.t >= ms * f) ?? end;
  const peak = { rss: 0, heapUsed: 0, external: 0 };
  for (const s of [start, ...samples, end]) for (const k of Object.keys(peak)) peak[k] = Math.max(peak[k], s[k]);
  return {
    mb: Number(mb),
    chunks,
    contentMB: Math.round((length / MB) * 10) / 10,
    ms: Math.round(ms),
    samples: samples.length,
    start: round(start),
    q25: round(at(0.25)),
    q50: round(at(0.5)),
    q75: round(at(0.75)),
    peak: round(peak),
    end: round(end),
    afterGc: round(afterGc),
    maxRssMB: Math.round(process.resourceUsage().maxRSS / 1024),
  };
});
