// The clients the bench compares, behind one small interface, each loaded only when asked for:
//   stream(model, keep)  reads a whole stream; returns { chunks, length, text } (text only when keep;
//                        a chunk's text is its content or its tool call's arguments, payloads.mjs chunkText)
//   call(model)          one non-stream call; returns the content string
// ours      = meingpt-wasm (bench/node_modules, the packed pkg/), `for await` over the stream
// ours-text = meingpt-wasm, stream.textStream()
// openai    = the official `openai` client, chat.completions.create({ stream: true }), `for await`
// floor     = plain JS doing the least possible: fetch, reader, TextDecoder, line split, JSON.parse
import { KEY, MESSAGES, chunkText } from './payloads.mjs';

const request = (model, stream) => (stream ? { model, messages: MESSAGES, stream: true } : { model, messages: MESSAGES });

async function ours(baseUrl, text) {
  const { chatCompletion } = await import('meingpt-wasm');
  // The memory bench streams 100 MB: past the 64 MiB default of maxResponseBytes.
  const options = { apiKey: KEY, baseUrl, maxRetries: 0, maxResponseBytes: 2 ** 30 };
  return {
    async stream(model, keep = true) {
      const stream = await chatCompletion(request(model, true), options);
      let chunks = 0;
      let length = 0;
      let all = '';
      if (text) {
        const reader = stream.textStream().getReader();
        for (;;) {
          const { done, value } = await reader.read();
          if (done) break;
          chunks += 1;
          length += value.length;
          if (keep) all += value;
        }
      } else {
        for await (const chunk of stream) {
          chunks += 1;
          const c = chunkText(chunk);
          if (c) {
            length += c.length;
            if (keep) all += c;
          }
        }
      }
      return { chunks, length, text: all };
    },
    async call(model) {
      const completion = await chatCompletion(request(model, false), options);
      return completion.choices[0].message.content;
    },
  };
}

async function openai(baseUrl) {
  const { default: OpenAI } = await import('openai');
  const client = new OpenAI({ apiKey: KEY, baseURL: baseUrl, maxRetries: 0 });
  return {
    async stream(model, keep = true) {
      const stream = await client.chat.completions.create(request(model, true));
      let chunks = 0;
      let length = 0;
      let all = '';
      for await (const chunk of stream) {
        chunks += 1;
        const c = chunkText(chunk);
        if (c) {
          length += c.length;
          if (keep) all += c;
        }
      }
      return { chunks, length, text: all };
    },
    async call(model) {
      const completion = await client.chat.completions.create(request(model, false));
      return completion.choices[0].message.content;
    },
  };
}

function floor(baseUrl) {
  const url = `${baseUrl}/chat/completions`;
  const post = (body) =>
    fetch(url, {
      method: 'POST',
      headers: { authorization: `Bearer ${KEY}`, 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
  return {
    async stream(model, keep = true) {
      const res = await post(request(model, true));
      if (!res.ok) throw new Error(`HTTP ${res.status}`);
      const reader = res.body.getReader();
      const decoder = new TextDecoder();
      let chunks = 0;
      let length = 0;
      let all = '';
      let rest = '';
      for (;;) {
        const { done, value } = await reader.read();
        if (done) break;
        const lines = (rest + decoder.decode(value, { stream: true })).split('\n');
        rest = lines.pop();
        for (const line of lines) {
          if (!line.startsWith('data: ') || line === 'data: [DONE]') continue;
          const chunk = JSON.parse(line.slice(6));
          chunks += 1;
          const c = chunkText(chunk);
          if (c) {
            length += c.length;
            if (keep) all += c;
          }
        }
      }
      return { chunks, length, text: all };
    },
    async call(model) {
      const res = await post(request(model, false));
      if (!res.ok) throw new Error(`HTTP ${res.status}`);
      return JSON.parse(await res.text()).choices[0].message.content;
    },
  };
}

export const CLIENTS = ['ours', 'ours-text', 'openai', 'floor'];

/** Loads one client (importing only its own library) for the bench server at `url`. */
export async function loadClient(name, url) {
  const baseUrl = `${url}/v1`;
  if (name === 'ours') return ours(baseUrl, false);
  if (name === 'ours-text') return ours(baseUrl, true);
  if (name === 'openai') return openai(baseUrl);
  if (name === 'floor') return floor(baseUrl);
  throw new Error(`unknown client ${name}`);
}
