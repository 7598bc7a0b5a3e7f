// The Worker's settings, read from `env` (wrangler.jsonc `vars` and secrets) once per request.

export const DEFAULT_BASE_URL = 'https://app.meingpt.com/api/openai/v1';
export const DEFAULT_MAX_BODY_BYTES = 1024 * 1024;
/** `n` (choices per call) multiplies the cost of a call: one unless the operator allows more. */
export const DEFAULT_MAX_N = 1;
/** The most output tokens a client may ask for (`max_tokens` / `max_completion_tokens`). */
export const DEFAULT_MAX_TOKENS = 8192;

/** A comma-separated list as an array of trimmed, non-empty entries. */
function list(value) {
  return String(value ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
}

function positiveInt(value, fallback) {
  const n = nonNegativeInt(value, fallback);
  return n >= 1 ? n : fallback;
}

function nonNegativeInt(value, fallback) {
  const n = Number(value);
  return value !== undefined && value !== '' && Number.isSafeInteger(n) && n >= 0 ? n : fallback;
}

/**
 * - `MEINGPT_API_KEY` (secret): the meinGPT key; never sent to the client.
 * - `MEINGPT_BASE_URL`: the upstream, default meinGPT's OpenAI-compatible API.
 * - `ALLOWED_ORIGINS`: browser origins allowed by CORS, comma-separated; `*` allows any. Unset: none.
 * - `ALLOWED_MODELS`: if set, the only models clients may ask for, comma-separated.
 * - `MAX_BODY_BYTES`: request body limit in bytes (default 1 MiB).
 * - `MEINGPT_MAX_RETRIES`: retries of the upstream call (default 0: OpenAI clients retry themselves).
 * - `MAX_N`: the largest `n` a client may ask for (default 1).
 * - `MAX_TOKENS`: the largest `max_tokens` / `max_completion_tokens` a client may ask for (default 8192).
 * - `MEINGPT_ROUTES`: meinGPT's own routes the Worker serves, comma-separated: `assistants`,
 *   `workflows`, `assistant-files` (default none: they reach an organisation's knowledge).
 */
export function readConfig(env) {
  return {
    apiKey: typeof env.MEINGPT_API_KEY === 'string' ? env.MEINGPT_API_KEY.trim() : '',
    baseUrl: env.MEINGPT_BASE_URL || DEFAULT_BASE_URL,
    origins: list(env.ALLOWED_ORIGINS),
    models: list(env.ALLOWED_MODELS),
    maxBodyBytes: nonNegativeInt(env.MAX_BODY_BYTES, DEFAULT_MAX_BODY_BYTES),
    maxRetries: nonNegativeInt(env.MEINGPT_MAX_RETRIES, 0),
    maxN: positiveInt(env.MAX_N, DEFAULT_MAX_N),
    maxTokens: positiveInt(env.MAX_TOKENS, DEFAULT_MAX_TOKENS),
    routes: list(env.MEINGPT_ROUTES),
  };
}
