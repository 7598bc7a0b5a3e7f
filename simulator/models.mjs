// The models the simulator knows and the roles of a chat message.

/**
 * Models the simulator knows: the docs' old ids and the ids clients use today (MEINGPT-API.md; styles
 * differ, never parse them). Perplexity-like models cannot call tools and add `citations`; reasoning
 * models send `reasoning_content` (in the message, and streamed before the answer).
 */
const model = (id, owned_by, more = {}) => ({ id, owned_by, supports_tools: true, citations: false, reasoning: false, ...more });
const PERPLEXITY = { supports_tools: false, citations: true };
export const MODELS = Object.freeze([
  model('gpt-4o-mini', 'openai'),
  model('gpt-4o', 'openai'),
  model('claude-3-5-sonnet', 'anthropic'),
  model('mistral-large', 'mistral'),
  model('sonar', 'perplexity', PERPLEXITY),
  model('perplexity-sonar-pro', 'perplexity', PERPLEXITY),
  model('gpt-5', 'openai'),
  model('gpt-5-mini', 'openai'),
  model('gpt-4.1', 'openai'),
  model('o3', 'openai', { reasoning: true }),
  model('o4-mini', 'openai', { reasoning: true }),
  model('gpt-5-thinking', 'openai', { reasoning: true }),
  model('claude-sonnet-4-5', 'anthropic'),
  model('claude-opus-4-5@20251101', 'anthropic'),
  model('gemini-2.5-pro', 'google'),
  model('gemini-3-flash', 'google'),
  model('mistral-medium', 'mistral'),
  model('deepseek-r1', 'deepseek', { reasoning: true }),
  model('deepseek-v3', 'deepseek'),
  model('gpt-oss-120b', 'openai'),
  model('llama-3.3-fast', 'meta'),
  model('sonar-deep-research', 'perplexity', PERPLEXITY),
]);

export const MODEL_CREATED = 1717200000; // fixed "created" of the model list entries

export const CITATIONS = Object.freeze([
  'https://example.com/quelle-1',
  'https://example.com/quelle-2',
  'https://example.com/quelle-3',
]);

export const ROLES = Object.freeze(['system', 'developer', 'user', 'assistant', 'tool']);

export function findModel(id) {
  return MODELS.find((m) => m.id === id) || null;
}
