// Words of the simulator's replies: text helpers, the language guess and the canned answers.
// Pure functions of their arguments.

import { createHash } from 'node:crypto';

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
