// The Worker proxy (examples/worker) in workerd against the simulator: the bundle, JSON and SSE answers,
// validation, errors passing through with their status, CORS, the client's headers staying behind.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { bundleWorker, startWorker, post, sseData, INSTALLED, EXAMPLE, PATH } from './helpers.mjs';
import { startSim, rawPost, NOW, KEY, T, WEATHER_TOOL } from '../node/helpers.mjs';

const ORIGIN = 'https://app.example';
let sim;
let bundle;
let worker;

const ask = (content, extra = {}) => ({ model: 'gpt-4o-mini', messages: [{ role: 'user', content }], ...extra });
const calls = () => sim.log.filter((r) => r.path === '/api/openai/v1/chat/completions');

/** The meinGPT-shaped error body, and that nothing in the answer shows the key. */
async function errorOf(res) {
  const text = await res.text();
  assert.ok(!text.includes(KEY), 'the key is not in the body');
  for (const [, v] of res.headers) assert.ok(!v.includes(KEY), 'the key is not in a header');
  const body = JSON.parse(text);
  // A 5xx carries the request id of its log line (body and header), anything else just the message.
  if (res.status >= 500) {
    assert.deepEqual(Object.keys(body), ['status', 'message', 'request_id'], text);
    assert.equal(res.headers.get('x-request-id'), body.request_id);
  } else assert.deepEqual(Object.keys(body), ['status', 'message'], text);
  assert.equal(body.status, 'error');
  return body.message;
}

before(async () => {
  bundle = await bundleWorker('worker-proxy');
  sim = await startSim();
  worker = await startWorker(bundle, {
    secret: KEY,
    vars: { MEINGPT_BASE_URL: sim.baseUrl, ALLOWED_ORIGINS: `${ORIGIN}, http://127.0.0.1:5173` },
  });
}, { timeout: 30_000 });

after(async () => {
  await worker?.dispose();
  await sim?.close();
}, { timeout: 15_000 });

test('the bundle is the example plus the workerd entry of the installed package, the wasm a module', T, (t) => {
  const fromPkg = bundle.inputs.filter((p) => p.startsWith(INSTALLED + path.sep)).map((p) => path.relative(INSTALLED, p));
  assert.ok(fromPkg.includes('workerd.js'), fromPkg.join());
  assert.ok(!fromPkg.includes('node.js') && !fromPkg.includes('browser.js'), fromPkg.join());
  const own = bundle.inputs.filter((p) => !p.startsWith(INSTALLED + path.sep));
  assert.ok(own.length > 0 && own.every((p) => p.startsWith(path.join(EXAMPLE, 'src') + path.sep)), own.join());
  // The wasm modules the bundle imports: the main one statically; the helpers' wasm (embeddings
  // decoding, issue 15) only by import() on first use.
  const wasm = bundle.wasm.filter((w) => new RegExp(`from\\s*["']\\./${w.name.replace(/\./g, '\\.')}["']`).test(bundle.text));
  assert.equal(wasm.length, 1, wasm.map((w) => w.name).join());
  const imports = [...bundle.text.matchAll(/^\s*import\s[^;]*?from\s*["']([^"']+)["']/gm)].map((m) => m[1]);
  assert.deepEqual(imports, [`./${wasm[0].name}`], 'the only import left is the wasm module');
  assert.doesNotMatch(bundle.text, /["']node:|WebAssembly\.compile\(/);
  assert.deepEqual(bundle.config.compatibility_flags, ['enable_request_signal'], 'no nodejs_compat');
  t.diagnostic(`bundle ${bundle.text.length} B JS + ${wasm[0].bytes} B wasm (${wasm[0].gzip} B gzip)`);
});

test('non-stream: the completion as the server sent it, sent with the secret key', T, async () => {
  const request = ask('Hallo! Wie ist das Wetter in München?', { temperature: 0.2, user: 'u-1' });
  const direct = await rawPost(sim, request);
  const res = await post(worker, request);
  assert.equal(res.status, 200);
  assert.match(res.headers.get('content-type'), /^application\/json/);
  const body = await res.json();
  assert.deepEqual(body, JSON.parse(direct.text));
  assert.equal(body.created, NOW / 1000);
  assert.match(body.choices[0].message.content, /München/);
  const call = calls().at(-1);
  assert.equal(call.headers.authorization, `Bearer ${KEY}`);
  assert.deepEqual(call.body, request, 'the body goes upstream unchanged (extra fields too)');
});

test('stream: the SSE bytes of the server, with anti-buffering headers', T, async () => {
  const request = ask('Erzähl mir etwas über Köln 😀', { stream: true, stream_options: { include_usage: true } });
  const direct = await rawPost(sim, request);
  const res = await post(worker, request);
  assert.equal(res.status, 200);
  assert.equal(res.headers.get('content-type'), 'text/event-stream');
  assert.equal(res.headers.get('cache-control'), 'no-cache');
  assert.equal(res.headers.get('content-encoding'), 'identity');
  assert.equal(res.headers.get('content-length'), null);
  const text = await res.text();
  assert.equal(text, direct.text, 'byte for byte the stream the server sent');
  const events = sseData(text);
  assert.equal(events.at(-1), '[DONE]');
  assert.ok(JSON.parse(events.at(-2)).usage.total_tokens > 0);
});

test('stream of tool calls and Perplexity citations pass through', T, async () => {
  for (const request of [
    ask('Wie ist das Wetter in Berlin? get_weather bitte', { stream: true, tools: [WEATHER_TOOL] }),
    ask('Was gibt es Neues?', { model: 'sonar', stream: true }),
  ]) {
    const direct = await rawPost(sim, request);
    const res = await post(worker, request);
    assert.equal(res.status, 200);
    assert.equal(await res.text(), direct.text);
  }
});

test('a refused request (ValidationError, bad JSON) is a 400 and sends nothing', T, async () => {
  const before = calls().length;
  const cases = [
    [ask('x', { temperature: 3 }), /temperature/],
    [{ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'a' }, { role: 'wizard', content: 'b' }] }, /^messages\[1\]\.role: /],
    [{ model: '', messages: [{ role: 'user', content: 'a' }] }, /model/],
    [ask('x', { tool_choice: { type: 'function', function: { name: 'nope' } }, tools: [WEATHER_TOOL] }), /tool_choice/],
    [[1, 2], /object/i],
    ['{"model": "gpt-4o-mini", "messages": [', /JSON/],
    ['', /JSON/],
  ];
  for (const [body, pattern] of cases) {
    const res = await post(worker, body);
    assert.equal(res.status, 400, JSON.stringify(body));
    assert.match(await errorOf(res), pattern);
  }
  assert.equal(calls().length, before, 'nothing was sent upstream');
});

