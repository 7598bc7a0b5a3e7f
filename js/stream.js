// ChatCompletionStream: reads the response body and hands each network read to the Rust
// StreamCore, which decodes it and answers with one batch shaped for the way the stream is read
// (chunk objects as one JSON array text, SSE bytes, or content deltas). The numbers it exchanges
// with Rust are marked with their names and rewritten from src/boundary.rs by the build.
import { MeinGPTError } from './errors.js';

let load; // the runtime entry's wasm loader (lazy.js sets it), for streams made from a body
let recycle; // lazy.js: swaps in a fresh instance once the live one's memory passed its mark
export const setLoad = (l, r) => {
  load = l;
  recycle = r;
};
const rehydrate = (...args) => import('./rehydrate.js').then((m) => m.rehydrate(load, ...args));

// After `[DONE]` a server ends the body: reading that end, instead of cancelling, leaves the
// connection to the next request (a cancelled body closes it, and each call pays a new TCP and TLS
// handshake). A body that goes on, or has not ended within a second, is cancelled.
function release(reader) {
  const cancel = () => reader.cancel().catch(() => {});
  const timer = setTimeout(cancel, 1000);
  timer.unref?.();
  reader
    .read()
    .then((r) => r.done || cancel(), cancel)
    .finally(() => clearTimeout(timer));
}

// Same-shape chunks come as strings to put in their template (src/objects.rs). A template
// compiles to a function from that string to a fresh deep copy of the template with the string in
// the place of `mark`, as JSON.parse would build the chunk: own properties in the same order. An
// object is copied by spreading it (V8 clones a known shape in one step, and a `__proto__` key
// stays an own property), then its members that are objects, arrays or the mark are set again,
// in place.
const compile = (v, mark) => {
  if (v === mark) return (x) => x;
  if (!v || typeof v != 'object') return () => v;
  const list = Array.isArray(v);
  const keys = Object.keys(v).filter((k) => list || v[k] === mark || (v[k] && typeof v[k] == 'object'));
  const parts = keys.map((k) => compile(v[k], mark));
  return list
    ? (x) => parts.map((p) => p(x))
    : (x) => {
        const o = { ...v };
        for (let j = 0; j < keys.length; j++) o[keys[j]] = parts[j](x);
        return o;
      };
};

/**
 * @internal Reads the items of a batch in objects mode (src/objects.rs) into chunks; undefined
 * for a template, which is not a chunk.
 */
export const chunkReader = () => {
  let make;
  let keys;
  return (value) => {
    if (typeof value == 'string') return make(value);
    if (!Array.isArray(value)) return value;
    const [a, b] = value;
    if (typeof a == 'number') return b;
    if (typeof a == 'object') {
      make = compile(a, b);
      keys = value[2];
      return;
    }
    // The template has these members (own properties: set in place, `__proto__` included).
    const o = make(a);
    for (let j = 1; j < value.length; j++) o[keys[j - 1]] = value[j];
    return o;
  };
};

export class ChatCompletionStream {
  #core;
  #reader;
  #link;
  #idleMs;
  #read = false;
  #open = true;
  #ended = false;
  #wanted = false;
  #failure;
  #settle;
  #final;

