// Errors as meinGPT sends them: `{"status":"error","message":"..."}`, with the upstream's HTTP status
// kept. The API key never leaves the Worker: it is cut out of every message. A 4xx keeps its message
// (the client needs it to fix the request); anything the Worker answers with 5xx (an upstream 5xx, a
// failure inside a stream, a dropped or timed-out connection, an unexpected error) gets a generic
// message with a request id instead, since its text can hold internal details (hosts, paths, stack
// lines); the original goes to the Worker's log (console.error, `wrangler tail`) under that id.
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

/** A meinGPT-shaped error response (`requestId`: added as `request_id` and `x-request-id`). */
export function errorResponse(status, message, headers = {}, requestId) {
  if (requestId === undefined) return Response.json({ status: 'error', message }, { status, headers });
  return Response.json({ status: 'error', message, request_id: requestId }, { status, headers: { ...headers, 'x-request-id': requestId } });
}

const RAY = /^[0-9A-Za-z-]{1,64}$/;

/** The id that ties a generic error to its log line: Cloudflare's `cf-ray` when present, else random. */
export function requestIdOf(request) {
  const ray = request.headers.get('cf-ray');
  return ray !== null && RAY.test(ray) ? ray : crypto.randomUUID();
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

/** The words for a 5xx, by what failed; nothing from the error's own text. */
function genericMessage(e, requestId) {
  let what = 'Internal error';
  if (e instanceof APIConnectionTimeoutError) what = 'Upstream timed out';
  else if (e instanceof APIConnectionError) what = 'Upstream connection failed';
  else if (e instanceof APIError) what = 'Upstream error';
  return `${what} (request id ${requestId})`;
}

/** Logs the original of a 5xx under its request id (the key cut out). */
function logOriginal(e, key, status, requestId) {
  const upstreamId = e instanceof APIError && e.headers instanceof Headers ? e.headers.get('x-request-id') : null;
  const parts = [`meingpt-proxy ${requestId}: ${status}`, `${e?.name ?? 'Error'}${e?.status !== undefined ? ` (upstream status ${e.status})` : ''}: ${e?.message ?? String(e)}`];
  if (upstreamId !== null) parts.push(`upstream x-request-id ${upstreamId}`);
  console.error(redact(parts.join(' | '), key));
}

/**
 * The message for the client: the package's or the Worker's own (with the field path for a refused
 * request), never the text of an unexpected error or of a 5xx; the key cut out. With a request id, a
 * 5xx gets the generic message and its original is logged.
 */
export function messageOf(e, key, requestId) {
  if (requestId !== undefined && statusOf(e) >= 500) {
    logOriginal(e, key, statusOf(e), requestId);
    return genericMessage(e, requestId);
  }
  if (!(e instanceof MeinGPTError || e instanceof BodyError)) return 'Internal error';
  let message = e.message || e.name;
  if (e instanceof ValidationError && e.param && !message.startsWith(e.param)) message = `${e.param}: ${message}`;
  if (e instanceof APIConnectionError) message = `Upstream connection failed: ${message}`;
  return redact(message, key);
}

/** Maps any error to a meinGPT-shaped response (`extra`: the CORS headers); a 5xx carries `requestId`. */
export function toResponse(e, key, extra = {}, requestId = crypto.randomUUID()) {
  const headers = { ...extra };
  if (e instanceof APIError && e.headers instanceof Headers) {
    for (const name of PASSED_ON) {
      const value = e.headers.get(name);
      if (value !== null) headers[name] = redact(value, key);
    }
  }
  const status = statusOf(e);
  return errorResponse(status, messageOf(e, key, requestId), headers, status >= 500 ? requestId : undefined);
}

/**
 * An error event for a stream that had already started: meinGPT's error object, marked
 * `event: error` so that OpenAI's clients (which look for `error` fields or that event name) throw too.
 */
export function errorEvent(e, key, requestId = crypto.randomUUID()) {
  const error = { status: 'error', message: messageOf(e, key, requestId) };
  if (statusOf(e) >= 500) error.request_id = requestId;
  return `event: error\ndata: ${JSON.stringify(error)}\n\n`;
}
