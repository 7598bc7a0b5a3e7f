// Diagnosis for bench measurement 8: meingpt-wasm alone, without examples/worker's checks and
// error events: the request parsed, `chatCompletion()` (which validates it), and the stream's
// `toReadableStream()` as the response body.
import { chatCompletion } from 'meingpt-wasm';

export default {
  async fetch(request, env) {
    const body = await request.json();
    const stream = await chatCompletion(body, { apiKey: env.MEINGPT_API_KEY, baseUrl: env.MEINGPT_BASE_URL, maxRetries: 0 });
    return new Response(stream.toReadableStream(), { headers: { 'content-type': 'text/event-stream' } });
  },
};
