// The chat route handler, shared by the Node route (app/api/chat) and the edge route
// (app/api/chat/edge). The key stays here, on the server: the page posts its messages, gets the
// stream back as SSE and re-hydrates it with ChatCompletionStream.fromResponse.
import { chatCompletion, APIError, MeinGPTError } from 'meingpt-wasm';

const MAX_MESSAGES = 50;
const MAX_CHARS = 8000;

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
  let body;
  try {
    body = await request.json();
  } catch {
    return error(400, 'a JSON body is expected');
  }
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
