// Errors: classes, statuses, messages, bodies, headers, timeouts, aborts, key safety (SPEC "Errors").
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import * as pkg from 'meingpt-wasm';
import {
  chatCompletion,
  MeinGPTError,
  ValidationError,
  APIError,
  BadRequestError,
  ToolsNotSupportedError,
  AuthenticationError,
  PermissionDeniedError,
  NotFoundError,
  UnprocessableEntityError,
  RateLimitError,
  InternalServerError,
  APIConnectionError,
  APIConnectionTimeoutError,
  APIUserAbortError,
} from 'meingpt-wasm';
import {
  T,
  KEY,
  CANARY,
  startSim,
  req,
  opts,
  uid,
  fault,
  logFor,
  rawPost,
  rawChunks,
  parseSSE,
  collect,
  readAll,
  within,
  waitFor,
  sleep,
  chunk,
  sseText,
  streamOf,
  fakeFetch,
  response,
  rejection,
  settle,
  localServer,
  unusedPort,
  assertErrorClass,
  assertNoSecret,
  assertHealthy,
  WEATHER_TOOL,
} from './helpers.mjs';

let sim;
before(async () => {
  sim = await startSim();
});
after(async () => {
  await sim?.close();
});

const CLASS_BY_STATUS = {
  400: BadRequestError,
  401: AuthenticationError,
  403: PermissionDeniedError,
  404: NotFoundError,
  408: APIError,
  409: APIError,
  422: UnprocessableEntityError,
  429: RateLimitError,
  500: InternalServerError,
  502: InternalServerError,
  503: InternalServerError,
  504: InternalServerError,
};

/** Asserts an HTTP error against what the server itself sent for the same request. */
function assertHttpError(err, Cls, server, what) {
  assertErrorClass(err, Cls, what);
  if (Cls === APIError) assert.equal(err.constructor, APIError, `${what}: exactly APIError`);
  assert.ok(err instanceof APIError, what);
  assert.equal(err.status, server.status, `${what}: status`);
  const body = JSON.parse(server.text);
  const serverMessage = body.message ?? body.error?.message;
  assert.equal(typeof serverMessage, 'string');
  assert.equal(err.message, serverMessage, `${what}: message`);
  assert.deepEqual(err.body, body, `${what}: body`);
  assert.ok(err.headers instanceof Headers, `${what}: headers is a Headers object`);
  assert.equal(typeof err.headers.get, 'function');
  assert.match(err.headers.get('x-request-id') ?? '', /^req_sim_\d+$/, `${what}: x-request-id`);
  assert.match(err.headers.get('content-type') ?? '', /application\/json/);
}

test('every error class is exported, extends Error and has a stable name', T, () => {
  const classes = {
    MeinGPTError,
    ValidationError,
    APIError,
    BadRequestError,
    AuthenticationError,
    PermissionDeniedError,
    NotFoundError,
    UnprocessableEntityError,
    RateLimitError,
    InternalServerError,
    APIConnectionError,
    APIConnectionTimeoutError,
    APIUserAbortError,
    ToolsNotSupportedError: pkg.ToolsNotSupportedError,
    SchemaValidationError: pkg.SchemaValidationError,
    MaxStepsExceededError: pkg.MaxStepsExceededError,
  };
  for (const [name, Cls] of Object.entries(classes)) {
    assert.equal(pkg[name], Cls, `${name} is exported`);
    assert.ok(Cls.prototype instanceof Error, `${name} extends Error`);
    assert.equal(Cls.prototype.name, name);
    if (name !== 'MeinGPTError') assert.ok(Cls.prototype instanceof MeinGPTError, `${name} extends MeinGPTError`);
  }
  for (const Sub of [BadRequestError, AuthenticationError, PermissionDeniedError, NotFoundError, UnprocessableEntityError, RateLimitError, InternalServerError, APIConnectionError, APIUserAbortError]) {
    assert.ok(Sub.prototype instanceof APIError, `${Sub.name} extends APIError`);
  }
  assert.ok(APIConnectionTimeoutError.prototype instanceof APIConnectionError);
  assert.ok(ToolsNotSupportedError.prototype instanceof BadRequestError);
});

