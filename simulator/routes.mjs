// meinGPT's routes beyond chat completions, as MEINGPT-API.md describes them: embeddings,
// assistants, workflows and assistant files. Seeded assistants and workflows, files in memory
// (150 MB per file, bounded in all), the 403/404 cases on demand (a fault header or a reserved id).
// `createRoutes(sim)` returns `handle(ctx, pathname, method)`, true when it answered.
import { createHash } from 'node:crypto';
import { bearerKey, sendError, sendJson } from './http.mjs';

/** meinGPT's limit for one assistant file. */
export const FILE_LIMIT = 150 * 1024 * 1024;
/** Files kept at most, over all assistants (the oldest go first); only their metadata is kept. */
const MAX_FILES = 10000;
/** JSON bodies of these routes at most. */
const JSON_LIMIT = 4 * 1024 * 1024;
/** text-embedding-3-large: its full size, and the largest `dimensions`. */
const EMBEDDING_DIMS = 3072;
const MAX_EMBEDDING_INPUTS = 2048;
const WORKFLOW_LANGUAGES = ['de', 'en', 'es', 'it', 'fr'];

/** Seeded assistants: `rights` is what the simulator's user has on each (files need EDIT or OWNER to change). */
export const ASSISTANTS = Object.freeze([
  { id: 'cme15d7kj0003rojnm041ry3l', name: 'Vertragsprüfer', rights: 'OWNER', instructions: 'Prüft Verträge auf Risiken.' },
  { id: 'cme15d9xq0007rojn5tq1a2b3', name: 'HR-Handbuch', rights: 'VIEW', instructions: 'Beantwortet Fragen zum Personalhandbuch.' },
  { id: 'cme15dc2m000brojnkz8w4e5f', name: 'Marketing-Texter', rights: 'EDIT', instructions: 'Schreibt kurze Werbetexte.' },
]);

/** Reserved ids (not listed): 403 for the assistant routes, 403 "not enabled" for assistant files. */
export const FORBIDDEN_ASSISTANT = 'asst-forbidden';
export const FILES_DISABLED_ASSISTANT = 'asst-files-disabled';
export const FORBIDDEN_WORKFLOW = 'wf-disabled';

/** Seeded workflows and their inputs. */
export const WORKFLOWS = Object.freeze([
  {
    id: 'cmf2a1b2c0001wfzusammenf',
    name: 'Zusammenfassung',
    description: 'Fasst einen Text in wenigen Sätzen zusammen.',
    inputs: [
      { name: 'text', type: 'text', description: 'Der Text, der zusammengefasst wird', defaultValue: null, options: [] },
      {
        name: 'laenge',
        type: 'select',
        description: 'Wie lang die Zusammenfassung wird',
        defaultValue: 'kurz',
        options: [
          { label: 'Kurz', value: 'kurz' },
          { label: 'Ausführlich', value: 'lang' },
        ],
      },
    ],
  },
  {
    id: 'cmf2a1b2c0002wfrecherche',
    name: 'Wissensrecherche',
    description: 'Durchsucht die Wissensdatenbank und antwortet mit Quellen.',
    inputs: [{ name: 'frage', type: 'text', description: 'Die Frage an die Wissensdatenbank', defaultValue: null, options: [] }],
  },
]);

const FORBIDDEN_MESSAGES = {
  embeddings: 'Completions API is not enabled for your organization',
  assistant: 'You do not have access to this assistant',
  workflow: 'Workflow API is not enabled for your organization',
  files: 'Assistant files API is not enabled for your organization',
  rights: 'You need EDIT or OWNER rights on this assistant to change its files',
};

const hash = (s) => createHash('sha256').update(s).digest();

/**
 * A deterministic unit vector for `text` with `dims` entries: the same text gives the same vector,
 * and a shorter `dimensions` is the full vector's start, normalised again (as OpenAI's models do).
 */
