// The scenario every runtime test runs against the simulator (Node CommonJS, Deno, Bun, Vercel's Edge
// Runtime, Vite and webpack builds in Chromium): a plain call, a stream, the error classes, an abort
// and a runTools round trip. No imports: it is given the package's exports (`api`) as the runtime
// loaded them, and returns plain JSON data that check.mjs checks in Node.

const ask = (content, extra = {}) => ({ model: 'gpt-4o-mini', messages: [{ role: 'user', content }], ...extra });
const QUESTION = 'Hallo! Wie ist das Wetter in München?';
const CLASSES = ['MeinGPTError', 'ValidationError', 'APIError', 'AuthenticationError', 'APIUserAbortError'];

/** What a caught error is: its name, message, status, param and which exported classes it is. */
export function describeError(api, e) {
  const is = {};
  for (const name of CLASSES) is[name] = typeof api[name] === 'function' && e instanceof api[name];
  return { name: e?.name, message: String(e?.message), status: e?.status ?? null, param: e?.param ?? null, is };
}

async function caught(api, f) {
  try {
    await f();
    return null;
  } catch (e) {
    return describeError(api, e);
  }
}

export async function run(api, { baseUrl, apiKey }) {
  const o = { baseUrl, apiKey, maxRetries: 0 };
  const out = { exports: Object.keys(api).filter((k) => !k.startsWith('__')).sort() };

  const c = await api.chatCompletion(ask(QUESTION), o);
  out.plain = { object: c.object, content: c.choices[0].message.content };

  const s = await api.chatCompletion(ask(QUESTION, { stream: true }), o);
  let text = '';
  let chunks = 0;
  for await (const chunk of s) {
    chunks += 1;
    text += chunk.choices[0]?.delta?.content ?? '';
  }
  out.stream = { chunks, text, isStream: s instanceof api.ChatCompletionStream };

  out.validation = await caught(api, () => api.chatCompletion(ask(QUESTION, { temperature: 5 }), o));
  out.auth = await caught(api, () => api.chatCompletion(ask(QUESTION), { ...o, apiKey: 'sk-invalid' }));

  // Abort in the middle of a stream the server holds open (stall: 10 s after two events).
  const controller = new AbortController();
  out.abort = await caught(api, async () => {
    const held = await api.chatCompletion(ask(QUESTION, { stream: true }), {
      ...o,
      signal: controller.signal,
      headers: { 'x-simulator-fault': 'stall:10000' },
    });
    for await (const chunk of held) {
      if (chunk) controller.abort();
    }
  });

  const calls = [];
  const r = await api.runTools(
    ask('Wie ist das Wetter in München? Nutze get_weather.'),
    {
      tools: {
        get_weather: {
          description: 'Aktuelles Wetter einer Stadt',
          parameters: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'], additionalProperties: false },
          run: async (args) => {
            calls.push(args);
            return { city: args.city, temperatur: 21, himmel: 'sonnig' };
          },
        },
      },
    },
    o,
  );
  out.tools = { steps: r.steps, calls, roles: r.messages.map((m) => m.role), final: r.completion.choices[0].message.content };
  return out;
}
