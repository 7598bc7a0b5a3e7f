// Browsers and bundlers: fetch the wasm beside this file (Vite, esbuild and webpack understand
// `new URL(..., import.meta.url)`), once, on first use.
import { lazy, onFirstUse, onFirstUseIterable, route } from './lazy.js';

export * from './exports.js';
export const { init, chatCompletion, validateRequest, ChatCompletionStream } = lazy((glue) =>
  glue.default({ module_or_path: new URL('./meingpt_wasm_bg.wasm', import.meta.url) }),
  "serve it beside the package's JS as application/wasm",
);
// The validator wasm of runTools/parse, loaded on their first use.
const schema = () =>
  fetch(new URL('./meingpt_schema.wasm', import.meta.url))
    .then((r) => r.arrayBuffer())
    .then((b) => WebAssembly.compile(b));
export const runTools = /* @__PURE__ */ onFirstUse('runTools', chatCompletion, schema);
export const runToolsStream = /* @__PURE__ */ onFirstUseIterable('runToolsStream', chatCompletion, schema);
export const parse = /* @__PURE__ */ onFirstUse('parse', chatCompletion, schema);
// meinGPT's other routes, loaded on first use (js/routes.js).
export const embeddings = /* @__PURE__ */ route('embeddings', init, schema);
export const listAssistants = /* @__PURE__ */ route('listAssistants', init, schema);
export const runAssistant = /* @__PURE__ */ route('runAssistant', init, schema);
export const listWorkflows = /* @__PURE__ */ route('listWorkflows', init, schema);
export const getWorkflowInputs = /* @__PURE__ */ route('getWorkflowInputs', init, schema);
export const runWorkflow = /* @__PURE__ */ route('runWorkflow', init, schema);
export const listAssistantFiles = /* @__PURE__ */ route('listAssistantFiles', init, schema);
export const uploadAssistantFile = /* @__PURE__ */ route('uploadAssistantFile', init, schema);
export const getAssistantFile = /* @__PURE__ */ route('getAssistantFile', init, schema);
export const replaceAssistantFile = /* @__PURE__ */ route('replaceAssistantFile', init, schema);
export const deleteAssistantFile = /* @__PURE__ */ route('deleteAssistantFile', init, schema);
