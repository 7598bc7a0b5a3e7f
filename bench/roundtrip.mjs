// Measurement 3 (child process): sequential small non-stream calls, one after the other, per client;
// rounds rotate the client order; a GC before every run.
// Args: <server url> <warm-up runs> <measured runs> <calls per run>
import { childMain, gc, stats, timed } from './lib.mjs';
import { loadClient } from './clients.mjs';
import { models, smallContent } from './payloads.mjs';

const NAMES = ['ours', 'openai', 'floor'];

childMain(async () => {
  const [url, warm, reps, calls] = process.argv.slice(2);
  const expected = smallContent();
  const clients = {};
  for (const name of NAMES) clients[name] = await loadClient(name, url);
  const times = Object.fromEntries(NAMES.map((n) => [n, []]));
  const rounds = Number(warm) + Number(reps);
  for (let r = 0; r < rounds; r += 1) {
    for (let k = 0; k < NAMES.length; k += 1) {
      const name = NAMES[(k + r) % NAMES.length];
      gc();
      const { ms, value } = await timed(async () => {
        let same = 0;
        for (let i = 0; i < Number(calls); i += 1) if ((await clients[name].call(models.small)) === expected) same += 1;
        return same;
      });
      if (value !== Number(calls)) throw new Error(`${name}: ${Number(calls) - value} answers differ`);
      if (r >= Number(warm)) times[name].push(ms);
    }
  }
  return { calls: Number(calls), results: Object.fromEntries(NAMES.map((n) => [n, stats(times[n])])) };
});
