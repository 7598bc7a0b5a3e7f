// meinGPT's routes beyond chat (issue 15, items 2 and 3): embeddings, assistants, workflows and
// assistant files against the simulator, with the chat route's options, errors and retries.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { createRequire } from 'node:module';
import {
  embeddings,
  listAssistants,
  runAssistant,
  listWorkflows,
  getWorkflowInputs,
  runWorkflow,
  listAssistantFiles,
  uploadAssistantFile,
  getAssistantFile,
  replaceAssistantFile,
  deleteAssistantFile,
  ValidationError,
  APIError,
  PermissionDeniedError,
  NotFoundError,
  AuthenticationError,
  APIUserAbortError,
  InternalServerError,
} from 'meingpt-wasm';
import { embeddingVector, ASSISTANTS, WORKFLOWS, FORBIDDEN_ASSISTANT, FILES_DISABLED_ASSISTANT, FORBIDDEN_WORKFLOW } from '../../simulator/routes.mjs';
import { T, KEY, CANARY, startSim, uid, rejection, fakeFetch, assertErrorClass, assertNoSecret, assertHealthy } from './helpers.mjs';

let sim;
before(async () => {
  sim = await startSim();
});
after(() => sim?.close());

/** Options for the simulator: its chat base (one baseUrl serves every function), a test id header. */
const o = (extra = {}, id = uid('route')) => ({ apiKey: KEY, baseUrl: sim.baseUrl, ...extra, headers: { 'x-test-id': id, ...(extra.headers ?? {}) } });
const logOf = (id) => sim.log.filter((r) => r.headers['x-test-id'] === id);
const OWNER = ASSISTANTS[0].id; // OWNER rights
const VIEWER = ASSISTANTS[1].id; // VIEW rights only
const SEARCH = WORKFLOWS[1].id; // answers with knowledge-search sources
const f32 = (text, dims) => Array.from(embeddingVector(text, dims));

// ---------- embeddings ----------

test('embeddings: asks for base64 and returns float arrays, the same text the same vector', T, async () => {
  const id = uid('emb');
  const r = await embeddings({ input: ['Hallo Welt', 'Grüße 😀', 'Hallo Welt'], model: 'text-embedding-3-large' }, o({}, id));
  assert.equal(logOf(id)[0].body.encoding_format, 'base64');
  assert.equal(logOf(id)[0].path, '/api/openai/v1/embeddings');
  assert.equal(r.object, 'list');
  assert.equal(r.data.length, 3);
  for (const d of r.data) assert.ok(Array.isArray(d.embedding) && d.embedding.length === 3072);
  assert.deepEqual(r.data[0].embedding, f32('Hallo Welt', 3072));
  assert.deepEqual(r.data[1].embedding, f32('Grüße 😀', 3072));
  assert.deepEqual(r.data[2].embedding, r.data[0].embedding);
  assert.notDeepEqual(r.data[1].embedding, r.data[0].embedding);
  assert.deepEqual(r.usage, { prompt_tokens: 6, total_tokens: 6 });
});

test('embeddings: dimensions honoured; floats asked for are floats; base64 asked for stays as sent', T, async () => {
  const small = await embeddings({ input: 'Hallo', dimensions: 8 }, o());
  assert.deepEqual(small.data[0].embedding, f32('Hallo', 8));
  const id = uid('emb');
  const floats = await embeddings({ input: [[1, 2, 3]], dimensions: 4, encoding_format: 'float' }, o({}, id));
  assert.equal(logOf(id)[0].body.encoding_format, 'float');
  assert.deepEqual(floats.data[0].embedding, f32('[1,2,3]', 4));
  const raw = await embeddings({ input: 'Hallo', dimensions: 4, encoding_format: 'base64' }, o());
  assert.equal(typeof raw.data[0].embedding, 'string');
  assert.deepEqual(Array.from(new Float32Array(Uint8Array.from(Buffer.from(raw.data[0].embedding, 'base64')).buffer)), f32('Hallo', 4));
});

test('embeddings: a server that ignores encoding_format (floats sent) is read as it is', T, async () => {
  const r = await embeddings({ input: 'Hallo', dimensions: 5 }, o({ headers: { 'x-simulator-variant': 'floats' } }));
  assert.deepEqual(r.data[0].embedding, f32('Hallo', 5));
});

