// The package's error classes. Rust builds them through makeError(); users import them to use
// `instanceof`. Names are stable: each class sets `name` to its own class name.

/** Base class of every error this package throws. */
export class MeinGPTError extends Error {
}

/** The request was refused before anything was sent; `param` is the path of the field. */
export class ValidationError extends MeinGPTError {
  constructor(message, param) {
    super(message);
    this.param = param;
  }
}

/** The server answered with an error (or sent one inside a stream). */
export class APIError extends MeinGPTError {
  constructor(status, message, body, headers, options) {
    super(message, options);
    this.status = status;
    this.body = body;
    this.headers = headers;
  }
}

export class BadRequestError extends APIError {}
export class AuthenticationError extends APIError {}
export class PermissionDeniedError extends APIError {}
export class NotFoundError extends APIError {}
export class UnprocessableEntityError extends APIError {}
export class RateLimitError extends APIError {}
export class InternalServerError extends APIError {}

/** A 400 to a request with tools: the model cannot use them. */
export class ToolsNotSupportedError extends BadRequestError {}

/** A reply or tool arguments do not match their JSON schema: `pointer`, `reason`, `completion`. */
export class SchemaValidationError extends MeinGPTError {}

/** `runTools()`: the model still asked for tools after `maxSteps` calls; `messages` so far. */
export class MaxStepsExceededError extends MeinGPTError {}

/** The response (a stream included) grew past `maxResponseBytes`; never retried. */
export class ResponseTooLargeError extends APIError {}

/** The network failed or the body broke off. */
export class APIConnectionError extends APIError {
  constructor(message, options) {
    super(undefined, message, undefined, undefined, options);
  }
}

/** `timeoutMs` passed with no response, or with no event between two events of a stream. */
export class APIConnectionTimeoutError extends APIConnectionError {}

/** The caller aborted. */
export class APIUserAbortError extends APIError {
  constructor(message) {
    super(undefined, message);
  }
}

const byName = {
  BadRequestError,
  AuthenticationError,
  PermissionDeniedError,
  NotFoundError,
  UnprocessableEntityError,
  RateLimitError,
  InternalServerError,
  ResponseTooLargeError,
  APIError,
};

// Stable names that survive minification (object keys are kept, class names may not be).
for (const [name, cls] of Object.entries({
  MeinGPTError,
  ValidationError,
  APIConnectionError,
  APIConnectionTimeoutError,
  APIUserAbortError,
  ToolsNotSupportedError,
  SchemaValidationError,
  MaxStepsExceededError,
  ...byName,
})) {
  Object.defineProperty(cls.prototype, 'name', { value: name, writable: true, configurable: true });
}

/** Called from Rust with the class name the core chose. */
export function makeError(name, message, status, param, body, headers, cause) {
  const options = cause === undefined ? undefined : { cause };
  switch (name) {
    case 'ValidationError':
      return new ValidationError(message, param);
    case 'APIConnectionError':
      return new APIConnectionError(message, options);
    case 'APIConnectionTimeoutError':
      return new APIConnectionTimeoutError(message, options);
    case 'APIUserAbortError':
      return new APIUserAbortError(message);
    default:
      return new (byName[name] ?? APIError)(status, message, body, headers, options);
  }
}

/** `call()`, with ToolsNotSupportedError for a 400 refusing the tools (`toolsFallback: 'drop'`: once more without them). */
export async function toolsFallback(call, request, options) {
  try {
    return await call(request, options);
  } catch (e) {
    const m = e?.message;
    if (!(e instanceof BadRequestError && request?.tools?.length && /tool|function/i.test(m) && /(not|n't|un)[ -]?(support|availab|allow|enabl)/i.test(m))) throw e;
    if (options?.toolsFallback !== 'drop') throw new ToolsNotSupportedError(e.status, m, e.body, e.headers);
    const { tools, tool_choice, parallel_tool_calls, ...rest } = request;
    return call(rest, options);
  }
}
