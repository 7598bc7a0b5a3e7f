// runTools / runToolsStream and ToolsNotSupportedError + toolsFallback (issue 6).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import {
  runTools,
  runToolsStream,
  chatCompletion,
  ToolsNotSupportedError,
  BadRequestError,
  MaxStepsExceededError,
  ValidationError,
  APIUserAbortError,
  APIConnectionTimeoutError,
} from 'meingpt-wasm';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { createRequire } from 'node:module';
import { T, startSim, opts, uid, logFor, fault, rejection, within, collect, fakeFetch, assertErrorClass, assertHealthy } from './helpers.mjs';

let sim;
before(async () => {
  sim = await startSim();
});
after(() => sim?.close());

const ask = (content, extra = {}) => ({ model: 'gpt-4o-mini', messages: [{ role: 'user', content }], ...extra });
const CITY = { type: 'object', properties: { city: { type: 'string' } }, required: ['city'], additionalProperties: false };

/** A weather tool recording its calls. */
function weatherTool(extra = {}) {
  const calls = [];
  return {
    calls,
    tool: {
      description: 'Aktuelles Wetter einer Stadt',
      parameters: CITY,
      run: async (args, ctx) => {
        calls.push({ args, ctx });
        return { city: args.city, temperatur: 21, himmel: 'sonnig' };
      },
      ...extra,
    },
  };
}

/** A fetch answering with the given chat.completion messages in turn; records the request bodies. */
function scripted(...messages) {
  const f = fakeFetch((url, init, n) => {
    const message = messages[Math.min(n, messages.length) - 1];
    const body = {
      id: `chatcmpl-${n}`,
      object: 'chat.completion',
      created: 1718000000,
      model: 'gpt-4o-mini',
      choices: [{ index: 0, message, finish_reason: message.tool_calls ? 'tool_calls' : 'stop' }],
    };
    return new Response(JSON.stringify(body), { headers: { 'content-type': 'application/json' } });
  });
  f.bodies = () => f.calls.map((c) => JSON.parse(c.init.body));
  return f;
}
const fake = (fetch) => ({ apiKey: 'sk-x', baseUrl: 'http://fake.invalid/v1', fetch, maxRetries: 0 });
const callOf = (id, name, args) => ({ id, type: 'function', function: { name, arguments: args } });