export function embeddingVector(text, dims) {
  const out = new Float32Array(dims);
  let block = Buffer.alloc(0);
  for (let i = 0; i < dims; i += 1) {
    if (i % 8 === 0) block = hash(`${i / 8}:${text}`);
    out[i] = block.readInt32LE((i % 8) * 4) / 2 ** 31;
  }
  let norm = 0;
  for (const x of out) norm += x * x;
  norm = Math.sqrt(norm) || 1;
  for (let i = 0; i < dims; i += 1) out[i] /= norm;
  return out;
}

/** Little-endian float32 bytes as base64, as OpenAI sends `encoding_format: 'base64'`. */
export function toBase64(floats) {
  const b = Buffer.alloc(floats.length * 4);
  floats.forEach((x, i) => b.writeFloatLE(x, i * 4));
  return b.toString('base64');
}

const words = (s) => String(s).split(/\s+/).filter(Boolean).length;

/** The text of a chat message's content (string or content parts). */
function textOf(content) {
  if (typeof content === 'string') return content;
  if (Array.isArray(content)) return content.map((p) => (typeof p?.text === 'string' ? p.text : '')).join(' ');
  return '';
}

/**
 * `sim`: what the routes need of the server: `{ countFault(key), logBody(rec, body, bytes), now() }`.
 * Returns `{ handle(ctx, pathname, method), reset() }`.
 */
