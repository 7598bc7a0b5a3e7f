// Values from JSON Schema (tool arguments and json_schema replies), deterministic and bounded:
// no schema makes the simulator build more than GENERATION_LIMITS.

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