test('each HTTP status gives its class, status, the server message, body and headers (both error shapes)', T, async () => {
  for (const [status, Cls] of Object.entries(CLASS_BY_STATUS)) {
    // meinGPT's {"status":"error","message"} and OpenAI's {"error":{"message"}}.
    for (const name of [status, `openai-error:${status}`]) {
      const server = await rawPost(sim, req(), fault(name));
      assert.equal(server.status, Number(status), `the simulator's fault ${name}`);
      const err = await rejection(chatCompletion(req(), opts(sim, { headers: fault(name), maxRetries: 0 })));
      assertHttpError(err, Cls, server, `fault ${name}`);
    }
  }
});

test('an HTTP error on a stream request rejects chatCompletion itself', T, async () => {
  for (const [name, Cls] of [['400', BadRequestError], ['openai-error:503', InternalServerError], ['429', RateLimitError]]) {
    const server = await rawPost(sim, req({ stream: true }), fault(name));
    const err = await rejection(chatCompletion(req({ stream: true }), opts(sim, { headers: fault(name), maxRetries: 0 })));
    assertHttpError(err, Cls, server, `stream, fault ${name}`);
  }
});

test('errors the server makes itself: missing/invalid/forbidden key, unknown model, wrong path', T, async () => {
  const cases = [
    [{ apiKey: undefined }, req(), AuthenticationError, /missing API key/],
    [{ apiKey: 'sk-invalid' }, req(), AuthenticationError, /invalid API key/],
    [{ apiKey: 'sk-forbidden' }, req(), PermissionDeniedError, /Forbidden/],
    [{}, req({ model: 'gpt-9-ultra' }), BadRequestError, /gpt-9-ultra/],
  ];
  for (const [o, body, Cls, re] of cases) {
    const headers = { authorization: o.apiKey === undefined && 'apiKey' in o ? '' : `Bearer ${o.apiKey ?? KEY}` };
    const server = await rawPost(sim, body, headers);
    const options = { ...opts(sim), ...o };
    if (options.apiKey === undefined) delete options.apiKey;
    const err = await rejection(chatCompletion(body, options));
    assertHttpError(err, Cls, server, String(re));
    assert.match(err.message, re);
  }
  const err = await rejection(chatCompletion(req(), opts(sim, { baseUrl: `${sim.url}/falsch/v1` })));
  assertErrorClass(err, NotFoundError);
  assert.equal(err.status, 404);
  assert.match(err.message, /Not found/);
});

test('tools sent to sonar give BadRequestError (ToolsNotSupportedError) with the server\'s "does not support tools" message', T, async () => {
  const body = req({ model: 'sonar', tools: [WEATHER_TOOL] });
  const server = await rawPost(sim, body);
  assert.equal(server.status, 400);
  const id = uid();
  const err = await rejection(chatCompletion(body, opts(sim, {}, id)));
  assertHttpError(err, ToolsNotSupportedError, server, 'sonar + tools');
  assert.ok(err instanceof BadRequestError);
  assert.match(err.message, /does not support tools/);
  assert.equal(logFor(sim, id).length, 1, 'a 400 is not retried');
});

test('an HTML 502 page gives InternalServerError with status 502 and the page as body', T, async () => {
  const server = await rawPost(sim, req(), fault('502-html'));
  const err = await rejection(chatCompletion(req(), opts(sim, { headers: fault('502-html'), maxRetries: 0 })));
  assertErrorClass(err, InternalServerError);
  assert.equal(err.status, 502);
  assert.equal(err.body, server.text);
  assert.match(err.headers.get('content-type'), /text\/html/);
  assert.ok(err.message.length > 0 && !err.message.includes('<html>'), err.message);
});

