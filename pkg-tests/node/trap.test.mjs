// Never poisoned (SPEC "Bad input"): when the wasm instance traps, what was in flight on it fails with
// APIConnectionError and the next calls run on a fresh instance. The trap is the package's test-only
// hook (lazy.js __trapForTests -> the wasm export __meingpt_trap, `unreachable`); the scenario is
// shared with workerd and Chromium (../fault-cases.mjs).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import * as api from 'meingpt-wasm';
import { CANARY, runTrapScenario, checkTrap } from '../fault-cases.mjs';
import { startSim, catchUnhandled, waitFor, within, collect, chatCompletion } from './helpers.mjs';

// The installed package's lazy.js: the very module its node.js entry imports (same URL).
const entry = createRequire(import.meta.url).resolve('meingpt-wasm');
const { __trapForTests } = await import(pathToFileURL(path.join(path.dirname(entry), 'lazy.js')).href);

let sim;
before(async () => {
  sim = await startSim();
});
after(async () => {
  await sim?.close();
});

test('a trapped instance is replaced: its stream fails, a waiting call completes, the next calls work (3 more traps)', { timeout: 60_000 }, async () => {
  const { value, error, unhandled } = await catchUnhandled(() => runTrapScenario(api, __trapForTests, { apiKey: CANARY, baseUrl: sim.baseUrl }), 200);
  assert.equal(error, undefined, error?.stack);
  assert.deepEqual(checkTrap(value), [], JSON.stringify(value).slice(0, 2000));
  assert.deepEqual(unhandled.map(String), [], 'no unhandled rejection');
  const paced = sim.log.filter((r) => r.headers['x-simulator-pacing'] === '500');
  assert.ok(await waitFor(() => paced[0]?.clientClosed, 3000), 'and its stream closed');
});

test('the hook traps for real: without the replacement every later call would fail', { timeout: 20_000 }, async () => {
  // The trap error's cause is the engine's own RuntimeError for `unreachable`.
  await api.init();
  const e = (() => {
    try {
      __trapForTests();
    } catch (err) {
      return err;
    }
    return undefined;
  })();
  assert.ok(e instanceof api.APIConnectionError, String(e));
  assert.ok(e.cause instanceof WebAssembly.RuntimeError);
  assert.match(String(e.cause.message), /unreachable/);
  const c = await api.chatCompletion({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'echo:wieder da' }] }, { apiKey: CANARY, baseUrl: sim.baseUrl });
  assert.equal(c.choices[0].message.content, 'wieder da');
});

test('a trap from inside a call (a custom fetch, a body read): the call fails, the next works', { timeout: 20_000 }, async () => {
  const request = { model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'echo:noch da' }] };
  const timeouts = () => process.getActiveResourcesInfo().filter((t) => t === 'Timeout').length;
  const timersBefore = timeouts();
  const { value, error, unhandled } = await catchUnhandled(async () => {
    const inFetch = await chatCompletion(request, { apiKey: CANARY, maxRetries: 2, fetch: () => __trapForTests() }).catch((e) => e);
    const ok1 = await chatCompletion(request, { apiKey: CANARY, baseUrl: sim.baseUrl });
    // A body whose pull() traps: reached from the stream's read inside the instance.
    let pulls = 0;
    const body = new ReadableStream({
      pull(c) {
        pulls += 1;
        if (pulls === 1) c.enqueue(new TextEncoder().encode('data: {"id":"x","object":"chat.completion.chunk","choices":[{"index":0,"delta":{"content":"a"}}]}\n\n'));
        else __trapForTests();
      },
    });
    const s = await chatCompletion({ ...request, stream: true }, { apiKey: CANARY, maxRetries: 0, fetch: async () => new Response(body, { headers: { 'content-type': 'text/event-stream' } }) });
    const read = await within(collect(s), 5000, 'a stream whose body traps');
    const ok2 = await chatCompletion(request, { apiKey: CANARY, baseUrl: sim.baseUrl });
    return { inFetch, ok1, read, ok2 };
  }, 200);
  assert.equal(error, undefined, error?.stack);
  assert.ok(value.inFetch instanceof api.APIConnectionError, String(value.inFetch));
  const causes = [];
  for (let e = value.inFetch; e && causes.length < 5; e = e.cause) causes.push(e);
  assert.ok(causes.some((e) => e instanceof WebAssembly.RuntimeError), 'caused by the trap');
  assert.equal(value.ok1.choices[0].message.content, 'noch da');
  assert.ok(value.read.error instanceof api.APIConnectionError, String(value.read.error));
  assert.equal(value.ok2.choices[0].message.content, 'noch da');
  assert.deepEqual(unhandled.map(String), []);
  // No timer is left behind (timeoutMs defaults to 10 minutes): nothing keeps the process alive.
  assert.ok(timeouts() <= timersBefore, `${timeouts()} timers now, ${timersBefore} before`);
});
