// meinGPT's routes beyond chat completions (MEINGPT-API.md): embeddings, assistants, workflows and
// assistant files. The entries load this file on first use (lazy.js `route`), so a bundle that
// never calls these functions does not ship it. Each call goes through the chat driver's own
// attempts (client.js `send`: retries, timeouts, abort, redirects refused, maxResponseBytes, the
// key redacted from every error); the main wasm's `prepare` checks the options and builds the URL
// under the API root. The embeddings check, the base64 decoding and the id check are Rust in the
// helpers' wasm (src/routes.rs through src/schema_abi.rs), which `api.schema()` loads the way the
// entry's runtime loads wasm.
import { prepare, validateRequest } from './meingpt_wasm.js';
import { send } from './client.js';
import { APIError, ValidationError } from './errors.js';

const enc = new TextEncoder();
const dec = new TextDecoder();
/** meinGPT refuses larger assistant files. */
export const MAX_FILE_BYTES = 150 * 1024 * 1024;

let helpers; // a promise of the helpers' wasm exports (its own instance), made once
function helper(api) {
  helpers ??= Promise.resolve()
    .then(api.schema)
    .then((module) => WebAssembly.instantiate(module, { env: { pattern: () => -1 } }))
    .then((i) => i.exports);
  helpers.catch(() => (helpers = undefined));
  return helpers;
}

/** Runs `f(x)` on the helpers' instance; a trapped instance is not reused. */
async function withHelper(api, f) {
  const x = await helper(api);
  try {
    return f(x);
  } catch (e) {
    if (e instanceof WebAssembly.RuntimeError) helpers = undefined;
    throw e;
  }
}

/** `text` (a string) copied into the instance: `[pointer, byte length]`. */
function put(x, text) {
  const b = enc.encode(text);
  const p = x.alloc(b.length);
  new Uint8Array(x.memory.buffer, p, b.length).set(b);
  return [p, b.length];
}

/** Throws the ValidationError of an id that cannot be a path segment (checked in Rust). */
function checkId(x, id, param) {
  let ok = typeof id === 'string' && id.length <= 256;
  if (ok) {
    const [p, n] = put(x, id);
    ok = x.id_ok(p, n) === 1;
    x.free(p, n);
  }
  if (!ok) throw new ValidationError(`${param} must be an id: 1 to 256 letters, digits, '-', '_', '.' or '~' (not dots alone)`, param);
  return id;
}

// The options are checked by the main wasm's `prepare` (the key, headers, signal, timeouts, limits,
// exactly as for chat), given a fixed valid chat request and the route's URL as `baseUrl`; its
// chat URL and body are then replaced by the route's. This keeps meinGPT's routes out of the main
// wasm every chat call loads (its size is budgeted: pkg-tests/size; a `route` argument of prepare
// cost +210 B gzip there, DESIGN.md "One declared boundary").
const PROBE = { model: 'route', messages: [{ role: 'user', content: 'route' }] };

/** The result of a helpers' wasm call returning `[len][a][0][b]` (then freed): `[a, b]`. */
function pair(x, r) {
  const len = new DataView(x.memory.buffer).getUint32(r, true);
  const bytes = new Uint8Array(x.memory.buffer, r + 4, len).slice();
  x.free(r, len + 4);
  const z = bytes.indexOf(0);
  return [dec.decode(bytes.subarray(0, z)), dec.decode(bytes.subarray(z + 1))];
}

/** The route's URL under the API root that `options.baseUrl` names (checked in Rust). */
function routeUrl(x, base, route) {
  const [bp, bn] = typeof base === 'string' ? put(x, base) : [0, -1];
  const [rp, rn] = put(x, route);
  const r = x.route_url(bp, bn, rp, rn);
  if (bn >= 0) x.free(bp, bn);
  x.free(rp, rn);
  const [error, url] = pair(x, r);
  if (error) throw new ValidationError(error, 'baseUrl');
  return url;
}

