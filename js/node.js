// Node (ESM): read the wasm beside this file and compile it once, on first use.
import { readFile } from 'node:fs/promises';
import { lazy } from './lazy.js';

export * from './exports.js';
export const { init, chatCompletion, validateRequest } = lazy(async (glue) => {
  const bytes = await readFile(new URL('./meingpt_wasm_bg.wasm', import.meta.url));
  glue.initSync({ module: await WebAssembly.compile(bytes) });
});
