// Measurement 2 (child process): stream consumption. Every client reads the same 20,000-chunk stream
// (about 1 MB of content, about 6 MB of SSE); rounds rotate the client order; a GC before every run.
// Args: <server url> <warm-up runs> <measured runs> <chunks> [kind [clients...]] (payloads.mjs
// models.stream: content, obfuscation or tools; default: content and every client).
import { childMain, gc, stats, timed } from './lib.mjs';
import { CLIENTS as ALL, loadClient } from './clients.mjs';
import { models, streamBody, streamContent } from './payloads.mjs';

childMain(async () => {
  const [url, warm, reps, chunks, kind = 'content', ...names] = process.argv.slice(2);
  const CLIENTS = names.length ? names : ALL;
  const model = models.stream(Number(chunks), 0, kind);
  const expected = streamContent(Number(chunks), 0);
  const clients = {};
  for (const name of CLIENTS) clients[name] = await loadClient(name, url);
  const times = Object.fromEntries(CLIENTS.map((n) => [n, []]));
  const seen = {};
  const rounds = Number(warm) + Number(reps);
  for (let r = 0; r < rounds; r += 1) {
    for (let k = 0; k < CLIENTS.length; k += 1) {
      const name = CLIENTS[(k + r) % CLIENTS.length];
      gc();
      const { ms, value } = await timed(() => clients[name].stream(model));
      if (value.text !== expected) throw new Error(`${name}: content differs from what the server sent`);
      seen[name] = value.chunks;
      if (r >= Number(warm)) times[name].push(ms);
    }
  }
  return {
    chunks: Number(chunks),
    kind,
    contentBytes: Buffer.byteLength(expected),
    sseBytes: Buffer.byteLength(streamBody(Number(chunks), 0, kind)),
    results: Object.fromEntries(CLIENTS.map((n) => [n, { ...stats(times[n]), items: seen[n] }])),
  };
});