/** One call of a route: its JSON body text, or a multipart `form`, or neither. */
async function call(api, route, options, method = 'POST', body, form) {
  const object = options !== null && typeof options === 'object';
  const base = object ? (options.baseUrl === undefined ? options.baseURL : options.baseUrl) : undefined;
  // A baseUrl that is not a string (or options that are not an object) is left to prepare's error.
  const url = base == null || typeof base === 'string' ? await withHelper(api, (x) => routeUrl(x, base ?? undefined, route)) : undefined;
  await api.init();
  // Over the caller's object, not a copy: options read through getters or a prototype still count.
  const plan = prepare(PROBE, object && url ? Object.create(options, { baseUrl: { value: url }, baseURL: { value: undefined } }) : options);
  plan[/* PLAN_URL */ 0] = url;
  plan[/* PLAN_BODY */ 2] = body;
  // No body, or multipart (fetch writes its boundary): not the JSON content type prepare set.
  const headers = plan[/* PLAN_HEADERS */ 1];
  if (!body && headers.get('content-type') === 'application/json') headers.delete('content-type');
  try {
    return await send(plan, method, form);
  } catch (e) {
    // A 204 (or an empty 200) to a delete: the route's answer is not documented.
    if (method === 'DELETE' && e.status >= 200 && e.status < 300 && e.body === '') return {};
    throw e;
  }
}

function json(value, param) {
  try {
    return JSON.stringify(value ?? null);
  } catch {
    throw new ValidationError(`${param} must be JSON-serializable (no cycles, no BigInt)`, param);
  }
}

// ---------- embeddings ----------

/**
 * `embeddings(request, options)`: OpenAI's response with float arrays. Unless the caller named an
 * `encoding_format`, base64 is asked for (a quarter of the bytes on the wire, as OpenAI's client
 * does) and decoded; a server that sent floats anyway is read as it is.
 */
export async function embeddings(api, request, options) {
  const text = json(request, 'request');
  await withHelper(api, (x) => {
    const [p, n] = put(x, text);
    const r = x.embeddings_check(p, n);
    x.free(p, n);
    if (!r) return;
    const [param, message] = pair(x, r);
    throw new ValidationError(message, param);
  });
  const decode = request.encoding_format === undefined;
  const body = decode ? JSON.stringify({ ...request, encoding_format: 'base64' }) : text;
  const response = await call(api, '/openai/v1/embeddings', options, 'POST', body);
  if (decode && Array.isArray(response?.data)) {
    await withHelper(api, (x) => {
      for (const item of response.data) {
        if (typeof item?.embedding === 'string') item.embedding = floats(x, item.embedding, item.index, response);
      }
    });
  }
  return response;
}

/** The float32 values of one base64 embedding, as numbers. */
function floats(x, b64, index, response) {
  const [p, n] = put(x, b64);
  const r = x.floats(p, n);
  x.free(p, n);
  if (!r) throw new APIError(200, `embedding ${index} is not base64 of little-endian float32 values`, response);
  const count = new Uint32Array(x.memory.buffer, r, 1)[0];
  const view = new Float32Array(x.memory.buffer, r + 4, count);
  // A plain loop: Array.from(view) was ten times slower (the iterator protocol per element).
  const out = new Array(count);
  for (let i = 0; i < count; i++) out[i] = view[i];
  x.free_floats(r, count);
  return out;
}

// ---------- assistants and workflows ----------

/** `GET /assistants/v1/`: `{ assistants: [{ id, name }] }`. */
export const listAssistants = (api, options) => call(api, '/assistants/v1/', options, 'GET');

/**
 * `POST /assistants/v1/{assistantId}/run` with `{ messages }` (chat-completions messages, checked
 * as chatCompletion checks them), as multipart with `files` when there are any.
 */
export async function runAssistant(api, assistantId, run, options) {
  const id = await withHelper(api, (x) => checkId(x, assistantId, 'assistantId'));
  const { messages, files, ...rest } = run ?? {};
  await api.init();
  validateRequest({ model: 'assistant', messages });
  const route = `/assistants/v1/${id}/run`;
  if (files === undefined || (Array.isArray(files) && files.length === 0)) {
    return call(api, route, options, 'POST', json({ ...rest, messages }, 'messages'));
  }
  if (!Array.isArray(files)) throw new ValidationError('files must be an array of files', 'files');
  const form = new FormData();
  form.append('messages', JSON.stringify(messages));
  files.forEach((f, i) => form.append('files', ...part(f, `files[${i}]`)));
  return call(api, route, options, 'POST', undefined, form);
}

/** `GET /workflows/v1/user-workflows`: `{ status, workflows: [...] }`. */
export const listWorkflows = (api, options) => call(api, '/workflows/v1/user-workflows', options, 'GET');

