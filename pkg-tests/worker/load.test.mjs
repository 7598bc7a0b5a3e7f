// 200 streams at once through one Worker in workerd: every client gets exactly the bytes the server
// sent for its own request.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { bundleWorker, startWorker, post } from './helpers.mjs';
import { startSim, rawPost, KEY } from '../node/helpers.mjs';

const N = 200;
let sim;
let worker;

before(async () => {
  const bundle = await bundleWorker('worker-load');
  sim = await startSim();
  worker = await startWorker(bundle, { secret: KEY, vars: { MEINGPT_BASE_URL: sim.baseUrl } });
}, { timeout: 30_000 });

after(async () => {
  await worker?.dispose();
  await sim?.close();
}, { timeout: 15_000 });

test(`${N} concurrent streams are byte-exact`, { timeout: 120_000 }, async (t) => {
  // Distinct requests: normal replies in both languages, echoes with umlauts and emoji, tool calls.
  const requests = Array.from({ length: N }, (_, i) => {
    const content = [
      `Frage ${i}: Wie wird das Wetter in Düsseldorf?`,
      `Question ${i}: what is the weather like in Berlin?`,
      `echo:Antwort ${i}: Grüße aus Köln 😀 ${'ä'.repeat(i % 17)}`,
    ][i % 3];
    return {
      model: i % 10 === 9 ? 'sonar' : 'gpt-4o-mini',
      messages: [{ role: 'user', content }],
      stream: true,
      ...(i % 2 ? { stream_options: { include_usage: true } } : {}),
      ...(i % 3 === 1 ? { temperature: (i % 4) / 2 } : {}),
    };
  });
  const expected = await Promise.all(requests.map((r) => rawPost(sim, r)));
  for (const e of expected) assert.equal(e.status, 200);
  const before = sim.log.length;
  const started = Date.now();
  const got = await Promise.all(
    requests.map(async (r) => {
      const res = await post(worker, r, { signal: AbortSignal.timeout(100_000) });
      return { status: res.status, text: await res.text() };
    }),
  );
  const ms = Date.now() - started;
  let bytes = 0;
  for (let i = 0; i < N; i += 1) {
    assert.equal(got[i].status, 200, `stream ${i}`);
    assert.equal(got[i].text, expected[i].text, `stream ${i} is byte-exact`);
    bytes += got[i].text.length;
  }
  assert.equal(new Set(got.map((g) => g.text)).size, N, 'every stream is its own');
  assert.equal(sim.log.length - before, N, 'one upstream call per stream, no retries');
  t.diagnostic(`${N} streams, ${bytes} characters, in ${ms} ms`);
});