test('an error object inside a stream (both shapes) throws APIError after the chunks before it', T, async () => {
  const body = req({ stream: true });
  const normal = await rawChunks(sim, body);
  for (const name of ['error-mid-stream', 'openai-error-mid-stream']) {
    const { text } = await rawPost(sim, body, fault(name));
    const events = parseSSE(text);
    const errObj = JSON.parse(events.at(-1));
    const serverMessage = errObj.message ?? errObj.error.message;
    const before = events.slice(0, -1).map((e) => JSON.parse(e));
    assert.ok(before.length >= 1);
    // Iteration.
    const s = await chatCompletion(body, opts(sim, { headers: fault(name) }));
    const { items, error } = await within(collect(s), 5000, name);
    assert.deepEqual(items, before, `${name}: the chunks before the error`);
    assert.deepEqual(items, normal.slice(0, before.length));
    assertErrorClass(error, APIError, name);
    assert.equal(error.message, serverMessage, name);
    assert.ok(!(error instanceof APIConnectionError));
    const fin = await rejection(s.finalCompletion());
    assertErrorClass(fin, APIError);
    assert.equal(fin.message, serverMessage);
    // finalCompletion() alone rejects the same way.
    const s1 = await chatCompletion(body, opts(sim, { headers: fault(name) }));
    const alone = await rejection(within(s1.finalCompletion(), 5000, `${name}: finalCompletion alone`));
    assertErrorClass(alone, APIError);
    assert.equal(alone.message, serverMessage);
    // textStream and toReadableStream error the same way.
    for (const method of ['textStream', 'toReadableStream']) {
      const s2 = await chatCompletion(body, opts(sim, { headers: fault(name) }));
      const r = await within(readAll(s2[method]()), 5000, `${name} ${method}`);
      assertErrorClass(r.error, APIError, `${name} ${method}`);
      assert.equal(r.error.message, serverMessage);
      assert.ok(r.items.length >= 1, `${name} ${method}: what came before was delivered`);
    }
  }
  await assertHealthy(sim, 'after errors inside streams');
});

test('an `event: error` and an {"error":"text"} inside a stream throw APIError with that message', T, async () => {
  const c0 = chunk({ role: 'assistant', content: 'Hallo' });
  const cases = [
    [`data: ${JSON.stringify(c0)}\n\nevent: error\ndata: Überlastet, bitte später\n\n`, 'Überlastet, bitte später'],
    [`data: ${JSON.stringify(c0)}\n\nevent: error\ndata: {"message":"Kontingent erschöpft"}\n\n`, 'Kontingent erschöpft'],
    [`data: ${JSON.stringify(c0)}\n\ndata: {"error":"Zeitüberschreitung beim Modell"}\n\n`, 'Zeitüberschreitung beim Modell'],
  ];
  for (const [wire, message] of cases) {
    const s = await streamOf([wire]);
    const { items, error } = await collect(s);
    assert.deepEqual(items, [c0]);
    assertErrorClass(error, APIError, message);
    assert.equal(error.message, message);
  }
});

test('a stream cut off mid-way throws APIConnectionError after the chunks before it', T, async () => {
  const body = req({ stream: true });
  const normal = await rawChunks(sim, body);
  const { value, error: e1 } = await settle(async () => {
    const s = await chatCompletion(body, opts(sim, { headers: fault('cut:3'), maxRetries: 0 }));
    return { ...(await within(collect(s), 5000, 'cut stream')), fin: await rejection(s.finalCompletion()) };
  });
  assert.equal(e1, undefined, e1?.stack);
  assert.deepEqual(value.items, normal.slice(0, 3));
  assertErrorClass(value.error, APIConnectionError);
  assert.equal(value.error.status, undefined);
  assertErrorClass(value.fin, APIConnectionError);
  // A hand-made body that errors mid-way: the same.
  const { value: v2, error: e2 } = await settle(async () => {
    const s = await chatCompletion(req({ stream: true }), {
      apiKey: KEY,
      maxRetries: 0,
      fetch: fakeFetch(() => {
        let n = 0;
        return response(
          new ReadableStream({
            pull(c) {
              n += 1;
              if (n === 1) c.enqueue(new TextEncoder().encode(sseText([chunk({ content: 'a' })], { done: false })));
              else c.error(new TypeError('socket hang up'));
            },
          }),
        );
      }),
    });
    return collect(s);
  });
  assert.equal(e2, undefined, e2?.stack);
  assert.equal(v2.items.length, 1);
  assertErrorClass(v2.error, APIConnectionError);
  await assertHealthy(sim, 'after cut streams');
});

