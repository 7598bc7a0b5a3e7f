// meinGPT's other routes (issue 15) in workerd (Miniflare, no nodejs_compat), against the simulator:
// each function's happy path, a documented error, a variant shape, a retry, an abort, the key canary.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { APP, ROOT, bundleLikeWrangler, startInWorkerd } from './wrangler-like.mjs';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const { startSimulator } = await import(pathToFileURL(path.join(ROOT, 'simulator', 'server.mjs')).href);
const { embeddingVector, ASSISTANTS, WORKFLOWS, FORBIDDEN_WORKFLOW } = await import(pathToFileURL(path.join(ROOT, 'simulator', 'routes.mjs')).href);
const KEY = 'sk-workerd-routes-4711';
const CANARY = 'sk-canary-workerd-987654321';

let sim;
let worker;
before(async () => {
  const bundle = await bundleLikeWrangler({ entry: path.join(HERE, 'routes-worker.js'), outDir: path.join(APP, '.out', 'workerd-routes') });
  sim = await startSimulator({ port: 0, host: '127.0.0.1', now: 1718000000000 });
  worker = await startInWorkerd(bundle, { compatibilityDate: '2025-09-01', bindings: { SIM_URL: sim.url } });
}, { timeout: 40_000 });
after(async () => {
  await worker?.dispose();
  await sim?.close();
}, { timeout: 15_000 });

let n = 0;
/** Calls `fn` in the Worker; returns {out} or {error} and the simulator's records of the call. */
async function call(fn, args, options = {}) {
  n += 1;
  const id = `wd-route-${n}`;
  const res = await worker.mf.dispatchFetch('http://worker.test/', {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ fn, args, options: { apiKey: KEY, ...options, headers: { 'x-test-id': id, ...options.headers } } }),
  });
  const body = await res.json();
  return { ...body, log: sim.log.filter((r) => r.headers['x-test-id'] === id) };
}

test('workerd: embeddings as float arrays (base64 on the wire), dimensions honoured, validation with paths', { timeout: 30_000 }, async () => {
  const { out, log } = await call('embeddings', [{ input: ['Hallo', 'Welt'], dimensions: 16 }]);
  assert.equal(log[0].body.encoding_format, 'base64');
  assert.deepEqual(out.data[0].embedding, Array.from(embeddingVector('Hallo', 16)));
  assert.deepEqual(out.data[1].embedding, Array.from(embeddingVector('Welt', 16)));
  const floats = await call('embeddings', [{ input: 'Hallo', dimensions: 3 }], { headers: { 'x-simulator-variant': 'floats' } });
  assert.deepEqual(floats.out.data[0].embedding, Array.from(embeddingVector('Hallo', 3)));
  const bad = await call('embeddings', [{ input: ['a', ''], dimensions: 0 }]);
  assert.equal(bad.error.name, 'ValidationError');
  assert.equal(bad.error.param, 'input[1]');
  assert.equal(bad.log.length, 0);
});

test('workerd: assistants, a run with files (multipart), the older shape, 403 with its message', { timeout: 30_000 }, async () => {
  const list = await call('listAssistants', []);
  assert.deepEqual(list.out.assistants.map((a) => a.id), ASSISTANTS.map((a) => a.id));
  const messages = [{ role: 'user', content: 'Prüfe bitte' }];
  const run = await call('runAssistant', [ASSISTANTS[0].id, { messages, files: [{ $file: 'Vertrag', name: 'v.txt' }, { $bytes: [1, 2], name: 'b.bin' }] }]);
  assert.match(run.out.text, /Angehängt: v\.txt \(7 B\), b\.bin \(2 B\)/);
  assert.match(run.log[0].headers['content-type'], /^multipart\/form-data/);
  const old = await call('runAssistant', [ASSISTANTS[0].id, { messages }], { headers: { 'x-simulator-variant': 'old' } });
  assert.equal(typeof old.out.usage.input_tokens, 'number');
  const denied = await call('runAssistant', ['asst-forbidden', { messages }]);
  assert.equal(denied.error.name, 'PermissionDeniedError');
  assert.equal(denied.error.message, 'You do not have access to this assistant');
});

test('workerd: workflows with sources; 403 not enabled; 404; a 503 retried; an abort', { timeout: 30_000 }, async () => {
  const list = await call('listWorkflows', []);
  assert.equal(list.out.workflows.length, WORKFLOWS.length);
  const inputs = await call('getWorkflowInputs', [WORKFLOWS[1].id]);
  assert.equal(inputs.out.inputs[0].name, 'frage');
  const run = await call('runWorkflow', [WORKFLOWS[1].id, { input: { frage: 'Urlaub?' } }]);
  assert.equal(run.out.messages[0].knowledgeCollectionSearchResults[0].knowledgeCollectionName, 'Handbuch');
  const off = await call('runWorkflow', [FORBIDDEN_WORKFLOW, { input: {} }]);
  assert.equal(off.error.name, 'PermissionDeniedError');
  assert.equal((await call('getWorkflowInputs', ['cmnothere'])).error.name, 'NotFoundError');
  const retried = await call('listWorkflows', [], { headers: { 'x-simulator-fault': '503', 'x-simulator-fault-times': '1', 'x-simulator-fault-key': `wd-503-${n}` } });
  assert.equal(retried.out.status, 'success');
  assert.equal(retried.log.length, 2);
  const aborted = await call('runWorkflow', [WORKFLOWS[1].id, { input: { frage: 'x' } }], { aborted: true });
  assert.equal(aborted.error.name, 'APIUserAbortError');
  assert.equal(aborted.log.length, 0);
});

test('workerd: assistant files upload, list, replace, delete; VIEW rights refused', { timeout: 30_000 }, async () => {
  const aid = ASSISTANTS[2].id;
  const up = await call('uploadAssistantFile', [aid, { $file: 'Preisliste', name: 'preise.txt', type: 'text/plain' }]);
  assert.equal(up.out.file.originalName, 'preise.txt');
  const doc = up.out.file.id;
  assert.equal((await call('listAssistantFiles', [aid])).out.files.some((f) => f.id === doc), true);
  assert.equal((await call('replaceAssistantFile', [aid, doc, { $bytes: [1, 2, 3, 4], name: 'neu.bin' }])).out.file.size, 4);
  assert.equal((await call('getAssistantFile', [aid, doc])).out.file.originalName, 'neu.bin');
  assert.equal((await call('deleteAssistantFile', [aid, doc])).out.success, true);
  const view = await call('uploadAssistantFile', [ASSISTANTS[1].id, { $file: 'x', name: 'x.txt' }]);
  assert.equal(view.error.name, 'PermissionDeniedError');
});

test('workerd: the key never shows in a route\'s error', { timeout: 30_000 }, async () => {
  const { error } = await call('runWorkflow', [WORKFLOWS[1].id, { input: {} }], { apiKey: CANARY, leaky: true });
  assert.equal(error.name, 'InternalServerError');
  assert.equal(error.isMeinGPT, true);
  assert.ok(!JSON.stringify(error).includes(CANARY), JSON.stringify(error).slice(0, 400));
});