/** `GET /workflows/v1/workflow-inputs/{workflowId}`: `{ status, inputs: [...] }`. */
export async function getWorkflowInputs(api, workflowId, options) {
  const id = await withHelper(api, (x) => checkId(x, workflowId, 'workflowId'));
  return call(api, `/workflows/v1/workflow-inputs/${id}`, options, 'GET');
}

/** `POST /workflows/v1/{workflowId}/run` with `{ input, language? }`. */
export async function runWorkflow(api, workflowId, run, options) {
  const id = await withHelper(api, (x) => checkId(x, workflowId, 'workflowId'));
  const input = run?.input;
  if (!input || typeof input !== 'object' || Array.isArray(input)) {
    throw new ValidationError('input must be an object of the workflow\'s input names to values (see getWorkflowInputs)', 'input');
  }
  if (run.language !== undefined && typeof run.language !== 'string') {
    throw new ValidationError("language must be a string such as 'de' (default), 'en', 'es', 'it' or 'fr'", 'language');
  }
  return call(api, `/workflows/v1/${id}/run`, options, 'POST', json(run, 'input'));
}

// ---------- assistant files ----------

/**
 * A file as a multipart part: `[Blob, file name]`. A Blob or File goes as it is (fetch streams
 * it; a Node `fs.openAsBlob()` is read from disk as it is sent); bytes (a Uint8Array, a Node
 * Buffer, an ArrayBuffer) need a name: `{ name, data, type? }`, or the bytes with a `name`.
 */
function part(file, param) {
  const data = ArrayBuffer.isView(file) || file instanceof ArrayBuffer ? file : file instanceof Blob ? file : file?.data;
  const name = file?.name;
  let blob;
  if (data instanceof Blob) blob = data;
  else if (ArrayBuffer.isView(data) || data instanceof ArrayBuffer) blob = new Blob([data], { type: file?.type ?? 'application/octet-stream' });
  if (!blob || (typeof name !== 'string' && !(file instanceof Blob))) {
    throw new ValidationError(
      `${param} must be a Blob or File, or bytes with a name: { name, data: Uint8Array | ArrayBuffer | Blob, type? }`,
      param,
    );
  }
  if (blob.size > MAX_FILE_BYTES) throw new ValidationError(`${param} is larger than meinGPT's limit of 150 MB`, param);
  return [blob, typeof name === 'string' && name ? name : 'file'];
}

async function ids(api, assistantId, documentId) {
  return withHelper(api, (x) => {
    const a = checkId(x, assistantId, 'assistantId');
    return documentId === undefined ? a : `${a}/files/${checkId(x, documentId, 'documentId')}`;
  });
}

const filesRoute = (path) => `/assistant-files/v1/assistants/${path}`;
const form = (file) => {
  const f = new FormData();
  f.append('file', ...part(file, 'file'));
  return f;
};

/** `GET .../assistants/{assistantId}/files`: `{ files, count, assistantId }`. */
export async function listAssistantFiles(api, assistantId, options) {
  return call(api, filesRoute(`${await ids(api, assistantId)}/files`), options, 'GET');
}

/** `POST .../assistants/{assistantId}/files` with a `file` part (at most 150 MB). */
export async function uploadAssistantFile(api, assistantId, file, options) {
  const route = filesRoute(`${await ids(api, assistantId)}/files`);
  return call(api, route, options, 'POST', undefined, form(file));
}

// The three below: meinGPT names these operations, but not their methods and bodies; these are
// the API's own pattern (GET metadata, PUT a `file` part to replace, DELETE).

/** `GET .../files/{documentId}` (method by the API's pattern, not documented). */
export async function getAssistantFile(api, assistantId, documentId, options) {
  return call(api, filesRoute(await ids(api, assistantId, documentId)), options, 'GET');
}

/** `PUT .../files/{documentId}` with a `file` part (method by the API's pattern, not documented). */
export async function replaceAssistantFile(api, assistantId, documentId, file, options) {
  const route = filesRoute(await ids(api, assistantId, documentId));
  return call(api, route, options, 'PUT', undefined, form(file));
}

/** `DELETE .../files/{documentId}` (method by the API's pattern, not documented). */
export async function deleteAssistantFile(api, assistantId, documentId, options) {
  return call(api, filesRoute(await ids(api, assistantId, documentId)), options, 'DELETE');
}
