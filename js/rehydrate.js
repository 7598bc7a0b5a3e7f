// ChatCompletionStream.fromReadableStream / fromResponse, loaded on first use. The body is read
// as a server's answer is: the Rust StreamCore decodes it, HTTP errors get their classes and
// messages (httpError), and the stream is a full ChatCompletionStream. NDJSON (one chunk per line,
// as openai-node's Stream.fromReadableStream reads it) is framed as SSE first, so the same decoder
// reads both (in Rust it cost the main wasm +290 B gzip: DESIGN.md, "One declared boundary").
import { StreamCore, httpError, connectionError } from './meingpt_wasm.js';
import { Link, raced } from './client.js';
import { ChatCompletionStream } from './stream.js';
import { ValidationError } from './errors.js';

const enc = new TextEncoder();
const DATA = enc.encode('data: ');
const END = enc.encode('\n\n');

export async function rehydrate(load, body, response, options) {
  if (typeof body?.getReader !== 'function') {
    throw new ValidationError('a ReadableStream of bytes (or a Response with a body) is needed', 'readable');
  }
  await load();
  const status = response?.status ?? 200;
  if (!(status >= 200 && status < 300)) throw httpError(status, await response.text(), response.headers, '');
  const signal = options?.signal;
  if (signal?.aborted) throw connectionError(/* WHY_USER_ABORT */ 1, '', undefined, '');
  const link = new Link(signal);
  const reader = framed(body.getReader(), link);
  return new ChatCompletionStream(new StreamCore(status, '', options?.maxResponseBytes), reader, link, options?.timeoutMs ?? /* DEFAULT_TIMEOUT_MS */ 600000);
}

/**
 * A reader giving SSE bytes: SSE passes through, NDJSON (first byte `{`) gets `data: ` lines.
 * A read fails when `link` fires (the caller's signal, abort() or the idle timeout): the body is
 * not a fetch's, which the link would end.
 */
function framed(reader, link) {
  let ndjson; // undefined until the first byte that is not whitespace or a BOM
  let lineStart = true;
  let ended = false;
  return {
    async read() {
      const r = await raced(reader.read(), link);
      if (r.done) {
        if (ndjson && !lineStart && !ended) {
          ended = true;
          return { done: false, value: END };
        }
        return r;
      }
      let v = typeof r.value === 'string' ? enc.encode(r.value) : r.value;
      if (!(v instanceof Uint8Array)) return r;
      if (ndjson === undefined) {
        const i = v.findIndex((b) => b > 32 && b < 0xbb); // not whitespace, not the BOM's bytes
        if (i < 0) return { done: false, value: new Uint8Array(0) };
        ndjson = v[i] === 123;
        v = v.subarray(i);
      }
      if (!ndjson) return { done: false, value: v };
      const out = [];
      for (const b of v) {
        if (lineStart) {
          if (b === 10 || b === 13) continue; // blank lines are no events
          out.push(...DATA);
          lineStart = false;
        }
        if (b === 10) {
          out.push(10, 10);
          lineStart = true;
        } else out.push(b);
      }
      return { done: false, value: new Uint8Array(out) };
    },
    cancel: (reason) => reader.cancel(reason),
  };
}
