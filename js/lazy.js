// The one-time, lazy instantiation every runtime entry shares: the first call loads the wasm,
// later calls reuse it, and a failed load is retried by the next call.
import { validateRequest as rawValidateRequest } from './meingpt_wasm.js';
import { chatCompletion as send } from './client.js';
import { toolsFallback } from './errors.js';
import { ChatCompletionStream, setLoad } from './stream.js';

export function lazy(load) {
  let ready;
  const init = () =>
    (ready ??= Promise.resolve()
      .then(load)
      .catch((e) => {
        ready = undefined;
        throw e;
      }));
  setLoad(init); // for ChatCompletionStream.fromReadableStream; exported from here so bundlers keep it
  return {
    init,
    chatCompletion: async (request, options) => {
      await init();
      return toolsFallback(send, request, options);
    },
    validateRequest: async (request) => {
      await init();
      rawValidateRequest(request);
    },
    ChatCompletionStream,
  };
}

// tools.js helpers, loaded on first use: bundles that never call them do not ship them. `schema`
// loads the validator wasm (a WebAssembly.Module) the way the entry's runtime loads wasm.
export const later = (name, call, schema) => (...args) =>
  import('./tools.js').then((m) => m[name]({ call, schema }, ...args));
export const laterIterable = (name, call, schema) =>
  async function* (...args) {
    yield* (await import('./tools.js'))[name]({ call, schema }, ...args);
  };
