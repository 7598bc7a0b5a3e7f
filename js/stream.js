// ChatCompletionStream: the JS face of the Rust StreamCore. wasm-bindgen cannot give a class
// `Symbol.asyncIterator` or build ReadableStreams with callbacks, so this file does only that:
// each method asks the core for one batch per network read, already shaped for that method.
import { MeinGPTError } from './errors.js';

const OBJECTS = 0;
const SSE = 1;
const TEXT = 2;
const DRAIN = 3;
const NDJSON = 4;
const DONE = 'data: [DONE]\n\n';

let load; // the runtime entry's wasm loader (lazy.js sets it), for streams made from a body
export const setLoad = (l) => {
  load = l;
};

export class ChatCompletionStream {
  #core;
  #read = false;
  #settle;
  #final;

  /** @internal Streams come from chatCompletion(); this constructor is not public API. */
  constructor(core) {
    this.#core = core;
    this.#final = new Promise((resolve, reject) => {
      this.#settle = { resolve, reject };
    });
    this.#final.catch(() => {});
  }

  /** A stream over SSE or NDJSON bytes (what `toReadableStream()` gives), read like a server's. */
  static fromReadableStream(readable, options) {
    return import('./rehydrate.js').then((m) => m.rehydrate(load, readable, undefined, options));
  }

  /** The same over a fetch Response (a Worker piping `toReadableStream()`); non-2xx rejects. */
  static fromResponse(response, options) {
    return import('./rehydrate.js').then((m) => m.rehydrate(load, response?.body, response, options));
  }

  #claim() {
    if (this.#read) {
      throw new MeinGPTError('This stream has already been read: read a stream one way, once.');
    }
    this.#read = true;
  }

  async #next(mode) {
    let batch;
    try {
      batch = await this.#core.next(mode);
    } catch (e) {
      this.#settle.reject(e);
      throw e;
    }
    if (batch === undefined) {
      try {
        this.#settle.resolve(JSON.parse(this.#core.finalCompletion()));
      } catch (e) {
        this.#settle.reject(e);
      }
    }
    return batch;
  }

  [Symbol.asyncIterator]() {
    this.#claim();
    return this.#iterate();
  }

  async *#iterate() {
    let finished = false;
    try {
      for (;;) {
        const batch = await this.#next(OBJECTS);
        if (batch === undefined) break;
        yield* JSON.parse(batch);
      }
      finished = true;
    } finally {
      if (!finished) this.abort();
    }
  }

  /** Server-Sent Events bytes, ready for `new Response(...)`; or NDJSON, one chunk per line. */
  toReadableStream({ format } = {}) {
    this.#claim();
    const ndjson = format === 'ndjson';
    const done = new TextEncoder().encode(ndjson ? '' : DONE);
    return new ReadableStream(
      {
        pull: async (controller) => {
          const batch = await this.#next(ndjson ? NDJSON : SSE);
          if (batch === undefined) {
            if (!ndjson) controller.enqueue(done);
            controller.close();
          } else {
            controller.enqueue(batch);
          }
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
          const batch = await this.#next(TEXT);
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
    setTimeout(() => {
      if (this.#read) return;
      this.#read = true;
      (async () => {
        while ((await this.#next(DRAIN)) !== undefined);
      })().catch(() => {});
    }, 0);
    return this.#final;
  }

  /** Stops reading and closes the connection; finalCompletion() then rejects unless it had ended. */
  abort() {
    this.#core.abort();
    try {
      this.#settle.resolve(JSON.parse(this.#core.finalCompletion()));
    } catch (e) {
      this.#settle.reject(e);
    }
  }
}

/** Called from Rust with a StreamCore. */
export function wrapStream(core) {
  return new ChatCompletionStream(core);
}
