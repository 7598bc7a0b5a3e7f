// The chat request checks of the simulator: the same rules, field paths and messages as the
// package's own check (src/validate.rs), plus what only the server knows (its models, which of them
// take tools, OpenAI's 128-tool limit). tests/fixtures/requests.json drives both: each case names the
// verdict and the field of src/validate.rs, and where the server differs on purpose, its own.
import { ROLES, findModel } from './models.mjs';

/** The pattern of tool names and json_schema names (src/validate.rs: `TOOL_NAME_PATTERN`). */
export const TOOL_NAME_PATTERN = '^[A-Za-z0-9_-]{1,64}$';
export const TOOL_NAME_RE = new RegExp(TOOL_NAME_PATTERN);
/** OpenAI's own limit on the number of tools of one request. */
export const MAX_TOOLS = 128;

const RESPONSE_FORMATS = ['text', 'json_object', 'json_schema'];
const TOOL_CHOICE = 'tool_choice must be "auto", "none", "required" or {type:"function", function:{name}}';

/** A refusal: `param` is the field path, `message` says what is allowed there. */
class Refusal {
  constructor(param, message, plain = false) {
    this.param = param;
    this.message = message;
    // meinGPT's own words (clients match on them): sent as they are, without the field path.
    this.plain = plain;
  }
}

const no = (param, message) => {
  throw new Refusal(param, message);
};

const isObject = (v) => v !== null && typeof v === 'object' && !Array.isArray(v);
const isStr = (v) => typeof v === 'string';
const hasStr = (v, key) => isObject(v) && isStr(v[key]);

/** `what` with the value shown as JSON, cut after 40 characters (as src/validate.rs `got`). */
function got(what, v) {
  const cps = Array.from(JSON.stringify(v) ?? 'undefined');
  return `${what} (got ${cps.length > 40 ? `${cps.slice(0, 40).join('')}…` : cps.join('')})`;
}

/**
 * Checks a parsed chat request. Returns null when the server takes it, else
 * `{ param, message, plain }`.
 */
export function validateChat(body) {
  try {
    check(body);
    return null;
  } catch (err) {
    if (err instanceof Refusal) return err;
    throw err;
  }
}

/** The message of the 400 answer: it starts with the field path (meinGPT's own words stay as they are). */
export function refusalText(r) {
  return r.plain || r.message.startsWith(`${r.param} `) ? r.message : `${r.param}: ${r.message}`;
}

function check(body) {
  if (!isObject(body)) no('request', got('request must be an object', body));
  if (!('model' in body)) no('model', 'model is required');
  if (!isStr(body.model) || body.model === '') no('model', got('model must be a non-empty string', body.model));
  const model = findModel(body.model);
  if (!model) throw new Refusal('model', `Model '${Array.from(body.model).slice(0, 100).join('')}' not found`, true);
  if (!('messages' in body)) no('messages', 'messages is required');
  messages(body.messages);
  if ('response_format' in body) responseFormat(body.response_format);
  if ('stream' in body && typeof body.stream !== 'boolean') no('stream', got('stream must be a boolean', body.stream));
  if ('temperature' in body) {
    const t = body.temperature;
    if (typeof t !== 'number' || !Number.isFinite(t) || t < 0 || t > 2) no('temperature', got('temperature must be a number from 0 to 2', t));
  }
  const names = 'tools' in body ? tools(body.tools, model) : null;
  if ('tool_choice' in body) toolChoice(body.tool_choice, names);
}

function messages(list) {
  if (!Array.isArray(list)) no('messages', got('messages must be an array', list));
  if (list.length === 0) no('messages', 'messages must not be empty');
  list.forEach((m, i) => message(`messages[${i}]`, m));
}

function message(path, msg) {
  if (!isObject(msg)) no(path, got('a message must be an object', msg));
  if (!('role' in msg)) no(`${path}.role`, 'role is required');
  if (!ROLES.includes(msg.role)) no(`${path}.role`, got(`role must be one of ${ROLES.join(', ')}`, msg.role));
  if ('name' in msg && !isStr(msg.name)) no(`${path}.name`, got('name must be a string', msg.name));
  const has = 'content' in msg;
  if (msg.role === 'assistant') {
    const calls = 'tool_calls' in msg;
    if (calls) toolCalls(`${path}.tool_calls`, msg.tool_calls);
    if (has && msg.content !== null) content(`${path}.content`, msg.content);
    if (!calls && (!has || msg.content === null)) no(`${path}.content`, 'content is required for an assistant message without tool_calls');
    return;
  }
  if (!has) no(`${path}.content`, 'content is required');
  content(`${path}.content`, msg.content);
  if (msg.role === 'tool') {
    const p = `${path}.tool_call_id`;
    if (!('tool_call_id' in msg)) no(p, 'a tool message needs tool_call_id');
    if (!isStr(msg.tool_call_id) || msg.tool_call_id === '') no(p, got('tool_call_id must be a non-empty string', msg.tool_call_id));
  }
}