export function createRoutes(sim, { fileLimit = FILE_LIMIT } = {}) {
  const { countFault, logBody, now } = sim;
  /** assistantId -> Map(documentId -> file) */
  const files = new Map();
  let fileSeq = 0;

  /** The request body, at most `limit` bytes: `{ buf }`, `{ tooLarge }` or `{ aborted }`. */
  function readBody(ctx, limit) {
    const { req, ctl } = ctx;
    return new Promise((resolve) => {
      const chunks = [];
      let size = 0;
      let done = false;
      const finish = (r) => {
        if (done) return;
        done = true;
        ctl.signal.removeEventListener('abort', onAbort);
        resolve(r);
      };
      const onAbort = () => finish({ aborted: true });
      ctl.signal.addEventListener('abort', onAbort, { once: true });
      req.on('data', (c) => {
        size += c.length;
        if (size > limit) {
          chunks.length = 0;
          req.pause();
          finish({ tooLarge: true });
        } else chunks.push(c);
      });
      req.on('end', () => finish({ buf: Buffer.concat(chunks) }));
      req.on('error', () => finish({ aborted: true }));
      req.on('close', () => finish(req.complete ? { buf: Buffer.concat(chunks) } : { aborted: true }));
    });
  }

  async function jsonBody(ctx) {
    const got = await readBody(ctx, JSON_LIMIT);
    if (got.aborted) return { answered: true };
    if (got.tooLarge) {
      sendError(ctx, 413, `Request body too large (limit ${JSON_LIMIT} bytes)`, { connection: 'close' });
      return { answered: true };
    }
    try {
      const body = JSON.parse(got.buf.toString('utf8'));
      logBody(ctx.rec, body, got.buf.length);
      return { body };
    } catch {
      sendError(ctx, 400, 'Invalid JSON in request body');
      return { answered: true };
    }
  }

  /** A multipart body parsed by the runtime's own FormData reader; `null` when it answered. */
  async function formBody(ctx, limit) {
    const type = String(ctx.req.headers['content-type'] ?? '');
    if (!/^multipart\/form-data;/i.test(type)) {
      sendError(ctx, 400, 'Expected multipart/form-data');
      return null;
    }
    const got = await readBody(ctx, limit + 1024 * 1024);
    if (got.aborted) return null;
    if (got.tooLarge) {
      sendError(ctx, 413, `File too large (limit ${limit} bytes)`, { connection: 'close' });
      return null;
    }
    try {
      const form = await new Response(got.buf, { headers: { 'content-type': type } }).formData();
      logBody(ctx.rec, `[multipart ${got.buf.length} bytes]`, 0);
      return form;
    } catch {
      sendError(ctx, 400, 'Invalid multipart body');
      return null;
    }
  }

  /** Faults of these routes: `x-simulator-fault: 403|404|429|500|503` (with `-times` and `-key`). */
  function fault(ctx, kind) {
    const { req } = ctx;
    const spec = String(req.headers['x-simulator-fault'] ?? '').trim();
    if (!/^(403|404|429|500|503)$/.test(spec)) return false;
    const times = Number(req.headers['x-simulator-fault-times']);
    if (Number.isFinite(times) && String(req.headers['x-simulator-fault-times']).trim() !== '') {
      const key = String(req.headers['x-simulator-fault-key'] ?? `${req.method} ${req.url}`);
      if (countFault(`route:${key}`) > times) return false;
    }
    if (ctx.rec) ctx.rec.fault = spec;
    const status = Number(spec);
    const messages = {
      403: FORBIDDEN_MESSAGES[kind],
      404: 'Not found',
      429: 'Rate limit exceeded',
      500: 'Internal server error',
      503: 'Service unavailable',
    };
    sendError(ctx, status, messages[status], status === 429 ? { 'retry-after': '0' } : {});
    return true;
  }

  /** Bearer key check as on the chat route; `sk-forbidden` has no API access (403). */
  function auth(ctx, kind) {
    const key = bearerKey(ctx.req);
    if (!key) return sendError(ctx, 401, 'Unauthorized: missing API key'), false;
    if (key === 'sk-invalid') return sendError(ctx, 401, 'Unauthorized: invalid API key'), false;
    if (key === 'sk-forbidden') return sendError(ctx, 403, FORBIDDEN_MESSAGES[kind === 'rights' ? 'files' : kind]), false;
    return true;
  }

  /** The shape of older doc pages, on demand: `x-simulator-variant: old`. */
  const old = (ctx) => String(ctx.req.headers['x-simulator-variant'] ?? '') === 'old';

  // ---------- embeddings ----------

  async function embeddings(ctx) {
    const { body, answered } = await jsonBody(ctx);
    if (answered) return;
    if (fault(ctx, 'embeddings') || !auth(ctx, 'embeddings')) return;
    if (!body || typeof body !== 'object' || Array.isArray(body)) return sendError(ctx, 400, 'Request body must be a JSON object');
    let inputs = body.input;
    if (typeof inputs === 'string') inputs = [inputs];
    else if (Array.isArray(inputs) && inputs.length && inputs.every((x) => Number.isInteger(x))) inputs = [inputs];
    if (!Array.isArray(inputs) || inputs.length === 0) return sendError(ctx, 400, 'input must be a string or an array');
    if (inputs.length > MAX_EMBEDDING_INPUTS) return sendError(ctx, 400, `input: at most ${MAX_EMBEDDING_INPUTS} items`);
    for (const x of inputs) {
      const ok = (typeof x === 'string' && x.length > 0 && x.length <= 32768) || (Array.isArray(x) && x.length > 0 && x.length <= 8192 && x.every((t) => Number.isInteger(t) && t >= 0));
      if (!ok) return sendError(ctx, 400, 'input items must be non-empty strings or arrays of token ids');
    }
    const dims = body.dimensions ?? EMBEDDING_DIMS;
    if (!Number.isInteger(dims) || dims < 1 || dims > EMBEDDING_DIMS) return sendError(ctx, 400, `dimensions must be a whole number from 1 to ${EMBEDDING_DIMS}`);
    const format = body.encoding_format ?? 'float';
    if (format !== 'float' && format !== 'base64') return sendError(ctx, 400, "encoding_format must be 'float' or 'base64'");
    // `x-simulator-variant: floats`: a server that ignores encoding_format.
    const base64 = format === 'base64' && ctx.req.headers['x-simulator-variant'] !== 'floats';
    const data = inputs.map((x, index) => {
      const v = embeddingVector(typeof x === 'string' ? x : JSON.stringify(x), dims);
      return { object: 'embedding', embedding: base64 ? toBase64(v) : Array.from(v), index };
    });
    const tokens = inputs.reduce((n, x) => n + (typeof x === 'string' ? words(x) : x.length), 0);
    sendJson(ctx, 200, {
      object: 'list',
      data,
      model: typeof body.model === 'string' ? body.model : 'text-embedding-3-large',
      usage: { prompt_tokens: tokens, total_tokens: tokens },
    });
  }

  // ---------- assistants ----------

  function findAssistant(ctx, id, kind) {
    if (id === FORBIDDEN_ASSISTANT) return sendError(ctx, 403, FORBIDDEN_MESSAGES.assistant), null;
    if (id === FILES_DISABLED_ASSISTANT && kind === 'files') return sendError(ctx, 403, FORBIDDEN_MESSAGES.files), null;
    const a = ASSISTANTS.find((x) => x.id === id);
    if (!a) return sendError(ctx, 404, `Assistant not found: ${id.slice(0, 100)}`), null;
    return a;
  }

  async function runAssistant(ctx, id) {
    let messages;
    let attached = [];
    const multipart = /^multipart\//i.test(String(ctx.req.headers['content-type'] ?? ''));
    if (multipart) {
      const form = await formBody(ctx, fileLimit);
      if (!form) return;
      try {
        messages = JSON.parse(String(form.get('messages')));
      } catch {
        return sendError(ctx, 400, 'messages must be a JSON array');
      }
      attached = form.getAll('files').filter((f) => typeof f === 'object');
    } else {
      const { body, answered } = await jsonBody(ctx);
      if (answered) return;
      messages = body?.messages;
    }
    if (fault(ctx, 'assistant') || !auth(ctx, 'assistant')) return;
    const a = findAssistant(ctx, id, 'assistant');
    if (!a) return;
    if (!Array.isArray(messages) || messages.length === 0) return sendError(ctx, 400, 'messages must contain at least one message');
    if (!messages.every((m) => m && typeof m === 'object' && typeof m.role === 'string')) return sendError(ctx, 400, 'Invalid messages');
    const last = [...messages].reverse().find((m) => m.role === 'user');
    const question = textOf(last?.content).slice(0, 200);
    const names = attached.map((f) => `${f.name} (${f.size} B)`);
    const text = `${a.name}: Zu „${question}“ – ${a.instructions}${names.length ? ` Angehängt: ${names.join(', ')}.` : ''}`;
    const promptTokens = messages.reduce((n, m) => n + words(textOf(m.content)), 0);
    const completionTokens = words(text);
    if (old(ctx)) {
      // An older page: content-part messages, Anthropic-style usage, no citations.
      return sendJson(ctx, 200, {
        text,
        model: 'claude-sonnet-4-5',
        messages: [{ role: 'assistant', content: [{ type: 'text', text }] }],
        usage: { input_tokens: promptTokens, output_tokens: completionTokens, cache_creation_input_tokens: 0, cache_read_input_tokens: 0 },
      });
    }
    sendJson(ctx, 200, {
      text,
      model: 'gpt-4.1',
      messages: [{ role: 'assistant', content: text }],
      usage: { promptTokens, completionTokens },
      citations: [`https://wissen.example/${a.id}/quelle-1`],
    });
  }

  // ---------- workflows ----------

  function findWorkflow(ctx, id) {
    if (id === FORBIDDEN_WORKFLOW) return sendError(ctx, 403, FORBIDDEN_MESSAGES.workflow), null;
    const w = WORKFLOWS.find((x) => x.id === id);
    if (!w) return sendError(ctx, 404, `Workflow not found: ${id.slice(0, 100)}`), null;
    return w;
  }

  async function runWorkflow(ctx, id) {
    const { body, answered } = await jsonBody(ctx);
    if (answered) return;
    if (fault(ctx, 'workflow') || !auth(ctx, 'workflow')) return;
    const w = findWorkflow(ctx, id);
    if (!w) return;
    const input = body?.input;
    if (!input || typeof input !== 'object' || Array.isArray(input)) return sendError(ctx, 400, 'input must be an object');
    const language = body.language ?? 'de';
    if (!WORKFLOW_LANGUAGES.includes(language)) return sendError(ctx, 400, `language must be one of ${WORKFLOW_LANGUAGES.join(', ')}`);
    for (const i of w.inputs) {
      if (i.defaultValue === null && (input[i.name] === undefined || input[i.name] === '')) return sendError(ctx, 400, `input.${i.name} is required`);
    }
    const values = w.inputs.map((i) => `${i.name}=${String(input[i.name] ?? i.defaultValue).slice(0, 200)}`).join(', ');
    const content = language === 'de' ? `Ergebnis von „${w.name}“ (${values}).` : `Result of "${w.name}" (${values}).`;
    const message = { role: 'assistant', content, model: 'gpt-4.1' };
    if (w.id === WORKFLOWS[1].id) {
      message.knowledgeCollectionSearchResults = [
        {
          knowledgeCollectionId: 'kc-handbuch',
          knowledgeCollectionName: 'Handbuch',
          queries: [String(input.frage ?? '').slice(0, 200)],
          resultComponents: [
            { documentId: 'doc-urlaub', documentTitle: 'Urlaubsregelung.pdf', score: 0.91, result: 'Urlaub wird im HR-Portal beantragt.', sourceNumber: 1 },
            { documentId: 'doc-reise', documentTitle: 'Reiserichtlinie.pdf', score: 0.74, result: 'Reisen werden vorab genehmigt.', sourceNumber: 2 },
          ],
        },
      ];
    }
    const out = { status: 'success', messages: [message], documentUrl: `https://app.meingpt.com/documents/${w.id}` };
    if (old(ctx)) Object.assign(out, { workflowId: w.id, input });
    sendJson(ctx, 200, out);
  }

  // ---------- assistant files ----------

  const meta = (f) => ({ id: f.id, originalName: f.originalName, mimeType: f.mimeType, size: f.size, createdAt: f.createdAt, updatedAt: f.updatedAt });

  function store(assistantId, file, id) {
    const map = files.get(assistantId) ?? new Map();
    files.set(assistantId, map);
    const at = new Date(Number(now())).toISOString();
    const previous = id ? map.get(id) : undefined;
    fileSeq += 1;
    const f = {
      id: id ?? `doc${String(fileSeq).padStart(6, '0')}${hash(`${assistantId}:${fileSeq}`).toString('hex').slice(0, 16)}`,
      originalName: file.name || 'file',
      mimeType: file.type || 'application/octet-stream',
      size: file.size,
      createdAt: previous?.createdAt ?? at,
      updatedAt: at,
    };
    map.set(f.id, f);
    // Bounded memory: only names and sizes are kept, never the bytes, and at most MAX_FILES of them.
    let count = [...files.values()].reduce((n, m) => n + m.size, 0);
    for (; count > MAX_FILES; count -= 1) {
      const [aid, m] = files.entries().next().value;
      m.delete(m.keys().next().value);
      if (!m.size) files.delete(aid);
    }
    return f;
  }

  async function assistantFiles(ctx, assistantId, documentId, method) {
    const changes = method !== 'GET';
    let form;
    if (method === 'POST' || method === 'PUT') {
      form = await formBody(ctx, fileLimit);
      if (!form) return;
    }
    if (fault(ctx, 'files') || !auth(ctx, changes ? 'rights' : 'files')) return;
    const a = findAssistant(ctx, assistantId, 'files');
    if (!a) return;
    if (changes && a.rights === 'VIEW') return sendError(ctx, 403, FORBIDDEN_MESSAGES.rights);
    const map = files.get(a.id) ?? new Map();
    if (documentId === undefined) {
      if (method === 'GET') {
        const list = [...map.values()].map(meta);
        return sendJson(ctx, 200, { files: list, count: list.length, assistantId: a.id });
      }
      if (method !== 'POST') return sendError(ctx, 405, 'Method not allowed');
    } else if (!map.has(documentId)) return sendError(ctx, 404, `File not found: ${documentId.slice(0, 100)}`);
    if (method === 'GET') return sendJson(ctx, 200, { success: true, assistantId: a.id, file: meta(map.get(documentId)) });
    if (method === 'DELETE') {
      map.delete(documentId);
      return sendJson(ctx, 200, { success: true, assistantId: a.id, deletedId: documentId });
    }
    const file = form.get('file');
    if (!file || typeof file !== 'object') return sendError(ctx, 400, 'A file part named "file" is required');
    if (file.size > fileLimit) return sendError(ctx, 413, `File too large (limit ${fileLimit} bytes)`);
    const f = store(a.id, file, documentId);
    sendJson(ctx, 200, {
      success: true,
      assistantId: a.id,
      file: { id: f.id, originalName: f.originalName, size: f.size, mimeType: f.mimeType, uploadedAt: f.updatedAt },
    });
  }

  // ---------- dispatch ----------

  const ID = '([A-Za-z0-9._~-]{1,256})';
  const table = [
    [/^\/(?:api\/openai\/)?v1\/embeddings$/, 'POST', (ctx) => embeddings(ctx)],
    [
      /^\/api\/assistants\/v1\/?$/,
      'GET',
      (ctx) => {
        if (fault(ctx, 'assistant') || !auth(ctx, 'assistant')) return;
        sendJson(ctx, 200, { assistants: ASSISTANTS.map(({ id, name }) => ({ id, name })) });
      },
    ],
    [new RegExp(`^/api/assistants/v1/${ID}/run$`), 'POST', (ctx, m) => runAssistant(ctx, m[1])],
    [
      /^\/api\/workflows\/v1\/user-workflows$/,
      'GET',
      (ctx) => {
        if (fault(ctx, 'workflow') || !auth(ctx, 'workflow')) return;
        sendJson(ctx, 200, { status: 'success', workflows: WORKFLOWS.map(({ id, name, description }) => ({ id, name, description })) });
      },
    ],
    [
      new RegExp(`^/api/workflows/v1/workflow-inputs/${ID}$`),
      'GET',
      (ctx, m) => {
        if (fault(ctx, 'workflow') || !auth(ctx, 'workflow')) return;
        const w = findWorkflow(ctx, m[1]);
        if (w) sendJson(ctx, 200, { status: 'success', inputs: w.inputs });
      },
    ],
    [new RegExp(`^/api/workflows/v1/${ID}/run$`), 'POST', (ctx, m) => runWorkflow(ctx, m[1])],
    [new RegExp(`^/api/assistant-files/v1/assistants/${ID}/files$`), 'GET POST', (ctx, m, method) => assistantFiles(ctx, m[1], undefined, method)],
    [new RegExp(`^/api/assistant-files/v1/assistants/${ID}/files/${ID}$`), 'GET PUT DELETE', (ctx, m, method) => assistantFiles(ctx, m[1], m[2], method)],
  ];

  return {
    async handle(ctx, pathname, method) {
      for (const [re, methods, run] of table) {
        const m = re.exec(pathname);
        if (!m) continue;
        if (!methods.split(' ').includes(method)) {
          sendError(ctx, 405, `Method not allowed: ${method}`);
          return true;
        }
        await run(ctx, m, method);
        return true;
      }
      return false;
    },
    reset() {
      files.clear();
    },
  };
}
