// Diagnosis for bench measurement 8: the upstream body read to the end in JavaScript (each read
// handed to JS and dropped), a short answer: the cost of the reads alone.
export default {
  async fetch(request, env) {
    const upstream = await fetch(`${env.MEINGPT_BASE_URL}/chat/completions`, {
      method: 'POST',
      headers: { authorization: `Bearer ${env.MEINGPT_API_KEY}`, 'content-type': 'application/json' },
      body: request.body,
    });
    const reader = upstream.body.getReader();
    let bytes = 0;
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      bytes += value.byteLength;
    }
    return new Response(`data: ${bytes}\n\ndata: [DONE]\n\n`);
  },
};
