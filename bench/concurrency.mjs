// Measurement 6 (one child process per client): 1,000 concurrent streams in one process, each with
// its own content (seed = stream index). Per run: wall time until all settled, errors (rejections),
// byte-exactness (joined deltas equal to what the server sent, for every stream). One warm-up run
// of 20 streams first. Args: <client> <server url> <streams> <chunks per stream> <runs>
import { childMain, gc, stats, timed } from './lib.mjs';
import { loadClient } from './clients.mjs';
import { models, streamContent } from './payloads.mjs';

childMain(async () => {
  const [name, url, n, chunks, runs] = process.argv.slice(2).map((x, i) => (i < 2 ? x : Number(x)));
  const client = await loadClient(name, url);
  const expected = Array.from({ length: n }, (_, i) => streamContent(chunks, i));
  const once = async (count) => {
    const settled = await Promise.allSettled(Array.from({ length: count }, (_, i) => client.stream(models.stream(chunks, i))));
    let errors = 0;
    let exact = 0;
    let firstError;
    settled.forEach((s, i) => {
      if (s.status === 'rejected') {
        errors += 1;
        firstError ??= String(s.reason?.stack ?? s.reason);
      } else if (s.value.text === expected[i] && s.value.chunks > chunks) exact += 1;
    });
    return { errors, exact, firstError };
  };
  await once(20);
  const times = [];
  const outcomes = [];
  for (let r = 0; r < runs; r += 1) {
    gc();
    const { ms, value } = await timed(() => once(n));
    times.push(ms);
    outcomes.push(value);
  }
  return {
    streams: n,
    chunksPerStream: chunks,
    ...stats(times),
    errors: outcomes.map((o) => o.errors),
    exact: outcomes.map((o) => o.exact),
    firstError: outcomes.find((o) => o.firstError)?.firstError ?? null,
    maxRssMB: Math.round(process.resourceUsage().maxRSS / 1024),
  };
});
