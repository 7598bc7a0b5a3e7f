// Diagnosis for bench measurement 8: the upstream body piped through a JavaScript TransformStream
// whose transform() passes each chunk on.
export default {
  async fetch(request, env) {
    const upstream = await fetch(`${env.MEINGPT_BASE_URL}/chat/completions`, {
      method: 'POST',
      headers: { authorization: `Bearer ${env.MEINGPT_API_KEY}`, 'content-type': 'application/json' },
      body: request.body,
    });
    const body = upstream.body.pipeThrough(new TransformStream({ transform: (chunk, c) => c.enqueue(chunk) }));
    return new Response(body, upstream);
  },
};
