// Streaming through the Worker in workerd against a paced simulator: chunks reach the client as the
// server sends them (not all at the end), and a client that goes away makes the Worker close the
// upstream connection (the simulator logs the close).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { bundleWorker, startWorker, post, sseData } from './helpers.mjs';
import { startSim, rawPost, waitFor, within, KEY, T } from '../node/helpers.mjs';

const PACING_MS = 40;
let sim;
let worker;

const ask = (content, extra = {}) => ({ model: 'gpt-4o-mini', messages: [{ role: 'user', content }], ...extra });
const calls = () => sim.log.filter((r) => r.path === '/api/openai/v1/chat/completions');

before(async () => {
  const bundle = await bundleWorker('worker-stream');
  sim = await startSim({ pacingMs: PACING_MS });
  worker = await startWorker(bundle, { secret: KEY, vars: { MEINGPT_BASE_URL: sim.baseUrl } });
}, { timeout: 30_000 });

after(async () => {
  await worker?.dispose();
  await sim?.close();
}, { timeout: 15_000 });

test('chunks reach the client incrementally, and the bytes are the server’s', { timeout: 30_000 }, async (t) => {
  const request = ask('Bitte erzähl mir ausführlich, wie das Wetter in München heute wird.', { stream: true });
  const expected = await rawPost(sim, request);
  const events = sseData(expected.text).length;
  const started = Date.now();
  const res = await post(worker, request);
  assert.equal(res.status, 200);
  const reader = res.body.getReader();
  const decoder = new TextDecoder();
  const reads = [];
  let text = '';
  for (let i = 0; i < 10_000; i += 1) {
    const { done, value } = await reader.read();
    if (done) break;
    text += decoder.decode(value, { stream: true });
    reads.push({ at: Date.now() - started, events: (text.match(/\n\n/g) || []).length });
  }
  text += decoder.decode();
  const total = Date.now() - started;
  assert.equal(text, expected.text);
  // Many separate reads, and the first event arrived long before the paced stream was over.
  assert.ok(events > 15, `${events} events`);
  assert.ok(reads.length >= events / 4, `${reads.length} reads for ${events} events`);
  assert.ok(total >= PACING_MS * (events - 2), `the paced stream took ${total} ms`);
  assert.ok(reads[0].at < total / 2, `first data after ${reads[0].at} ms of ${total} ms`);
  assert.ok(reads[0].events < events / 2, `the first read held ${reads[0].events} of ${events} events`);
  t.diagnostic(`${events} events in ${reads.length} reads; first after ${reads[0].at} ms, all after ${total} ms`);
});

test('a client that goes away mid-stream makes the Worker close the upstream stream', T, async () => {
  const content = `Abbruch-Test ${Date.now()}: erzähl mir eine lange Geschichte über Bäume.`;
  const controller = new AbortController();
  const res = await post(worker, ask(content, { stream: true }), { signal: controller.signal });
  assert.equal(res.status, 200);
  const reader = res.body.getReader();
  const first = await within(reader.read(), 10_000, 'the first chunk');
  assert.ok(!first.done);
  controller.abort();
  const record = calls().find((r) => r.body?.messages?.[0]?.content === content);
  assert.ok(record, 'the simulator saw the request');
  await waitFor(() => record.clientClosed, 10_000);
  assert.equal(record.clientClosed, true, 'the upstream connection was closed before the stream ended');
});

// workerd notices a client's disconnect only once the response has started: a plain Worker (no package)
// that awaits a timer before answering sees request.signal stay unaborted with enable_request_signal set,
// while the same Worker streaming a response sees it abort ("The client has disconnected"). Cloudflare's
// edge cancels such requests itself; locally this stays a todo.
test('a client that goes away while waiting for a non-stream answer aborts the upstream call', {
  timeout: 20_000,
  todo: 'workerd does not report a disconnect before the response starts',
}, async () => {
  const content = `Warte-Test ${Date.now()}`;
  const controller = new AbortController();
  const pending = post(worker, ask(content, { model: 'gpt-4o-mini@slow-first-byte:3000' }), { signal: controller.signal });
  const record = await waitFor(() => calls().find((r) => r.body?.messages?.[0]?.content === content), 10_000);
  assert.ok(record, 'the simulator saw the request');
  controller.abort();
  await assert.rejects(pending, { name: 'AbortError' });
  await waitFor(() => record.clientClosed, 2_000);
  assert.equal(record.clientClosed, true, 'request.signal aborted the upstream fetch');
});

test('after aborted clients the Worker still streams', T, async () => {
  const res = await post(worker, ask('Noch eine Frage', { stream: true }));
  assert.equal(res.status, 200);
  assert.equal(sseData(await res.text()).at(-1), '[DONE]');
});
