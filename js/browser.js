// Browsers and bundlers: fetch the wasm beside this file (Vite, esbuild and webpack understand
// `new URL(..., import.meta.url)`), once, on first use.
import { lazy, later, laterIterable } from './lazy.js';

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
export const runTools = /* @__PURE__ */ later('runTools', chatCompletion, schema);
export const runToolsStream = /* @__PURE__ */ laterIterable('runToolsStream', chatCompletion, schema);
export const parse = /* @__PURE__ */ later('parse', chatCompletion, schema);
