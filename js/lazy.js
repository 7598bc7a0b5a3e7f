// The one-time, lazy instantiation every runtime entry shares: the first call loads the wasm,
// later calls reuse it, and a failed load is retried by the next call.
//
// Never poisoned: should the instance ever trap (a WebAssembly.RuntimeError), the call that trapped
// fails with APIConnectionError and a fresh instance of the same compiled module takes over at
// once, in a separate glue (createGlue), so nothing of the dead one reaches it: its streams fail on
// their next read, everything else carries on.
import { createGlue, useGlue, validateRequest as rawValidateRequest } from './meingpt_wasm.js';
import { chatCompletion as send } from './client.js';
import { APIConnectionError, MeinGPTError, toolsFallback } from './errors.js';
import { ChatCompletionStream, setLoad } from './stream.js';

const failure = (cause) => new APIConnectionError('The WebAssembly instance failed; the next call starts a new one.', { cause });

// Wasm memory never shrinks: once the live instance's memory passed this mark (a huge answer was
// streamed through it), the next call gets a fresh instance, and the old one's memory goes with
// its last stream. Far above what ordinary calls use (a few MiB).
const HIGH_WATER = 64 * 1024 * 1024;

// The wasm exports that may still run on a dead instance, where they do nothing: each class's
// destructor (its FinalizationRegistry, free()) and StreamCore.fail (a dead stream closing: abort(),
// a failed read). Every other export refuses with APIConnectionError. The build checks that each
// name is an export of the wasm and that every class's destructor is here (scripts/glue.mjs).
export const AFTER_DEATH = ['__wbg_streamcore_free', 'streamcore_fail'];

let module; // the compiled module, once loaded
let live; // the live glue
let ready;
let serve; // how this entry's runtime gets its wasm (lazy's `how`), for the helpers' validator wasm

const loadError = (file, how, cause) => new MeinGPTError(`meingpt-wasm could not load ${file}: ${how}`, { cause });

/** A fresh glue whose exports notice a trap: then it is dead, and a new instance replaces it. */
function newGlue() {
  let dead;
  const glue = createGlue((raw) => {
    const out = {};
    for (const [name, f] of Object.entries(raw)) {
      out[name] =
        typeof f !== 'function'
          ? f
          : (...args) => {
              if (dead) {
                if (AFTER_DEATH.includes(name)) return;
                throw failure(dead);
              }
              try {
                return f(...args);
              } catch (e) {
                if (!(e instanceof WebAssembly.RuntimeError)) throw e;
                dead = e;
                if (live === glue) replace();
                throw failure(e);
              }
            };
    }
    return out;
  });
  return glue;
}

function use(glue) {
  live = glue;
  useGlue(glue);
}

/** A fresh instance for the next calls when the live one has grown past HIGH_WATER. */
function recycle() {
  if (module && live?.memory?.buffer.byteLength > HIGH_WATER) replace();
}

function replace() {
  try {
    const glue = newGlue();
    glue.initSync({ module });
    use(glue);
  } catch {
    ready = undefined; // the next call loads afresh
  }
}

/**
 * `load(glue)` instantiates the wasm in a fresh glue, each runtime its own way; `how` tells a user of
 * that runtime how to serve the wasm when it fails. `init({ module })` takes the wasm from the host
 * instead (a WebAssembly.Module, its bytes, a Response or a URL), for hosts that compile it
 * themselves or refuse to compile it at run time; once loaded, later init calls change nothing.
 */
export function lazy(load, how) {
  serve = how;
  const init = (given) =>
    (ready ??= (async () => {
      const glue = newGlue();
      try {
        await (given?.module ? glue.default({ module_or_path: given.module }) : load(glue));
      } catch (cause) {
        // Never a bare TypeError ("Invalid URL", "fetch failed", a refused compile): say what to do.
        throw loadError('meingpt_wasm_bg.wasm', `${how}, or pass it to init({ module })`, cause);
      }
      module = glue.module;
      use(glue);
    })().catch((e) => {
      ready = undefined;
      throw e;
    }));
  setLoad(init, recycle); // for ChatCompletionStream.fromReadableStream; exported from here so bundlers keep it
  return {
    init,
    chatCompletion: async (request, options) => {
      await init();
      // `return await`: workerd reports an unhandled rejection when an async function returns a
      // rejected promise (adopted a microtask later), even though the caller handles it.
      try {
        return await toolsFallback(send, request, options);
      } finally {
        recycle();
      }
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
// A validator wasm that cannot be found or compiled is a MeinGPTError too.
const helpers = (call, schema) => ({
  call,
  schema: () =>
    (async () => (await schema()) ?? Promise.reject(new TypeError('no module')))().catch((cause) => {
      throw loadError('meingpt_schema.wasm (runTools, parse, the routes beyond chat)', serve, cause);
    }),
});
export const onFirstUse = (name, call, schema) => (...args) =>
  import('./tools.js').then((m) => m[name](helpers(call, schema), ...args));
export const onFirstUseIterable = (name, call, schema) =>
  async function* (...args) {
    yield* (await import('./tools.js'))[name](helpers(call, schema), ...args);
  };

// meinGPT's other routes (routes.js), loaded on first use like the helpers above; they need the
// main wasm (`init`) and the helpers' wasm (`schema`: the embeddings check, base64, ids).
export const route = (name, init, schema) => (...args) =>
  import('./routes.js').then((m) => m[name]({ init, schema: helpers(undefined, schema).schema }, ...args));

/** @internal Test-only: makes the live instance trap (wasm `unreachable`). */
export function __trapForTests() {
  live?.__meingpt_trap();
}

/** @internal Test-only: the size of the live instance's linear memory, in bytes. */
export function __memoryForTests() {
  return live?.memory?.buffer.byteLength ?? 0;
}
