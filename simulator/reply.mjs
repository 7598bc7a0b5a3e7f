// Deterministic reply generation for the meinGPT simulator.
// Everything here is a pure function of the (validated) request body. The pieces live by concern:
// models.mjs (models, roles), text.mjs (words and canned answers), schema-value.mjs (JSON from JSON
// Schema); this file builds the completion and its response objects, and re-exports the rest.

import { CITATIONS } from './models.mjs';
import { sha256hex, stableStringify, messageText, wordCount, splitPieces, MAX_PIECES, coalesce, splitFixed, detectLang, snippetOf, extractPlace, extractNumbers, temperatureBucket, normalReply } from './text.mjs';
import { generationBudget, valueFromSchema } from './schema-value.mjs';

export { MODELS, MODEL_CREATED, CITATIONS, ROLES, findModel } from './models.mjs';
export {
  sha256hex,
  stableStringify,
  messageText,
  wordCount,
  splitPieces,
  MAX_PIECES,
  coalesce,
  splitFixed,
  detectLang,
  snippetOf,
  extractPlace,
  extractNumbers,
  temperatureBucket,
  normalReply,
} from './text.mjs';
export { GENERATION_LIMITS, ReplyTooLarge, generationBudget, valueFromSchema } from './schema-value.mjs';

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