test('embeddings: refused with the field path before anything is sent', T, async () => {
  for (const [request, param] of [
    [{}, 'input'],
    [{ input: '' }, 'input'],
    [{ input: [] }, 'input'],
    [{ input: ['a', 2] }, 'input[1]'],
    [{ input: [[1], [2, -1]] }, 'input[1][1]'],
    [{ input: 'a', dimensions: 0 }, 'dimensions'],
    [{ input: 'a', dimensions: 2.5 }, 'dimensions'],
    [{ input: 'a', encoding_format: 'int8' }, 'encoding_format'],
    [[], 'request'],
    [undefined, 'request'],
  ]) {
    const id = uid('bad');
    const e = await rejection(embeddings(request, o({}, id)));
    assertErrorClass(e, ValidationError, JSON.stringify(request));
    assert.equal(e.param, param, JSON.stringify(request));
    assert.equal(logOf(id).length, 0);
  }
});

test('embeddings: a broken base64 embedding is an APIError, not a wrong vector', T, async () => {
  const fetch = fakeFetch(() => Response.json({ object: 'list', data: [{ object: 'embedding', index: 0, embedding: 'AAA' }] }));
  const e = await rejection(embeddings({ input: 'x' }, { apiKey: 'k', baseUrl: 'http://fake.invalid/api', fetch }));
  assertErrorClass(e, APIError);
  assert.match(e.message, /embedding 0 is not base64/);
  assert.equal(fetch.calls[0].url, 'http://fake.invalid/api/openai/v1/embeddings');
});

// ---------- one baseUrl for every function ----------

test('the API root and the chat base both serve every function; a bad baseUrl is refused', T, async () => {
  for (const baseUrl of [sim.baseUrl, `${sim.url}/api`, `${sim.url}/api/`, `${sim.baseUrl}/`]) {
    const r = await listAssistants(o({ baseUrl }));
    assert.deepEqual(r.assistants.map((a) => a.id), ASSISTANTS.map((a) => a.id), baseUrl);
  }
  const fetch = fakeFetch(() => Response.json({ status: 'success', workflows: [] }));
  await listWorkflows({ fetch });
  assert.equal(fetch.calls[0].url, 'https://app.meingpt.com/api/workflows/v1/user-workflows');
  await listWorkflows({ fetch, baseUrl: 'https://proxy.example/api/openai/v1?tenant=7' });
  assert.equal(fetch.calls[1].url, 'https://proxy.example/api/workflows/v1/user-workflows?tenant=7');
  for (const baseUrl of ['ftp://h/api', 'https://sk-123@h/api', 'http://h/api#x', 42]) {
    const e = await rejection(listWorkflows({ fetch, baseUrl }));
    assertErrorClass(e, ValidationError, String(baseUrl));
    assert.equal(e.param, 'baseUrl');
  }
  assert.equal(fetch.calls.length, 2);
});

// ---------- assistants ----------

test('runAssistant: JSON messages; the answer with its usage and citations', T, async () => {
  const id = uid('run');
  const r = await runAssistant(OWNER, { messages: [{ role: 'user', content: 'Ist Klausel 7 riskant?' }] }, o({}, id));
  assert.match(r.text, /Vertragsprüfer: Zu „Ist Klausel 7 riskant\?“/);
  assert.deepEqual(Object.keys(r.usage).sort(), ['completionTokens', 'promptTokens']);
  assert.ok(r.citations.length);
  const [rec] = logOf(id);
  assert.equal(rec.path, `/api/assistants/v1/${OWNER}/run`);
  assert.match(rec.headers['content-type'], /^application\/json/);
  assert.deepEqual(rec.body, { messages: [{ role: 'user', content: 'Ist Klausel 7 riskant?' }] });
});

test('runAssistant: files go as multipart (Blob, File, bytes with a name)', T, async () => {
  const id = uid('run');
  const files = [new Blob(['Vertrag']), new File(['Anhang A'], 'anhang.txt', { type: 'text/plain' }), { name: 'daten.bin', data: Buffer.from([1, 2, 3]) }];
  const r = await runAssistant(OWNER, { messages: [{ role: 'user', content: 'Prüfe das' }], files }, o({}, id));
  assert.match(r.text, /Angehängt: file \(7 B\), anhang\.txt \(8 B\), daten\.bin \(3 B\)\./);
  assert.match(logOf(id)[0].headers['content-type'], /^multipart\/form-data; boundary=/);
});

