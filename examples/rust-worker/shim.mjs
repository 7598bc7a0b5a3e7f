// The Worker's entry: instantiates the wasm (a CompiledWasm module in Workers) and hands each
// request to the Rust `#[event(fetch)]` handler.
import { initSync, fetch as handle } from './worker.js';
import wasm from './worker_bg.wasm';

initSync({ module: wasm });

export default {
  fetch(request, env, ctx) {
    return handle(request, env, ctx);
  },
};
