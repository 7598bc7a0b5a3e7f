// Errors as meinGPT sends them: `{"status":"error","message":"..."}`, with the upstream's HTTP status
// kept. The API key never leaves the Worker: it is cut out of every message.
import {
  APIConnectionError,
  APIConnectionTimeoutError,
  APIError,
  APIUserAbortError,
  MeinGPTError,
  ValidationError,
} from 'meingpt-wasm';
import { BodyError } from './body.js';

/** Upstream headers worth passing on with an error (a 429's Retry-After, the request id). */
const PASSED_ON = ['retry-after', 'retry-after-ms', 'x-request-id'];

export function redact(text, key) {
  const s = String(text);
  return key ? s.split(key).join('[redacted]') : s;
}

/** A meinGPT-shaped error response. */
export function errorResponse(status, message, headers = {}) {
  return Response.json({ status: 'error', message }, { status, headers });
}

/** The HTTP status for an error from the package or the Worker itself. */
export function statusOf(e) {
  if (e instanceof ValidationError) return 400;
  if (e instanceof APIUserAbortError) return 499;
  if (e instanceof APIConnectionTimeoutError) return 504;
  if (e instanceof APIConnectionError) return 502;
  if (e instanceof APIError) return Number.isInteger(e.status) && e.status >= 400 && e.status <= 599 ? e.status : 502;
  if (e instanceof BodyError) return e.status;
  return 500;
}

/**
 * The message for the client: the package's or the Worker's own (with the field path for a refused
 * request), never the text of an unexpected error; the key cut out.
 */
export function messageOf(e, key) {
  if (!(e instanceof MeinGPTError || e instanceof BodyError)) return 'Internal error';
  let message = e.message || e.name;
  if (e instanceof ValidationError && e.param && !message.startsWith(e.param)) message = `${e.param}: ${message}`;
  if (e instanceof APIConnectionError) message = `Upstream connection failed: ${message}`;
  return redact(message, key);
}

/** Maps any error to a meinGPT-shaped response (`extra`: the CORS headers). */
export function toResponse(e, key, extra = {}) {
  const headers = { ...extra };
  if (e instanceof APIError && e.headers instanceof Headers) {
    for (const name of PASSED_ON) {
      const value = e.headers.get(name);
      if (value !== null) headers[name] = redact(value, key);
    }
  }
  return errorResponse(statusOf(e), messageOf(e, key), headers);
}

/**
 * An error event for a stream that had already started: meinGPT's error object, marked
 * `event: error` so that OpenAI's clients (which look for `error` fields or that event name) throw too.
 */
export function errorEvent(e, key) {
  return `event: error\ndata: ${JSON.stringify({ status: 'error', message: messageOf(e, key) })}\n\n`;
}
