// Issue 12, item 8: what an anonymous client may get out of the Worker. Upstream 5xx texts (internal
// hosts, paths, stack lines) reach the client only as a generic message with a request id, the
// original in the Worker's log; 4xx messages stay. `n` and `max_tokens` / `max_completion_tokens`
// are capped (MAX_N, MAX_TOKENS) before anything is sent.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import { bundleWorker, startWorkerLogged, startWorker, post, sseData } from './helpers.mjs';
import { T, waitFor } from '../node/helpers.mjs';

const SECRET = 'sk-meingpt-limits-4711';
const INTERNAL = 'db 10.1.2.3:5432 failed at /srv/app/handler.js:42';
let upstream;
let worker; // default caps, logs collected
let roomy; // MAX_N=3, MAX_TOKENS=100
const seen = [];

/** An upstream whose failures tell too much; `model` picks the answer. */
function leakyUpstream(req, res) {
  let raw = '';
  req.on('data', (d) => {
    raw += d;
  });
  req.on('end', () => {
    const body = JSON.parse(raw);
    seen.push(body);
    const json = (status, obj, headers = {}) => {
      res.writeHead(status, { 'content-type': 'application/json', 'x-request-id': 'up-req-77', ...headers });
      res.end(JSON.stringify(obj));
    };
    const chunk = { id: 'c1', object: 'chat.completion.chunk', created: 1, model: body.model, choices: [{ index: 0, delta: { role: 'assistant', content: 'Hi' }, finish_reason: null }] };
    switch (body.model) {
      case 'leak-500':
        return json(500, { status: 'error', message: INTERNAL });
      case 'leak-503':
        return json(503, { status: 'error', message: INTERNAL }, { 'retry-after': '3' });
      case 'leak-openai-500':
        return json(500, { error: { message: INTERNAL, type: 'server_error' } });
      case 'leak-html-502':
        res.writeHead(502, { 'content-type': 'text/html' });
        return res.end(`<html><body>${INTERNAL}</body></html>`);
      case 'leak-stream':
        res.writeHead(200, { 'content-type': 'text/event-stream' });
        res.write(`data: ${JSON.stringify(chunk)}\n\n`);
        return res.end(`data: ${JSON.stringify({ status: 'error', message: INTERNAL })}\n\n`);
      case 'bad-400':
        return json(400, { status: 'error', message: "Model 'bad-400' does not support tools" });
      case 'quota-429':
        return json(429, { status: 'error', message: 'Rate limit exceeded, please retry later' }, { 'retry-after': '5' });
      default:
        return json(200, {
          id: 'c2',
          object: 'chat.completion',
          created: 1,
          model: body.model,
          choices: [{ index: 0, message: { role: 'assistant', content: 'ok' }, finish_reason: 'stop' }],
          usage: { prompt_tokens: 1, completion_tokens: 1, total_tokens: 2 },
        });
    }
  });
}

const ask = (model, extra = {}) => ({ model, messages: [{ role: 'user', content: 'Hallo' }], ...extra });

before(async () => {
  upstream = http.createServer(leakyUpstream);
  await new Promise((resolve) => upstream.listen(0, '127.0.0.1', resolve));
  const bundle = await bundleWorker('worker-limits');
  const vars = { MEINGPT_BASE_URL: `http://127.0.0.1:${upstream.address().port}/v1` };
  worker = await startWorkerLogged(bundle, { secret: SECRET, vars });
  roomy = await startWorker(bundle, { secret: SECRET, vars: { ...vars, MAX_N: '3', MAX_TOKENS: '100' } });
}, { timeout: 60_000 });

after(async () => {
  await Promise.allSettled([worker?.dispose(), roomy?.dispose()]);
  upstream?.closeAllConnections();
  await new Promise((resolve) => upstream?.close(resolve));
}, { timeout: 15_000 });

