// meingpt-wasm in workerd (Cloudflare Workers runtime), through Miniflare, WITHOUT nodejs_compat.
//
// worker.js is bundled as wrangler bundles a Worker (wrangler-like.mjs): esbuild with conditions workerd/worker/browser,
// ESM, the package's `.wasm` import kept as an external module file copied beside the bundle (wrangler's
// CompiledWasm rule). The package comes from pkg-tests/node_modules (the installed tarball), resolved
// through its exports map. The Worker calls the simulator on 127.0.0.1 (URL passed as a binding).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { APP, ROOT, INSTALLED, bundleLikeWrangler, startInWorkerd } from './wrangler-like.mjs';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const OUT = path.join(APP, '.out', 'workerd');
const NOW = 1718000000000;
const KEY = 'sk-workerd-test-4711';
const PACING_MS = 25;

const { startSimulator } = await import(pathToFileURL(path.join(ROOT, 'simulator', 'server.mjs')).href);

let sim;
let mf;
let worker;
let bundleText;
let inputs;
let wasmModuleName;
let schemaModuleName;

function post(body) {
  return mf.dispatchFetch('http://worker.test/', {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
}

async function postJson(body) {
  const res = await post(body);
  return { status: res.status, body: await res.json() };
}

const hello = (stream, extra = {}) => ({
  model: 'gpt-4o-mini',
  messages: [
    { role: 'system', content: 'Antworte kurz.' },
    { role: 'user', content: 'Hallo, wie geht es Ihnen in München?' },
  ],
  ...(stream ? { stream: true, stream_options: { include_usage: true } } : {}),
  ...extra,
});

/** The simulator's own SSE answer for a request, fetched directly (the reference). */
async function referenceSse(request) {
  const res = await fetch(`${sim.url}/api/openai/v1/chat/completions`, {
    method: 'POST',
    headers: { authorization: `Bearer ${KEY}`, 'content-type': 'application/json' },
    body: JSON.stringify(request),
    signal: AbortSignal.timeout(10000),
  });
  assert.equal(res.status, 200);
  return res.text();
}

function sseData(text) {
  assert.ok(text.endsWith('\n\n'), 'SSE ends with a blank line');
  return text
    .slice(0, -2)
    .split('\n\n')
    .map((ev) => {
      assert.match(ev, /^data: /, `event ${JSON.stringify(ev.slice(0, 40))} is one data line`);
      assert.ok(!ev.includes('\n'), 'one line per event');
      return ev.slice(6);
    });
}

before(async () => {
  assert.ok(!fs.lstatSync(INSTALLED).isSymbolicLink(), 'meingpt-wasm is installed from the tarball, not linked');
  assert.ok(process.env.MEINGPT_TARBALL, 'run through scripts/test.mjs (MEINGPT_TARBALL set)');
  const bundle = await bundleLikeWrangler({ entry: path.join(HERE, 'worker.js'), outDir: OUT });
  bundleText = bundle.text;
  inputs = bundle.inputs;
  wasmModuleName = bundle.wasm.find((w) => path.basename(w.file) === 'meingpt_wasm_bg.wasm')?.name;
  schemaModuleName = bundle.wasm.find((w) => path.basename(w.file) === 'meingpt_schema.wasm')?.name;

  sim = await startSimulator({ port: 0, host: '127.0.0.1', now: NOW });
  worker = await startInWorkerd(bundle, {
    compatibilityDate: '2025-09-01',
    compatibilityFlags: [],
    bindings: { SIM_URL: sim.url },
  });
  mf = worker.mf;
}, { timeout: 30000 });

after(async () => {
  await worker?.dispose();
  await sim?.close();
}, { timeout: 15000 });

test('the bundle holds the workerd entry of the installed package (no node:, no fetch of the wasm)', { timeout: 10000 }, () => {
  const fromPkg = inputs.filter((p) => p.startsWith(INSTALLED + path.sep)).map((p) => path.relative(INSTALLED, p)).sort();
  assert.deepEqual(
    fromPkg,
    ['client.js', 'errors.js', 'exports.js', 'lazy.js', 'meingpt_wasm.js', 'rehydrate.js', 'routes.js', 'stream.js', 'tools.js', 'workerd.js'],
    'the workerd entry (and not node.js or browser.js) of pkg-tests/node_modules/meingpt-wasm',
  );
  assert.deepEqual(inputs.filter((p) => !p.startsWith(INSTALLED + path.sep)), [path.join(HERE, 'worker.js')]);
  // The wasm is imported as a module, not fetched or compiled from bytes at run time.
  assert.ok(wasmModuleName, 'the .wasm import went through the CompiledWasm rule');
  assert.match(bundleText, new RegExp(`from\\s*["']\\./${wasmModuleName.replace(/\./g, '\\.')}["']`));
  assert.doesNotMatch(bundleText, /fetch\(\s*new URL\(/);
  assert.doesNotMatch(bundleText, /new URL\(\s*["']\.?\/?meingpt_wasm_bg\.wasm/);
  assert.doesNotMatch(bundleText, /["']node:/);
  assert.doesNotMatch(bundleText, /readFile/);
  assert.doesNotMatch(bundleText, /WebAssembly\.compile\(/);
  const imports = [...bundleText.matchAll(/^\s*import\s[^;]*?from\s*["']([^"']+)["']/gm)].map((m) => m[1]);
  assert.deepEqual(imports, [`./${wasmModuleName}`], 'the only static import left is the wasm module');
  // The validator wasm of runTools/parse: a module too, imported on their first use.
  assert.ok(schemaModuleName, 'the validator wasm went through the CompiledWasm rule');
  assert.match(bundleText, new RegExp(`import\\(\\s*["']\\./${schemaModuleName.replace(/\./g, '\\.')}["']\\s*\\)`));
});

test('non-stream call returns the completion', { timeout: 15000 }, async () => {
  const { status, body } = await postJson({ mode: 'json', request: hello(false), options: { apiKey: KEY } });
  assert.equal(status, 200, JSON.stringify(body));
  assert.equal(body.object, 'chat.completion');
  assert.equal(body.model, 'gpt-4o-mini');
  assert.equal(body.created, NOW / 1000);
  assert.match(body.id, /^chatcmpl-/);
  assert.equal(body.choices.length, 1);
  assert.equal(body.choices[0].finish_reason, 'stop');
  assert.equal(body.choices[0].message.role, 'assistant');
  assert.match(body.choices[0].message.content, /[äöüß]/u);
  assert.match(body.choices[0].message.content, /🚀/u);
  assert.ok(body.usage.total_tokens > 0);
  const call = sim.log.filter((r) => r.path === '/api/openai/v1/chat/completions').at(-1);
  assert.equal(call.headers.authorization, `Bearer ${KEY}`);
  assert.match(call.headers['content-type'], /^application\/json/);
  assert.deepEqual(call.body, hello(false), 'the body sent is the request, nothing added');
});

test('stream piped back with toReadableStream() arrives incrementally and equals the SSE', { timeout: 20000 }, async () => {
  const request = hello(true);
  const expected = await referenceSse(request);
  const started = Date.now();
  const res = await post({
    mode: 'sse',
    request,
    options: { apiKey: KEY, headers: { 'x-simulator-pacing': String(PACING_MS) } },
  });
  assert.equal(res.status, 200);
  assert.equal(res.headers.get('content-type'), 'text/event-stream');
  assert.equal(res.headers.get('x-is-stream'), 'true');
  const reader = res.body.getReader();
  const decoder = new TextDecoder();
  const reads = [];
  let text = '';
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    text += decoder.decode(value, { stream: true });
    reads.push({ at: Date.now() - started, events: (text.match(/\n\n/g) || []).length });
  }
  text += decoder.decode();
  const total = Date.now() - started;
  const events = sseData(expected).length;
  assert.equal(text, expected, 'the Worker sends the same SSE the server sent');
  assert.deepEqual(sseData(text).at(-1), '[DONE]');
  // Incremental: many separate reads, and the first event arrived long before the last one was sent.
  assert.ok(reads.length >= events / 2, `${reads.length} reads for ${events} events`);
  const firstAt = reads[0].at;
  assert.ok(total >= PACING_MS * (events - 2), `paced stream took ${total} ms`);
  assert.ok(firstAt < total / 2, `first data after ${firstAt} ms, whole stream ${total} ms, ${events} events paced ${PACING_MS} ms`);
  const pieces = sseData(text).slice(0, -1).map((d) => JSON.parse(d));
  const content = pieces.map((c) => c.choices[0]?.delta?.content ?? '').join('');
  assert.match(content, /[äöüß]/u);
  assert.match(content, /🚀/u);
});

test('finalCompletion() equals the non-stream answer; for await and textStream() work', { timeout: 20000 }, async () => {
  const plain = await postJson({ mode: 'json', request: hello(false), options: { apiKey: KEY } });
  assert.equal(plain.status, 200);

  const final = await postJson({ mode: 'final', request: hello(true), options: { apiKey: KEY } });
  assert.equal(final.status, 200, JSON.stringify(final.body));
  assert.deepEqual(final.body, plain.body);

  const it = await postJson({ mode: 'iterate', request: hello(true), options: { apiKey: KEY } });
  assert.equal(it.status, 200, JSON.stringify(it.body));
  assert.deepEqual(it.body.final, plain.body);
  const expectedChunks = sseData(await referenceSse(hello(true))).slice(0, -1).map((d) => JSON.parse(d));
  assert.deepEqual(it.body.chunks, expectedChunks);

  const txt = await postJson({ mode: 'text', request: hello(true), options: { apiKey: KEY } });
  assert.equal(txt.status, 200, JSON.stringify(txt.body));
  assert.equal(txt.body.text, plain.body.choices[0].message.content);
  assert.deepEqual(txt.body.types, ['string']);
  assert.ok(txt.body.count > 3);
});

test('HTTP errors give the right class and status; a ValidationError; then the next call works', { timeout: 20000 }, async () => {
  // 401: no API key.
  const noKey = await postJson({ mode: 'json', request: hello(false), options: { maxRetries: 0 } });
  assert.equal(noKey.status, 500);
  assert.equal(noKey.body.error.name, 'AuthenticationError');
  assert.equal(noKey.body.error.status, 401);
  assert.equal(noKey.body.error.message, 'Unauthorized: missing API key');
  assert.equal(noKey.body.error.isAuthenticationError, true);
  assert.equal(noKey.body.error.isAPIError, true);
  assert.deepEqual(noKey.body.error.body, { status: 'error', message: 'Unauthorized: missing API key' });

  // 400: tools sent to a model that cannot call tools (stream: the promise itself rejects).
  const tools = [{ type: 'function', function: { name: 'get_weather', parameters: { type: 'object', properties: {} } } }];
  for (const mode of ['json', 'sse']) {
    const sonar = await postJson({ mode, request: { ...hello(mode === 'sse'), model: 'sonar', tools }, options: { apiKey: KEY } });
    assert.equal(sonar.status, 500, JSON.stringify(sonar.body));
    assert.equal(sonar.body.error.name, 'ToolsNotSupportedError'); // a BadRequestError subclass
    assert.equal(sonar.body.error.status, 400);
    assert.equal(sonar.body.error.message, "Model 'sonar' does not support tools");
    assert.equal(sonar.body.error.isBadRequestError, true);
  }

  // ValidationError: nothing is sent.
  const before = sim.log.length;
  const bad = await postJson({ mode: 'json', request: hello(false, { temperature: 3 }), options: { apiKey: KEY } });
  assert.equal(bad.status, 500);
  assert.equal(bad.body.error.name, 'ValidationError');
  assert.equal(bad.body.error.param, 'temperature');
  assert.equal(bad.body.error.status, null);
  assert.equal(bad.body.error.isValidationError, true);
  assert.equal(bad.body.error.isMeinGPTError, true);
  const badRole = await postJson({
    mode: 'sse',
    request: { ...hello(true), messages: [{ role: 'user', content: 'a' }, { role: 'wizard', content: 'b' }] },
    options: { apiKey: KEY },
  });
  assert.equal(badRole.body.error.name, 'ValidationError');
  assert.equal(badRole.body.error.param, 'messages[1].role');
  assert.equal(sim.log.length, before, 'a refused request sends nothing');

  // The next calls work.
  const ok = await postJson({ mode: 'json', request: hello(false), options: { apiKey: KEY } });
  assert.equal(ok.status, 200, JSON.stringify(ok.body));
  assert.equal(ok.body.object, 'chat.completion');
  const okStream = await postJson({ mode: 'final', request: hello(true), options: { apiKey: KEY } });
  assert.equal(okStream.status, 200, JSON.stringify(okStream.body));
  assert.deepEqual(okStream.body, ok.body);
});

test('abort signal and break stop a stream; the next call works', { timeout: 15000 }, async () => {
  const options = { apiKey: KEY, headers: { 'x-simulator-pacing': '100' } };
  const aborted = await postJson({ mode: 'abort', request: hello(true), options });
  assert.equal(aborted.status, 200, JSON.stringify(aborted.body));
  assert.equal(aborted.body.seen, 2, 'no chunk after the abort');
  assert.deepEqual(aborted.body.error, { name: 'APIUserAbortError', status: null, isAbort: true });
  const broke = await postJson({ mode: 'break', request: hello(true), options });
  assert.equal(broke.status, 200, JSON.stringify(broke.body));
  assert.equal(broke.body.seen, 2);
  const paced = sim.log.filter((r) => r.headers['x-simulator-pacing'] === '100');
  assert.equal(paced.length, 2);
  for (let i = 0; i < 50 && !paced.every((r) => r.clientClosed); i += 1) await new Promise((r) => setTimeout(r, 20));
  assert.deepEqual(paced.map((r) => r.clientClosed), [true, true], 'the Worker closed both upstream connections');
  const ok = await postJson({ mode: 'json', request: hello(false), options: { apiKey: KEY } });
  assert.equal(ok.status, 200, JSON.stringify(ok.body));
});

// workerd itself reports an unhandled rejection ("AbortError: The operation was aborted") whenever a
// fetch is aborted by its signal while its body is being read: reproduced with plain JS (fetch +
// AbortController + reader.read(), no package code). The package cannot catch a promise the runtime
// keeps to itself, so this stays a todo; `break` and stream.abort() (which cancel the body instead)
// leave none, which the browser and Node suites check.
test('closing a stream early leaves no unhandled rejection', {
  timeout: 5000,
  todo: 'workerd runtime: an aborted fetch signal mid-body rejects a promise internal to workerd',
}, async () => {
  await new Promise((r) => setTimeout(r, 100));
  const { body } = await postJson({ mode: 'unhandled' });
  assert.deepEqual(body, []);
});

// ---------- helpers (issue 6) ----------

const weatherQuestion = (extra = {}) => ({
  model: 'gpt-4o-mini',
  messages: [{ role: 'user', content: 'Wie ist das Wetter in Dresden? get_weather' }],
  ...extra,
});

test('runTools in the Worker: the tool runs there and the loop ends with the answer', { timeout: 20000 }, async () => {
  const { status, body } = await postJson({ mode: 'tools', request: weatherQuestion(), options: { apiKey: KEY } });
  assert.equal(status, 200, JSON.stringify(body));
  assert.deepEqual(body.runs, ['Dresden']);
  assert.equal(body.result.steps, 2);
  assert.deepEqual(body.result.messages.map((m) => m.role), ['user', 'assistant', 'tool', 'assistant']);
  assert.equal(body.result.messages[2].content, '{"city":"Dresden","temperatur":19,"quelle":"workerd"}');
  assert.match(body.result.completion.choices[0].message.content, /get_weather: \{"city":"Dresden"/);

  const events = await postJson({ mode: 'toolEvents', request: weatherQuestion(), options: { apiKey: KEY } });
  assert.equal(events.status, 200, JSON.stringify(events.body));
  assert.deepEqual(events.body.types, ['step', 'tool_call_started', 'tool_call_finished', 'content', 'done']);
  assert.equal(events.body.content, events.body.done.completion.choices[0].message.content);
  assert.deepEqual(events.body.done.messages, body.result.messages);
});

test('ToolsNotSupportedError in the Worker', { timeout: 15000 }, async () => {
  const { status, body } = await postJson({ mode: 'tools', request: weatherQuestion({ model: 'sonar' }), options: { apiKey: KEY } });
  assert.equal(status, 500);
  assert.equal(body.error.name, 'ToolsNotSupportedError');
  assert.equal(body.error.isToolsNotSupportedError, true);
  assert.equal(body.error.isBadRequestError, true);
  assert.equal(body.error.status, 400);
});

test('parse in the Worker: checked structured output, and a mismatch naming the pointer', { timeout: 15000 }, async () => {
  const schema = { type: 'object', properties: { stadt: { type: 'string' }, tage: { type: 'integer', minimum: 1 } }, required: ['stadt', 'tage'], additionalProperties: false };
  const request = {
    model: 'gpt-4o-mini',
    messages: [{ role: 'user', content: 'Plane eine Reise nach Köln für 3 Tage.' }],
    response_format: { type: 'json_schema', json_schema: { name: 'reise', schema } },
  };
  const { status, body } = await postJson({ mode: 'parse', request, options: { apiKey: KEY } });
  assert.equal(status, 200, JSON.stringify(body));
  assert.deepEqual(body.parsed, JSON.parse(body.completion.choices[0].message.content));
  assert.equal(typeof body.parsed.stadt, 'string');
  assert.ok(Number.isInteger(body.parsed.tage));
  // A pattern the simulator cannot satisfy (it tries a few fixed strings): the reply misses it.
  const code = { type: 'string', pattern: '^[0-9]{3}-[A-Z]{4}$' };
  const strict = { ...request, response_format: { type: 'json_schema', json_schema: { name: 'reise', schema: { ...schema, properties: { ...schema.properties, stadt: code } } } } };
  const bad = await postJson({ mode: 'parse', request: strict, options: { apiKey: KEY } });
  assert.equal(bad.status, 500);
  assert.equal(bad.body.error.name, 'SchemaValidationError');
  assert.equal(bad.body.error.isSchemaValidationError, true);
  assert.equal(bad.body.error.pointer, '/stadt');
});

test('re-hydration: NDJSON from the Worker becomes a full stream in the client; SSE re-read inside the Worker', { timeout: 20000 }, async () => {
  const { chatCompletion, ChatCompletionStream } = await import('meingpt-wasm');
  const request = hello(true);
  const reference = await chatCompletion({ ...request, stream: false }, { apiKey: KEY, baseUrl: `${sim.url}/api/openai/v1` });
  const res = await post({ mode: 'ndjson', request, options: { apiKey: KEY } });
  assert.equal(res.status, 200);
  assert.equal(res.headers.get('content-type'), 'application/x-ndjson');
  const stream = await ChatCompletionStream.fromResponse(res);
  const chunks = [];
  for await (const chunk of stream) chunks.push(chunk);
  assert.ok(chunks.length > 3);
  assert.deepEqual(await stream.finalCompletion(), reference);

  const { status, body } = await postJson({ mode: 'rehydrate', request, options: { apiKey: KEY } });
  assert.equal(status, 200, JSON.stringify(body));
  assert.equal(body.isStream, true);
  assert.deepEqual(body.chunks, chunks);
  assert.deepEqual(body.final, reference);
});
