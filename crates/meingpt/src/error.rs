//! The crate's one error type, built from the core's (`meingpt_wasm::Error`): the same variants,
//! statuses and messages as the npm package's error classes.

use meingpt_wasm::error as core_error;

/// Everything that can go wrong in a call. [`Error::class_name`] gives the npm package's class
/// for it (`RateLimitError`, `APIConnectionTimeoutError`, ...).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The request was refused before anything was sent.
    #[error("{param}: {message}")]
    Validation {
        /// Path of the offending field, e.g. `messages[2].role`.
        param: String,
        /// What is allowed there.
        message: String,
    },
    /// The server answered with an error status, or sent an error inside a stream.
    #[error("{message} (HTTP {status})")]
    Api {
        /// The HTTP status (the stream's status for an error sent inside a stream).
        status: u16,
        /// The server's own message (`{"status":"error","message":...}` or
        /// `{"error":{"message":...}}`), or what was wrong with the answer.
        message: String,
        /// The response body as text, when there was one (key redacted).
        body: Option<String>,
    },
    /// The response grew past the largest body accepted. Not retried.
    #[error("{message} (HTTP {status})")]
    TooLarge {
        /// The HTTP status of the response.
        status: u16,
        /// Which limit it passed.
        message: String,
    },
    /// The network failed, the body broke off, or the server sent bytes that are not the protocol.
    #[error("connection error: {message}")]
    Connection {
        /// What happened.
        message: String,
    },
    /// The timeout passed without a response, or without an event between two events of a stream.
    #[error("{}", core_error::TIMEOUT_MESSAGE)]
    Timeout,
    /// The caller aborted (dropped the call, or aborted the signal).
    #[error("{}", core_error::ABORT_MESSAGE)]
    Aborted,
}

/// `Result` with this crate's [`Error`].
pub type Result<T, E = Error> = std::result::Result<T, E>;

impl Error {
    /// The npm package's error class for this error (`ValidationError`, `AuthenticationError`,
    /// `RateLimitError`, `InternalServerError`, `APIConnectionError`, ...).
    pub fn class_name(&self) -> &'static str {
        match self {
            Error::Validation { .. } => "ValidationError",
            Error::Api { status, .. } => core_error::api_class_name(*status),
            Error::TooLarge { .. } => "ResponseTooLargeError",
            Error::Connection { .. } => "APIConnectionError",
            Error::Timeout => "APIConnectionTimeoutError",
            Error::Aborted => "APIUserAbortError",
        }
    }

    /// The HTTP status of an [`Error::Api`].
    pub fn status(&self) -> Option<u16> {
        match self {
            Error::Api { status, .. } | Error::TooLarge { status, .. } => Some(*status),
            _ => None,
        }
    }

    /// Whether another attempt may succeed (the core's retry policy: connection errors,
    /// timeouts, 408, 409, 429 and >= 500).
    pub fn is_retryable(&self) -> bool {
        meingpt_wasm::retry::is_retryable(&self.to_core())
    }

    /// The error for an HTTP error response: status, body text, and the key to keep out of it.
    pub fn from_response(status: u16, body: &str, api_key: &str) -> Error {
        // Redacted after JSON decoding: a key escaped as `\u0073k-...` is still found.
        let body = meingpt_wasm::redact::redact_json(body.to_owned(), api_key);
        match core_error::from_status(status, &body, api_key) {
            meingpt_wasm::Error::Api { status, message } => Error::Api {
                status,
                message,
                body: Some(body),
            },
            other => other.into(),
        }
    }

    /// The same error with every occurrence of `api_key` replaced (the core's redaction).
    pub fn redacted(self, api_key: &str) -> Error {
        let r = |s: String| core_error::redact(s, api_key);
        match self {
            Error::Api {
                status,
                message,
                body,
            } => Error::Api {
                status,
                message: r(message),
                body: body.map(r),
            },
            Error::Connection { message } => Error::Connection {
                message: r(message),
            },
            Error::Validation { param, message } => Error::Validation {
                param,
                message: r(message),
            },
            other => other,
        }
    }

    /// The core's form of this error (the body is dropped).
    pub fn to_core(&self) -> meingpt_wasm::Error {
        match self {
            Error::Validation { param, message } => meingpt_wasm::Error::validation(param, message),
            Error::Api {
                status, message, ..
            } => meingpt_wasm::Error::Api {
                status: *status,
                message: message.clone(),
            },
            Error::Connection { message } => meingpt_wasm::Error::Connection {
                message: message.clone(),
            },
            Error::TooLarge { status, message } => meingpt_wasm::Error::TooLarge {
                status: *status,
                message: message.clone(),
            },
            Error::Timeout => meingpt_wasm::Error::Timeout,
            Error::Aborted => meingpt_wasm::Error::UserAbort,
        }
    }
}

impl From<meingpt_wasm::Error> for Error {
    fn from(e: meingpt_wasm::Error) -> Self {
        match e {
            meingpt_wasm::Error::Validation { param, message } => {
                Error::Validation { param, message }
            }
            meingpt_wasm::Error::Api { status, message } => Error::Api {
                status,
                message,
                body: None,
            },
            meingpt_wasm::Error::Connection { message } => Error::Connection { message },
            meingpt_wasm::Error::TooLarge { status, message } => {
                Error::TooLarge { status, message }
            }
            meingpt_wasm::Error::Timeout => Error::Timeout,
            meingpt_wasm::Error::UserAbort => Error::Aborted,
        }
    }
}
