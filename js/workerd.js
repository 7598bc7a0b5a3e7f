// Cloudflare Workers / workerd: the wasm is imported as a compiled module (Workers refuse to
// compile wasm from bytes at run time).
import wasmModule from './meingpt_wasm_bg.wasm';
import { lazy } from './lazy.js';

export * from './exports.js';
export const { init, chatCompletion, validateRequest } = lazy((glue) => {
  glue.initSync({ module: wasmModule });
});