test('upstream errors keep their status, in meinGPT shape; 4xx messages stay, 5xx ones become generic', T, async () => {
  const tools = [WEATHER_TOOL];
  const cases = [
    // [request, status, message]
    [ask('x', { model: 'sonar', tools }), 400, "Model 'sonar' does not support tools"],
    [ask('x', { model: 'sonar', tools, stream: true }), 400, "Model 'sonar' does not support tools"],
    [ask('x', { model: 'gpt-5-ultra' }), 400, "Model 'gpt-5-ultra' not found"],
    [ask('x', { model: 'gpt-4o-mini@401' }), 401, null],
    [ask('x', { model: 'gpt-4o-mini@403', stream: true }), 403, null],
    [ask('x', { model: 'gpt-4o-mini@404' }), 404, null],
    [ask('x', { model: 'gpt-4o-mini@422' }), 422, null],
    [ask('x', { model: 'gpt-4o-mini@500' }), 500, /^Upstream error \(request id [0-9a-f-]{36}\)$/],
    [ask('x', { model: 'gpt-4o-mini@503', stream: true }), 503, /^Upstream error \(request id [0-9a-f-]{36}\)$/],
    [ask('x', { model: 'gpt-4o-mini@openai-error:409' }), 409, null],
  ];
  for (const [request, status, message] of cases) {
    const direct = await rawPost(sim, request);
    assert.equal(direct.status, status, `the simulator's own status for ${request.model}`);
    const res = await post(worker, request);
    assert.equal(res.status, status, request.model);
    const directBody = JSON.parse(direct.text);
    if (message instanceof RegExp) assert.match(await errorOf(res), message);
    else assert.equal(await errorOf(res), message ?? directBody.message ?? directBody.error.message);
  }
});

test('429 keeps Retry-After; a non-JSON 502 page and a dropped connection become 502', T, async () => {
  const limited = await post(worker, ask('x', { model: 'gpt-4o-mini@429:7' }));
  assert.equal(limited.status, 429);
  assert.equal(limited.headers.get('retry-after'), '7');
  assert.match(limited.headers.get('x-request-id'), /\S/);
  await errorOf(limited);
  const limitedMs = await post(worker, ask('x', { model: 'gpt-4o-mini@429:1500ms', stream: true }));
  assert.equal(limitedMs.status, 429);
  assert.equal(limitedMs.headers.get('retry-after-ms'), '1500');
  await errorOf(limitedMs);

  const html = await post(worker, ask('x', { model: 'gpt-4o-mini@502-html' }));
  assert.equal(html.status, 502);
  assert.match(await errorOf(html), /\S/);
  for (const stream of [false, true]) {
    const reset = await post(worker, ask('x', { model: 'gpt-4o-mini@reset', stream }));
    assert.equal(reset.status, 502);
    assert.match(await errorOf(reset), /^Upstream connection failed \(request id [0-9a-f-]{36}\)$/);
  }
});

