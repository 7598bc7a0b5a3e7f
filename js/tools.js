// runTools, runToolsStream and parse: helpers over chatCompletion. The entries load this file on
// first use (lazy.js `later`), so a bundle that never calls them does not ship it. Schemas are
// checked by the Rust validator (src/schema.rs), built as its own small wasm
// (meingpt_schema.wasm, src/schema_abi.rs) that `api.schema()` loads the way the entry's runtime
// loads wasm; it stays out of the main wasm that every call loads. The errors of a call, the loop's
// abort and timeout included, are the core's (connectionError); this file makes only the errors
// about its own input and results (tools, maxSteps, a schema mismatch, a completion with no message).
import { connectionError } from './meingpt_wasm.js';
import { Link, raced } from './client.js';
import { APIError, MaxStepsExceededError, SchemaValidationError, ValidationError } from './errors.js';

const enc = new TextEncoder();
const dec = new TextDecoder();
let validator; // a promise of the validator wasm's exports, made once

function loadValidator(load) {
  validator ??= Promise.resolve()
    .then(load)
    .then(async (module) => {
      let x;
      const text = (p, n) => dec.decode(new Uint8Array(x.memory.buffer, p, n));
      const pattern = (pp, pl, sp, sl) => {
        try {
          return +new RegExp(text(pp, pl), 'u').test(text(sp, sl));
        } catch {
          return -1; // a pattern the engine refuses is not checked
        }
      };
      x = (await WebAssembly.instantiate(module, { env: { pattern } })).exports;
      return x;
    });
  validator.catch(() => (validator = undefined));
  return validator;
}

/** `[pointer, message]` when the JSON text `value` does not match the schema text, else undefined. */
async function checkSchema(load, schema, value) {
  const x = await loadValidator(load);
  try {
    const put = (s) => {
      const b = enc.encode(s);
      const p = x.alloc(b.length);
      new Uint8Array(x.memory.buffer, p, b.length).set(b);
      return [p, b.length];
    };
    const [sp, sl] = put(schema);
    const [vp, vl] = put(value);
    const r = x.check(sp, sl, vp, vl);
    x.free(sp, sl);
    x.free(vp, vl);
    if (!r) return undefined;
    const len = new DataView(x.memory.buffer).getUint32(r, true);
    const bytes = new Uint8Array(x.memory.buffer, r + 4, len).slice();
    x.free(r, len + 4);
    const z = bytes.indexOf(0);
    return [dec.decode(bytes.subarray(0, z)), dec.decode(bytes.subarray(z + 1))];
  } catch (e) {
    validator = undefined; // a trapped instance is not reused
    throw e;
  }
}

/** The error for a reply (or arguments) not matching: `pointer` is a JSON pointer into it. */
const mismatch = (reason, pointer, completion) =>
  Object.assign(new SchemaValidationError(`JSON schema mismatch at ${pointer || '(root)'}: ${reason}`), {
    pointer,
    reason,
    completion,
  });

/** `text` (JSON) parsed, after checking it against `schema`; throws SchemaValidationError. */
async function checked(api, schema, text, completion) {
  const bad = await checkSchema(api.schema, schema === undefined ? 'true' : JSON.stringify(schema), text);
  if (bad) throw mismatch(bad[1], bad[0], completion);
  return JSON.parse(text);
}

/** The assistant message of a completion. */
function messageOf(completion) {
  const m = completion?.choices?.[0]?.message;
  if (!m || typeof m !== 'object') {
    throw new APIError(undefined, 'the completion has no choices[0].message', completion);
  }
  return m;
}

/**
 * `parse(request, options)`: a completion whose content is JSON matching
 * `response_format.json_schema.schema`: `{ completion, parsed }`. With `stream: true` it resolves
 * to the stream, whose `finalParsed()` gives the same once the stream has ended.
 */
export async function parse(api, request, options) {
  const format = request?.response_format;
  if (format?.type !== 'json_schema' || typeof format.json_schema !== 'object' || !format.json_schema) {
    throw new ValidationError(
      "parse() needs response_format {type: 'json_schema', json_schema: {name, schema}}",
      'response_format',
    );
  }
  const schema = format.json_schema.schema;
  const finish = async (completion) => {
    const m = messageOf(completion);
    if (typeof m.content !== 'string') {
      const why = m.refusal ? `the model refused: ${m.refusal}` : 'the reply has no content';
      throw mismatch(why, '', completion);
    }
    return { completion, parsed: await checked(api, schema, m.content, completion) };
  };
  const result = await api.call(request, options);
  if (request.stream !== true) return finish(result);
  result.finalParsed = () => result.finalCompletion().then(finish);
  return result;
}

/** `runTools(request, { tools, maxSteps }, options)`: the loop, to its final answer. */
export async function runTools(api, request, config, options) {
  let last;
  for await (const event of loop(api, request, config, options, false)) last = event;
  return { completion: last.completion, messages: last.messages, steps: last.steps };
}

/** The loop as events: content deltas, tool calls started and finished, steps, and `done`. */
export function runToolsStream(api, request, config, options) {
  return loop(api, request, config, options, true);
}

/**
 * The whole loop's link (client.js): the caller's signal and `timeoutMs` both end it. Its error is
 * the core's (APIUserAbortError or APIConnectionTimeoutError), made once a chat call has loaded
 * the wasm; `fallback` (what the loop failed with) when the wasm never loaded.
 */
