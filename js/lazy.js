// The one-time, lazy instantiation every runtime entry shares: the first call loads the wasm,
// later calls reuse it, and a failed load is retried by the next call.
import { validateRequest as rawValidateRequest } from './meingpt_wasm.js';
import { chatCompletion as send } from './client.js';

export function lazy(load) {
  let ready;
  const init = () =>
    (ready ??= Promise.resolve()
      .then(load)
      .catch((e) => {
        ready = undefined;
        throw e;
      }));
  return {
    init,
    chatCompletion: async (request, options) => {
      await init();
      return send(request, options);
    },
    validateRequest: async (request) => {
      await init();
      rawValidateRequest(request);
    },
  };
}