test('a non-stream body cut off, and a connection reset, give APIConnectionError', T, async () => {
  for (const name of ['cut', 'reset']) {
    const err = await rejection(chatCompletion(req(), opts(sim, { headers: fault(name), maxRetries: 0 })));
    assertErrorClass(err, APIConnectionError, name);
    assert.ok(!(err instanceof APIConnectionTimeoutError));
    assert.equal(err.status, undefined);
  }
  const port = await unusedPort();
  const err = await rejection(chatCompletion(req(), { apiKey: KEY, baseUrl: `http://127.0.0.1:${port}/v1`, maxRetries: 0 }));
  assertErrorClass(err, APIConnectionError, 'connection refused');
});

test('a slow first byte beyond timeoutMs gives APIConnectionTimeoutError (stream and not)', T, async () => {
  for (const stream of [false, true]) {
    const id = uid();
    const t0 = Date.now();
    const err = await rejection(
      chatCompletion(req({ stream }), opts(sim, { headers: fault('slow-first-byte:5000'), timeoutMs: 300, maxRetries: 0 }, id)),
    );
    const took = Date.now() - t0;
    assertErrorClass(err, APIConnectionTimeoutError, `stream ${stream}`);
    assert.ok(err instanceof APIConnectionError);
    assert.equal(err.status, undefined);
    assert.ok(took >= 250 && took < 2000, `timed out after ${took} ms`);
    assert.ok(await waitFor(() => logFor(sim, id)[0]?.clientClosed), 'the request was cancelled');
  }
});

test('a stall between chunks beyond timeoutMs makes the iteration throw APIConnectionTimeoutError', T, async () => {
  const { value, error } = await settle(async () => {
    const s = await chatCompletion(req({ stream: true }), opts(sim, { headers: fault('stall:5000'), timeoutMs: 400, maxRetries: 0 }));
    const t0 = Date.now();
    const r = await within(collect(s), 3000, 'stalled iteration');
    return { ...r, took: Date.now() - t0 };
  });
  assert.equal(error, undefined, error?.stack);
  assert.equal(value.items.length, 2, 'the chunks before the stall were yielded');
  assertErrorClass(value.error, APIConnectionTimeoutError);
  assert.ok(value.took < 2000, `${value.took} ms`);
});

test('timeoutMs bounds the wait between reads, not the whole stream', T, async () => {
  // About ten events 150 ms apart: 1.5 s in all, never 400 ms without data.
  const body = req({ stream: true, messages: [{ role: 'user', content: 'echo:Eins zwei drei vier fünf sechs sieben acht neun zehn elf zwölf dreizehn vierzehn' }] });
  const s = await chatCompletion(body, opts(sim, { headers: { 'x-simulator-pacing': '150' }, timeoutMs: 400, maxRetries: 0 }));
  const t0 = Date.now();
  const { items, error } = await within(collect(s), 8000, 'paced stream');
  assert.equal(error, undefined, String(error));
  assert.ok(Date.now() - t0 > 800, 'the stream took longer than timeoutMs');
  assert.match(items.map((c) => c.choices[0]?.delta?.content ?? '').join(''), /vierzehn$/);
});

