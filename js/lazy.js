// The lazy instantiation every runtime entry shares: the first call loads the wasm, later calls
// reuse it, and a failed load is retried by the next call.
//
// Never poisoned: should the instance ever trap (a WebAssembly.RuntimeError), it is dead. The call
// that trapped and every call still pending on it reject with APIConnectionError, its requests are
// aborted and its timers cleared, its streams fail on their next read, and the next call instantiates afresh from the same
// compiled module, in a separate glue (createGlue), so nothing of the dead instance reaches the new.
import { createGlue } from './meingpt_wasm.js';
import { APIConnectionError } from './errors.js';

/** Exports that may run after death as no-ops: closures, frees, aborts, the glue's internals. */
const HARMLESS = /^__|closure|free|abort/;

function failure(cause) {
  return new APIConnectionError('The WebAssembly instance failed; the next call starts a new one.', cause && { cause });
}

/** The hooks createGlue() calls: they guard one instance and notice when it dies. */
function guard() {
  const hooks = { dead: false, pending: new Set() };
  let controllers = [];
  let prune = 64;
  const timers = new Set();
  const die = (cause) => {
    if (hooks.dead) return;
    hooks.dead = true;
    hooks.cause = cause;
    for (const reject of hooks.pending) reject(failure(cause));
    hooks.pending.clear();
    for (const c of controllers) {
      try {
        c.deref()?.abort();
      } catch {
        // workerd: a controller of another request's I/O cannot be touched from this one
      }
    }
    controllers = [];
    for (const t of timers) clearTimeout(t);
    timers.clear();
  };
  hooks.setTimeout = (f, ms) => {
    const t = setTimeout(() => {
      timers.delete(t);
      f();
    }, ms);
    timers.add(t);
    return t;
  };
  hooks.clearTimeout = (t) => {
    timers.delete(t);
    clearTimeout(t);
  };
  hooks.controller = () => {
    const c = new AbortController();
    controllers.push(new WeakRef(c));
    if (controllers.length >= prune) {
      controllers = controllers.filter((r) => r.deref());
      prune = Math.max(64, 2 * controllers.length);
    }
    return c;
  };
  hooks.exports = (raw) => {
    const out = {};
    for (const [name, f] of Object.entries(raw)) {
      out[name] =
        typeof f !== 'function'
          ? f
          : (...args) => {
              if (hooks.dead) {
                if (HARMLESS.test(name)) return [];
                throw failure(hooks.cause);
              }
              let ret;
              try {
                ret = f(...args);
              } catch (e) {
                if (!(e instanceof WebAssembly.RuntimeError)) throw e;
                die(e);
              }
              if (!hooks.dead) return ret;
              // A closure runs from a promise callback or a microtask: throwing there would only
              // make an unhandled error; its pending promises were rejected instead.
              if (name.includes('closure')) return [];
              throw failure(hooks.cause);
            };
    }
    return out;
  };
  hooks.promise = (executor) =>
    new Promise((resolve, reject) => {
      hooks.pending.add(reject);
      executor(
        (v) => {
          hooks.pending.delete(reject);
          resolve(v);
        },
        (e) => {
          hooks.pending.delete(reject);
          reject(e);
        },
      );
    });
  return hooks;
}

let current; // the live glue, for the test-only trap below

/** `load(glue)` instantiates the wasm in a fresh glue (each runtime its own way), the first time. */
export function lazy(load) {
  let ready;
  let hooks;
  let module;
  const init = () => {
    if (hooks?.dead) ready = undefined;
    return (ready ??= (async () => {
      const h = guard();
      const glue = createGlue(h);
      if (module) await glue.default({ module_or_path: module });
      else await load(glue);
      module = glue.module;
      hooks = h;
      current = glue;
      return glue;
    })().catch((e) => {
      ready = undefined;
      throw e;
    }));
  };
  return {
    init: async () => {
      await init();
    },
    chatCompletion: async (request, options) => (await init()).chatCompletion(request, options),
    validateRequest: async (request) => {
      (await init()).validateRequest(request);
    },
  };
}

/** @internal Test-only: makes the live instance trap (wasm `unreachable`). */
export function __trapForTests() {
  current?.__meingpt_trap();
}

/** @internal Test-only: the size of the live instance's linear memory, in bytes. */
export function __memoryForTests() {
  return current?.memory?.buffer.byteLength ?? 0;
}
