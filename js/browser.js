// Browsers and bundlers: fetch the wasm beside this file (Vite, esbuild and webpack understand
// `new URL(..., import.meta.url)`), once, on first use.
import { lazy } from './lazy.js';

export * from './exports.js';
export const { init, chatCompletion, validateRequest } = lazy((glue) =>
  glue.default({ module_or_path: new URL('./meingpt_wasm_bg.wasm', import.meta.url) }),
);
