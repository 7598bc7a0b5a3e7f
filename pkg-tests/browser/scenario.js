// The browser scenarios, run inside the page against whichever meingpt-wasm module the page loaded
// (bundled by esbuild, or browser.js by URL). No imports: this file is served as is in the plain
// page and bundled in the other. Each step returns plain data for browser.test.mjs to check.

const hello = (stream, extra = {}) => ({
  model: 'gpt-4o-mini',
  messages: [
    { role: 'system', content: 'Antworte kurz.' },
    { role: 'user', content: 'Hallo, wie geht es Ihnen in München?' },
  ],
  ...(stream ? { stream: true, stream_options: { include_usage: true } } : {}),
  ...extra,
});

function describeError(api, e) {
  const is = {};
  for (const name of [
    'MeinGPTError', 'ValidationError', 'APIError', 'BadRequestError', 'AuthenticationError',
    'APIConnectionError', 'APIConnectionTimeoutError', 'APIUserAbortError', 'ToolsNotSupportedError',
    'SchemaValidationError', 'MaxStepsExceededError',
  ]) {
    is[name] = typeof api[name] === 'function' && e instanceof api[name];
  }
  return {
    name: e?.name,
    status: e?.status ?? null,
    message: String(e?.message),
    param: e?.param ?? null,
    pointer: e?.pointer ?? null,
    body: e?.body ?? null,
    isError: e instanceof Error,
    is,
  };
}

async function settle(api, promise) {
  try {
    return { ok: true, value: await promise };
  } catch (e) {
    return { ok: false, error: describeError(api, e) };
  }
}

function show(title, text) {
  const out = document.getElementById('out');
  if (!out) return;
  const h = document.createElement('h2');
  h.textContent = title;
  const p = document.createElement('pre');
  p.textContent = text;
  out.append(h, p);
}

