// Reads the request body as JSON with a byte limit: the declared Content-Length is checked first,
// and the bytes are counted while they arrive (a chunked body has no Content-Length).

export class BodyError extends Error {
  constructor(status, message) {
    super(message);
    this.status = status;
  }
}

/** The request body's bytes, at most `limit` of them (413 beyond). */
export async function readBytes(request, limit) {
  const tooLarge = () => new BodyError(413, `Request body too large: the limit is ${limit} bytes`);
  const declared = request.headers.get('content-length');
  if (declared !== null && !(Number(declared) <= limit)) throw tooLarge();
  const parts = [];
  let size = 0;
  if (request.body) {
    const reader = request.body.getReader();
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      size += value.byteLength;
      if (size > limit) {
        reader.cancel().catch(() => {});
        throw tooLarge();
      }
      parts.push(value);
    }
  }
  const bytes = new Uint8Array(size);
  let at = 0;
  for (const p of parts) {
    bytes.set(p, at);
    at += p.byteLength;
  }
  return bytes;
}

export async function readJson(request, limit) {
  const bytes = await readBytes(request, limit);
  try {
    return JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes));
  } catch {
    throw new BodyError(400, 'Request body must be JSON (UTF-8)');
  }
}

/**
 * The request body as multipart form data, at most `limit` bytes (counted as they arrive, before
 * anything is parsed); 400 when it is not multipart/form-data.
 */
export async function readForm(request, limit) {
  const type = request.headers.get('content-type') ?? '';
  if (!/^multipart\/form-data\s*;/i.test(type)) throw new BodyError(400, 'Request body must be multipart/form-data');
  const bytes = await readBytes(request, limit);
  try {
    return await new Response(bytes, { headers: { 'content-type': type } }).formData();
  } catch {
    throw new BodyError(400, 'Request body must be multipart/form-data');
  }
}
