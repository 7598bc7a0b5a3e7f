// The same minimal browser app with the official openai client.
import OpenAI from 'openai';

const client = new OpenAI({ apiKey: 'sk-...', baseURL: 'https://app.meingpt.com/api/openai/v1', dangerouslyAllowBrowser: true });
const stream = await client.chat.completions.create({
  model: 'gpt-4o-mini',
  messages: [{ role: 'user', content: 'Hallo!' }],
  stream: true,
});
for await (const chunk of stream) document.body.append(chunk.choices[0]?.delta?.content ?? '');
