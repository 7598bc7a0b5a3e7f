// The I/O driver of chatCompletion: fetch, timers, abort and body reads. Every decision about a
// call is made in Rust (request and options checks, error mapping, retry policy, stream decoding);
// this file only waits. Why the waiting is not a Rust future: DESIGN.md ("I/O in a JS driver").
// The numbers it exchanges with Rust are marked with their names (`/* WHY_TIMEOUT */ 2`) and
// rewritten from src/boundary.rs by the build (`cargo run --example boundary`).
import { prepare, httpError, connectionError, tooLargeError, retryDelay, StreamCore } from './meingpt_wasm.js';
import { ChatCompletionStream } from './stream.js';
import { APIError, APIConnectionError, ResponseTooLargeError } from './errors.js';

const MAX_TIMER = 2147483647;

/**
 * The package's one abort linker: an AbortController fired by the caller's signal, by its timer or
 * by `fire()`, that knows who fired first (`why`, a WHY_* number for connectionError). A fetch
 * attempt, the retry sleep, a stream's idle timer, a re-hydrated body's reads (`raced`) and the
 * tool loop of runTools each hold one.
 */
export class Link {
  constructor(signal) {
    this.controller = new AbortController();
    this.why = /* WHY_CONNECTION */ 0;
    this.signal = signal;
    this.onAbort = () => this.fire(/* WHY_USER_ABORT */ 1);
    signal?.addEventListener('abort', this.onAbort);
  }
  fire(why) {
    this.why ||= why;
    this.controller.abort();
  }
  arm(ms) {
    clearTimeout(this.timer);
    this.timer = setTimeout(() => this.fire(/* WHY_TIMEOUT */ 2), Math.min(ms, MAX_TIMER));
  }
  disarm() {
    clearTimeout(this.timer);
  }
  close() {
    this.disarm();
    this.signal?.removeEventListener('abort', this.onAbort);
  }
}

/** `promise`, or a rejection (the abort's reason) as soon as `link` fires. */
export const raced = (promise, link) =>
  new Promise((resolve, reject) => {
    const signal = link.controller.signal;
    const stop = () => reject(signal.reason);
    if (signal.aborted) stop();
    signal.addEventListener('abort', stop);
    promise.then(resolve, reject).finally(() => signal.removeEventListener('abort', stop));
  });

export const chatCompletion = async (request, options) => send(prepare(request, options));

/**
 * The attempts of one call, `plan` being what `prepare()` returned; meinGPT's other routes
 * (routes.js) pass `method` and a multipart `form` as well.
 */
export async function send(plan, method = 'POST', form) {
  for (let retry = 0; ; retry++) {
    try {
      return await attempt(plan, method, form ?? plan[/* PLAN_BODY */ 2]);
    } catch (e) {
      if (!(e instanceof APIError)) throw e;
      // no HTTP status: a connection error or timeout, or never retried (an abort, a body past
      // maxResponseBytes, a browser's opaque redirect)
      const status =
        e instanceof ResponseTooLargeError
          ? /* RETRY_NEVER */ 1
          : e instanceof APIConnectionError
            ? /* RETRY_CONNECTION */ 0
            : (e.status ?? /* RETRY_NEVER */ 1);
      const h = e.headers;
      const wait =
        retry < plan[/* PLAN_MAX_RETRIES */ 5] && status !== /* RETRY_NEVER */ 1
          ? retryDelay(retry, status, h?.get?.('retry-after-ms') ?? undefined, h?.get?.('retry-after') ?? undefined)
          : -1;
      if (wait < 0) throw e;
      await sleep(wait, plan[/* PLAN_SIGNAL */ 6], plan[/* PLAN_SECRETS */ 8]);
    }
  }
}

async function attempt(plan, method, body) {
  const signal = plan[/* PLAN_SIGNAL */ 6];
  const key = plan[/* PLAN_SECRETS */ 8];
  const follow = plan[/* PLAN_FOLLOW_REDIRECTS */ 9];
  const maxBytes = plan[/* PLAN_MAX_RESPONSE_BYTES */ 10];
  const timeoutMs = plan[/* PLAN_TIMEOUT_MS */ 4];
  if (signal?.aborted) throw connectionError(/* WHY_USER_ABORT */ 1, '', undefined, key);
  const link = new Link(signal);
  let kept = false;
  try {
    link.arm(timeoutMs);
    const fail = (e, what) => connectionError(link.why, what, e, key);
    let response;
    try {
      response = await (plan[/* PLAN_FETCH */ 7] ?? fetch)(plan[/* PLAN_URL */ 0], {
        method,
        headers: plan[/* PLAN_HEADERS */ 1],
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
    if (!(status >= 100 && status <= 999)) throw connectionError(/* WHY_CONNECTION */ 0, 'fetch did not return a Response', undefined, key);
    const ok = status >= 200 && status < 300;
    if (ok && plan[/* PLAN_STREAM */ 3]) {
      const reader = response.body?.getReader?.();
      if (!reader) throw connectionError(/* WHY_CONNECTION */ 0, 'the streamed response has no readable body', undefined, key);
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
      if (link.why === /* WHY_TIMEOUT */ 2) resolve();
      else reject(connectionError(/* WHY_USER_ABORT */ 1, '', undefined, key));
    };
    if (signal?.aborted) return done();
    link.controller.signal.addEventListener('abort', done);
    link.arm(ms);
  });
}
