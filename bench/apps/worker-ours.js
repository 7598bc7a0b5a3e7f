// A Worker making one non-stream call with meingpt-wasm (bundled by bench/workerd-start.mjs).
import { chatCompletion } from 'meingpt-wasm';

export default {
  async fetch(request, env) {
    const completion = await chatCompletion(
      { model: 'bench-small', messages: [{ role: 'user', content: 'Erzähl mir etwas über München.' }] },
      { apiKey: env.KEY, baseUrl: env.BASE_URL, maxRetries: 0 },
    );
    return Response.json(completion);
  },
};
