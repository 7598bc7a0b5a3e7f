// Node (ESM): read the wasm beside this file and compile it once, on first use.
import { readFile } from 'node:fs/promises';
import { lazy, later, laterIterable } from './lazy.js';

export * from './exports.js';
export const { init, chatCompletion, validateRequest, ChatCompletionStream } = lazy(async (glue) => {
  const bytes = await readFile(new URL('./meingpt_wasm_bg.wasm', import.meta.url));
  glue.initSync({ module: await WebAssembly.compile(bytes) });
}, "keep it beside the package's node.js, readable (a server bundle must copy it; Deno needs --allow-read)");
// The validator wasm of runTools/parse, loaded on their first use.
const schema = () => readFile(new URL('./meingpt_schema.wasm', import.meta.url)).then((b) => WebAssembly.compile(b));
export const runTools = /* @__PURE__ */ later('runTools', chatCompletion, schema);
export const runToolsStream = /* @__PURE__ */ laterIterable('runToolsStream', chatCompletion, schema);
export const parse = /* @__PURE__ */ later('parse', chatCompletion, schema);
