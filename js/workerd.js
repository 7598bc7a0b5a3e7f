// Cloudflare Workers / workerd: the wasm is imported as a compiled module (Workers refuse to
// compile wasm from bytes at run time).
import wasmModule from './meingpt_wasm_bg.wasm';
import { lazy, later, laterIterable } from './lazy.js';

export * from './exports.js';
export const { init, chatCompletion, validateRequest, ChatCompletionStream } = lazy((glue) => {
  glue.initSync({ module: wasmModule });
}, 'import it as a CompiledWasm module (wrangler does by default)');
// The validator wasm of runTools/parse, loaded on their first use.
const schema = () => import('./meingpt_schema.wasm').then((m) => m.default);
export const runTools = /* @__PURE__ */ later('runTools', chatCompletion, schema);
export const runToolsStream = /* @__PURE__ */ laterIterable('runToolsStream', chatCompletion, schema);
export const parse = /* @__PURE__ */ later('parse', chatCompletion, schema);
