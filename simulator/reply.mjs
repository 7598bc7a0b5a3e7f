// Deterministic reply generation for the meinGPT simulator.
// Everything here is a pure function of the (validated) request body.

import { createHash } from 'node:crypto';

/**
 * Models the simulator knows: the docs' old ids and the ids clients use today (MEINGPT-API.md; styles
 * differ, never parse them). Perplexity-like models cannot call tools and add `citations`; reasoning
 * models send `reasoning_content` (in the message, and streamed before the answer).
 */
const model = (id, owned_by, more = {}) => ({ id, owned_by, supports_tools: true, citations: false, reasoning: false, ...more });
const PERPLEXITY = { supports_tools: false, citations: true };
export const MODELS = Object.freeze([
  model('gpt-4o-mini', 'openai'),
  model('gpt-4o', 'openai'),
  model('claude-3-5-sonnet', 'anthropic'),
  model('mistral-large', 'mistral'),
  model('sonar', 'perplexity', PERPLEXITY),
  model('perplexity-sonar-pro', 'perplexity', PERPLEXITY),
  model('gpt-5', 'openai'),
  model('gpt-5-mini', 'openai'),
  model('gpt-4.1', 'openai'),
  model('o3', 'openai', { reasoning: true }),
  model('o4-mini', 'openai', { reasoning: true }),
  model('gpt-5-thinking', 'openai', { reasoning: true }),
  model('claude-sonnet-4-5', 'anthropic'),
  model('claude-opus-4-5@20251101', 'anthropic'),
  model('gemini-2.5-pro', 'google'),
  model('gemini-3-flash', 'google'),
  model('mistral-medium', 'mistral'),
  model('deepseek-r1', 'deepseek', { reasoning: true }),
  model('deepseek-v3', 'deepseek'),
  model('gpt-oss-120b', 'openai'),
  model('llama-3.3-fast', 'meta'),
  model('sonar-deep-research', 'perplexity', PERPLEXITY),
]);

export const MODEL_CREATED = 1717200000; // fixed "created" of the model list entries

export const CITATIONS = Object.freeze([
  'https://example.com/quelle-1',
  'https://example.com/quelle-2',
  'https://example.com/quelle-3',
]);

export const ROLES = Object.freeze(['system', 'developer', 'user', 'assistant', 'tool']);

export function findModel(id) {
  return MODELS.find((m) => m.id === id) || null;
}

export function sha256hex(text) {
  return createHash('sha256').update(text).digest('hex');
}

/** JSON with object keys sorted, so that the hash does not depend on key order. */
export function stableStringify(value) {
  if (value === null || typeof value !== 'object') return JSON.stringify(value) ?? 'null';
  if (Array.isArray(value)) return `[${value.map(stableStringify).join(',')}]`;
  const keys = Object.keys(value).filter((k) => value[k] !== undefined).sort();
  return `{${keys.map((k) => `${JSON.stringify(k)}:${stableStringify(value[k])}`).join(',')}}`;
}

/** The text of a message: a string content, or the `text` of its content parts joined by '\n'. */
export function messageText(message) {
  if (!message || typeof message !== 'object') return '';
  const c = message.content;
  if (typeof c === 'string') return c;
  if (Array.isArray(c)) {
    return c
      .filter((p) => p && typeof p === 'object' && typeof p.text === 'string')
      .map((p) => p.text)
      .join('\n');
  }
  return '';
}

export function wordCount(text) {
  const m = String(text).match(/\S+/g);
  return m ? m.length : 0;
}

/**
 * Split a text into stream pieces of "a word or so": leading whitespace + one word, long words
 * cut into pieces of at most `maxLen` code points (never inside a surrogate pair).
 * The pieces always join to exactly `text`.
 */
export function splitPieces(text, maxLen = 16) {
  const out = [];
  const tokens = text.match(/\s*\S+|\s+/g) || [];
  for (const tok of tokens) {
    const cps = Array.from(tok);
    if (cps.length <= maxLen) {
      out.push(tok);
      continue;
    }
    for (let i = 0; i < cps.length; i += maxLen) out.push(cps.slice(i, i + maxLen).join(''));
  }
  return out;
}

/**
 * The most stream pieces (events) of one content or one tool call's arguments: a 1 MiB echo of
 * one-letter words would otherwise be 500 000 chunk objects built up front.
 */
export const MAX_PIECES = 4096;