test('abort before the call, and while waiting for the response, give APIUserAbortError', T, async () => {
  const id = uid();
  const err = await rejection(chatCompletion(req(), opts(sim, { signal: AbortSignal.abort() }, id)));
  assertErrorClass(err, APIUserAbortError, 'aborted before');
  assert.equal(err.status, undefined);
  await sleep(50);
  assert.equal(logFor(sim, id).length, 0, 'nothing was sent');
  for (const stream of [false, true]) {
    const id2 = uid();
    const ac = new AbortController();
    const p = chatCompletion(req({ stream }), opts(sim, { headers: fault('slow-first-byte:5000'), signal: ac.signal }, id2));
    await sleep(150);
    const t0 = Date.now();
    ac.abort();
    const e2 = await rejection(within(p, 2000, 'abort while waiting'));
    assertErrorClass(e2, APIUserAbortError, `aborted while waiting, stream ${stream}`);
    assert.ok(Date.now() - t0 < 1000);
    assert.ok(await waitFor(() => logFor(sim, id2)[0]?.clientClosed), 'the request was cancelled');
    assert.equal(logFor(sim, id2).length, 1, 'an abort is not retried');
  }
  await assertHealthy(sim, 'after aborts');
});

test('ValidationError names the field in .param and says what is allowed', T, async () => {
  const weather = WEATHER_TOOL;
  const three = [
    { role: 'system', content: 'Sei nett.' },
    { role: 'user', content: 'Hallo' },
    { role: 'robot', content: 'Piep' },
  ];
  const cases = [
    [req({ temperature: 2.5 }), 'temperature', /0.*2/],
    [req({ messages: three }), 'messages[2].role', /user/],
    [req({ tools: [weather], tool_choice: { type: 'function', function: { name: 'get_time' } } }), 'tool_choice.function.name', /tools/],
    [{ messages: req().messages }, 'model', /model/],
    [req({ model: '' }), 'model', /non-empty/],
    [req({ model: 42 }), 'model', /string/],
    [{ model: 'gpt-4o-mini' }, 'messages', /messages/],
    [req({ messages: [] }), 'messages', /empty/],
    [req({ messages: 'Hallo' }), 'messages', /array/],
    [req({ tools: [{ type: 'function', function: { name: 'wetter abfragen!' } }] }), 'tools[0].function.name', /A-Za-z0-9_-/],
    [req({ tools: [{ type: 'function', function: { name: 'x'.repeat(65) } }] }), 'tools[0].function.name', /64/],
    [req({ tools: [weather, { type: 'function', function: { name: 'get_weather' } }] }), 'tools[1].function.name', /unique/],
    [req({ stream: 'ja' }), 'stream', /boolean/],
    [req({ messages: [{ role: 'tool', content: 'x' }] }), 'messages[0].tool_call_id', /tool_call_id/],
    [req({ response_format: { type: 'xml' } }), 'response_format.type', /json_object/],
  ];
  for (const [body, param, re] of cases) {
    const f = fakeFetch(() => assert.fail('nothing may be sent'));
    const err = await rejection(chatCompletion(body, { apiKey: KEY, fetch: f }), param);
    assertErrorClass(err, ValidationError, param);
    assert.equal(err.param, param, err.message);
    assert.match(err.message, re, param);
    assert.equal(f.calls.length, 0);
  }
});

