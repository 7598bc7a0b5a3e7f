// Diagnosis for bench measurement 8: the pass-through with one JavaScript ReadableStream in between
// (each upstream read handed on by a pull in JS), the floor of any Worker that touches the chunks.
export default {
  async fetch(request, env) {
    const upstream = await fetch(`${env.MEINGPT_BASE_URL}/chat/completions`, {
      method: 'POST',
      headers: { authorization: `Bearer ${env.MEINGPT_API_KEY}`, 'content-type': 'application/json' },
      body: request.body,
    });
    const reader = upstream.body.getReader();
    const body = new ReadableStream(
      {
        async pull(controller) {
          const { done, value } = await reader.read();
          if (done) controller.close();
          else controller.enqueue(value);
        },
        cancel: (reason) => reader.cancel(reason),
      },
      { highWaterMark: 0 },
    );
    return new Response(body, upstream);
  },
};
