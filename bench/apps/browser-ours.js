// The minimal browser app whose shipped bytes are measured: one streaming call with meingpt-wasm.
import { chatCompletion } from 'meingpt-wasm';

const stream = await chatCompletion(
  { model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'Hallo!' }], stream: true },
  { apiKey: 'sk-...', baseUrl: 'https://app.meingpt.com/api/openai/v1' },
);
for await (const chunk of stream) document.body.append(chunk.choices[0]?.delta?.content ?? '');