/** `pieces` joined into at most `max` runs of consecutive pieces (the same text; boundaries kept). */
export function coalesce(pieces, max) {
  if (pieces.length <= max) return pieces;
  const per = Math.ceil(pieces.length / max);
  const out = [];
  for (let i = 0; i < pieces.length; i += per) out.push(pieces.slice(i, i + per).join(''));
  return out;
}

/** Split a string into pieces of `size` code points (UTF-16 safe). */
export function splitFixed(text, size = 7) {
  const cps = Array.from(text);
  const out = [];
  for (let i = 0; i < cps.length; i += size) out.push(cps.slice(i, i + size).join(''));
  if (out.length === 0) out.push('');
  return out;
}

const DE_WORDS = new Set(
  ('der die das den dem des und ist sind ich du sie wir ihr nicht bitte hallo moin servus wie was warum ' +
    'wer wo wann welche welcher welches ein eine einen einem einer mit für wetter danke guten tag morgen ' +
    'heute können kannst könnten mir mich dir dich auf zu von erkläre erklär schreibe schreib gib bin hast ' +
    'habe hat auch noch nur schon aber oder wenn dann mal gibt sag sage zeig zeige über unter nach bei ' +
    'heißt geht gerne gern frage antwort deutsch deutschland stadt liebe lieber sehr viel viele').split(' '),
);
const EN_WORDS = new Set(
  ('the is are and what how why who where when which hello hi hey please you your i my me weather today ' +
    'thanks thank can could would should write explain tell give show a an of to for with this that ' +
    'it be do does did have has was were will not no yes about answer question english city tomorrow ' +
    'good morning evening').split(' '),
);

/** 'de' or 'en' from the words of a text; German wins ties (meinGPT is a German service). */
export function detectLang(text) {
  const words = String(text).toLowerCase().match(/\p{L}+/gu) || [];
  let de = 0;
  let en = 0;
  for (const w of words) {
    if (DE_WORDS.has(w)) de += 1;
    if (EN_WORDS.has(w)) en += 1;
    if (/[äöüß]/u.test(w)) de += 1;
  }
  return en > de ? 'en' : 'de';
}

/** The message shortened to at most `max` code points (at a word boundary), whitespace collapsed. */
export function snippetOf(text, max = 60) {
  const flat = String(text).replace(/\s+/gu, ' ').trim();
  const cps = Array.from(flat);
  if (cps.length <= max) return flat;
  let cut = cps.slice(0, max).join('');
  const sp = cut.lastIndexOf(' ');
  if (sp > max / 2) cut = cut.slice(0, sp);
  return `${cut.replace(/[\s,;:.!?-]+$/u, '')}…`;
}

