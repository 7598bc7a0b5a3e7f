// meinGPT edge proxy: a Cloudflare Worker that holds the meinGPT key as a secret and serves
// OpenAI-compatible clients (the demo page, the `openai` package, meingpt-wasm itself) at
// POST /v1/chat/completions and POST /v1/embeddings. Requests are validated by meingpt-wasm before
// anything is sent; answers come back as JSON or as a Server-Sent Events stream passed through as it
// arrives. meinGPT's own routes (assistants, workflows, assistant files) are served only when the
// MEINGPT_ROUTES setting names them (routes.js): they reach an organisation's knowledge.
import { chatCompletion, embeddings, validateRequest, APIUserAbortError } from 'meingpt-wasm';
import { readConfig } from './config.js';
import { originAllowed, corsHeaders, preflight } from './cors.js';
import { readJson } from './body.js';
import { errorResponse, errorEvent, requestIdOf, toResponse } from './errors.js';
import { limitProblem } from './limits.js';
import { findRoute } from './routes.js';

const PATH = '/v1/chat/completions';
/** Embeddings: the same CORS, body limit and key handling; float arrays (base64 on the wire upstream). */
const EMBEDDINGS = '/v1/embeddings';

/** Headers that keep proxies and Cloudflare from buffering or compressing the stream. */
const SSE_HEADERS = {
  'content-type': 'text/event-stream',
  'cache-control': 'no-cache',
  'content-encoding': 'identity',
  'x-accel-buffering': 'no',
};

export default {
  async fetch(request, env, ctx) {
    const config = readConfig(env);
    const requestId = requestIdOf(request);
    const origin = request.headers.get('origin');
    if (!originAllowed(origin, config.origins)) {
      return errorResponse(403, `Origin ${origin} is not allowed`);
    }
    const cors = corsHeaders(origin);
    const { pathname } = new URL(request.url);
    const own = pathname === PATH || pathname === EMBEDDINGS ? null : findRoute(pathname, config.routes);
    if (pathname !== PATH && pathname !== EMBEDDINGS && !own) return errorResponse(404, `Not found: ${pathname}`, cors);
    if (own) return ownRoute(request, own, config, cors, origin, requestId);
    if (request.method === 'OPTIONS') return preflight(request, origin);
    if (request.method !== 'POST') {
      return errorResponse(405, `Method ${request.method} not allowed: use POST`, { ...cors, allow: 'POST, OPTIONS' });
    }
    if (!config.apiKey) {
      return errorResponse(500, 'The Worker secret MEINGPT_API_KEY is not set: run `wrangler secret put MEINGPT_API_KEY`', cors);
    }
    try {
      const body = await readJson(request, config.maxBodyBytes);
      if (pathname === EMBEDDINGS) {
        // Only the key goes upstream, as for chat; `model` is not checked against ALLOWED_MODELS
        // (chat models; meinGPT documents the embeddings model as unused).
        const result = await embeddings(body, {
          apiKey: config.apiKey,
          baseUrl: config.baseUrl,
          maxRetries: config.maxRetries,
          signal: request.signal,
        });
        return Response.json(result, { headers: cors });
      }
      await validateRequest(body);
      const tooMuch = limitProblem(body, config);
      if (tooMuch) return errorResponse(400, tooMuch, cors);
      if (config.models.length && !config.models.includes(body.model)) {
        return errorResponse(403, `Model '${body.model}' is not allowed here`, cors);
      }
      // Only the key goes upstream: the client's own Authorization and other headers stay here.
      const result = await chatCompletion(body, {
        apiKey: config.apiKey,
        baseUrl: config.baseUrl,
        maxRetries: config.maxRetries,
        signal: request.signal,
      });
      if (body.stream !== true) return Response.json(result, { headers: cors });
      const { readable, pump } = passThrough(result, config.apiKey, requestId);
      ctx?.waitUntil(pump);
      return new Response(readable, { headers: { ...SSE_HEADERS, ...cors } });
    } catch (e) {
      return toResponse(e, config.apiKey, cors, requestId);
    }
  },
};

/** One of meinGPT's own routes (enabled by MEINGPT_ROUTES): the method matched, then the call. */
async function ownRoute(request, { methods, match }, config, cors, origin, requestId) {
  const allowed = Object.keys(methods).join(', ');
  if (request.method === 'OPTIONS') return preflight(request, origin, allowed);
  const call = Object.hasOwn(methods, request.method) ? methods[request.method] : undefined;
  if (!call) {
    return errorResponse(405, `Method ${request.method} not allowed: use ${allowed}`, { ...cors, allow: `${allowed}, OPTIONS` });
  }
  if (!config.apiKey) {
    return errorResponse(500, 'The Worker secret MEINGPT_API_KEY is not set: run `wrangler secret put MEINGPT_API_KEY`', cors);
  }
  try {
    // Only the key goes upstream: the client's own Authorization and other headers stay here.
    const options = { apiKey: config.apiKey, baseUrl: config.baseUrl, maxRetries: config.maxRetries, signal: request.signal };
    const result = await call(request, match, config.maxBodyBytes, options);
    return Response.json(result ?? {}, { headers: cors });
  } catch (e) {
    return toResponse(e, config.apiKey, cors, requestId);
  }
}

/**
 * The stream's SSE bytes, one network read at a time. When the upstream fails after the stream has
 * started (an error object, a broken connection), the client gets an error event in meinGPT's shape
 * and the stream ends: a clean end without it would look like a complete answer (its message generic,
 * with the request id; the original is logged). When the client goes away, the write fails and the
 * upstream call is aborted.
 *
 * The response body is workerd's native IdentityTransformStream, written from here, rather than a
 * JavaScript ReadableStream: workerd sends a native stream without calling back into JavaScript for
 * every chunk, which took about a sixth of the Worker's CPU time per streamed answer (bench/README.md,
 * measurement 8). A write resolves once the client side has taken the chunk (back-pressure).
 */
function passThrough(stream, key, requestId) {
  const reader = stream.toReadableStream().getReader();
  const { readable, writable } = new IdentityTransformStream();
  const writer = writable.getWriter();
  const pump = async () => {
    try {
      for (;;) {
        let read;
        try {
          read = await reader.read();
        } catch (e) {
          if (!(e instanceof APIUserAbortError)) await writer.write(new TextEncoder().encode(errorEvent(e, key, requestId)));
          break;
        }
        if (read.done) break;
        await writer.write(read.value);
      }
      await writer.close();
    } catch (e) {
      // The client went away first: nothing left to tell it; stop the upstream call.
      reader.cancel(e).catch(() => {});
      writer.abort(e).catch(() => {});
    }
  };
  return { readable, pump: pump() };
}
