// meinGPT's own routes through the Worker (issue 15): off unless MEINGPT_ROUTES names them (404, the
// upstream never called); on, each documented route works against the simulator with the Worker's
// key only, the body limit holds for multipart uploads, and path tricks (dot segments, encoded
// slashes, ids of dots) reach nothing.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { bundleWorker, startWorkers, post } from './helpers.mjs';
import { startSim, KEY, T } from '../node/helpers.mjs';
import { ROOT } from '../workerd/wrangler-like.mjs';

const { ASSISTANTS, WORKFLOWS } = await import(pathToFileURL(path.join(ROOT, 'simulator', 'routes.mjs')).href);
const ORIGIN = 'https://app.example';
const LIMIT = 4096;
const OWNER = ASSISTANTS.find((a) => a.rights === 'OWNER').id;
const WF = WORKFLOWS[0];
let sim;
let off; // the default settings: no own routes
let on; // all three groups, a small body limit
let assistantsOnly; // only `assistants`
let leaky; // all groups, in front of an upstream that answers 500 with internal details
let leakyUpstream;
const SECRET_DETAIL = 'db-internal-7.corp:5432 stack at /srv/app.js';

/** Every route, with a body that would work when the route is on. */
const ALL = [
  ['GET', '/assistants/v1/'],
  ['POST', `/assistants/v1/${OWNER}/run`, { messages: [{ role: 'user', content: 'Hallo' }] }],
  ['GET', '/workflows/v1/user-workflows'],
  ['GET', `/workflows/v1/workflow-inputs/${WF.id}`],
  ['POST', `/workflows/v1/${WF.id}/run`, { input: { text: 'Ein Text.' } }],
  ['GET', `/assistant-files/v1/assistants/${OWNER}/files`],
  ['GET', `/assistant-files/v1/assistants/${OWNER}/files/doc1`],
  ['DELETE', `/assistant-files/v1/assistants/${OWNER}/files/doc1`],
];

const upstream = () => sim.log.filter((r) => !r.path.startsWith('/__sim/')).length;

function call(worker, method, p, body, headers = {}) {
  return post(worker, body, { method, path: p, headers: { origin: ORIGIN, authorization: 'Bearer client-own', ...headers } });
}

/** A multipart body with one file part `name` of `size` bytes. */
function multipart(name, size, extra = {}) {
  const form = new FormData();
  for (const [k, v] of Object.entries(extra)) form.append(k, v);
  form.append(name, new Blob([new Uint8Array(size).fill(65)], { type: 'text/plain' }), 'notiz.txt');
  return form;
}

function send(worker, method, p, form) {
  return fetch(worker.url + p, { method, body: form, headers: { origin: ORIGIN }, signal: AbortSignal.timeout(20_000) });
}

/** A request with its path sent exactly as written (fetch would normalise dot segments). */
function raw(worker, method, p) {
  const { port } = new URL(worker.url);
  return new Promise((resolve, reject) => {
    const req = http.request({ host: '127.0.0.1', port, method, path: p, headers: { origin: ORIGIN }, timeout: 20_000 }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (d) => (text += d));
      res.on('end', () => resolve({ status: res.statusCode, text }));
    });
    req.on('timeout', () => req.destroy(new Error('timed out')));
    req.on('error', reject);
    req.end();
  });
}

before(async () => {
  const bundle = await bundleWorker('worker-routes');
  sim = await startSim();
  leakyUpstream = http.createServer((req, res) => {
    req.resume();
    res.writeHead(500, { 'content-type': 'application/json' }).end(JSON.stringify({ status: 'error', message: `${SECRET_DETAIL} ${KEY}` }));
  });
  await new Promise((resolve) => leakyUpstream.listen(0, '127.0.0.1', resolve));
  const base = { MEINGPT_BASE_URL: sim.baseUrl, ALLOWED_ORIGINS: ORIGIN };
  [off, on, assistantsOnly, leaky] = await startWorkers(bundle, [
    { secret: KEY, vars: base },
    { secret: KEY, vars: { ...base, MAX_BODY_BYTES: String(LIMIT), MEINGPT_ROUTES: 'assistants, workflows,assistant-files' } },
    { secret: KEY, vars: { ...base, MEINGPT_ROUTES: 'assistants' } },
    {
      secret: KEY,
      vars: { ...base, MEINGPT_ROUTES: 'assistants,workflows,assistant-files', MEINGPT_BASE_URL: `http://127.0.0.1:${leakyUpstream.address().port}/api/openai/v1` },
    },
  ]);
}, { timeout: 60_000 });

