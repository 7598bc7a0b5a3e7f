// Caps on what one call may cost: an anonymous client must not turn one request into 128 answers
// (`n`) or a million output tokens. Checked before anything is sent; answered with 400 in meinGPT's
// shape, naming the field and the setting that would allow more.

const TOKEN_FIELDS = ['max_tokens', 'max_completion_tokens'];

/** Why `body` asks for more than the Worker allows, or null. `body` is a validated request object. */
export function limitProblem(body, { maxN, maxTokens }) {
  if (body.n !== undefined && body.n !== null) {
    if (!Number.isSafeInteger(body.n) || body.n < 1) return 'n: must be a positive integer';
    if (body.n > maxN) return `n: at most ${maxN} here (the Worker's MAX_N)`;
  }
  for (const name of TOKEN_FIELDS) {
    const v = body[name];
    if (v === undefined || v === null) continue;
    if (!Number.isSafeInteger(v) || v < 1) return `${name}: must be a positive integer`;
    if (v > maxTokens) return `${name}: at most ${maxTokens} here (the Worker's MAX_TOKENS)`;
  }
  return null;
}