/** A place name in the text: a capitalised word (group) after "in", "nach", "für", "for", ... */
export function extractPlace(text) {
  const m = /(?:^|[\s,(„"'])(?:in|nach|für|fuer|aus|bei|for|at|from|near|im)\s+(\p{Lu}[\p{L}\p{M}'’.-]*(?:[ -]\p{Lu}[\p{L}\p{M}'’.-]*)*)/u.exec(
    String(text),
  );
  if (!m) return null;
  const place = m[1].replace(/[.'’-]+$/u, '');
  return place || null;
}

export function extractNumbers(text) {
  const m = String(text).match(/-?\d+(?:[.,]\d+)?/g) || [];
  return m.map((s) => Number(s.replace(',', '.'))).filter((n) => Number.isFinite(n));
}

/** Temperature bucket 0..3: [0,0.5) [0.5,1) [1,1.5) [1.5,2]; absent counts as 1. */
export function temperatureBucket(t) {
  const v = typeof t === 'number' ? t : 1;
  if (v < 0.5) return 0;
  if (v < 1) return 1;
  if (v < 1.5) return 2;
  return 3;
}

const REPLIES = {
  de: [
    (q) =>
      `Gerne. Sie schrieben: „${q}“. Kurz und präzise: Ich bin der meinGPT-Simulator und beantworte Ihre Nachricht zuverlässig und ohne Umschweife. 🚀`,
    (q) =>
      `Gerne! Zu „${q}“ kann ich Folgendes sagen: Der meinGPT-Simulator läuft lokal auf Ihrem Rechner und hilft Ihnen übersichtlich weiter. 🚀`,
    (q) =>
      `Hallo! Sie fragten: „${q}“. Hier ist eine Antwort aus dem meinGPT-Simulator: Alles läuft lokal, schnell und völlig ohne Internet – schön, dass Sie da sind! 🚀`,
    (q) =>
      `Oh, wie spannend! „${q}“ bringt mich auf überraschende Gedanken: Bunte Ideen sprudeln, Würfel rollen, und der meinGPT-Simulator schickt Ihnen fröhliche Grüße! 🚀`,
  ],
  en: [
    (q) =>
      `Certainly. You wrote: “${q}”. In short: I am the meinGPT simulator and I answer your message reliably – schöne Grüße from München. 🚀`,
    (q) =>
      `Sure! About “${q}”, here is what I can say: the meinGPT simulator runs locally on your machine and is happy to help – Grüße aus Köln. 🚀`,
    (q) =>
      `Hello! You asked: “${q}”. Here is an answer from the meinGPT simulator: everything runs locally, quickly and without any internet – schön, dass du da bist! 🚀`,
    (q) =>
      `Oh, how exciting! “${q}” sparks surprising thoughts: colourful ideas bubble up, dice keep rolling, and the meinGPT simulator sends fröhliche Grüße! 🚀`,
  ],
};

const GREETINGS = {
  de: [
    'Guten Tag. Ich bin der meinGPT-Simulator. Wie kann ich Ihnen behilflich sein? 🚀',
    'Hallo! Ich bin der meinGPT-Simulator. Womit darf ich Ihnen heute helfen? 🚀',
    'Hallo! Schön, dass Sie da sind. Der meinGPT-Simulator hört zu – was möchten Sie wissen? 🚀',
    'Hallöchen! Der meinGPT-Simulator ist bereit für überraschende Fragen aller Art. 🚀',
  ],
  en: [
    'Good day. I am the meinGPT simulator. How may I assist you? Grüße! 🚀',
    'Hello! I am the meinGPT simulator. How can I help you today? Schöne Grüße! 🚀',
    'Hello! Nice to see you. The meinGPT simulator is listening – what would you like to know? Grüße! 🚀',
    'Hi there! The meinGPT simulator is ready for surprising questions of all kinds. Fröhliche Grüße! 🚀',
  ],
};

export function normalReply(userText, lang, bucket, withCitations) {
  const q = snippetOf(userText);
  let text = q ? REPLIES[lang][bucket](q) : GREETINGS[lang][bucket];
  if (withCitations) text = text.replace(/ 🚀$/u, ' [1][2] 🚀');
  return text;
}

// ---------------------------------------------------------------------------------------------
// Values from JSON Schema (tool arguments and json_schema replies).

/** A copy of a `const` / `enum` value, paid for by its JSON length (repeating a big const is no way around the budget). */
function cloneWithin(ctx, v) {
  if (v === undefined) return null;
  const json = JSON.stringify(v);
  spendChars(ctx, json.length);
  return JSON.parse(json);
}

function resolveRef(ref, root) {
  if (typeof ref !== 'string' || !ref.startsWith('#')) return {};
  const parts = ref
    .slice(1)
    .split('/')
    .filter(Boolean)
    .map((p) => decodeURIComponentSafe(p).replace(/~1/g, '/').replace(/~0/g, '~'));
  let cur = root;
  for (const p of parts) {
    if (cur && typeof cur === 'object' && Object.prototype.hasOwnProperty.call(cur, p)) cur = cur[p];
    else return {};
  }
  return cur && typeof cur === 'object' ? cur : {};
}

function decodeURIComponentSafe(s) {
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
}

function mergeSchemas(a, b) {
  if (!b || typeof b !== 'object') return { ...a };
  const out = { ...a, ...b };
  if (a.properties || b.properties) out.properties = { ...(a.properties || {}), ...(b.properties || {}) };
  if (Array.isArray(a.required) || Array.isArray(b.required)) {
    out.required = [...new Set([...(Array.isArray(a.required) ? a.required : []), ...(Array.isArray(b.required) ? b.required : [])])];
  }
  return out;
}

const MAX_DEPTH = 24;

/**
 * What one reply may generate (json_schema content and all tool-call arguments together): a page can
 * ask the simulator for anything (it answers CORS `*`), so no schema may make it build gigabytes.
 * `chars`: characters of generated JSON; `nodes`: values generated plus schema keys merged.
 * Over either, the request is refused with ReplyTooLarge (a 400), never answered with a partial value.
 */
export const GENERATION_LIMITS = Object.freeze({ chars: 1024 * 1024, nodes: 50000 });

/** A reply over GENERATION_LIMITS (the simulator answers 400 with its message). */
export class ReplyTooLarge extends Error {
  constructor(message) {
    super(message);
    this.status = 400;
  }
}

/** A fresh budget; one per completion, shared by the json_schema reply and every tool call's arguments. */
export function generationBudget(limits = GENERATION_LIMITS) {
  return { chars: limits.chars, nodes: limits.nodes, limits };
}

function spendNodes(ctx, n) {
  ctx.budget.nodes -= n;
  if (ctx.budget.nodes < 0) throw new ReplyTooLarge(`The generated JSON would need more than ${ctx.budget.limits.nodes} values (the simulator's limit): the schema asks for too much`);
}

function spendChars(ctx, n) {
  ctx.budget.chars -= n;
  if (ctx.budget.chars < 0) throw new ReplyTooLarge(`The generated JSON would be longer than ${ctx.budget.limits.chars} characters (the simulator's limit): the schema asks for too much`);
}

function keyCount(o) {
  return o && typeof o === 'object' && o.properties && typeof o.properties === 'object' ? Object.keys(o.properties).length : 0;
}

/** mergeSchemas, paid for by the keys it copies (a 10 000-key schema $ref'd 10 000 times is no stall). */
function merged(ctx, a, b) {
  spendNodes(ctx, keyCount(a) + keyCount(b));
  return mergeSchemas(a, b);
}

/**
 * A value that validates against `schema`, deterministic, preferring strings and numbers from the
 * user message. ctx: { userText, snippet, place, lang, numbers, replyText?, budget? }.
 * Throws ReplyTooLarge when the value would exceed the budget (a fresh GENERATION_LIMITS one by default).
 */
export function valueFromSchema(schema, ctx) {
  const c = { numIdx: 0, ...ctx, budget: ctx.budget ?? generationBudget() };
  return gen(schema, c, schema, 0, '', undefined);
}

function gen(s, ctx, root, depth, key, index) {
  spendNodes(ctx, 1);
  if (depth > MAX_DEPTH) return null;
  if (s === false) return null;
  if (s === true || s === null || typeof s !== 'object' || Array.isArray(s)) return stringFor({}, ctx, key, index);
  if (typeof s.$ref === 'string') {
    const { $ref, ...rest } = s;
    return gen(merged(ctx, resolveRef($ref, root), rest), ctx, root, depth + 1, key, index);
  }
  if (Object.prototype.hasOwnProperty.call(s, 'const')) return cloneWithin(ctx, s.const);
  if (Array.isArray(s.enum) && s.enum.length) return cloneWithin(ctx, s.enum[(index || 0) % s.enum.length]);
  if (Array.isArray(s.allOf) && s.allOf.length) {
    const { allOf, ...rest } = s;
    let all = rest;
    for (const part of allOf) {
      const p = part && typeof part.$ref === 'string' ? resolveRef(part.$ref, root) : part;
      all = merged(ctx, all, p);
    }
    return gen(all, ctx, root, depth + 1, key, index);
  }
  for (const kw of ['anyOf', 'oneOf']) {
    if (Array.isArray(s[kw]) && s[kw].length) {
      const { [kw]: branches, ...rest } = s;
      const first = branches[0] && typeof branches[0].$ref === 'string' ? resolveRef(branches[0].$ref, root) : branches[0];
      return gen(merged(ctx, rest, first), ctx, root, depth + 1, key, index);
    }
  }
  let type = s.type;
  if (Array.isArray(type)) type = type.find((t) => t !== 'null') ?? 'null';
  if (typeof type !== 'string') {
    if (s.properties || s.required || s.additionalProperties !== undefined) type = 'object';
    else if (s.items || s.prefixItems) type = 'array';
    else if ('minimum' in s || 'maximum' in s || 'multipleOf' in s) type = 'number';
    else type = 'string';
  }
  switch (type) {
    case 'object':
      return objectFor(s, ctx, root, depth);
    case 'array':
      return arrayFor(s, ctx, root, depth, key);
    case 'integer':
      return numberFor(s, ctx, index, true);
    case 'number':
      return numberFor(s, ctx, index, false);
    case 'boolean':
      return (index || 0) % 2 === 0;
    case 'null':
      return null;
    default:
      return stringFor(s, ctx, key, index);
  }
}

function objectFor(s, ctx, root, depth) {
  const out = {};
  let count = 0;
  const put = (k, v) => {
    spendChars(ctx, k.length + 4); // "k":,
    if (!Object.prototype.hasOwnProperty.call(out, k)) count += 1;
    out[k] = v;
  };
  const props = s.properties && typeof s.properties === 'object' ? s.properties : {};
  const required = new Set(Array.isArray(s.required) ? s.required.filter((k) => typeof k === 'string') : []);
  for (const k of Object.keys(props)) {
    if (required.has(k) || depth < 4) put(k, gen(props[k], ctx, root, depth + 1, k, undefined));
  }
  const extra = s.additionalProperties && typeof s.additionalProperties === 'object' ? s.additionalProperties : {};
  for (const k of required) {
    if (!Object.prototype.hasOwnProperty.call(out, k)) put(k, gen(extra, ctx, root, depth + 1, k, undefined));
  }
  const minProps = Number.isSafeInteger(s.minProperties) ? s.minProperties : 0;
  if (s.additionalProperties === false) return out;
  for (let i = 1; count < minProps; i += 1) {
    if (!Object.prototype.hasOwnProperty.call(out, `feld_${i}`)) put(`feld_${i}`, gen(extra, ctx, root, depth + 1, `feld_${i}`, undefined));
    else spendNodes(ctx, 1);
  }
  return out;
}

function arrayFor(s, ctx, root, depth, key) {
  const prefix = Array.isArray(s.prefixItems) ? s.prefixItems : Array.isArray(s.items) ? s.items : [];
  const items = s.items && typeof s.items === 'object' && !Array.isArray(s.items) ? s.items : {};
  const min = Number.isSafeInteger(s.minItems) && s.minItems > 0 ? s.minItems : 0;
  const max = Number.isInteger(s.maxItems) && s.maxItems >= 0 ? s.maxItems : Infinity;
  let n = Math.max(min, 1, Math.min(prefix.length, max));
  n = Math.min(n, max);
  const unique = s.uniqueItems === true;
  const out = [];
  for (let i = 0; i < n; i += 1) {
    const sub = i < prefix.length ? prefix[i] : items;
    spendChars(ctx, 1); // the comma
    out.push(gen(sub, ctx, root, depth + 1, key, unique ? i : undefined));
  }
  return out;
}

function stringFor(s, ctx, key, index) {
  let v;
  switch (s.format) {
    case 'date':
      v = '2025-01-15';
      break;
    case 'date-time':
      v = '2025-01-15T12:00:00Z';
      break;
    case 'time':
      v = '12:00:00';
      break;
    case 'email':
      v = 'erika.mueller@example.com';
      break;
    case 'uri':
    case 'url':
    case 'iri':
      v = 'https://example.com/';
      break;
    case 'uuid':
      v = '123e4567-e89b-42d3-a456-426614174000';
      break;
    case 'ipv4':
      v = '127.0.0.1';
      break;
    case 'hostname':
      v = 'example.com';
      break;
    default:
      break;
  }
  if (v === undefined) {
    const k = String(key || '').toLowerCase();
    if (/(city|stadt|ort$|^ort|location|place|town|region|country|land$|destination|ziel)/u.test(k)) v = ctx.place || 'München';
    else if (/^(lang|language|sprache|locale)$/u.test(k)) v = ctx.lang;
    else if (ctx.replyText && /(antwort|answer|reply|response|text|content|message|nachricht|summary|zusammenfassung|description|beschreibung|explanation|erkl)/u.test(k)) v = ctx.replyText;
    else if (/(query|question|frage|prompt|search|suche|input|term|message|nachricht|text)/u.test(k)) v = ctx.userText || ctx.snippet || 'Beispiel';
    else if (/(unit|einheit)/u.test(k)) v = 'celsius';
    else if (/name/u.test(k)) v = 'Erika Müller';
    else v = ctx.place || ctx.snippet || 'Beispiel';
  }
  if (index) v = `${v} ${index + 1}`;
  // Paid for before it is built: the longer of the text and minLength (a minLength of 1e15 costs nothing).
  let size = v.length;
  if (Number.isInteger(s.maxLength) && s.maxLength >= 0) size = Math.min(size, s.maxLength);
  if (Number.isInteger(s.minLength)) size = Math.max(size, s.minLength);
  spendChars(ctx, size + 2);
  v = fitLength(v, s);
  if (typeof s.pattern === 'string' && size <= 4096) {
    let re = null;
    try {
      re = new RegExp(s.pattern, 'u');
    } catch {
      re = null;
    }
    if (re && !re.test(v)) {
      const cands = [ctx.place, ctx.snippet, 'Beispiel', 'beispiel', 'abc', 'ABC', 'a', 'A', '1', '123', 'a1', 'A1', '2025-01-15', 'de', 'DE', 'x']
        .filter((c) => typeof c === 'string')
        .map((c) => fitLength(c, s));
      const hit = cands.find((c) => re.test(c));
      if (hit !== undefined) v = hit;
    }
  }
  return v;
}

function fitLength(v, s) {
  let cps = Array.from(v);
  if (Number.isInteger(s.maxLength) && s.maxLength >= 0 && cps.length > s.maxLength) cps = cps.slice(0, s.maxLength);
  if (Number.isInteger(s.minLength) && s.minLength > cps.length) return cps.join('') + 'x'.repeat(s.minLength - cps.length);
  return cps.join('');
}

function numberFor(s, ctx, index, isInt) {
  const lo = typeof s.minimum === 'number' ? s.minimum : undefined;
  const hi = typeof s.maximum === 'number' ? s.maximum : undefined;
  const exLo = typeof s.exclusiveMinimum === 'number' ? s.exclusiveMinimum : s.exclusiveMinimum === true ? lo : undefined;
  const exHi = typeof s.exclusiveMaximum === 'number' ? s.exclusiveMaximum : s.exclusiveMaximum === true ? hi : undefined;
  const mult = typeof s.multipleOf === 'number' && s.multipleOf > 0 ? s.multipleOf : undefined;
  const ok = (n) => {
    if (!Number.isFinite(n)) return false;
    if (isInt && !Number.isInteger(n)) return false;
    if (lo !== undefined && (s.exclusiveMinimum === true ? n <= lo : n < lo)) return false;
    if (hi !== undefined && (s.exclusiveMaximum === true ? n >= hi : n > hi)) return false;
    if (typeof s.exclusiveMinimum === 'number' && n <= s.exclusiveMinimum) return false;
    if (typeof s.exclusiveMaximum === 'number' && n >= s.exclusiveMaximum) return false;
    if (mult !== undefined && Math.abs(n / mult - Math.round(n / mult)) > 1e-9) return false;
    return true;
  };
  const base = [];
  const nums = ctx.numbers || [];
  if (ctx.numIdx < nums.length) base.push(nums[ctx.numIdx]);
  base.push(1, 0, 2, 3, 5, 10, 20, 42, 100);
  const a = lo ?? exLo;
  const b = hi ?? exHi;
  if (a !== undefined) base.push(a, a + 1, Math.ceil(a), Math.floor(a) + 1, a + 0.5);
  if (b !== undefined) base.push(b, b - 1, Math.floor(b), Math.ceil(b) - 1, b - 0.5);
  if (a !== undefined && b !== undefined) base.push((a + b) / 2, Math.floor((a + b) / 2), Math.ceil((a + b) / 2));
  const cands = [];
  for (const c of base) {
    cands.push(c);
    if (mult !== undefined) cands.push(Math.ceil(c / mult) * mult, Math.floor(c / mult) * mult);
  }
  if (mult !== undefined) cands.push(mult);
  const start = cands.slice();
  for (const c of start) for (let k = 1; k <= 8; k += 1) cands.push(c + k * (mult ?? 1), c - k * (mult ?? 1));
  const seen = new Set();
  const good = [];
  for (const c of cands) {
    const n = Object.is(c, -0) ? 0 : c;
    if (!seen.has(n) && ok(n)) {
      seen.add(n);
      good.push(n);
    }
  }
  if (!good.length) return a ?? b ?? 0;
  const value = good[(index || 0) % good.length];
  if (ctx.numIdx < nums.length && value === nums[ctx.numIdx]) ctx.numIdx += 1;
  return value;
}

// ---------------------------------------------------------------------------------------------
// The whole completion.

function toolName(t) {
  return t && t.function && typeof t.function.name === 'string' ? t.function.name : '';
}

function mentions(text, name) {
  if (!name) return false;
  const lower = text.toLowerCase();
  const n = name.toLowerCase();
  return lower.includes(n) || lower.includes(n.replace(/[_-]/g, ' '));
}

/** The id of a completion: chatcmpl- + hash of the request (without stream fields and fault suffix). */
export function completionId(body) {
  const { stream, stream_options: so, ...rest } = body;
  return `chatcmpl-${sha256hex(stableStringify(rest)).slice(0, 29)}`;
}

/**
 * Builds the completion plan for a validated body whose `model` is already without any fault suffix.
 * Returns { id, created, model, citations, content, toolCalls, finishReason, contentPieces,
 * toolCallPieces, usage }.
 */
export function buildCompletion(body, modelInfo, createdSec) {
  const messages = body.messages;
  const last = messages[messages.length - 1];
  let lastUser = null;
  for (let i = messages.length - 1; i >= 0; i -= 1) {
    if (messages[i] && messages[i].role === 'user') {
      lastUser = messages[i];
      break;
    }
  }
  const userText = messageText(lastUser);
  const lang = detectLang(userText);
  const bucket = temperatureBucket(body.temperature);
  const tools = modelInfo.supports_tools && Array.isArray(body.tools) ? body.tools : [];
  const tc = body.tool_choice;
  const isEcho = userText.startsWith('echo:');
  const id = completionId(body);
  const ctxBase = {
    userText,
    snippet: snippetOf(userText, 40),
    place: extractPlace(userText),
    lang,
    numbers: extractNumbers(userText),
    budget: generationBudget(),
  };

  let content = null;
  let chosen = [];
  if (last.role === 'tool') {
    content = toolResultReply(messages, last, lang, bucket);
  } else {
    if (tools.length) {
      if (tc && typeof tc === 'object') {
        const t = tools.find((x) => toolName(x) === tc.function.name);
        if (t) chosen = [t];
      } else if (tc !== 'none') {
        const mentioned = tools.filter((t) => mentions(userText, toolName(t)));
        if (tc === 'required') chosen = mentioned.length ? mentioned : [tools[0]];
        else if (!isEcho) chosen = mentioned;
      }
    }
    if (!chosen.length) {
      if (isEcho) content = userText.slice(5);
      else content = jsonModeReply(body.response_format, userText, lang, bucket, ctxBase) ?? normalReply(userText, lang, bucket, modelInfo.citations);
    }
  }

  const toolCalls = chosen.length
    ? chosen.map((t, i) => {
        const name = toolName(t);
        const params = t.function.parameters;
        const schema = params && typeof params === 'object' ? params : { type: 'object', properties: {} };
        let args = valueFromSchema(schema, ctxBase);
        if (args === undefined) args = {};
        return {
          id: `call_${sha256hex(`${id}:${i}:${name}`).slice(0, 24)}`,
          type: 'function',
          function: { name, arguments: JSON.stringify(args) },
        };
      })
    : null;

  const reasoning = modelInfo.reasoning ? reasoningText(ctxBase.snippet, lang, chosen.length) : null;
  const reasoningPieces = reasoning ? coalesce(splitPieces(reasoning), MAX_PIECES) : [];
  const contentPieces = coalesce(typeof content === 'string' ? splitPieces(content) : [], MAX_PIECES);
  const toolCallPieces = toolCalls ? toolCalls.map((c) => coalesce(splitFixed(c.function.arguments, 7), MAX_PIECES)) : [];
  const promptTokens = messages.reduce((n, m) => n + wordCount(messageText(m)), 0);
  const completionTokens = reasoningPieces.length + contentPieces.length + toolCallPieces.reduce((n, p) => n + p.length, 0);
  return {
    id,
    created: createdSec,
    model: body.model,
    citations: modelInfo.citations ? [...CITATIONS] : null,
    content,
    reasoning,
    toolCalls,
    finishReason: toolCalls ? 'tool_calls' : 'stop',
    reasoningPieces,
    contentPieces,
    toolCallPieces,
    usage: { prompt_tokens: promptTokens, completion_tokens: completionTokens, total_tokens: promptTokens + completionTokens },
  };
}

/** A reasoning model's deterministic reasoning text (before its answer or its tool calls). */
function reasoningText(snippet, lang, tools) {
  if (lang === 'de') {
    return `Die Frage lautet „${snippet}“. ${tools ? 'Dafür brauche ich ein Werkzeug.' : 'Ich überlege kurz, dann antworte ich knapp.'}`;
  }
  return `The question is “${snippet}”. ${tools ? 'I need a tool for this.' : 'Let me think briefly, then answer concisely.'}`;
}

function toolResultReply(messages, last, lang, bucket) {
  let name = null;
  const callId = last.tool_call_id;
  for (const m of messages) {
    if (m && m.role === 'assistant' && Array.isArray(m.tool_calls)) {
      for (const c of m.tool_calls) {
        if (c && c.id === callId && c.function && typeof c.function.name === 'string') name = c.function.name;
      }
    }
  }
  if (!name && typeof last.name === 'string') name = last.name;
  const result = snippetOf(messageText(last), 2000);
  const who = name || (lang === 'de' ? 'dem Werkzeug' : 'the tool');
  const closing = {
    de: ['Das ist das Ergebnis.', 'Ich hoffe, das hilft Ihnen weiter.', 'Schön, dass ich helfen konnte – bis bald!', 'Überraschend, oder? Viel Spaß damit!'],
    en: ['That is the result. Grüße!', 'I hope that helps. Schöne Grüße!', 'Glad I could help – schönen Tag noch!', 'Surprising, right? Viel Spaß!'],
  };
  const lead = lang === 'de' ? `Laut ${who}: ${result}` : `According to ${who}: ${result}`;
  return `${lead} ${closing[lang][bucket]} 🚀`;
}

function jsonModeReply(rf, userText, lang, bucket, ctxBase) {
  if (!rf || typeof rf !== 'object') return null;
  const text = normalReply(userText, lang, bucket, false);
  if (rf.type === 'json_object') return JSON.stringify({ antwort: text, sprache: lang });
  if (rf.type === 'json_schema') {
    const schema = rf.json_schema && rf.json_schema.schema;
    if (!schema || typeof schema !== 'object') return JSON.stringify({ antwort: text, sprache: lang });
    return JSON.stringify(valueFromSchema(schema, { ...ctxBase, replyText: text }));
  }
  return null;
}

// ---------------------------------------------------------------------------------------------
// Response objects.

export function completionObject(plan) {
  const out = { id: plan.id, object: 'chat.completion', created: plan.created, model: plan.model };
  if (plan.citations) out.citations = plan.citations;
  const message = { role: 'assistant', content: plan.content };
  if (plan.reasoning) message.reasoning_content = plan.reasoning;
  if (plan.toolCalls) message.tool_calls = plan.toolCalls;
  out.choices = [{ index: 0, message, finish_reason: plan.finishReason }];
  out.usage = { ...plan.usage };
  return out;
}

function chunkBase(plan) {
  const out = { id: plan.id, object: 'chat.completion.chunk', created: plan.created, model: plan.model };
  if (plan.citations) out.citations = plan.citations;
  return out;
}

export function chunkObject(plan, delta, finishReason = null) {
  const out = chunkBase(plan);
  out.choices = [{ index: 0, delta, finish_reason: finishReason }];
  return out;
}

/** The chunk objects of a stream, in order (without [DONE]). */
export function streamChunks(plan, includeUsage, contentPieces = plan.contentPieces) {
  const chunks = [];
  chunks.push(chunkObject(plan, { role: 'assistant', content: plan.toolCalls ? null : '' }));
  // Reasoning first, as DeepSeek streams it: `reasoning_content` deltas, then the answer.
  for (const p of plan.reasoningPieces ?? []) chunks.push(chunkObject(plan, { reasoning_content: p }));
  for (const p of contentPieces) chunks.push(chunkObject(plan, { content: p }));
  if (plan.toolCalls) {
    plan.toolCalls.forEach((call, index) => {
      chunks.push(
        chunkObject(plan, {
          tool_calls: [{ index, id: call.id, type: 'function', function: { name: call.function.name, arguments: '' } }],
        }),
      );
      for (const piece of plan.toolCallPieces[index]) {
        chunks.push(chunkObject(plan, { tool_calls: [{ index, function: { arguments: piece } }] }));
      }
    });
  }
  chunks.push(chunkObject(plan, {}, plan.finishReason));
  if (includeUsage) {
    const u = chunkBase(plan);
    u.choices = [];
    u.usage = { ...plan.usage };
    chunks.push(u);
  }
  return chunks;
}
