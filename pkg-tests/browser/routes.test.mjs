// meinGPT's other routes (issue 15) in headless Chromium: the package's browser entry by URL on one
// origin, the API (the simulator) on another, so every call is cross-origin (CORS preflights for
// the Authorization header, multipart, PUT and DELETE). The helpers' wasm is fetched beside the entry.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { createRequire } from 'node:module';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const APP = path.resolve(HERE, '..');
const ROOT = path.resolve(APP, '..');
const OUT = path.join(APP, '.out', 'browser-routes');
const INSTALLED = path.join(APP, 'node_modules', 'meingpt-wasm');
const { chromium } = createRequire(path.join(ROOT, 'package.json'))('playwright-core');
const { startSimulator } = await import(pathToFileURL(path.join(ROOT, 'simulator', 'server.mjs')).href);
const { embeddingVector, ASSISTANTS, WORKFLOWS, FORBIDDEN_WORKFLOW } = await import(pathToFileURL(path.join(ROOT, 'simulator', 'routes.mjs')).href);
const KEY = 'sk-browser-routes-4711';
const CANARY = 'sk-canary-browser-24680';

let api;
let pages;
let browser;
let page;
const consoleLines = [];
const pageErrors = [];

before(async () => {
  fs.rmSync(OUT, { recursive: true, force: true });
  fs.mkdirSync(OUT, { recursive: true });
  fs.copyFileSync(path.join(HERE, 'routes.html'), path.join(OUT, 'index.html'));
  api = await startSimulator({ port: 0, host: '127.0.0.1', now: 1718000000000 });
  pages = await startSimulator({ port: 0, host: '127.0.0.1', now: 1718000000000, staticRoutes: { '/routes/': OUT, '/pkg/': INSTALLED } });
  browser = await chromium.launch({
    executablePath: '/usr/bin/chromium',
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
    timeout: 20_000,
  });
  page = await browser.newPage();
  page.setDefaultTimeout(30_000);
  page.on('console', (msg) => consoleLines.push(`${msg.type()}: ${msg.text()}`));
  page.on('pageerror', (err) => pageErrors.push(err.stack ?? String(err)));
  await page.goto(`${pages.url}/routes/`, { waitUntil: 'load', timeout: 15_000 });
  await page.waitForFunction(() => typeof window.routes === 'object', null, { timeout: 15_000 });
}, { timeout: 40_000 });

after(async () => {
  await browser?.close();
  await api?.close();
  await pages?.close();
}, { timeout: 15_000 });

let n = 0;
async function call(fn, args, options = {}) {
  n += 1;
  const id = `br-route-${n}`;
  const opts = { apiKey: KEY, baseUrl: `${api.url}/api/openai/v1`, ...options, headers: { 'x-test-id': id, ...options.headers } };
  const r = await page.evaluate(([f, a, o]) => window.routes.call(f, a, o), [fn, args, opts]);
  return { ...r, log: api.log.filter((x) => x.method !== 'OPTIONS' && x.headers['x-test-id'] === id) };
}

test('chromium: embeddings as float arrays, base64 on the wire; validation with paths', { timeout: 30_000 }, async () => {
  const { out, log } = await call('embeddings', [{ input: ['Hallo', 'Grüße'], dimensions: 12 }]);
  assert.equal(log[0].body.encoding_format, 'base64');
  assert.deepEqual(out.data[1].embedding, Array.from(embeddingVector('Grüße', 12)));
  const floats = await call('embeddings', [{ input: 'Hallo', dimensions: 3 }], { headers: { 'x-simulator-variant': 'floats' } });
  assert.deepEqual(floats.out.data[0].embedding, Array.from(embeddingVector('Hallo', 3)));
  const bad = await call('embeddings', [{ input: 'a', dimensions: -1 }]);
  assert.equal(bad.error.name, 'ValidationError');
  assert.equal(bad.error.param, 'dimensions');
});

test('chromium: assistants and a run with files, cross-origin; the older shape; 403', { timeout: 30_000 }, async () => {
  assert.equal((await call('listAssistants', [])).out.assistants.length, ASSISTANTS.length);
  const messages = [{ role: 'user', content: 'Prüfe bitte' }];
  const run = await call('runAssistant', [ASSISTANTS[0].id, { messages, files: [{ $file: 'Vertrag', name: 'v.txt' }] }]);
  assert.match(run.out.text, /Angehängt: v\.txt \(7 B\)/);
  assert.match(run.log[0].headers['content-type'], /^multipart\/form-data/);
  const old = await call('runAssistant', [ASSISTANTS[0].id, { messages }], { headers: { 'x-simulator-variant': 'old' } });
  assert.equal(old.out.citations, undefined);
  const denied = await call('runAssistant', ['asst-forbidden', { messages }]);
  assert.equal(denied.error.name, 'PermissionDeniedError');
  assert.equal(denied.error.message, 'You do not have access to this assistant');
});

test('chromium: workflows; 403 not enabled; a 429 retried; an abort', { timeout: 30_000 }, async () => {
  const inputs = await call('getWorkflowInputs', [WORKFLOWS[0].id]);
  assert.deepEqual(inputs.out.inputs.map((i) => i.name), ['text', 'laenge']);
  const run = await call('runWorkflow', [WORKFLOWS[1].id, { input: { frage: 'Reisen?' } }]);
  assert.equal(run.out.messages[0].knowledgeCollectionSearchResults[0].resultComponents.length, 2);
  assert.equal((await call('runWorkflow', [FORBIDDEN_WORKFLOW, { input: {} }])).error.name, 'PermissionDeniedError');
  const retried = await call('listWorkflows', [], { headers: { 'x-simulator-fault': '429', 'x-simulator-fault-times': '1', 'x-simulator-fault-key': `br-429-${n}` } });
  assert.equal(retried.out.status, 'success');
  assert.equal(retried.log.length, 2);
  const aborted = await call('listWorkflows', [], { aborted: true });
  assert.equal(aborted.error.name, 'APIUserAbortError');
});

test('chromium: assistant files upload, replace (PUT), delete (DELETE) across origins', { timeout: 30_000 }, async () => {
  const aid = ASSISTANTS[0].id;
  const up = await call('uploadAssistantFile', [aid, { $bytes: [1, 2, 3], name: 'drei.bin' }]);
  const doc = up.out.file.id;
  assert.equal(up.out.file.size, 3);
  assert.equal((await call('replaceAssistantFile', [aid, doc, { $file: 'neu', name: 'neu.txt' }])).out.file.originalName, 'neu.txt');
  assert.equal((await call('deleteAssistantFile', [aid, doc])).out.success, true);
  assert.equal((await call('getAssistantFile', [aid, doc])).error.name, 'NotFoundError');
});

test('chromium: the key never shows in an error, the console or a URL', { timeout: 30_000 }, async () => {
  const { error } = await call('listAssistants', [], { apiKey: CANARY, headers: { 'x-simulator-fault': '500' }, maxRetries: 0 });
  assert.equal(error.name, 'InternalServerError');
  assert.ok(!JSON.stringify(error).includes(CANARY));
  assert.deepEqual(consoleLines.filter((l) => l.includes(CANARY)), []);
  for (const r of api.log) assert.ok(!r.path.includes(CANARY));
  assert.deepEqual(pageErrors, []);
});