function content(path, c) {
  if (isStr(c)) return;
  if (!Array.isArray(c)) no(path, got('content must be a string or an array of content parts', c));
  c.forEach((part, i) => {
    const p = `${path}[${i}]`;
    if (!isObject(part)) no(p, got('a content part must be an object', part));
    if (!isStr(part.type) || part.type === '') no(`${p}.type`, 'a content part needs a type such as "text" or "image_url"');
    if (part.type === 'text' && !isStr(part.text)) no(`${p}.text`, 'a text part needs text (a string)');
    if (part.type === 'image_url' && !hasStr(part.image_url, 'url')) no(`${p}.image_url.url`, 'an image_url part needs image_url.url (a string)');
  });
}

function toolCalls(path, list) {
  if (!Array.isArray(list)) no(path, got('tool_calls must be an array', list));
  list.forEach((call, i) => {
    const p = `${path}[${i}]`;
    if (!isObject(call)) no(p, got('a tool call must be an object', call));
    if (!isStr(call.id)) no(`${p}.id`, 'a tool call needs an id (a string)');
    if (call.type !== 'function') no(`${p}.type`, 'a tool call\'s type must be "function"');
    if (!isObject(call.function)) no(`${p}.function`, 'a tool call needs function: {name, arguments}');
    if (!isStr(call.function.name)) no(`${p}.function.name`, 'function.name must be a string');
    if (!isStr(call.function.arguments)) no(`${p}.function.arguments`, 'function.arguments must be a string (JSON text)');
  });
}

function responseFormat(rf) {
  if (!isObject(rf)) no('response_format', got('response_format must be an object', rf));
  if (!RESPONSE_FORMATS.includes(rf.type)) no('response_format.type', 'response_format.type must be text, json_object or json_schema');
  if (rf.type !== 'json_schema') return;
  const js = rf.json_schema;
  if (!isObject(js)) no('response_format.json_schema', 'json_schema must be an object {name, schema, strict?}');
  if (!isStr(js.name) || !TOOL_NAME_RE.test(js.name)) no('response_format.json_schema.name', `json_schema.name must match ${TOOL_NAME_PATTERN}`);
  if ('schema' in js && !isObject(js.schema)) no('response_format.json_schema.schema', 'json_schema.schema must be an object (a JSON Schema)');
  if ('strict' in js && typeof js.strict !== 'boolean') no('response_format.json_schema.strict', 'json_schema.strict must be a boolean');
}

/** Checks `tools`; returns the declared names (none for `tools: []`, which the server takes as no tools). */
function tools(list, model) {
  if (Array.isArray(list) && list.length === 0) return [];
  if (!model.supports_tools) throw new Refusal('tools', `Model '${model.id}' does not support tools`, true);
  if (!Array.isArray(list)) no('tools', got('tools must be an array', list));
  if (list.length > MAX_TOOLS) throw new Refusal('tools', `tools: at most ${MAX_TOOLS} tools`, true);
  const names = [];
  list.forEach((tool, i) => {
    const p = `tools[${i}]`;
    if (!isObject(tool)) no(p, got('a tool must be an object', tool));
    if (tool.type !== 'function') no(`${p}.type`, 'a tool\'s type must be "function"');
    const f = tool.function;
    if (!isObject(f)) no(`${p}.function`, 'a tool needs function: {name, description?, parameters?}');
    if (!isStr(f.name) || !TOOL_NAME_RE.test(f.name)) no(`${p}.function.name`, `function.name must match ${TOOL_NAME_PATTERN}`);
    if (names.includes(f.name)) no(`${p}.function.name`, 'tool names must be unique');
    if ('description' in f && !isStr(f.description)) no(`${p}.function.description`, 'description must be a string');
    if ('parameters' in f && !isObject(f.parameters)) no(`${p}.function.parameters`, 'parameters must be an object (a JSON Schema)');
    if ('strict' in f && typeof f.strict !== 'boolean') no(`${p}.function.strict`, 'strict must be a boolean');
    names.push(f.name);
  });
  return names;
}

function toolChoice(tc, names) {
  if (tc === 'auto' || tc === 'none') return;
  if (tc === 'required') {
    if (!names || names.length === 0) no('tool_choice', 'tool_choice "required" needs tools');
    return;
  }
  if (!isObject(tc)) no('tool_choice', got(TOOL_CHOICE, tc));
  if (tc.type !== 'function') no('tool_choice.type', 'tool_choice.type must be "function"');
  const name = isObject(tc.function) ? tc.function.name : undefined;
  if (!isStr(name) || !names || !names.includes(name)) no('tool_choice.function.name', 'tool_choice.function.name must name one of the tools');
}