  /** @internal Streams come from chatCompletion(); this constructor is not public API. */
  constructor(core, reader, link, idleMs) {
    this.#core = core;
    this.#reader = reader;
    this.#link = link;
    this.#idleMs = idleMs;
    this.#final = new Promise((resolve, reject) => {
      this.#settle = { resolve, reject };
    });
    this.#final.catch(() => {});
  }

  /** A stream over SSE or NDJSON bytes (what `toReadableStream()` gives), read like a server's. */
  static fromReadableStream(readable, options) {
    return rehydrate(readable, undefined, options);
  }

  /** The same over a fetch Response (a Worker piping `toReadableStream()`); non-2xx rejects. */
  static fromResponse(response, options) {
    return rehydrate(response?.body, response, options);
  }

  #claim() {
    if (this.#read) {
      throw new MeinGPTError('This stream has already been read: read a stream one way, once.');
    }
    this.#read = true;
  }

  // Stops reading: cancels the body (which closes the connection), or after `[DONE]` reads the
  // body's end (see release). The fetch controller is left alone: aborting a fetch whose body is
  // cancelled makes workerd report an unhandled rejection.
  #close(done) {
    if (this.#open) {
      this.#open = false;
      this.#link.close();
      if (done) release(this.#reader);
      else this.#reader.cancel().catch(() => {});
    }
  }

  // The stream is over (read to the end, failed or aborted). The completion is only built when
  // someone asks for it: it can be as large as the whole answer.
  #finish() {
    this.#ended = true;
    recycle?.();
    if (this.#wanted) {
      try {
        if (this.#failure) throw this.#failure;
        this.#settle.resolve(JSON.parse(this.#core.finalCompletion()));
      } catch (e) {
        this.#settle.reject(e);
      }
    }
  }

  /**
   * The next batch for `mode`, or undefined at the end. The idle timer runs while this waits for
   * the body and restarts only when a read completes an event: comments and keep-alive bytes do
   * not keep a stream alive (the consumer's own time between batches is not counted).
   */
  async #next(mode) {
    const core = this.#core;
    const link = this.#link;
    let armed = false;
    try {
      for (;;) {
        const batch = core.take(mode);
        if (batch !== false) {
          if (batch === undefined) {
            this.#close();
            this.#finish();
          }
          return batch;
        }
        if (!armed) {
          link.arm(this.#idleMs);
          armed = true;
        }
        let r;
        try {
          r = await this.#reader.read();
        } catch (e) {
          core.fail(link.why, e);
          continue;
        }
        if (r.done) core.end(mode);
        else if (!(r.value instanceof Uint8Array)) core.fail(/* WHY_CONNECTION */ 0, 'the response body yielded something that is not bytes');
        else {
          const fed = core.feed(r.value, mode);
          if (fed & /* FEED_EVENT */ 4) link.arm(this.#idleMs); // an event: the idle clock starts again
          if (fed & (/* FEED_DONE */ 1 | /* FEED_FAILED */ 2)) this.#close(!(fed & /* FEED_FAILED */ 2));
        }
      }
    } catch (e) {
      this.#failure ??= e;
      this.#close();
      this.#finish();
      throw e;
    } finally {
      link.disarm();
    }
  }

  [Symbol.asyncIterator]() {
    this.#claim();
    // A hand-made iterator: one resolved promise per chunk, cheaper than an async generator's
    // queue. Chunks come a network read's worth at a time (one JSON.parse each); same-shape
    // chunks as their template's strings (src/objects.rs).
    let items = [];
    let i = 0;
    let ended = false;
    const read = chunkReader();
    const stop = () => {
      if (!ended) {
        ended = true;
        this.abort();
      }
    };
    return {
      next: async () => {
        for (;;) {
          while (i >= items.length) {
            if (ended) return { value: undefined, done: true };
            let batch;
            try {
              batch = await this.#next(/* MODE_OBJECTS */ 0);
            } catch (e) {
              stop();
              throw e;
            }
            if (batch === undefined) {
              ended = true;
              return { value: undefined, done: true };
            }
            items = JSON.parse(batch);
            i = 0;
          }
          const value = read(items[i]);
          items[i++] = undefined;
          if (value !== undefined) return { value, done: false };
        }
      },
      return: async () => {
        stop();
        return { value: undefined, done: true };
      },
      [Symbol.asyncIterator]() {
        return this;
      },
    };
  }

  /** Server-Sent Events bytes, ready for `new Response(...)`; or NDJSON, one chunk per line. */
  toReadableStream({ format } = {}) {
    this.#claim();
    const mode = format === 'ndjson' ? /* MODE_NDJSON */ 4 : /* MODE_SSE */ 1;
    return new ReadableStream(
      {
        pull: async (controller) => {
          const batch = await this.#next(mode);
          if (batch === undefined) controller.close();
          else controller.enqueue(batch);
        },
        cancel: () => this.abort(),
      },
      { highWaterMark: 0 },
    );
  }

  /** The content deltas alone. */
  textStream() {
    this.#claim();
    return new ReadableStream(
      {
        pull: async (controller) => {
          const batch = await this.#next(/* MODE_TEXT */ 2);
          if (batch === undefined) controller.close();
          else for (const text of JSON.parse(batch)) controller.enqueue(text);
        },
        cancel: () => this.abort(),
      },
      { highWaterMark: 0 },
    );
  }

  /**
   * The completion assembled from the chunks. Works alongside any one way of reading; when no read
   * has started by the next turn of the event loop, it reads the stream itself.
   */
  finalCompletion() {
    if (!this.#wanted) {
      this.#wanted = true;
      if (this.#ended) this.#finish();
    }
    setTimeout(() => {
      if (this.#read) return;
      this.#read = true;
      (async () => {
        while ((await this.#next(/* MODE_DRAIN */ 3)) !== undefined);
      })().catch(() => {});
    }, 0);
    return this.#final;
  }

  /** Stops reading and closes the connection; finalCompletion() then rejects unless it had ended. */
  abort() {
    this.#core.fail(/* WHY_USER_ABORT */ 1);
    this.#close();
    this.#finish();
  }
}
