// A Worker making one non-stream call with openai (bundled by bench/workerd-start.mjs).
import OpenAI from 'openai';

export default {
  async fetch(request, env) {
    const client = new OpenAI({ apiKey: env.KEY, baseURL: env.BASE_URL, maxRetries: 0 });
    const completion = await client.chat.completions.create({
      model: 'bench-small',
      messages: [{ role: 'user', content: 'Erzähl mir etwas über München.' }],
    });
    return Response.json(completion);
  },
};
