// The floor of a key-holding proxy Worker (bench measurement 8): the client's request body goes
// upstream as it is, with the key swapped in, and the upstream's body comes back untouched
// (`new Response(upstream.body, upstream)`: workerd pipes it natively, no JavaScript per chunk).
// No validation, no limits, no CORS, no error mapping: what examples/worker adds is what it costs.
export default {
  async fetch(request, env) {
    const upstream = await fetch(`${env.MEINGPT_BASE_URL}/chat/completions`, {
      method: 'POST',
      headers: { authorization: `Bearer ${env.MEINGPT_API_KEY}`, 'content-type': 'application/json' },
      body: request.body,
    });
    return new Response(upstream.body, upstream);
  },
};