test('the API key never shows in an error of any kind', T, async () => {
  const o = (extra = {}) => ({ apiKey: CANARY, baseUrl: sim.baseUrl, maxRetries: 0, ...extra });
  const port = await unusedPort();
  const errors = {};
  errors.validation = await rejection(chatCompletion(req({ temperature: 9 }), o()));
  errors['validation of options'] = await rejection(chatCompletion(req(), o({ timeoutMs: -1 })));
  errors['401'] = await rejection(chatCompletion(req(), o({ headers: fault('401') })));
  errors['401 (OpenAI shape)'] = await rejection(chatCompletion(req(), o({ headers: fault('openai-error:401') })));
  errors['500'] = await rejection(chatCompletion(req(), o({ headers: fault('500') })));
  errors['429 after retries'] = await rejection(chatCompletion(req(), o({ headers: fault('429:0'), maxRetries: 1 })));
  errors['connection refused'] = await rejection(chatCompletion(req(), o({ baseUrl: `http://127.0.0.1:${port}/v1` })));
  errors.reset = await rejection(chatCompletion(req(), o({ headers: fault('reset') })));
  errors.timeout = await rejection(chatCompletion(req(), o({ headers: fault('slow-first-byte:3000'), timeoutMs: 200 })));
  errors['abort before'] = await rejection(chatCompletion(req(), o({ signal: AbortSignal.abort() })));
  errors['abort while waiting'] = await rejection(
    chatCompletion(req(), o({ headers: fault('slow-first-byte:3000'), signal: AbortSignal.timeout(150) })),
  );
  const s = await chatCompletion(req({ stream: true }), o({ headers: fault('error-mid-stream') }));
  errors['stream error'] = (await collect(s)).error;
  const { value, error } = await settle(async () => {
    const cut = await chatCompletion(req({ stream: true }), o({ headers: fault('cut') }));
    const stall = await chatCompletion(req({ stream: true }), o({ headers: fault('stall:3000'), timeoutMs: 300 }));
    const ab = await chatCompletion(req({ stream: true }), o({ headers: fault('stall:3000') }));
    const it = ab[Symbol.asyncIterator]();
    await it.next();
    await it.next(); // the two chunks before the stall
    const p = rejection(it.next());
    ab.abort();
    return { cut: (await collect(cut)).error, stall: (await collect(stall)).error, abort: await p };
  });
  assert.equal(error, undefined, error?.stack);
  errors['stream cut'] = value.cut;
  errors['stream timeout'] = value.stall;
  errors['stream abort'] = value.abort;
  for (const [what, err] of Object.entries(errors)) {
    assert.ok(err instanceof MeinGPTError, `${what}: ${err}`);
    assertNoSecret(err, CANARY, what);
  }
  await assertHealthy(sim, 'after the key-safety cases');
});

/** A server that echoes the caller's key in its error message, as some providers do. */
async function echoServer() {
  return localServer((rq, rs) => {
    const key = String(rq.headers.authorization ?? '').replace(/^Bearer /, '');
    if (rq.url.startsWith('/stream')) {
      rs.writeHead(200, { 'content-type': 'text/event-stream' });
      rs.end(`${sseText([chunk({ content: 'a' })], { done: false })}data: ${JSON.stringify({ error: { message: `Incorrect API key provided: ${key}` } })}\n\n`);
      return;
    }
    rs.writeHead(401, { 'content-type': 'application/json' });
    rs.end(JSON.stringify({ error: { message: `Incorrect API key provided: ${key}`, type: 'invalid_request_error' } }));
  });
}

test('a server that echoes the key in an HTTP error: the message does not show it', T, async () => {
  const srv = await echoServer();
  try {
    const err = await rejection(chatCompletion(req(), { apiKey: CANARY, baseUrl: srv.url, maxRetries: 0 }));
    assertErrorClass(err, AuthenticationError);
    assert.match(err.message, /^Incorrect API key provided: /);
    for (const text of [String(err), err.message, err.stack]) assert.ok(!text.includes(CANARY), text);
  } finally {
    await srv.close();
  }
});

test(
  'a server that echoes the key in an HTTP error: no property of the error shows it',
  T,
  async () => {
    const srv = await echoServer();
    try {
      const err = await rejection(chatCompletion(req(), { apiKey: CANARY, baseUrl: srv.url, maxRetries: 0 }));
      assertNoSecret(err, CANARY, 'echoed key, HTTP 401');
    } finally {
      await srv.close();
    }
  },
);

test(
  'a server that echoes the key in an error inside a stream: the error does not show it',
  T,
  async () => {
    const srv = await echoServer();
    try {
      const s = await chatCompletion(req({ stream: true }), { apiKey: CANARY, baseUrl: `${srv.url}/stream`, maxRetries: 0 });
      const { items, error } = await collect(s);
      assert.equal(items.length, 1);
      assertErrorClass(error, APIError);
      assertNoSecret(error, CANARY, 'echoed key inside a stream');
    } finally {
      await srv.close();
    }
  },
);
