// The key never leaves the Worker: an upstream that echoes it (in an error message, an OpenAI-style
// error, an HTML page, a header, an error inside a stream) still gives the client no trace of it.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import { bundleWorker, startWorker, post } from './helpers.mjs';
import { T } from '../node/helpers.mjs';

const SECRET = 'sk-meingpt-secret-0815-abcdef';
let upstream;
let worker;
const seen = [];

/** An upstream that puts whatever Authorization it got into its answer, chosen by `model`. */
function echoingUpstream(req, res) {
  let raw = '';
  req.on('data', (d) => {
    raw += d;
  });
  req.on('end', () => {
    const auth = req.headers.authorization ?? '';
    const key = auth.replace(/^Bearer /, '');
    seen.push(auth);
    const { model, stream } = JSON.parse(raw);
    const json = (status, body, headers = {}) => {
      res.writeHead(status, { 'content-type': 'application/json', ...headers });
      res.end(JSON.stringify(body));
    };
    switch (model) {
      case 'meingpt-400':
        return json(400, { status: 'error', message: `Key ${key} is not valid for this model` });
      case 'openai-401':
        return json(401, { error: { message: `Incorrect API key provided: ${key}.`, type: 'invalid_request_error', code: 'invalid_api_key' } });
      case 'html-502':
        res.writeHead(502, { 'content-type': 'text/html' });
        return res.end(`<html><body>Bad gateway for ${auth}</body></html>`);
      case 'header-429':
        return json(429, { status: 'error', message: 'Slow down' }, { 'retry-after': '1', 'x-request-id': `req-${key}` });
      case 'stream-error': {
        res.writeHead(200, { 'content-type': 'text/event-stream' });
        const chunk = { id: 'c1', object: 'chat.completion.chunk', created: 1, model, choices: [{ index: 0, delta: { role: 'assistant', content: 'Hi' }, finish_reason: null }] };
        res.write(`data: ${JSON.stringify(chunk)}\n\n`);
        return res.end(`data: ${JSON.stringify({ status: 'error', message: `Quota of ${key} used up` })}\n\n`);
      }
      default:
        return json(500, { status: 'error', message: `unexpected ${model} ${stream}` });
    }
  });
}

before(async () => {
  upstream = http.createServer(echoingUpstream);
  await new Promise((resolve) => upstream.listen(0, '127.0.0.1', resolve));
  const bundle = await bundleWorker('worker-key');
  worker = await startWorker(bundle, {
    secret: SECRET,
    vars: { MEINGPT_BASE_URL: `http://127.0.0.1:${upstream.address().port}/v1` },
  });
}, { timeout: 30_000 });

after(async () => {
  await worker?.dispose();
  upstream?.closeAllConnections();
  await new Promise((resolve) => upstream?.close(resolve));
}, { timeout: 15_000 });

test('an upstream echoing the key: the client sees its status and message, never the key', T, async () => {
  const cases = [
    ['meingpt-400', false, 400],
    ['openai-401', true, 401],
    ['html-502', false, 502],
    ['header-429', false, 429],
    ['stream-error', true, 200],
  ];
  for (const [model, stream, status] of cases) {
    const res = await post(worker, { model, stream, messages: [{ role: 'user', content: 'Hallo' }] });
    assert.equal(res.status, status, model);
    const text = await res.text();
    const headers = [...res.headers].map(([k, v]) => `${k}: ${v}`).join('\n');
    assert.ok(!text.includes(SECRET) && !headers.includes(SECRET), `${model}: no key in\n${headers}\n${text}`);
    assert.ok(!text.includes('0815-abcdef'), `${model}: no part of the key`);
    if (model === 'meingpt-400') assert.deepEqual(JSON.parse(text), { status: 'error', message: 'Key [redacted] is not valid for this model' });
    if (model === 'openai-401') assert.match(JSON.parse(text).message, /^Incorrect API key provided: \[redacted\]/);
    if (model === 'header-429') assert.equal(res.headers.get('x-request-id'), 'req-[redacted]');
    // A failure inside a stream is answered like a 5xx: a generic message, the original (key cut out) logged.
    if (model === 'stream-error') assert.match(text, /event: error\ndata: \{"status":"error","message":"Upstream error \(request id [0-9a-f-]{36}\)","request_id":"[0-9a-f-]{36}"\}\n\n$/);
  }
  assert.deepEqual([...new Set(seen)], [`Bearer ${SECRET}`], 'the upstream got the key each time');
});
