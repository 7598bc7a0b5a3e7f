// Measurement 4 (one fresh process per run): import the client, then make its first call (a small
// non-stream completion) against the bench server. Prints one JSON line: ms since process start at
// the top of this file, import ms, import + first call ms. Kept free of other imports on purpose.
// Args: <ours|openai|floor> <server url>
const top = performance.now();
const [client, url] = process.argv.slice(2);
const baseUrl = `${url}/v1`;
const key = 'sk-bench-0123456789abcdef';
const request = { model: 'bench-small', messages: [{ role: 'user', content: 'Erzähl mir etwas über München.' }] };
let call;
if (client === 'ours') {
  const { chatCompletion } = await import('meingpt-wasm');
  call = () => chatCompletion(request, { apiKey: key, baseUrl, maxRetries: 0 });
} else if (client === 'openai') {
  const { default: OpenAI } = await import('openai');
  const openai = new OpenAI({ apiKey: key, baseURL: baseUrl, maxRetries: 0 });
  call = () => openai.chat.completions.create(request);
} else {
  call = async () => {
    const res = await fetch(`${baseUrl}/chat/completions`, {
      method: 'POST',
      headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
      body: JSON.stringify(request),
    });
    return JSON.parse(await res.text());
  };
}
const imported = performance.now();
const completion = await call();
const done = performance.now();
if (completion.object !== 'chat.completion' || !completion.choices[0].message.content) throw new Error('bad first answer');
console.log(JSON.stringify({ top, import: imported - top, importAndCall: done - top, sinceStart: done }));
