// The I/O driver of chatCompletion: fetch, timers, abort and body reads. Every decision is made
// in Rust (request and options checks, error mapping, retry policy, stream decoding); this file
// only waits. Why the waiting is not a Rust future: DESIGN.md ("I/O in a JS driver").
import { prepare, httpError, connectionError, tooLargeError, retryDelay, StreamCore } from './meingpt_wasm.js';
import { ChatCompletionStream } from './stream.js';
import { APIError, APIConnectionError, ResponseTooLargeError } from './errors.js';

const MAX_TIMER = 2147483647;

/** One fetch's AbortController, linked to the caller's signal and a timer; knows who fired. */
export class Link {
  constructor(signal) {
    this.controller = new AbortController();
    this.why = 0; // 1: the caller, 2: the timer
    this.signal = signal;
    this.onAbort = () => this.fire(1);
    signal?.addEventListener('abort', this.onAbort);
  }
  fire(why) {
    this.why ||= why;
    this.controller.abort();
  }
  arm(ms) {
    clearTimeout(this.timer);
    this.timer = setTimeout(() => this.fire(2), Math.min(ms, MAX_TIMER));
  }
  disarm() {
    clearTimeout(this.timer);
  }
  close() {
    this.disarm();
    this.signal?.removeEventListener('abort', this.onAbort);
  }
}

export const chatCompletion = async (request, options) => send(prepare(request, options));

/**
 * The attempts of one call, `plan` being what `prepare()` returned; meinGPT's other routes
 * (routes.js) pass `method` and a multipart `form` as well.
 */
export async function send([url, headers, body, stream, timeoutMs, maxRetries, signal, fetchFn, key, follow, maxBytes], method = 'POST', form) {
  const call = { fetchFn: fetchFn ?? fetch, url, headers, body: form ?? body, stream, timeoutMs, signal, key, follow, maxBytes, method };
  for (let retry = 0; ; retry++) {
    try {
      return await attempt(call);
    } catch (e) {
      if (!(e instanceof APIError)) throw e;
      // 0: a connection error or timeout; 1: never retried (an abort, a body past maxResponseBytes,
      // a browser's opaque redirect, which has no status)
      const status = e instanceof ResponseTooLargeError ? 1 : e instanceof APIConnectionError ? 0 : (e.status ?? 1);
      const h = e.headers;
      const wait =
        retry < maxRetries && status !== 1
          ? retryDelay(retry, status, h?.get?.('retry-after-ms') ?? undefined, h?.get?.('retry-after') ?? undefined)
          : -1;
      if (wait < 0) throw e;
      await sleep(wait, signal, key);
    }
  }
}

async function attempt({ fetchFn, url, headers, body, stream, timeoutMs, signal, key, follow, maxBytes, method }) {
  if (signal?.aborted) throw connectionError(1, '', undefined, key);
  const link = new Link(signal);
  let kept = false;
  try {
    link.arm(timeoutMs);
    const fail = (e, what) => connectionError(link.why, what, e, key);
    let response;
    try {
      response = await fetchFn(url, {
        method,
        headers,
        body,
        signal: link.controller.signal,
        redirect: follow ? 'follow' : 'manual',
      });
    } catch (e) {
      throw fail(e, 'Connection error');
    }
    const status = response?.status;
    // Not followed: a browser's opaque redirect (status 0), a 3xx, or a custom fetch that followed.
    if (!follow && (response?.type === 'opaqueredirect' || (status >= 300 && status < 400) || response?.redirected === true)) {
      response.body?.cancel?.().catch?.(() => {});
      throw httpError(status >= 300 && status < 400 ? status : 0, '', response.headers, key);
    }
    if (!(status >= 100 && status <= 999)) throw connectionError(0, 'fetch did not return a Response', undefined, key);
    const ok = status >= 200 && status < 300;
    if (ok && stream) {
      const reader = response.body?.getReader?.();
      if (!reader) throw connectionError(0, 'the streamed response has no readable body', undefined, key);
      link.disarm();
      kept = true;
      return new ChatCompletionStream(new StreamCore(status, key, maxBytes), reader, link, timeoutMs);
    }
    let text;
    try {
      text = await readText(response, maxBytes);
    } catch (e) {
      if (e === TOO_LARGE) throw tooLargeError(status, maxBytes);
      throw fail(e, 'the response body broke off');
    }
    if (ok) {
      try {
        return JSON.parse(text);
      } catch {
        // not JSON: an APIError below
      }
    }
    throw httpError(status, text, response.headers, key);
  } finally {
    if (!kept) link.close();
  }
}

const TOO_LARGE = {};

/** The body as text, read no further than `max` bytes (past that it rejects with TOO_LARGE). */
async function readText(response, max) {
  const length = Number(response.headers?.get?.('content-length'));
  const reader = length > max ? undefined : response.body?.getReader?.();
  if (!reader) {
    if (length > max) {
      response.body?.cancel?.().catch?.(() => {});
      throw TOO_LARGE;
    }
    return response.text(); // a Response-like object of a custom fetch
  }
  const decoder = new TextDecoder();
  let text = '';
  for (let n = 0; ; ) {
    const r = await reader.read();
    if (r.done) return text + decoder.decode();
    n += r.value.byteLength;
    if (n > max) {
      reader.cancel().catch(() => {});
      throw TOO_LARGE;
    }
    text += decoder.decode(r.value, { stream: true });
  }
}

function sleep(ms, signal, key) {
  return new Promise((resolve, reject) => {
    const link = new Link(signal);
    const done = () => {
      link.close();
      if (link.why === 2) resolve();
      else reject(connectionError(1, '', undefined, key));
    };
    if (signal?.aborted) return done();
    link.controller.signal.addEventListener('abort', done);
    link.arm(ms);
  });
}
