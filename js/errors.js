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

/** The network failed or the body broke off. */
export class APIConnectionError extends APIError {
  constructor(message, options) {
    super(undefined, message, undefined, undefined, options);
  }
}

/** `timeoutMs` passed with no response, or with no data between two reads of a stream. */
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
  APIError,
};

// Stable names that survive minification (object keys are kept, class names may not be).
for (const [name, cls] of Object.entries({
  MeinGPTError,
  ValidationError,
  APIConnectionError,
  APIConnectionTimeoutError,
  APIUserAbortError,
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
