// A Worker calling meinGPT's other routes (issue 15) through the installed package, bundled as
// wrangler bundles (routes.test.mjs). POST / with JSON {fn, args, options}: calls `fn(...args,
// options)` and answers {out} or {error: {name, status, message, param}} (HTTP 500). Arguments
// `{$file: text, name, type?}` become a File, `{$bytes: [..], name}` bytes with a name;
// `options.aborted` passes an already aborted signal; `options.leaky` a fetch whose 500 quotes the key.
import * as meingpt from 'meingpt-wasm';

const FNS = new Set([
  'embeddings', 'listAssistants', 'runAssistant', 'listWorkflows', 'getWorkflowInputs', 'runWorkflow',
  'listAssistantFiles', 'uploadAssistantFile', 'getAssistantFile', 'replaceAssistantFile', 'deleteAssistantFile',
]);

function revive(v) {
  if (Array.isArray(v)) return v.map(revive);
  if (v && typeof v === 'object') {
    if (typeof v.$file === 'string') return new File([v.$file], v.name, { type: v.type ?? '' });
    if (Array.isArray(v.$bytes)) return { name: v.name, data: new Uint8Array(v.$bytes) };
    return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, revive(x)]));
  }
  return v;
}

export default {
  async fetch(req, env) {
    const { fn, args = [], options = {} } = await req.json();
    if (!FNS.has(fn)) return new Response('unknown function', { status: 400 });
    const { aborted, leaky, ...rest } = options;
    const opts = { baseUrl: `${env.SIM_URL}/api/openai/v1`, ...rest };
    if (aborted) opts.signal = AbortSignal.abort();
    if (leaky) {
      opts.fetch = async () => Response.json({ status: 'error', message: `key ${rest.apiKey} refused` }, { status: 500 });
      opts.maxRetries = 0;
    }
    try {
      const out = await meingpt[fn](...revive(args), opts);
      return Response.json({ out });
    } catch (e) {
      const error = { name: e?.name, status: e?.status, message: e?.message, param: e?.param, stack: String(e?.stack), body: e?.body, isMeinGPT: e instanceof meingpt.MeinGPTError };
      return Response.json({ error }, { status: 500 });
    }
  },
};