export function scenarios(api) {
  return {
    exportsOf: () => Object.keys(api).sort(),

    async nonStream({ baseUrl, apiKey }) {
      const r = await settle(api, api.chatCompletion(hello(false), { baseUrl, apiKey }));
      if (r.ok) show('chatCompletion()', r.value.choices[0].message.content);
      return r;
    },

    // Streams one after the other from a server that ends each body a while after [DONE]; the
    // test counts the connections they came over (the simulator logs the client port).
    async sequentialStreams({ baseUrl, apiKey }) {
      return settle(api, (async () => {
        const headers = { 'x-simulator-fault': 'late-end:30' };
        const reads = [];
        for (let i = 0; i < 4; i += 1) {
          const stream = await api.chatCompletion(hello(true), { baseUrl, apiKey, headers });
          let n = 0;
          if (i % 2 === 0) for await (const chunk of stream) n += chunk ? 1 : 0;
          else n = (await stream.finalCompletion()).choices.length;
          reads.push(n);
          await new Promise((resolve) => setTimeout(resolve, 100));
        }
        return reads;
      })());
    },

    async iterate({ baseUrl, apiKey }) {
      return settle(api, (async () => {
        const stream = await api.chatCompletion(hello(true), { baseUrl, apiKey });
        const chunks = [];
        for await (const chunk of stream) chunks.push(chunk);
        const final = await stream.finalCompletion();
        const content = chunks.map((c) => c.choices[0]?.delta?.content ?? '').join('');
        show('for await (chunks)', content);
        let secondRead;
        try {
          stream.textStream();
          secondRead = null;
        } catch (e) {
          secondRead = describeError(api, e);
        }
        return { isStream: stream instanceof api.ChatCompletionStream, chunks, content, final, secondRead };
      })());
    },

    async text({ baseUrl, apiKey }) {
      return settle(api, (async () => {
        const stream = await api.chatCompletion(hello(true), { baseUrl, apiKey });
        const parts = [];
        const reader = stream.textStream().getReader();
        for (;;) {
          const { done, value } = await reader.read();
          if (done) break;
          parts.push(value);
        }
        show('textStream()', parts.join(''));
        return { parts, types: [...new Set(parts.map((p) => typeof p))] };
      })());
    },

    async final({ baseUrl, apiKey }) {
      return settle(api, (async () => {
        const stream = await api.chatCompletion(hello(true), { baseUrl, apiKey });
        const final = await stream.finalCompletion();
        show('finalCompletion()', JSON.stringify(final.usage));
        return final;
      })());
    },

    async apiErrors({ baseUrl, apiKey }) {
      const tools = [{ type: 'function', function: { name: 'get_weather', parameters: { type: 'object', properties: {} } } }];
      const noKey = await settle(api, api.chatCompletion(hello(false), { baseUrl, maxRetries: 0 }));
      const sonar = await settle(api, api.chatCompletion({ ...hello(true), model: 'sonar', tools }, { baseUrl, apiKey }));
      const after = await settle(api, api.chatCompletion(hello(false), { baseUrl, apiKey }));
      show('errors', `${noKey.error?.name} ${noKey.error?.status}; ${sonar.error?.name} ${sonar.error?.status}`);
      return { noKey, sonar, after };
    },

    async validation({ baseUrl, apiKey }) {
      const temperature = await settle(api, api.chatCompletion(hello(false, { temperature: 2.5 }), { baseUrl, apiKey }));
      let sync = null;
      let toolChoice;
      try {
        // Never throws synchronously: the promise is returned, then rejects.
        const p = api.chatCompletion(
          hello(true, {
            tools: [{ type: 'function', function: { name: 'get_weather' } }],
            tool_choice: { type: 'function', function: { name: 'get_time' } },
          }),
          { baseUrl, apiKey },
        );
        toolChoice = await settle(api, p);
      } catch (e) {
        sync = describeError(api, e);
      }
      const after = await settle(api, api.chatCompletion(hello(false), { baseUrl, apiKey }));
      return { temperature, toolChoice, sync, after };
    },

    async abortWhileStreaming({ baseUrl, apiKey }) {
      const controller = new AbortController();
      const t0 = performance.now();
      return settle(api, (async () => {
        const stream = await api.chatCompletion(hello(true), {
          baseUrl,
          apiKey,
          signal: controller.signal,
          headers: { 'x-simulator-pacing': '200' },
        });
        const got = [];
        let error = null;
        try {
          for await (const chunk of stream) {
            got.push(chunk);
            if (got.length === 2) controller.abort();
          }
        } catch (e) {
          error = describeError(api, e);
        }
        const finalResult = await settle(api, stream.finalCompletion());
        show('abort', `${error?.name} after ${got.length} chunks`);
        return { chunksBeforeAbort: got.length, error, finalResult, ms: performance.now() - t0 };
      })());
    },

    async breakAndAbortMethod({ baseUrl, apiKey }) {
      const opts = { baseUrl, apiKey, headers: { 'x-simulator-pacing': '100' } };
      return settle(api, (async () => {
        // Leaving a for await loop early stops the stream.
        const a = await api.chatCompletion(hello(true), opts);
        let seenA = 0;
        for await (const chunk of a) {
          if (chunk && ++seenA === 2) break;
        }
        // stream.abort() while iterating: the next read rejects with APIUserAbortError.
        const b = await api.chatCompletion(hello(true), opts);
        let seenB = 0;
        let errorB = null;
        try {
          for await (const chunk of b) {
            if (chunk && ++seenB === 2) b.abort();
          }
        } catch (e) {
          errorB = describeError(api, e);
        }
        const next = await settle(api, api.chatCompletion(hello(false), { baseUrl, apiKey }));
        return { seenA, seenB, errorB, next };
      })());
    },

    async abortBeforeResponse({ baseUrl, apiKey }) {
      const controller = new AbortController();
      const t0 = performance.now();
      setTimeout(() => controller.abort(), 150);
      const r = await settle(api, api.chatCompletion(hello(false), {
        baseUrl,
        apiKey,
        signal: controller.signal,
        headers: { 'x-simulator-fault': 'slow-first-byte:10000' },
      }));
      const alreadyAborted = await settle(api, api.chatCompletion(hello(false), { baseUrl, apiKey, signal: AbortSignal.abort() }));
      const after = await settle(api, api.chatCompletion(hello(false), { baseUrl, apiKey }));
      return { r, ms: performance.now() - t0, alreadyAborted, after };
    },

    // ---------- helpers (issue 6) ----------

    async tools({ baseUrl, apiKey }) {
      return settle(api, (async () => {
        const runs = [];
        const get_weather = {
          description: 'Aktuelles Wetter einer Stadt',
          parameters: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] },
          run: async ({ city }) => {
            runs.push(city);
            return { city, temperatur: 17, quelle: 'browser' };
          },
        };
        const request = { model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'Wetter in Freiburg? get_weather' }] };
        const result = await api.runTools(request, { tools: { get_weather } }, { baseUrl, apiKey });
        const types = [];
        let content = '';
        for await (const event of api.runToolsStream(request, { tools: { get_weather } }, { baseUrl, apiKey })) {
          if (!types.includes(event.type)) types.push(event.type);
          if (event.type === 'content') content += event.delta;
        }
        show('runTools()', result.completion.choices[0].message.content);
        return { result, runs, types, content };
      })());
    },

    async parse({ baseUrl, apiKey }) {
      const schema = {
        type: 'object',
        properties: { stadt: { type: 'string' }, tage: { type: 'integer', minimum: 1 }, code: { type: 'string' } },
        required: ['stadt', 'tage'],
        additionalProperties: false,
      };
      const request = (s) => ({
        model: 'gpt-4o-mini',
        messages: [{ role: 'user', content: 'Plane eine Reise nach Köln für 3 Tage.' }],
        response_format: { type: 'json_schema', json_schema: { name: 'reise', schema: s } },
      });
      const good = await settle(api, api.parse(request(schema), { baseUrl, apiKey }));
      // A pattern the simulator cannot satisfy: the reply misses it.
      const strict = { ...schema, required: ['stadt', 'tage', 'code'], properties: { ...schema.properties, code: { type: 'string', pattern: '^[0-9]{3}-[A-Z]{4}$' } } };
      const bad = await settle(api, api.parse(request(strict), { baseUrl, apiKey }));
      if (good.ok) show('parse()', JSON.stringify(good.value.parsed));
      return { good, bad };
    },

    async rehydrate({ baseUrl, apiKey }) {
      return settle(api, (async () => {
        const request = { ...hello(true), messages: [{ role: 'user', content: 'echo:Grüße aus Köln 😀' }] };
        // SSE as a Worker would send it back: here the simulator's own answer, fetched directly.
        const res = await fetch(`${baseUrl}/chat/completions`, {
          method: 'POST',
          headers: { authorization: `Bearer ${apiKey}`, 'content-type': 'application/json' },
          body: JSON.stringify(request),
        });
        const fromSse = await api.ChatCompletionStream.fromResponse(res);
        const chunks = [];
        for await (const chunk of fromSse) chunks.push(chunk);
        const final = await fromSse.finalCompletion();
        // NDJSON round trip inside the page.
        const original = await api.chatCompletion(request, { baseUrl, apiKey });
        const again = await api.ChatCompletionStream.fromReadableStream(original.toReadableStream({ format: 'ndjson' }));
        const parts = [];
        const reader = again.textStream().getReader();
        for (;;) {
          const { done, value } = await reader.read();
          if (done) break;
          parts.push(value);
        }
        show('fromResponse()', final.choices[0].message.content);
        return { isStream: fromSse instanceof api.ChatCompletionStream, chunks, final, ndjsonText: parts.join('') };
      })());
    },
  };
}
