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
    'APIConnectionError', 'APIConnectionTimeoutError', 'APIUserAbortError',
  ]) {
    is[name] = typeof api[name] === 'function' && e instanceof api[name];
  }
  return {
    name: e?.name,
    status: e?.status ?? null,
    message: String(e?.message),
    param: e?.param ?? null,
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
  };
}