test('runAssistant: the older page\'s shapes (content parts, other usage, no citations) come through as sent', T, async () => {
  const r = await runAssistant(OWNER, { messages: [{ role: 'user', content: 'Hallo' }] }, o({ headers: { 'x-simulator-variant': 'old' } }));
  assert.deepEqual(r.messages[0].content, [{ type: 'text', text: r.text }]);
  assert.equal(typeof r.usage.input_tokens, 'number');
  assert.equal(r.citations, undefined);
});

test('runAssistant: bad ids and messages are refused before sending; 403 and 404 with the server\'s message', T, async () => {
  for (const [aid, run, param] of [
    ['../workflows', { messages: [{ role: 'user', content: 'x' }] }, 'assistantId'],
    ['a/b', { messages: [{ role: 'user', content: 'x' }] }, 'assistantId'],
    ['..', { messages: [{ role: 'user', content: 'x' }] }, 'assistantId'],
    ['', { messages: [{ role: 'user', content: 'x' }] }, 'assistantId'],
    [7, { messages: [{ role: 'user', content: 'x' }] }, 'assistantId'],
    [OWNER, { messages: [] }, 'messages'],
    [OWNER, { messages: [{ role: 'robot', content: 'x' }] }, 'messages[0].role'],
    [OWNER, { messages: [{ role: 'user', content: 'x' }], files: [{ data: new Uint8Array(1) }] }, 'files[0]'],
  ]) {
    const id = uid('bad');
    const e = await rejection(runAssistant(aid, run, o({}, id)));
    assertErrorClass(e, ValidationError, String(aid));
    assert.equal(e.param, param);
    assert.equal(logOf(id).length, 0);
  }
  const denied = await rejection(runAssistant(FORBIDDEN_ASSISTANT, { messages: [{ role: 'user', content: 'x' }] }, o()));
  assertErrorClass(denied, PermissionDeniedError);
  assert.equal(denied.message, 'You do not have access to this assistant');
  const missing = await rejection(runAssistant('cmunknown000', { messages: [{ role: 'user', content: 'x' }] }, o()));
  assertErrorClass(missing, NotFoundError);
});

// ---------- workflows ----------

test('workflows: list, inputs, run with knowledge-search sources', T, async () => {
  const list = await listWorkflows(o());
  assert.equal(list.status, 'success');
  assert.deepEqual(list.workflows.map((w) => w.id), WORKFLOWS.map((w) => w.id));
  const inputs = await getWorkflowInputs(SEARCH, o());
  assert.deepEqual(inputs.inputs, WORKFLOWS[1].inputs);
  const id = uid('wf');
  const r = await runWorkflow(SEARCH, { input: { frage: 'Wie beantrage ich Urlaub?' }, language: 'de' }, o({}, id));
  const m = r.messages[0];
  assert.match(m.content, /Wissensrecherche/);
  assert.equal(m.knowledgeCollectionSearchResults[0].resultComponents[0].documentTitle, 'Urlaubsregelung.pdf');
  assert.deepEqual(logOf(id)[0].body, { input: { frage: 'Wie beantrage ich Urlaub?' }, language: 'de' });
  const older = await runWorkflow(WORKFLOWS[0].id, { input: { text: 'Ein langer Text.' } }, o({ headers: { 'x-simulator-variant': 'old' } }));
  assert.equal(older.workflowId, WORKFLOWS[0].id);
  assert.deepEqual(older.input, { text: 'Ein langer Text.' });
});

test('workflows: 403 (not enabled) and 404 as their classes; bad input refused', T, async () => {
  const e403 = await rejection(runWorkflow(FORBIDDEN_WORKFLOW, { input: {} }, o()));
  assertErrorClass(e403, PermissionDeniedError);
  assert.equal(e403.message, 'Workflow API is not enabled for your organization');
  assert.equal(e403.status, 403);
  assertErrorClass(await rejection(getWorkflowInputs('cmnothere', o())), NotFoundError);
  const viaFault = await rejection(listWorkflows(o({ headers: { 'x-simulator-fault': '403' } })));
  assertErrorClass(viaFault, PermissionDeniedError);
  for (const [run, param] of [
    [undefined, 'input'],
    [{ input: [1] }, 'input'],
    [{ input: {}, language: 5 }, 'language'],
  ]) {
    const e = await rejection(runWorkflow(SEARCH, run, o()));
    assertErrorClass(e, ValidationError);
    assert.equal(e.param, param);
  }
});