after(async () => {
  await Promise.allSettled([off, on, assistantsOnly, leaky].filter(Boolean).map((w) => w.dispose()));
  await sim?.close();
  await new Promise((resolve) => (leakyUpstream ? leakyUpstream.close(resolve) : resolve()));
}, { timeout: 15_000 });

test('off by default: every own route is 404 and the upstream is never called', T, async () => {
  const before = upstream();
  for (const [method, p, body] of ALL) {
    const res = await call(off, method, p, body);
    assert.equal(res.status, 404, `${method} ${p}`);
    assert.equal((await res.json()).status, 'error');
  }
  const upload = await send(off, 'POST', `/assistant-files/v1/assistants/${OWNER}/files`, multipart('file', 10));
  assert.equal(upload.status, 404);
  assert.equal(upstream(), before);
});

test('on: assistants list and run, with the Worker key and not the client\'s', T, async () => {
  const list = await call(on, 'GET', '/assistants/v1/');
  assert.equal(list.status, 200);
  assert.equal(list.headers.get('access-control-allow-origin'), ORIGIN);
  assert.deepEqual((await list.json()).assistants, ASSISTANTS.map(({ id, name }) => ({ id, name })));
  const rec = sim.log.at(-1);
  assert.equal(rec.path, '/api/assistants/v1/');
  assert.equal(rec.headers.authorization, `Bearer ${KEY}`);

  const run = await call(on, 'POST', `/assistants/v1/${OWNER}/run`, { messages: [{ role: 'user', content: 'Hallo' }] });
  assert.equal(run.status, 200);
  assert.equal(typeof (await run.json()).text, 'string');
  assert.equal(sim.log.at(-1).path, `/api/assistants/v1/${OWNER}/run`);
  assert.equal(sim.log.at(-1).headers.authorization, `Bearer ${KEY}`);

  const withFiles = await send(on, 'POST', `/assistants/v1/${OWNER}/run`, multipart('files', 100, { messages: JSON.stringify([{ role: 'user', content: 'Lies das' }]) }));
  assert.equal(withFiles.status, 200);
  assert.match(sim.log.at(-1).headers['content-type'], /^multipart\/form-data/);
});

test('on: workflows list, inputs and run', T, async () => {
  const list = await call(on, 'GET', '/workflows/v1/user-workflows');
  assert.equal(list.status, 200);
  assert.deepEqual((await list.json()).workflows.map((w) => w.id), WORKFLOWS.map((w) => w.id));
  const inputs = await call(on, 'GET', `/workflows/v1/workflow-inputs/${WF.id}`);
  assert.equal(inputs.status, 200);
  assert.deepEqual((await inputs.json()).inputs, WF.inputs);
  const run = await call(on, 'POST', `/workflows/v1/${WF.id}/run`, { input: { text: 'Ein Text.' } });
  assert.equal(run.status, 200);
  assert.equal((await run.json()).status, 'success');
  const unknown = await call(on, 'GET', '/workflows/v1/workflow-inputs/nope');
  assert.equal(unknown.status, 404);
});

test('on: assistant files upload (multipart within the limit), list, get, replace, delete', T, async () => {
  const filesPath = `/assistant-files/v1/assistants/${OWNER}/files`;
  const up = await send(on, 'POST', filesPath, multipart('file', 1000));
  assert.equal(up.status, 200);
  const { file } = await up.json();
  assert.equal(file.size, 1000);
  assert.equal(file.originalName, 'notiz.txt');
  assert.equal(sim.log.at(-1).headers.authorization, `Bearer ${KEY}`);
  const list = await call(on, 'GET', filesPath);
  assert.ok((await list.json()).files.some((f) => f.id === file.id));
  assert.equal((await call(on, 'GET', `${filesPath}/${file.id}`)).status, 200);
  const replaced = await send(on, 'PUT', `${filesPath}/${file.id}`, multipart('file', 500));
  assert.equal(replaced.status, 200);
  assert.equal((await replaced.json()).file.size, 500);
  assert.equal((await call(on, 'DELETE', `${filesPath}/${file.id}`)).status, 200);
  assert.equal((await call(on, 'GET', `${filesPath}/${file.id}`)).status, 404);
});