function loopLink(options) {
  const signal = options?.signal;
  const link = new Link(typeof signal?.addEventListener === 'function' ? signal : undefined);
  if (signal?.aborted) link.fire(/* WHY_USER_ABORT */ 1);
  const ms = options?.timeoutMs ?? /* DEFAULT_TIMEOUT_MS */ 600000;
  if (ms > 0) link.arm(ms);
  link.error = (fallback) => {
    try {
      return connectionError(link.why, '', undefined, '');
    } catch {
      return fallback;
    }
  };
  return link;
}

function toolDefinitions(request, tools) {
  if (!tools || typeof tools !== 'object') {
    throw new ValidationError('tools must map tool names to { description, parameters, run }', 'tools');
  }
  const own = Object.entries(tools).map(([name, t]) => {
    if (typeof t?.run !== 'function') {
      throw new ValidationError(`tool ${name} needs a run(args) function`, `tools.${name}.run`);
    }
    return { type: 'function', function: { name, description: t.description, parameters: t.parameters, strict: t.strict } };
  });
  const other = (request?.tools ?? []).filter((t) => !(t?.function?.name in tools));
  return [...other, ...own];
}

/**
 * Runs one tool call. An unknown tool, arguments that are not JSON or miss the schema, and a tool
 * that throws go back to the model as the tool's answer; the loop's own failures (an abort, a
 * validator that cannot load) end the loop.
 */
async function runCall(api, tc, tools, abort, messages) {
  const name = tc?.function?.name;
  const tool = Object.hasOwn(tools, name) ? tools[name] : undefined;
  let content;
  let args;
  if (!tool) content = `Error: there is no tool named ${JSON.stringify(name)}`;
  else {
    try {
      args = await checked(api, tool.parameters, tc.function.arguments || '{}');
    } catch (e) {
      if (!(e instanceof SchemaValidationError)) throw e;
      content = `Error: invalid arguments: ${e.message}. Call the tool again with arguments that match its schema.`;
    }
  }
  if (content !== undefined) return { id: tc.id, name, content, error: true };
  try {
    const result = await tool.run(args, { signal: abort.controller.signal, toolCallId: tc.id, messages });
    content = typeof result === 'string' ? result : JSON.stringify(result ?? null);
    return { id: tc.id, name, content, error: false };
  } catch (e) {
    if (abort.controller.signal.aborted) throw abort.error(e);
    return { id: tc.id, name, content: `Error: ${e?.message ?? e}`, error: true };
  }
}

async function* loop(api, request, config, options, stream) {
  const { call } = api;
  const { tools, maxSteps = 10 } = config ?? {};
  if (!Number.isInteger(maxSteps) || maxSteps < 1) {
    throw new ValidationError('maxSteps must be a whole number of at least 1', 'maxSteps');
  }
  const definitions = toolDefinitions(request, tools);
  if (!Array.isArray(request?.messages)) {
    throw new ValidationError('messages must be a non-empty array', 'messages');
  }
  const messages = [...request.messages];
  const abort = loopLink(options);
  const callOptions = { ...options, signal: abort.controller.signal };
  try {
    for (let step = 1; ; step += 1) {
      const body = { ...request, tools: definitions, messages: [...messages], stream };
      let completion;
      if (stream) {
        // A chat call ends at once when the loop's link fires (it is the call's signal).
        const s = await call(body, callOptions);
        for await (const chunk of s) {
          const d = chunk?.choices?.[0]?.delta;
          const thought = d?.reasoning_content ?? d?.reasoning;
          if (typeof thought === 'string' && thought) yield { type: 'reasoning', step, delta: thought };
          if (d?.content) yield { type: 'content', step, delta: d.content };
        }
        completion = await s.finalCompletion();
      } else {
        completion = await call(body, callOptions);
      }
      const m = messageOf(completion);
      const calls = Array.isArray(m.tool_calls) ? m.tool_calls : [];
      const reply = { role: 'assistant', content: m.content ?? null };
      // Reasoning models: some providers refuse the next turn when its assistant message lost them.
      for (const k of ['reasoning_content', 'reasoning']) if (m[k] != null) reply[k] = m[k];
      if (calls.length) reply.tool_calls = calls;
      messages.push(reply);
      yield { type: 'step', step, completion };
      if (!calls.length) {
        // A Perplexity-like model's sources, at hand for whoever shows the answer.
        const done = { type: 'done', steps: step, completion, messages };
        if (completion.citations !== undefined) done.citations = completion.citations;
        yield done;
        return;
      }
      if (step >= maxSteps) {
        throw Object.assign(new MaxStepsExceededError(`The model still asked for tools after ${maxSteps} steps (maxSteps)`), { messages });
      }
      for (const tc of calls) {
        yield { type: 'tool_call_started', step, id: tc.id, name: tc.function?.name, arguments: tc.function?.arguments };
      }
      const results = await raced(Promise.all(calls.map((tc) => runCall(api, tc, tools, abort, messages))), abort);
      for (const r of results) {
        messages.push({ role: 'tool', tool_call_id: r.id, content: r.content });
        yield { type: 'tool_call_finished', step, id: r.id, name: r.name, result: r.content, error: r.error };
      }
    }
  } catch (e) {
    throw abort.controller.signal.aborted ? abort.error(e) : e;
  } finally {
    abort.close();
  }
}