test('an upstream 5xx reaches the client as a generic message with a request id; the original is logged', T, async () => {
  const cases = [
    ['leak-500', false, 500, /^Upstream error \(request id /],
    ['leak-503', true, 503, /^Upstream error \(request id /],
    ['leak-openai-500', false, 500, /^Upstream error \(request id /],
    ['leak-html-502', false, 502, /^Upstream error \(request id /],
  ];
  for (const [model, stream, status, message] of cases) {
    const res = await post(worker, ask(model, { stream }));
    assert.equal(res.status, status, model);
    const text = await res.text();
    assert.ok(!text.includes('10.1.2.3') && !text.includes('/srv/app'), `${model}: no internal detail in ${text}`);
    const body = JSON.parse(text);
    assert.deepEqual(Object.keys(body), ['status', 'message', 'request_id'], text);
    assert.equal(body.status, 'error');
    assert.match(body.message, message);
    const id = res.headers.get('x-request-id');
    assert.equal(body.request_id, id, 'the same id in the body and the header');
    assert.ok(body.message.includes(id));
    assert.match(id, /^[0-9a-f-]{36}$/, 'a random id without cf-ray');
    if (model === 'leak-503') assert.equal(res.headers.get('retry-after'), '3', 'Retry-After still passes');
    const line = await waitFor(() => worker.logs().split('\n').find((l) => l.includes(id)), 5000);
    assert.ok(line, `the log has a line for ${id}:\n${worker.logs()}`);
    // (An HTML page's text is not read by the package: its log line names the status and the type.)
    if (model !== 'leak-html-502') assert.ok(line.includes(INTERNAL), `the original is in the log: ${line}`);
    assert.ok(!worker.logs().includes(SECRET), 'the key is not logged');
  }
});

test('the request id is cf-ray when Cloudflare sent one (a malformed one is replaced)', T, async () => {
  const ray = '8a1b2c3d4e5f6789-FRA';
  const res = await post(worker, ask('leak-500'), { headers: { 'cf-ray': ray } });
  assert.equal(res.headers.get('x-request-id'), ray);
  assert.equal((await res.json()).request_id, ray);
  const odd = await post(worker, ask('leak-500'), { headers: { 'cf-ray': 'x y<script>' } });
  assert.match(odd.headers.get('x-request-id'), /^[0-9a-f-]{36}$/);
  await odd.arrayBuffer();
});

test('a failure inside a stream ends it with a generic error event; the original is logged', T, async () => {
  const res = await post(worker, ask('leak-stream', { stream: true }));
  assert.equal(res.status, 200);
  const text = await res.text();
  assert.ok(!text.includes('10.1.2.3'), text);
  const at = text.lastIndexOf('event: error\ndata: ');
  assert.ok(at > 0, text);
  assert.equal(JSON.parse(sseData(text.slice(0, at)).at(-1)).object, 'chat.completion.chunk');
  const error = JSON.parse(text.slice(at + 'event: error\ndata: '.length, -2));
  assert.deepEqual(Object.keys(error), ['status', 'message', 'request_id']);
  assert.match(error.message, new RegExp(`^Upstream error \\(request id ${error.request_id}\\)$`));
  const line = await waitFor(() => worker.logs().split('\n').find((l) => l.includes(error.request_id)), 5000);
  assert.ok(line?.includes(INTERNAL), worker.logs());
});

test('4xx messages stay as the upstream wrote them (the client needs them)', T, async () => {
  const bad = await post(worker, ask('bad-400'));
  assert.equal(bad.status, 400);
  assert.deepEqual(await bad.json(), { status: 'error', message: "Model 'bad-400' does not support tools" });
  const limited = await post(worker, ask('quota-429'));
  assert.equal(limited.status, 429);
  assert.equal(limited.headers.get('x-request-id'), 'up-req-77', "the upstream's id for a 4xx");
  assert.deepEqual(await limited.json(), { status: 'error', message: 'Rate limit exceeded, please retry later' });
});

test('n, max_tokens and max_completion_tokens over the caps are refused with 400; nothing is sent', T, async () => {
  const before = seen.length;
  const cases = [
    [worker, { n: 128 }, "n: at most 1 here (the Worker's MAX_N)"],
    [worker, { n: 2 }, "n: at most 1 here (the Worker's MAX_N)"],
    [worker, { max_tokens: 1_000_000 }, "max_tokens: at most 8192 here (the Worker's MAX_TOKENS)"],
    [worker, { max_completion_tokens: 8193 }, "max_completion_tokens: at most 8192 here (the Worker's MAX_TOKENS)"],
    [worker, { n: 0 }, 'n: must be a positive integer'],
    [worker, { n: 1.5 }, 'n: must be a positive integer'],
    [worker, { n: '4' }, 'n: must be a positive integer'],
    [worker, { max_tokens: -1 }, 'max_tokens: must be a positive integer'],
    [worker, { max_tokens: 1e300 }, 'max_tokens: must be a positive integer'],
    [roomy, { n: 4 }, "n: at most 3 here (the Worker's MAX_N)"],
    [roomy, { max_tokens: 101 }, "max_tokens: at most 100 here (the Worker's MAX_TOKENS)"],
    [roomy, { max_tokens: 50, max_completion_tokens: 101 }, "max_completion_tokens: at most 100 here (the Worker's MAX_TOKENS)"],
  ];
  for (const [w, extra, message] of cases) {
    for (const stream of [false, true]) {
      const res = await post(w, ask('gpt-4o-mini', { ...extra, stream }));
      assert.equal(res.status, 400, JSON.stringify(extra));
      assert.deepEqual(await res.json(), { status: 'error', message });
    }
  }
  assert.equal(seen.length, before, 'nothing went upstream');
});

test('within the caps the request goes upstream unchanged', T, async () => {
  const cases = [
    [worker, { n: 1, max_tokens: 8192 }],
    [worker, { max_completion_tokens: 1 }],
    [worker, { n: null, max_tokens: null }],
    [roomy, { n: 3, max_tokens: 100, max_completion_tokens: 100 }],
  ];
  for (const [w, extra] of cases) {
    const res = await post(w, ask('gpt-4o-mini', extra));
    assert.equal(res.status, 200, JSON.stringify(extra));
    assert.equal((await res.json()).choices[0].message.content, 'ok');
    assert.deepEqual(seen.at(-1), ask('gpt-4o-mini', extra));
  }
});