// ---------- assistant files ----------

test('assistant files: upload, list, get, replace, delete', T, async () => {
  const aid = ASSISTANTS[2].id;
  const up = await uploadAssistantFile(aid, new File(['Preisliste 2026'], 'preise.txt', { type: 'text/plain' }), o());
  assert.equal(up.success, true);
  assert.equal(up.file.originalName, 'preise.txt');
  assert.equal(up.file.size, 15);
  const doc = up.file.id;
  const bytes = await uploadAssistantFile(aid, { name: 'logo.png', data: new Uint8Array(300), type: 'image/png' }, o());
  assert.equal(bytes.file.mimeType, 'image/png');
  const list = await listAssistantFiles(aid, o());
  assert.equal(list.count, 2);
  assert.deepEqual(list.files.map((f) => f.originalName), ['preise.txt', 'logo.png']);
  const got = await getAssistantFile(aid, doc, o());
  assert.equal(got.file.id, doc);
  const id = uid('put');
  const replaced = await replaceAssistantFile(aid, doc, new Blob(['Preisliste 2027, neu']), o({}, id));
  assert.equal(replaced.file.id, doc);
  assert.equal(replaced.file.size, 20);
  assert.equal(logOf(id)[0].method, 'PUT');
  const gone = await deleteAssistantFile(aid, doc, o());
  assert.equal(gone.success, true);
  assertErrorClass(await rejection(getAssistantFile(aid, doc, o())), NotFoundError);
  assert.equal((await listAssistantFiles(aid, o())).count, 1);
});

test('assistant files: VIEW rights may list but not change (403); not enabled (403); unknown (404)', T, async () => {
  assert.deepEqual(await listAssistantFiles(VIEWER, o()), { files: [], count: 0, assistantId: VIEWER });
  const e = await rejection(uploadAssistantFile(VIEWER, new Blob(['x']), o()));
  assertErrorClass(e, PermissionDeniedError);
  assert.match(e.message, /EDIT or OWNER/);
  const off = await rejection(listAssistantFiles(FILES_DISABLED_ASSISTANT, o()));
  assertErrorClass(off, PermissionDeniedError);
  assert.equal(off.message, 'Assistant files API is not enabled for your organization');
  assertErrorClass(await rejection(listAssistantFiles('cmnothere', o())), NotFoundError);
});

test('assistant files: bad files and ids are refused before sending, a file past 150 MB too', T, async () => {
  const huge = Object.create(Blob.prototype, { size: { value: 150 * 1024 * 1024 + 1 } });
  for (const [file, message] of [
    [huge, /150 MB/],
    ['text', /Blob or File/],
    [{ data: new Uint8Array(2) }, /Blob or File/],
    [{ name: 'x', data: 'text' }, /Blob or File/],
  ]) {
    const id = uid('bad');
    const e = await rejection(uploadAssistantFile(OWNER, file, o({}, id)));
    assertErrorClass(e, ValidationError);
    assert.equal(e.param, 'file');
    assert.match(e.message, message);
    assert.equal(logOf(id).length, 0);
  }
  const e = await rejection(deleteAssistantFile(OWNER, 'x?y', o()));
  assert.equal(e.param, 'documentId');
});

test('assistant files: the simulator enforces its file limit (413)', T, async () => {
  const small = await startSim({ fileLimit: 1000 });
  try {
    const e = await rejection(uploadAssistantFile(OWNER, new Blob([new Uint8Array(5000)]), { apiKey: KEY, baseUrl: small.url + '/api', maxRetries: 0 }));
    assertErrorClass(e, APIError);
    assert.equal(e.status, 413);
  } finally {
    await small.close();
  }
});

// ---------- the chat route's options and errors, on these routes ----------

