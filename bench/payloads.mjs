// Deterministic bench payloads, shared by the bench server (which serves them) and the clients
// (which check what they read). OpenAI's chunk schema with realistic ids, model and `created`.
// Node built-ins only.

export const MODEL = 'gpt-4o-mini-2024-07-18';
export const CREATED = 1718000000;
export const FINGERPRINT = 'fp_0ba0d124f1';
export const KEY = 'sk-bench-0123456789abcdef';
export const MESSAGES = Object.freeze([{ role: 'user', content: 'Erzähl mir etwas über München.' }]);

/** Model names the bench server understands (the clients put them into `request.model`). */
export const models = {
  /** A non-stream completion, about 600 bytes of JSON. */
  small: 'bench-small',
  /**
   * A stream of `chunks` content chunks; `seed` picks the text. `kind`: 'content' (each chunk
   * alike but for its text), 'obfuscation' (OpenAI's: a member after `choices` that changes every
   * chunk), 'tools' (the text as one tool call's arguments, in as many pieces).
   */
  stream: (chunks, seed = 0, kind = 'content') => `bench-stream-${chunks}-${seed}${kind === 'content' ? '' : `-${kind}`}`,
  /** About `mb` MB of SSE, a 1 MB block of chunks repeated. */
  big: (mb) => `bench-big-${mb}`,
};

// German text with umlauts, ß, quotes, a newline and an emoji, so every client decodes UTF-8 and
// JSON escapes. One piece is about 50 bytes of UTF-8: 20,000 pieces make about 1 MB of content.
const WORDS = (
  'Die Münchner Frauenkirche überragt die Altstadt, und der Viktualienmarkt öffnet früh. ' +
  'Größere Straßen führen zum Englischen Garten; dort fließt der Eisbach „schnell“ vorbei. ' +
  'Im Sommer sitzen Gäste im Biergarten 🍺 und bestellen Brezn, Weißwurst und süßen Senf.\n' +
  'Die Isar ist kühl, klar und grün – ein \"Ausflug\" lohnt sich für jeden Besucher 🚀. '
).split(' ');

/** The content of piece `i` of the stream with `seed`: a few words, about 50 bytes. */
export function piece(i, seed = 0) {
  let x = (Math.imul(i + 1, 2654435761) ^ Math.imul(seed + 7, 40503)) >>> 0;
  let s = '';
  while (s.length < 44) {
    s += WORDS[x % WORDS.length] + ' ';
    x = (Math.imul(x, 1103515245) + 12345) >>> 0;
  }
  return s;
}

/** The whole content of a stream: what a client must join from its deltas. */
export function streamContent(chunks, seed = 0) {
  let s = '';
  for (let i = 0; i < chunks; i += 1) s += piece(i, seed);
  return s;
}

function completionId(seed) {
  const abc = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';
  let x = (seed * 2246822519 + 3266489917) >>> 0;
  let id = 'chatcmpl-';
  for (let i = 0; i < 29; i += 1) {
    x = (Math.imul(x, 1664525) + 1013904223) >>> 0;
    id += abc[x % abc.length];
  }
  return id;
}

function chunkJson(id, delta, finishReason = null, obfuscation) {
  return JSON.stringify({
    id,
    object: 'chat.completion.chunk',
    created: CREATED,
    model: MODEL,
    service_tier: 'default',
    system_fingerprint: FINGERPRINT,
    choices: [{ index: 0, delta, logprobs: null, finish_reason: finishReason }],
    obfuscation,
  });
}

// OpenAI's `obfuscation`: random characters, so that every chunk has the same length.
const obfuscation = (i, text) => 'AbCdEfGhIjKlMnOpQrStUvWxYz0123456789'.slice((i * 7) % 11, 40 - (Buffer.byteLength(text) % 24));

/** The delta that carries piece `text` in a stream of `kind`. */
const carry = (kind, text) => (kind === 'tools' ? { tool_calls: [{ index: 0, function: { arguments: text } }] } : { content: text });

/** What a client reads as a chunk's text: its content, or its first tool call's arguments. */
export const chunkText = (chunk) => {
  const d = chunk.choices[0]?.delta;
  return d?.content ?? d?.tool_calls?.[0]?.function?.arguments;
};

/** The SSE events (strings ending in a blank line) of pieces `from` to `to` of a stream. */
export function contentEvents(from, to, seed = 0, kind = 'content') {
  const id = completionId(seed);
  const out = [];
  for (let i = from; i < to; i += 1) {
    const text = piece(i, seed);
    out.push(`data: ${chunkJson(id, carry(kind, text), null, kind === 'obfuscation' ? obfuscation(i, text) : undefined)}\n\n`);
  }
  return out;
}

/** The opening event (role, empty content; for tools the call's id and name) of a stream. */
export function headEvent(seed = 0, kind = 'content') {
  const delta =
    kind === 'tools'
      ? { role: 'assistant', content: null, tool_calls: [{ index: 0, id: 'call_bench', type: 'function', function: { name: 'save', arguments: '' } }] }
      : { role: 'assistant', content: '', refusal: null };
  return `data: ${chunkJson(completionId(seed), delta)}\n\n`;
}

/** The closing events: finish_reason, a usage chunk, `[DONE]`. */
export function tailEvents(chunks, seed = 0, kind = 'content') {
  const id = completionId(seed);
  const usage = JSON.stringify({
    id,
    object: 'chat.completion.chunk',
    created: CREATED,
    model: MODEL,
    service_tier: 'default',
    system_fingerprint: FINGERPRINT,
    choices: [],
    usage: { prompt_tokens: 14, completion_tokens: chunks * 12, total_tokens: 14 + chunks * 12 },
  });
  return `data: ${chunkJson(id, {}, kind === 'tools' ? 'tool_calls' : 'stop')}\n\ndata: ${usage}\n\ndata: [DONE]\n\n`;
}

/** The full SSE body of a stream with `chunks` content chunks. Chunk objects a client sees: chunks + 3. */
export function streamBody(chunks, seed = 0, kind = 'content') {
  return headEvent(seed, kind) + contentEvents(0, chunks, seed, kind).join('') + tailEvents(chunks, seed, kind);
}

/** The non-stream completion (about 600 bytes). */
export function smallBody() {
  return JSON.stringify({
    id: completionId(1),
    object: 'chat.completion',
    created: CREATED,
    model: MODEL,
    choices: [
      {
        index: 0,
        message: { role: 'assistant', content: piece(0) + piece(1) + piece(2), refusal: null, annotations: [] },
        logprobs: null,
        finish_reason: 'stop',
      },
    ],
    usage: {
      prompt_tokens: 14,
      completion_tokens: 36,
      total_tokens: 50,
      prompt_tokens_details: { cached_tokens: 0, audio_tokens: 0 },
      completion_tokens_details: { reasoning_tokens: 0, audio_tokens: 0, accepted_prediction_tokens: 0, rejected_prediction_tokens: 0 },
    },
    service_tier: 'default',
    system_fingerprint: FINGERPRINT,
  });
}

/** The content of the small completion. */
export const smallContent = () => piece(0) + piece(1) + piece(2);
