// ChatCompletionStream.fromReadableStream / fromResponse, loaded on first use. The body goes
// through the very path of a server's answer: chatCompletion with a fetch that returns it, so the
// Rust StreamCore decodes it, HTTP errors get their classes and messages, and the stream is a
// full ChatCompletionStream. NDJSON (one chunk per line, as openai-node's
// Stream.fromReadableStream reads it) is framed as SSE first, so the same decoder reads both.
import { chatCompletion } from './meingpt_wasm.js';
import { MeinGPTError, ValidationError } from './errors.js';

const enc = new TextEncoder();
const DATA = enc.encode('data: ');
const END = enc.encode('\n\n');
/** Checked and never sent: the fetch below answers it. */
const REQUEST = { model: 'rehydrated', messages: [{ role: 'user', content: '-' }], stream: true };

export async function rehydrate(load, body, response, options) {
  if (typeof body?.getReader !== 'function') {
    throw new ValidationError('a ReadableStream of bytes (or a Response with a body) is needed', 'readable');
  }
  if (!load) throw new MeinGPTError('import ChatCompletionStream from the meingpt-wasm package');
  await load();
  const answer = (signal) => ({
    status: response?.status ?? 200,
    headers: response?.headers,
    body: { getReader: () => framed(body.getReader(), signal) },
    text: () => response.text(),
  });
  const fetch = async (url, init) => answer(init.signal);
  return chatCompletion(REQUEST, { signal: options?.signal, timeoutMs: options?.timeoutMs, maxRetries: 0, fetch });
}

/**
 * A reader giving SSE bytes: SSE passes through, NDJSON (first byte `{`) gets `data: ` lines.
 * A read fails when `signal` aborts (the caller's signal, abort() or the idle timeout).
 */
function framed(reader, signal) {
  let ndjson; // undefined until the first byte that is not whitespace or a BOM
  let lineStart = true;
  let ended = false;
  const aborted = new Promise((_, reject) => {
    const fail = () => reject(signal.reason);
    if (signal.aborted) fail();
    signal.addEventListener('abort', fail);
  });
  aborted.catch(() => {});
  return {
    async read() {
      const r = await Promise.race([reader.read(), aborted]);
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
        const i = v.findIndex((b) => !(b === 32 || b === 9 || b === 10 || b === 13 || b === 0xef || b === 0xbb || b === 0xbf));
        if (i < 0) return { done: false, value: new Uint8Array(0) };
        ndjson = v[i] === 123;
        v = v.subarray(i);
      }
      if (!ndjson) return { done: false, value: v };
      const parts = [];
      for (let i = 0; i < v.length; ) {
        if (lineStart) {
          while (v[i] === 10 || v[i] === 13) i += 1; // blank lines are no events
          if (i === v.length) break;
          parts.push(DATA);
        }
        const j = v.indexOf(10, i);
        lineStart = j >= 0;
        parts.push(v.subarray(i, lineStart ? j : v.length));
        if (!lineStart) break;
        parts.push(END);
        i = j + 1;
      }
      const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
      let at = 0;
      for (const p of parts) {
        out.set(p, at);
        at += p.length;
      }
      return { done: false, value: out };
    },
    cancel: (reason) => reader.cancel(reason),
  };
}