test('retries a 503 and a 429 like chat; 401 is not retried; an abort stops it', T, async () => {
  const id = uid('retry');
  const r = await listAssistants(o({ headers: { 'x-simulator-fault': '503', 'x-simulator-fault-times': '1', 'x-simulator-fault-key': id } }, id));
  assert.equal(r.assistants.length, 3);
  assert.equal(logOf(id).length, 2);
  const id2 = uid('retry');
  await embeddings({ input: 'x', dimensions: 2 }, o({ headers: { 'x-simulator-fault': '429', 'x-simulator-fault-times': '2', 'x-simulator-fault-key': id2 } }, id2));
  assert.equal(logOf(id2).length, 3);
  const id3 = uid('retry');
  const e = await rejection(listWorkflows(o({ headers: { 'x-simulator-fault': '500' }, maxRetries: 1 }, id3)));
  assertErrorClass(e, InternalServerError);
  assert.equal(logOf(id3).length, 2);
  const id4 = uid('auth');
  assertErrorClass(await rejection(listWorkflows(o({ apiKey: 'sk-invalid' }, id4))), AuthenticationError);
  assert.equal(logOf(id4).length, 1);
  const ac = new AbortController();
  ac.abort();
  assertErrorClass(await rejection(runWorkflow(SEARCH, { input: { frage: 'x' } }, o({ signal: ac.signal }))), APIUserAbortError);
});

test('GET and multipart requests carry no JSON content type; the key goes as Bearer', T, async () => {
  const id = uid('hdr');
  await listAssistants(o({}, id));
  const [rec] = logOf(id);
  assert.equal(rec.headers['content-type'], undefined);
  assert.equal(rec.headers.authorization, `Bearer ${KEY}`);
  assert.equal(rec.headers.accept, 'application/json');
});

test('the key never shows in an error of these routes; redirects are not followed', T, async () => {
  const fetch = fakeFetch(() => Response.json({ status: 'error', message: `bad key ${CANARY}` }, { status: 500 }));
  const e = await rejection(runWorkflow(SEARCH, { input: {} }, { apiKey: CANARY, baseUrl: 'http://fake.invalid/api', fetch, maxRetries: 0 }));
  assertErrorClass(e, InternalServerError);
  assertNoSecret(e, CANARY, 'runWorkflow 500');
  const moved = fakeFetch(() => new Response(null, { status: 307, headers: { location: 'http://elsewhere.invalid/x' } }));
  const r = await rejection(listAssistantFiles(OWNER, { apiKey: CANARY, baseUrl: 'http://fake.invalid/api', fetch: moved }));
  assertErrorClass(r, APIError);
  assert.match(r.message, /redirect/);
  assert.equal(moved.calls.length, 1);
  assert.equal(moved.calls[0].init.redirect, 'manual');
});

test('a delete answered with 204 resolves', T, async () => {
  const fetch = fakeFetch(() => new Response(null, { status: 204 }));
  assert.deepEqual(await deleteAssistantFile(OWNER, 'doc1', { apiKey: 'k', baseUrl: 'http://fake.invalid/api', fetch }), {});
  assert.equal(fetch.calls[0].init.method, 'DELETE');
  assert.equal(fetch.calls[0].url, `http://fake.invalid/api/assistant-files/v1/assistants/${OWNER}/files/doc1`);
});

test('chat still works after all of the above', T, async () => {
  await assertHealthy(sim);
});

test('a bundle that only calls chatCompletion does not ship routes.js; one that calls a route does', T, async () => {
  const app = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
  const esbuild = createRequire(path.join(app, '..', 'package.json'))('esbuild');
  const bundle = async (names) => {
    const r = await esbuild.build({
      stdin: { contents: `import { ${names} } from 'meingpt-wasm'; console.log(${names});`, resolveDir: app },
      bundle: true,
      format: 'esm',
      platform: 'browser',
      minify: true,
      write: false,
      logLevel: 'silent',
    });
    return r.outputFiles[0].text;
  };
  const MARK = 'must be an id: 1 to 256'; // a string only routes.js holds
  for (const names of ['chatCompletion', 'chatCompletion, runTools, ValidationError']) {
    const text = await bundle(names);
    assert.ok(!text.includes(MARK), names);
    assert.ok(!text.includes('routes.js'), names);
  }
  for (const names of ['embeddings', 'runWorkflow', 'deleteAssistantFile']) {
    assert.ok((await bundle(names)).includes(MARK), names);
  }
});

test('options read through a prototype or a getter count, as they do for chat', T, async () => {
  const id = uid('proto');
  const options = Object.create({ baseUrl: sim.baseUrl, headers: { 'x-test-id': id } }, { apiKey: { get: () => KEY } });
  const r = await listAssistants(options);
  assert.equal(r.assistants.length, 3);
  assert.equal(logOf(id)[0].headers.authorization, `Bearer ${KEY}`);
});
