// The chat route handler, shared by the Node route (app/api/chat) and the edge route
// (app/api/chat/edge). The key stays here, on the server: the page posts its messages, gets the
// stream back as SSE and re-hydrates it with ChatCompletionStream.fromResponse.
import { chatCompletion, APIError, MeinGPTError } from 'meingpt-wasm';

const MAX_MESSAGES = 50;
const MAX_CHARS = 8000;
const MAX_BODY_BYTES = 512 * 1024;

/** The request body as JSON, read up to MAX_BODY_BYTES (undefined when it is not JSON). */
async function readJson(request) {
  const reader = request.body?.getReader();
  if (!reader) return undefined;
  const parts = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > MAX_BODY_BYTES) {
      // Not awaited: in Next.js's edge sandbox the cancel of a request body never settles.
      reader.cancel().catch(() => {});
      throw new RangeError('body too large');
    }
    parts.push(value);
  }
  const bytes = new Uint8Array(size);
  let at = 0;
  for (const p of parts) {
    bytes.set(p, at);
    at += p.byteLength;
  }
  try {
    return JSON.parse(new TextDecoder().decode(bytes));
  } catch {
    return undefined;
  }
}

/** The conversation the page sent, or undefined when it is not one (only user/assistant text). */
function conversation(body) {
  const messages = body?.messages;
  if (!Array.isArray(messages) || messages.length === 0 || messages.length > MAX_MESSAGES) return undefined;
  const out = [];
  for (const m of messages) {
    if ((m?.role !== 'user' && m?.role !== 'assistant') || typeof m.content !== 'string') return undefined;
    if (m.content.length > MAX_CHARS) return undefined;
    out.push({ role: m.role, content: m.content });
  }
  return out;
}

const error = (status, message) => Response.json({ error: { message } }, { status });

export async function POST(request) {
  // The key pays for every call: pages of other sites may not make their visitors' browsers call it.
  // Browsers say where a request comes from in Sec-Fetch-Site (the Host header proves nothing).
  const site = request.headers.get('sec-fetch-site');
  if (site !== null && site !== 'same-origin' && site !== 'none') return error(403, 'cross-site requests are refused');
  let body;
  try {
    body = await readJson(request);
  } catch {
    return error(413, `the body is limited to ${MAX_BODY_BYTES} bytes`);
  }
  if (body === undefined) return error(400, 'a JSON body is expected');
  const messages = conversation(body);
  if (!messages) return error(400, `messages: 1 to ${MAX_MESSAGES} user/assistant messages of at most ${MAX_CHARS} characters`);
  try {
    const stream = await chatCompletion(
      { model: process.env.MEINGPT_MODEL || 'gpt-4o-mini', messages, stream: true },
      {
        apiKey: process.env.MEINGPT_API_KEY,
        baseUrl: process.env.MEINGPT_BASE_URL || undefined,
        signal: request.signal, // the page went away: stop the upstream call too
      },
    );
    return new Response(stream.toReadableStream(), {
      headers: { 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-store' },
    });
  } catch (e) {
    // The package's errors carry no secret (it redacts the key); anything else stays in the log.
    if (!(e instanceof MeinGPTError)) console.error(e);
    const status = e instanceof APIError && e.status >= 400 ? e.status : 502;
    return error(status, e instanceof MeinGPTError ? e.message : 'internal error');
  }
}
