// Node (ESM): read the wasm beside this file and compile it once, on first use.
import { readFile } from 'node:fs/promises';
import { initSync } from './meingpt_wasm.js';
import { lazy } from './lazy.js';

export * from './exports.js';
export const { init, chatCompletion, validateRequest } = lazy(async () => {
  const bytes = await readFile(new URL('./meingpt_wasm_bg.wasm', import.meta.url));
  initSync({ module: await WebAssembly.compile(bytes) });
});
