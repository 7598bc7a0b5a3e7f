// Vercel's Edge Runtime: Next.js edge routes, Vercel Edge Functions (the `edge-light` condition).
// Deployed, it refuses to compile wasm from bytes at run time (as Workers do), so the wasm comes in
// as a compiled module through `?module`, the import Next.js and Vercel's bundlers turn into a
// WebAssembly.Module. Imported on first use: where that import fails at run time (a host that does
// not provide `?module`), the call rejects with a MeinGPTError that says what to do, instead of the
// whole module failing to load.
import { lazy, later, laterIterable } from './lazy.js';

export * from './exports.js';
export const { init, chatCompletion, validateRequest, ChatCompletionStream } = lazy(async (glue) => {
  glue.initSync({ module: (await import('./meingpt_wasm_bg.wasm?module')).default });
}, "import it with '?module' (Next.js and Vercel's bundlers do)");
// The validator wasm of runTools/parse, loaded on their first use.
const schema = () => import('./meingpt_schema.wasm?module').then((m) => m.default);
export const runTools = /* @__PURE__ */ later('runTools', chatCompletion, schema);
export const runToolsStream = /* @__PURE__ */ laterIterable('runToolsStream', chatCompletion, schema);
export const parse = /* @__PURE__ */ later('parse', chatCompletion, schema);
