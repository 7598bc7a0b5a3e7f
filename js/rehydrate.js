// ChatCompletionStream.fromReadableStream / fromResponse, loaded on first use. The body is read
// as a server's answer is: the Rust StreamCore decodes it (SSE, or NDJSON as openai-node's
// Stream.fromReadableStream reads it, told by its first byte), HTTP errors get their classes and
// messages (httpError), and the stream is a full ChatCompletionStream.
import { StreamCore, httpError, connectionError } from './meingpt_wasm.js';
import { Link, raced } from './client.js';
import { ChatCompletionStream, DEFAULT_TIMEOUT_MS, WHY_USER_ABORT } from './stream.js';
import { ValidationError } from './errors.js';

const enc = new TextEncoder();

export async function rehydrate(load, body, response, options) {
  if (typeof body?.getReader !== 'function') {
    throw new ValidationError('a ReadableStream of bytes (or a Response with a body) is needed', 'readable');
  }
  await load();
  const status = response?.status ?? 200;
  if (!(status >= 200 && status < 300)) throw httpError(status, await response.text(), response.headers, '');
  const signal = options?.signal;
  if (signal?.aborted) throw connectionError(WHY_USER_ABORT, '', undefined, '');
  const link = new Link(signal);
  const source = body.getReader();
  // Its reads fail when the link fires (the caller's signal, abort() or the idle timeout): the
  // body is not a fetch's, which the link would end.
  const reader = {
    read: () =>
      raced(source.read(), link).then((r) => (typeof r.value === 'string' ? { done: false, value: enc.encode(r.value) } : r)),
    cancel: (reason) => source.cancel(reason),
  };
  return new ChatCompletionStream(new StreamCore(status, '', options?.maxResponseBytes, true), reader, link, options?.timeoutMs ?? DEFAULT_TIMEOUT_MS);
}
