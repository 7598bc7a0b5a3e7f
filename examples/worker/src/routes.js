// meinGPT's own routes (MEINGPT-API.md: assistants, workflows, assistant files), served only when
// the operator names their group in MEINGPT_ROUTES: they reach an organisation's knowledge (its
// assistants, their documents, its workflows), which a public proxy must not open by default.
// Paths are matched exactly, method by method; an id is one path segment of the characters meinGPT's
// ids use, never dots alone, never an encoded slash. The calls go through meingpt-wasm's functions,
// so the key, retries, redirects and error shapes are those of chat.
import {
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
} from 'meingpt-wasm';
import { BodyError, readForm, readJson } from './body.js';

/** The names MEINGPT_ROUTES may hold. */
export const GROUPS = ['assistants', 'workflows', 'assistant-files'];

const ID = '((?!\\.+/|\\.+$)[A-Za-z0-9_.~-]{1,256})';
const exact = (source) => new RegExp(`^${source.replaceAll('{id}', ID)}$`);

const isMultipart = (request) => /^multipart\/form-data\s*;/i.test(request.headers.get('content-type') ?? '');

/** The `file` part of a multipart body (a File), or a 400. */
async function filePart(request, limit) {
  const form = await readForm(request, limit);
  const file = form.get('file');
  if (!(file instanceof File)) throw new BodyError(400, "file: a multipart part named 'file' holding a file is required");
  return file;
}

/** An assistant run: JSON `{ messages }`, or multipart with `messages` (a JSON string) and `files` parts. */
async function assistantRun(request, limit) {
  if (!isMultipart(request)) return readJson(request, limit);
  const form = await readForm(request, limit);
  let messages;
  try {
    messages = JSON.parse(String(form.get('messages')));
  } catch {
    throw new BodyError(400, 'messages: a multipart part holding the messages as JSON is required');
  }
  return { messages, files: form.getAll('files').filter((f) => f instanceof File) };
}

/**
 * Each route: its group, its exact path, and per method the call (`m`: the path's ids; `limit`:
 * the body limit; `o`: the package options with the Worker's key).
 */
const ROUTES = [
  { group: 'assistants', path: exact('/assistants/v1/'), methods: { GET: (r, m, l, o) => listAssistants(o) } },
  {
    group: 'assistants',
    path: exact('/assistants/v1/{id}/run'),
    methods: { POST: async (r, m, l, o) => runAssistant(m[1], await assistantRun(r, l), o) },
  },
  { group: 'workflows', path: exact('/workflows/v1/user-workflows'), methods: { GET: (r, m, l, o) => listWorkflows(o) } },
  { group: 'workflows', path: exact('/workflows/v1/workflow-inputs/{id}'), methods: { GET: (r, m, l, o) => getWorkflowInputs(m[1], o) } },
  {
    group: 'workflows',
    path: exact('/workflows/v1/{id}/run'),
    methods: { POST: async (r, m, l, o) => runWorkflow(m[1], await readJson(r, l), o) },
  },
  {
    group: 'assistant-files',
    path: exact('/assistant-files/v1/assistants/{id}/files'),
    methods: {
      GET: (r, m, l, o) => listAssistantFiles(m[1], o),
      POST: async (r, m, l, o) => uploadAssistantFile(m[1], await filePart(r, l), o),
    },
  },
  {
    group: 'assistant-files',
    path: exact('/assistant-files/v1/assistants/{id}/files/{id}'),
    methods: {
      GET: (r, m, l, o) => getAssistantFile(m[1], m[2], o),
      PUT: async (r, m, l, o) => replaceAssistantFile(m[1], m[2], await filePart(r, l), o),
      DELETE: (r, m, l, o) => deleteAssistantFile(m[1], m[2], o),
    },
  },
];

/**
 * The route `pathname` names among the groups `enabled` allows: `{ methods, match }`, or null
 * (a route of a group that is off is not found, as any unknown path).
 */
export function findRoute(pathname, enabled) {
  for (const route of ROUTES) {
    if (!enabled.includes(route.group)) continue;
    const match = route.path.exec(pathname);
    if (match) return { methods: route.methods, match };
  }
  return null;
}
