// A tiny Cloudflare Worker using meingpt-wasm as a user would: bundled by worker.test.mjs with
// esbuild the way wrangler bundles (conditions workerd/worker/browser, the .wasm kept as a module).
//
// POST / with JSON {mode, request, options}; env.SIM_URL is the simulator's origin.
//   mode 'json'     -> the non-stream completion
//   mode 'sse'      -> the stream piped back as Server-Sent Events (stream.toReadableStream())
//   mode 'final'    -> stream.finalCompletion() alone (it drains the stream itself)
//   mode 'iterate'  -> {chunks, final}: `for await` over the stream, then finalCompletion()
//   mode 'text'     -> the textStream() deltas joined, with their count
//   mode 'abort'    -> iterate, abort the caller's AbortController after 2 chunks: {seen, error}
//   mode 'break'    -> iterate, break out of for await after 2 chunks: {seen}
//   mode 'unhandled'-> the unhandled promise rejections this isolate saw so far
//   mode 'tools'    -> runTools with a get_weather tool run in the Worker: {result, runs}
//   mode 'toolEvents'-> runToolsStream: the event types, the content, the final messages
//   mode 'parse'    -> parse(request): {parsed, completion}
//   mode 'ndjson'   -> the stream piped back as NDJSON (toReadableStream({format: 'ndjson'}))
//   mode 'rehydrate'-> the SSE of a stream re-read with ChatCompletionStream.fromReadableStream: {chunks, final}
// Any error thrown is caught and returned as {error: {name, status, message, param, ...}} (HTTP 500).
import {
  chatCompletion,
  MeinGPTError,
  APIError,
  ValidationError,
  BadRequestError,
  AuthenticationError,
  APIUserAbortError,
  ChatCompletionStream,
  runTools,
  runToolsStream,
  parse,
  SchemaValidationError,
  ToolsNotSupportedError,
} from 'meingpt-wasm';

const runs = [];
const weather = {
  description: 'Aktuelles Wetter einer Stadt',
  parameters: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] },
  run: async ({ city }) => {
    runs.push(city);
    return { city, temperatur: 19, quelle: 'workerd' };
  },
};

const unhandled = [];
addEventListener('unhandledrejection', (event) => {
  unhandled.push(`${event.reason?.name}: ${event.reason?.message}`);
  event.preventDefault();
});

export default {
  async fetch(req, env) {
    if (req.method !== 'POST') return new Response('POST only', { status: 405 });
    const { mode, request, options = {} } = await req.json();
    const opts = { baseUrl: `${env.SIM_URL}/api/openai/v1`, ...options };
    try {
      switch (mode) {
        case 'json':
          return Response.json(await chatCompletion(request, opts));
        case 'sse': {
          const stream = await chatCompletion(request, opts);
          return new Response(stream.toReadableStream(), {
            headers: { 'content-type': 'text/event-stream', 'x-is-stream': String(stream instanceof ChatCompletionStream) },
          });
        }
        case 'final': {
          const stream = await chatCompletion(request, opts);
          return Response.json(await stream.finalCompletion());
        }
        case 'iterate': {
          const stream = await chatCompletion(request, opts);
          const chunks = [];
          for await (const chunk of stream) chunks.push(chunk);
          return Response.json({ chunks, final: await stream.finalCompletion() });
        }
        case 'text': {
          const stream = await chatCompletion(request, opts);
          const parts = [];
          const reader = stream.textStream().getReader();
          for (;;) {
            const { done, value } = await reader.read();
            if (done) break;
            parts.push(value);
          }
          return Response.json({ text: parts.join(''), count: parts.length, types: [...new Set(parts.map((p) => typeof p))] });
        }
        case 'abort': {
          const controller = new AbortController();
          const stream = await chatCompletion(request, { ...opts, signal: controller.signal });
          let seen = 0;
          let error = null;
          try {
            for await (const chunk of stream) {
              if (chunk && ++seen === 2) controller.abort();
            }
          } catch (e) {
            error = { name: e.name, status: e.status ?? null, isAbort: e instanceof APIUserAbortError };
          }
          return Response.json({ seen, error });
        }
        case 'break': {
          const stream = await chatCompletion(request, opts);
          let seen = 0;
          for await (const chunk of stream) {
            if (chunk && ++seen === 2) break;
          }
          return Response.json({ seen });
        }
        case 'unhandled':
          return Response.json(unhandled);
        case 'tools': {
          runs.length = 0;
          const result = await runTools(request, { tools: { get_weather: weather } }, opts);
          return Response.json({ result, runs });
        }
        case 'toolEvents': {
          const types = [];
          let content = '';
          let done;
          for await (const event of runToolsStream(request, { tools: { get_weather: weather } }, opts)) {
            types.push(event.type);
            if (event.type === 'content') content += event.delta;
            if (event.type === 'done') done = event;
          }
          return Response.json({ types: [...new Set(types)], content, done });
        }
        case 'parse':
          return Response.json(await parse(request, opts));
        case 'ndjson': {
          const stream = await chatCompletion(request, opts);
          return new Response(stream.toReadableStream({ format: 'ndjson' }), { headers: { 'content-type': 'application/x-ndjson' } });
        }
        case 'rehydrate': {
          const stream = await chatCompletion(request, opts);
          const again = await ChatCompletionStream.fromReadableStream(stream.toReadableStream());
          const chunks = [];
          for await (const chunk of again) chunks.push(chunk);
          return Response.json({ chunks, final: await again.finalCompletion(), isStream: again instanceof ChatCompletionStream });
        }
        default:
          return new Response(`unknown mode ${mode}`, { status: 400 });
      }
    } catch (e) {
      return Response.json(
        {
          error: {
            name: e?.name,
            status: e?.status ?? null,
            message: String(e?.message),
            param: e?.param ?? null,
            body: e?.body ?? null,
            isMeinGPTError: e instanceof MeinGPTError,
            isAPIError: e instanceof APIError,
            isValidationError: e instanceof ValidationError,
            isBadRequestError: e instanceof BadRequestError,
            isAuthenticationError: e instanceof AuthenticationError,
            isSchemaValidationError: e instanceof SchemaValidationError,
            isToolsNotSupportedError: e instanceof ToolsNotSupportedError,
            pointer: e?.pointer ?? null,
          },
        },
        { status: 500 },
      );
    }
  },
};
