// A Worker making one non-stream call with plain fetch: the floor of a Worker's startup.
export default {
  async fetch(request, env) {
    const res = await fetch(`${env.BASE_URL}/chat/completions`, {
      method: 'POST',
      headers: { authorization: `Bearer ${env.KEY}`, 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'bench-small', messages: [{ role: 'user', content: 'Erzähl mir etwas über München.' }] }),
    });
    return Response.json(JSON.parse(await res.text()));
  },
};