test('an upstream failure after the stream started reaches the client as an error event (event: error)', T, async () => {
  const cases = [
    ['error-mid-stream', 3, /^Upstream error \(request id [0-9a-f-]{36}\)$/],
    ['openai-error-mid-stream', 3, /^Upstream error \(request id [0-9a-f-]{36}\)$/],
    ['cut:3', 4, /^Upstream connection failed \(request id [0-9a-f-]{36}\)$/],
  ];
  for (const [fault, count, message] of cases) {
    const res = await post(worker, ask('Hallo Welt, wie geht es?', { model: `gpt-4o-mini@${fault}`, stream: true }));
    assert.equal(res.status, 200);
    const text = await res.text();
    const at = text.lastIndexOf('event: error\ndata: ');
    assert.ok(at > 0, text.slice(-200));
    const events = sseData(text.slice(0, at));
    assert.equal(events.length, count - 1, events.join('|'));
    assert.equal(JSON.parse(events.at(-1)).object, 'chat.completion.chunk');
    assert.ok(text.endsWith('\n\n') && !text.slice(at).slice(0, -2).includes('\n\n'), 'the error event is the last');
    const last = JSON.parse(text.slice(at + 'event: error\ndata: '.length, -2));
    assert.deepEqual(Object.keys(last), ['status', 'message', 'request_id']);
    assert.equal(last.status, 'error');
    if (typeof message === 'string') assert.equal(last.message, message);
    else assert.match(last.message, message);
  }
});

test("the client's Authorization and other headers are not forwarded", T, async () => {
  const res = await post(worker, ask('Hallo'), {
    headers: {
      authorization: 'Bearer sk-client-own-key',
      cookie: 'session=abc',
      'x-simulator-fault': '500',
      'openai-organization': 'org-1',
    },
  });
  assert.equal(res.status, 200, 'the fault header stayed behind');
  await res.body.cancel();
  const h = calls().at(-1).headers;
  assert.equal(h.authorization, `Bearer ${KEY}`);
  for (const name of ['cookie', 'x-simulator-fault', 'openai-organization']) assert.equal(h[name], undefined, name);
});

test('CORS: preflight of an allowed origin, allowed origins get the headers, others a 403', T, async () => {
  const pre = await post(worker, undefined, {
    method: 'OPTIONS',
    headers: {
      origin: ORIGIN,
      'access-control-request-method': 'POST',
      'access-control-request-headers': 'authorization, content-type, x-stainless-os',
    },
  });
  assert.equal(pre.status, 204);
  assert.equal(pre.headers.get('access-control-allow-origin'), ORIGIN);
  assert.match(pre.headers.get('access-control-allow-methods'), /POST/);
  assert.equal(pre.headers.get('access-control-allow-headers'), 'authorization, content-type, x-stainless-os');
  assert.match(pre.headers.get('vary'), /origin/i);

  for (const request of [ask('Hallo'), ask('Hallo', { stream: true }), ask('x', { temperature: -1 })]) {
    const res = await post(worker, request, { headers: { origin: 'http://127.0.0.1:5173' } });
    assert.equal(res.headers.get('access-control-allow-origin'), 'http://127.0.0.1:5173');
    assert.match(res.headers.get('access-control-expose-headers'), /retry-after/);
    await res.arrayBuffer();
  }

  const before = calls().length;
  const refusedPre = await post(worker, undefined, {
    method: 'OPTIONS',
    headers: { origin: 'https://evil.example', 'access-control-request-method': 'POST' },
  });
  assert.equal(refusedPre.status, 403);
  assert.equal(refusedPre.headers.get('access-control-allow-origin'), null);
  await refusedPre.arrayBuffer();
  const refused = await post(worker, ask('Hallo'), { headers: { origin: 'https://evil.example' } });
  assert.equal(refused.status, 403);
  assert.equal(refused.headers.get('access-control-allow-origin'), null);
  assert.match(await errorOf(refused), /Origin https:\/\/evil\.example is not allowed/);
  assert.equal(calls().length, before, 'a refused origin sends nothing upstream');
});

test('405 for other methods, 404 for other paths', T, async () => {
  for (const method of ['GET', 'PUT', 'DELETE', 'PATCH']) {
    const res = await post(worker, method === 'GET' ? undefined : '{}', { method });
    assert.equal(res.status, 405, method);
    assert.equal(res.headers.get('allow'), 'POST, OPTIONS');
    assert.match(await errorOf(res), new RegExp(`${method} not allowed`));
  }
  for (const p of ['/', '/v1/models', '/chat/completions', `${PATH}/x`]) {
    const res = await post(worker, ask('Hallo'), { path: p });
    assert.equal(res.status, 404, p);
    await errorOf(res);
  }
});