test('runTools: calls the tool with checked arguments, sends the result back, returns the final answer', T, async () => {
  const id = uid('tools');
  const w = weatherTool();
  const r = await runTools(ask('Wie ist das Wetter in München? Nutze get_weather.'), { tools: { get_weather: w.tool } }, opts(sim, {}, id));
  assert.equal(r.steps, 2);
  assert.deepEqual(w.calls.map((c) => c.args), [{ city: 'München' }]);
  assert.ok(w.calls[0].ctx.signal instanceof AbortSignal);
  const [user, assistant, tool, final] = r.messages;
  assert.equal(r.messages.length, 4);
  assert.equal(user.role, 'user');
  assert.equal(assistant.role, 'assistant');
  assert.equal(assistant.content, null);
  assert.equal(assistant.tool_calls[0].function.name, 'get_weather');
  assert.equal(w.calls[0].ctx.toolCallId, assistant.tool_calls[0].id);
  assert.deepEqual(tool, { role: 'tool', tool_call_id: assistant.tool_calls[0].id, content: '{"city":"München","temperatur":21,"himmel":"sonnig"}' });
  assert.equal(final.role, 'assistant');
  assert.equal(final.content, r.completion.choices[0].message.content);
  assert.match(final.content, /get_weather: \{"city":"München","temperatur":21/);
  // What went over the wire: the tool definition from the map, then the whole conversation.
  const log = logFor(sim, id);
  assert.equal(log.length, 2);
  assert.deepEqual(log[0].body.tools, [{ type: 'function', function: { name: 'get_weather', description: 'Aktuelles Wetter einer Stadt', parameters: CITY } }]);
  assert.deepEqual(log[1].body.messages, r.messages.slice(0, 3));
  assert.equal(log[1].body.stream, false);
});

test('runTools: several tool calls run in parallel and their results keep the call order', T, async () => {
  let started = 0;
  let release;
  const both = new Promise((resolve) => (release = resolve));
  const tool = (name, result) => ({
    parameters: CITY,
    run: async () => {
      started += 1;
      if (started === 2) release();
      // Each waits until the other has started too: only parallel runs get past this.
      await within(both, 5000, `${name} waiting for the other tool`);
      return result;
    },
  });
  const r = await runTools(
    ask('Bitte get_weather und get_time für Berlin.'),
    { tools: { get_weather: tool('get_weather', 'sonnig'), get_time: tool('get_time', '12:00') } },
    opts(sim),
  );
  const calls = r.messages[1].tool_calls;
  assert.deepEqual(calls.map((c) => c.function.name), ['get_weather', 'get_time']);
  assert.deepEqual(r.messages.slice(2, 4), [
    { role: 'tool', tool_call_id: calls[0].id, content: 'sonnig' },
    { role: 'tool', tool_call_id: calls[1].id, content: '12:00' },
  ]);
});

test('runTools: bad arguments, unknown tools and throwing tools go back to the model as tool results', T, async () => {
  const f = scripted(
    {
      role: 'assistant',
      content: null,
      tool_calls: [
        callOf('c1', 'get_weather', '{"city": 5}'),
        callOf('c2', 'get_weather', '{"city": "Köln", "extra": 1}'),
        callOf('c3', 'get_weather', '{"city": '),
        callOf('c4', 'no_such_tool', '{}'),
        callOf('c5', 'explode', '{}'),
        callOf('c6', 'get_weather', '{"city":"Köln"}'),
      ],
    },
    { role: 'assistant', content: 'Fertig.' },
  );
  const w = weatherTool();
  const r = await runTools(
    ask('x'),
    {
      tools: {
        get_weather: w.tool,
        explode: {
          run: () => {
            throw new Error('Kaputt: Grüße');
          },
        },
      },
    },
    fake(f),
  );
  assert.equal(r.completion.choices[0].message.content, 'Fertig.');
  assert.deepEqual(w.calls.map((c) => c.args), [{ city: 'Köln' }], 'only the valid call ran');
  const results = Object.fromEntries(f.bodies()[1].messages.filter((m) => m.role === 'tool').map((m) => [m.tool_call_id, m.content]));
  assert.match(results.c1, /^Error: invalid arguments: JSON schema mismatch at \/city: must be string, not number/);
  assert.match(results.c2, /\/extra: is not allowed \(additionalProperties is false\)/);
  assert.match(results.c3, /^Error: invalid arguments: .*is not JSON/);
  assert.match(results.c4, /^Error: there is no tool named "no_such_tool"/);
  assert.equal(results.c5, 'Error: Kaputt: Grüße');
  assert.match(results.c6, /"city":"Köln"/);
});

test('runTools: maxSteps ends a loop that keeps asking for tools with MaxStepsExceededError', T, async () => {
  const id = uid('steps');
  const w = weatherTool();
  const e = await rejection(
    runTools(ask('Wetter in Hamburg? get_weather'), { tools: { get_weather: w.tool }, maxSteps: 1 }, opts(sim, {}, id)),
  );
  assertErrorClass(e, MaxStepsExceededError);
  assert.match(e.message, /after 1 steps/);
  assert.equal(e.messages.at(-1).tool_calls[0].function.name, 'get_weather');
  assert.equal(logFor(sim, id).length, 1);
  assert.equal(w.calls.length, 0, 'the tools of the last step do not run');

  const loop = scripted({ role: 'assistant', content: null, tool_calls: [callOf('c', 'get_weather', '{"city":"Ulm"}')] });
  const e2 = await rejection(runTools(ask('x'), { tools: { get_weather: weatherTool().tool }, maxSteps: 3 }, fake(loop)));
  assertErrorClass(e2, MaxStepsExceededError);
  assert.equal(loop.calls.length, 3);
  assert.equal(e2.messages.filter((m) => m.role === 'tool').length, 2);
});

test('runTools: the caller\'s signal aborts the whole loop, also while a tool runs', T, async () => {
  const controller = new AbortController();
  let toolSignal;
  const tool = {
    parameters: CITY,
    run: (args, { signal }) => {
      toolSignal = signal;
      setTimeout(() => controller.abort(), 20);
      return new Promise(() => {}); // never settles by itself
    },
  };
  const e = await within(
    rejection(runTools(ask('Wetter in Bonn? get_weather'), { tools: { get_weather: tool } }, opts(sim, { signal: controller.signal }))),
    5000,
    'the aborted loop',
  );
  assertErrorClass(e, APIUserAbortError);
  assert.equal(toolSignal.aborted, true, 'the tool saw the abort');
  await assertHealthy(sim, 'after an aborted tool loop');
});

test('runTools: timeoutMs bounds the whole loop, not only each call', T, async () => {
  const slow = { parameters: CITY, run: () => new Promise((resolve) => setTimeout(() => resolve('spät'), 3000)) };
  const e = await within(
    rejection(runTools(ask('Wetter in Essen? get_weather'), { tools: { get_weather: slow } }, opts(sim, { timeoutMs: 300 }))),
    5000,
    'the timed-out loop',
  );
  assertErrorClass(e, APIConnectionTimeoutError);
});

test('runTools: bad config is a ValidationError before anything is sent', T, async () => {
  const id = uid('cfg');
  const o = opts(sim, {}, id);
  const cases = [
    [{ tools: { a: { run: () => 1 } }, maxSteps: 0 }, 'maxSteps'],
    [{ tools: { a: { run: () => 1 } }, maxSteps: 1.5 }, 'maxSteps'],
    [{ tools: { a: {} } }, 'tools.a.run'],
    [{}, 'tools'],
  ];
  for (const [config, param] of cases) {
    const e = await rejection(runTools(ask('x'), config, o), JSON.stringify(config));
    assertErrorClass(e, ValidationError);
    assert.equal(e.param, param);
  }
  // A tool name the API refuses: the request check of chatCompletion.
  const e = await rejection(runTools(ask('x'), { tools: { 'bad name': { run: () => 1 } } }, o));
  assertErrorClass(e, ValidationError);
  assert.match(e.param, /^tools\[0\]\.function\.name$/);
  assert.equal(logFor(sim, id).length, 0);
});

test('runToolsStream: content deltas, tool calls started and finished, steps, then done with the same conversation', T, async () => {
  const request = ask('Wie wird das Wetter in Leipzig? get_weather');
  const expected = await runTools(request, { tools: { get_weather: weatherTool().tool } }, opts(sim));
  const w = weatherTool();
  const streamed = { ...request, stream_options: { include_usage: true } };
  const { items: events, error } = await within(collect(runToolsStream(streamed, { tools: { get_weather: w.tool } }, opts(sim))), 10000, 'the event stream');
  assert.equal(error, undefined, String(error));
  assert.deepEqual(
    events.filter((e) => e.type !== 'content').map((e) => `${e.type}:${e.step}`),
    ['step:1', 'tool_call_started:1', 'tool_call_finished:1', 'step:2', 'done:undefined'],
  );
  const started = events.find((e) => e.type === 'tool_call_started');
  assert.equal(started.name, 'get_weather');
  assert.deepEqual(JSON.parse(started.arguments), { city: 'Leipzig' });
  const finished = events.find((e) => e.type === 'tool_call_finished');
  assert.equal(finished.id, started.id);
  assert.equal(finished.error, false);
  assert.equal(finished.result, '{"city":"Leipzig","temperatur":21,"himmel":"sonnig"}');
  const deltas = events.filter((e) => e.type === 'content');
  assert.ok(deltas.length > 3, 'the answer arrives in pieces');
  assert.ok(deltas.every((d) => d.step === 2));
  const done = events.at(-1);
  assert.equal(deltas.map((d) => d.delta).join(''), done.completion.choices[0].message.content);
  // Streamed or not, the simulator answers the same: the same conversation and final completion.
  assert.deepEqual(done.messages, expected.messages);
  assert.deepEqual(done.completion, expected.completion);
  assert.equal(done.steps, 2);
});

test('runToolsStream: breaking out early stops the loop and runs no tool', T, async () => {
  const id = uid('break');
  const w = weatherTool();
  let seen = 0;
  for await (const event of runToolsStream(ask('Wetter in Kiel? get_weather'), { tools: { get_weather: w.tool } }, opts(sim, {}, id))) {
    seen += 1;
    assert.equal(event.type, 'step');
    break;
  }
  assert.equal(seen, 1);
  assert.equal(w.calls.length, 0);
  assert.equal(logFor(sim, id).length, 1);
  await assertHealthy(sim, 'after leaving a tool stream early');
});

test('ToolsNotSupportedError: a 400 refusing tools; toolsFallback "drop" retries once without them', T, async () => {
  const tools = [{ type: 'function', function: { name: 'get_weather', parameters: CITY } }];
  const request = ask('echo:Grüße aus Köln', { model: 'sonar', tools, tool_choice: 'auto', parallel_tool_calls: true });
  const id = uid('nt');
  const e = await rejection(chatCompletion(request, opts(sim, {}, id)));
  assertErrorClass(e, ToolsNotSupportedError);
  assert.ok(e instanceof BadRequestError);
  assert.equal(e.status, 400);
  assert.equal(e.message, "Model 'sonar' does not support tools");
  assert.deepEqual(e.body, { status: 'error', message: "Model 'sonar' does not support tools" });
  assert.equal(logFor(sim, id).length, 1);

  const id2 = uid('drop');
  const r = await chatCompletion(request, opts(sim, { toolsFallback: 'drop' }, id2));
  assert.equal(r.choices[0].message.content, 'Grüße aus Köln');
  assert.deepEqual(r.citations.length, 3);
  const log = logFor(sim, id2);
  assert.equal(log.length, 2);
  assert.ok(log[0].body.tools);
  assert.deepEqual(Object.keys(log[1].body).sort(), ['messages', 'model']);

  // Streams too, and runTools on such a model answers without tools.
  const s = await chatCompletion({ ...request, stream: true }, opts(sim, { toolsFallback: 'drop' }));
  assert.equal((await s.finalCompletion()).choices[0].message.content, 'Grüße aus Köln');
  const w = weatherTool();
  const run = await runTools(ask('Hallo, wie ist das Wetter?', { model: 'sonar' }), { tools: { get_weather: w.tool } }, opts(sim, { toolsFallback: 'drop' }));
  assert.equal(run.steps, 1);
  assert.equal(w.calls.length, 0);
  const e2 = await rejection(runTools(ask('Hallo', { model: 'sonar' }), { tools: { get_weather: w.tool } }, opts(sim)));
  assertErrorClass(e2, ToolsNotSupportedError);
});

test('ToolsNotSupportedError only for a 400 about tools, to a request with tools', T, async () => {
  const tools = [{ type: 'function', function: { name: 'get_weather' } }];
  // Another 400 to a request with tools stays a BadRequestError, and is not retried.
  const id = uid('other');
  const e = await rejection(chatCompletion(ask('x', { tools }), opts(sim, { headers: fault('400'), toolsFallback: 'drop' }, id)));
  assertErrorClass(e, BadRequestError);
  assert.ok(!(e instanceof ToolsNotSupportedError));
  assert.equal(logFor(sim, id).length, 1);
  // The same message to a request without tools (a proxy's words) stays a BadRequestError.
  const f = fakeFetch(() => new Response('{"error":{"message":"tools are not supported"}}', { status: 400 }));
  const e2 = await rejection(chatCompletion(ask('x'), fake(f)));
  assertErrorClass(e2, BadRequestError);
  const e3 = await rejection(chatCompletion(ask('x', { tools }), fake(f)));
  assertErrorClass(e3, ToolsNotSupportedError);
  assert.equal(e3.message, 'tools are not supported');
});

test('a bundle that does not use runTools, runToolsStream or parse does not ship tools.js', T, async () => {
  const app = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
  const esbuild = createRequire(path.join(app, '..', 'package.json'))('esbuild');
  const bundle = async (names) => {
    const r = await esbuild.build({
      stdin: { contents: `import { ${names} } from 'meingpt-wasm'; console.log(${names});`, resolveDir: app },
      bundle: true,
      format: 'esm',
      platform: 'browser',
      write: false,
      logLevel: 'silent',
    });
    return r.outputFiles[0].text;
  };
  const MARK = 'maxSteps must be a whole number'; // a string only tools.js holds
  for (const names of ['chatCompletion', 'chatCompletion, ChatCompletionStream, ValidationError']) {
    assert.ok(!(await bundle(names)).includes(MARK), names);
  }
  for (const names of ['runTools', 'runToolsStream', 'parse']) {
    assert.ok((await bundle(names)).includes(MARK), names);
  }
});
