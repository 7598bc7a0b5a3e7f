// Diagnosis for bench measurement 8: each upstream read handed by JavaScript to the writable side
// of workerd's native IdentityTransformStream, whose readable side is the response body.
export default {
  async fetch(request, env, ctx) {
    const upstream = await fetch(`${env.MEINGPT_BASE_URL}/chat/completions`, {
      method: 'POST',
      headers: { authorization: `Bearer ${env.MEINGPT_API_KEY}`, 'content-type': 'application/json' },
      body: request.body,
    });
    const { readable, writable } = new IdentityTransformStream();
    const pump = async () => {
      const reader = upstream.body.getReader();
      const writer = writable.getWriter();
      for (;;) {
        const { done, value } = await reader.read();
        if (done) break;
        await writer.write(value);
      }
      await writer.close();
    };
    ctx.waitUntil(pump());
    return new Response(readable, upstream);
  },
};
