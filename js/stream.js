// ChatCompletionStream: the JS face of the Rust StreamCore. wasm-bindgen cannot give a class
// `Symbol.asyncIterator` or build ReadableStreams with callbacks, so this file does only that:
// each method asks the core for one batch per network read, already shaped for that method.
import { MeinGPTError } from './errors.js';

const OBJECTS = 0;
const SSE = 1;
const TEXT = 2;
const DRAIN = 3;
const DONE = 'data: [DONE]\n\n';

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
    // A hand-made iterator: one resolved promise per chunk, cheaper than an async generator's
    // queue. Chunks come a network read's worth at a time (one JSON.parse each).
    let items = [];
    let i = 0;
    let ended = false;
    const stop = () => {
      if (!ended) {
        ended = true;
        this.abort();
      }
    };
    return {
      next: async () => {
        while (i >= items.length) {
          if (ended) return { value: undefined, done: true };
          let batch;
          try {
            batch = await this.#next(OBJECTS);
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
        const value = items[i];
        items[i++] = undefined;
        return { value, done: false };
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

  /** Server-Sent Events bytes, ready for `new Response(...)`. */
  toReadableStream() {
    this.#claim();
    const done = new TextEncoder().encode(DONE);
    return new ReadableStream(
      {
        pull: async (controller) => {
          const batch = await this.#next(SSE);
          if (batch === undefined) {
            controller.enqueue(done);
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