test('on: an upload over the body limit is 413 and never sent; a body without a file part is 400', T, async () => {
  const before = upstream();
  const big = await send(on, 'POST', `/assistant-files/v1/assistants/${OWNER}/files`, multipart('file', LIMIT + 1));
  assert.equal(big.status, 413);
  const noFile = await send(on, 'POST', `/assistant-files/v1/assistants/${OWNER}/files`, multipart('other', 10));
  assert.equal(noFile.status, 400);
  const json = await call(on, 'POST', `/assistant-files/v1/assistants/${OWNER}/files`, { file: 'x' });
  assert.equal(json.status, 400);
  assert.equal(upstream(), before);
});

test('on: methods matched per route (405 with Allow), preflight names the route\'s methods', T, async () => {
  const before = upstream();
  const wrong = await call(on, 'POST', '/assistants/v1/', {});
  assert.equal(wrong.status, 405);
  assert.equal(wrong.headers.get('allow'), 'GET, OPTIONS');
  assert.equal((await call(on, 'PATCH', `/assistant-files/v1/assistants/${OWNER}/files/doc1`)).status, 405);
  const pre = await call(on, 'OPTIONS', `/assistant-files/v1/assistants/${OWNER}/files/doc1`);
  assert.equal(pre.status, 204);
  assert.equal(pre.headers.get('access-control-allow-methods'), 'GET, PUT, DELETE, OPTIONS');
  assert.equal(upstream(), before);
});

test('on: a foreign origin is refused; an upstream 5xx gets the generic message with a request id', T, async () => {
  const foreign = await post(on, undefined, { method: 'GET', path: '/assistants/v1/', headers: { origin: 'https://evil.example' } });
  assert.equal(foreign.status, 403);
  for (const [method, p, body] of ALL) {
    const res = await call(leaky, method, p, body);
    assert.equal(res.status, 500, `${method} ${p}`);
    const text = await res.text();
    assert.ok(!text.includes(KEY) && !text.includes('db-internal'), text);
    const { message, request_id: id } = JSON.parse(text);
    assert.equal(message, `Upstream error (request id ${id})`);
    assert.equal(res.headers.get('x-request-id'), id);
  }
});

test('only the groups named: assistants on, workflows and files 404', T, async () => {
  const before = upstream();
  assert.equal((await call(assistantsOnly, 'GET', '/assistants/v1/')).status, 200);
  const after1 = upstream();
  assert.equal(after1, before + 1);
  assert.equal((await call(assistantsOnly, 'GET', '/workflows/v1/user-workflows')).status, 404);
  assert.equal((await call(assistantsOnly, 'GET', `/assistant-files/v1/assistants/${OWNER}/files`)).status, 404);
  assert.equal(upstream(), after1);
});

test('path tricks reach nothing: dot segments, encoded slashes and dots, ids of dots, near misses', T, async () => {
  const before = upstream();
  const tricks = [
    // dot segments resolve (in workerd's URL) to a route of a group that is off
    [assistantsOnly, '/assistants/v1/x/../../workflows/v1/user-workflows'],
    [assistantsOnly, '/assistants/v1/%2e%2e/%2E%2E/workflows/v1/user-workflows'],
    [on, `/assistants/v1/${OWNER}%2Frun`],
    [on, `/assistants/v1/a%2F..%2Fb/run`],
    [on, '/assistants/v1/.../run'],
    [on, `/assistant-files/v1/assistants/${OWNER}/files/..`],
    [on, `/assistant-files/v1/assistants/${OWNER}/files/%2e%2e%2fx`],
    [on, '/assistants/v1'],
    [on, '//assistants/v1/'],
    [on, '/api/assistants/v1/'],
    [on, '/assistants/v1/x'],
    [on, '/workflows/v1/user-workflows/'],
    [on, `/assistants/v1/${'a'.repeat(257)}/run`],
  ];
  for (const [worker, p] of tricks) {
    const res = await raw(worker, 'GET', p);
    assert.ok(res.status === 404 || res.status === 405, `${p}: ${res.status} ${res.text}`);
  }
  assert.equal(upstream(), before);
});
