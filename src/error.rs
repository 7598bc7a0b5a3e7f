//! The one error type of the core, and how server error bodies and statuses map onto it.

#[allow(unused_imports)]
use crate::prelude::*;

use crate::json;
use crate::text::push_u32;

/// Everything that can go wrong in a call. The wasm boundary turns each into the JS class named by
/// [`Error::class_name`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Error {
    /// The request was refused before anything was sent.
    Validation {
        /// Path of the offending field, e.g. `messages[2].role`.
        param: String,
        /// What is allowed there.
        message: String,
    },
    /// The server answered with an error status, or sent an error inside a stream.
    Api {
        /// HTTP status (the response's status for an error sent inside a stream).
        status: u16,
        /// The server's own message when it sent one.
        message: String,
    },
    /// The network failed, the body broke off, or the server sent bytes that are not the protocol.
    Connection {
        /// What happened.
        message: String,
    },
    /// The response (a stream included) grew past `maxResponseBytes`. Not retried.
    TooLarge {
        /// HTTP status of the response.
        status: u16,
        /// Says which limit it passed.
        message: String,
    },
    /// `timeoutMs` passed without a response, or without an event between two events of a stream.
    Timeout,
    /// The caller aborted.
    UserAbort,
}

impl Error {
    /// The exported JS class for this error.
    pub fn class(&self) -> Class {
        match self {
            Error::Validation { .. } => Class::Validation,
            Error::Api { status, .. } => api_class(*status),
            Error::Connection { .. } => Class::Connection,
            Error::TooLarge { .. } => Class::ResponseTooLarge,
            Error::Timeout => Class::ConnectionTimeout,
            Error::UserAbort => Class::UserAbort,
        }
    }

    /// The name of the exported JS class for this error.
    pub fn class_name(&self) -> &'static str {
        self.class().name()
    }

    /// The human-readable message.
    pub fn message(&self) -> &str {
        match self {
            Error::Validation { message, .. }
            | Error::Api { message, .. }
            | Error::Connection { message }
            | Error::TooLarge { message, .. } => message,
            Error::Timeout => TIMEOUT_MESSAGE,
            Error::UserAbort => ABORT_MESSAGE,
        }
    }

    /// The same error with the call's secrets (see [`crate::redact::secrets`]) replaced in its
    /// message, wherever the message came from.
    pub fn redacted(self, api_key: &str) -> Self {
        match self {
            Error::Api { status, message } => Error::Api {
                status,
                message: redact(message, api_key),
            },
            Error::Connection { message } => Error::Connection {
                message: redact(message, api_key),
            },
            other => other,
        }
    }

    /// The error for a response that passed `limit` bytes.
    pub fn too_large(status: u16, limit: f64) -> Self {
        let mut message = String::from("the response is larger than maxResponseBytes (");
        push_u32(&mut message, limit.clamp(0.0, f64::from(u32::MAX)) as u32);
        message.push_str(" bytes)");
        Error::TooLarge { status, message }
    }

    /// A redirect that was not followed (followRedirects off): `status` is the 3xx status, or 0
    /// where the runtime hides it (a browser's opaque redirect); `location` where it pointed.
    pub fn redirect(status: u16, location: Option<&str>) -> Self {
        let mut message = String::from("the server answered with a redirect");
        if status != 0 {
            message.push_str(" (HTTP ");
            push_u32(&mut message, u32::from(status));
            message.push(')');
        }
        if let Some(to) = location {
            message.push_str(" to ");
            message.push_str(to);
        }
        message.push_str(", not followed (it would send the conversation elsewhere): use the final URL as baseUrl, or set followRedirects: true");
        Error::Api { status, message }
    }

    /// The HTTP status this error carries, if any.
    pub fn status(&self) -> Option<u16> {
        match self {
            Error::Api { status, .. } | Error::TooLarge { status, .. } => Some(*status),
            _ => None,
        }
    }

    /// Shorthand for a validation error.
    pub fn validation(param: impl Into<String>, message: impl Into<String>) -> Self {
        Error::Validation {
            param: param.into(),
            message: message.into(),
        }
    }
}

impl core::fmt::Display for Error {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str(self.message())
    }
}

/// The message of [`Error::Timeout`].
pub const TIMEOUT_MESSAGE: &str = "Request timed out.";
/// The message of [`Error::UserAbort`].
pub const ABORT_MESSAGE: &str = "Request was aborted.";

/// The exported JS error classes the core's errors become, numbered for the wasm boundary: the
/// core hands `makeError` (`js/errors.js`) a class's number, and the class list there, like the
/// status classes of `js/index.d.ts`, is generated from this table (`cargo run --example boundary`;
/// `tests/boundary.rs` fails when they are stale or a class has no JS class).
#[repr(u8)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Class {
    /// `ValidationError`
    Validation,
    /// `APIError` (a status without a class of its own, an error sent inside a stream)
    Api,
    /// `BadRequestError` (400)
    BadRequest,
    /// `AuthenticationError` (401)
    Authentication,
    /// `PermissionDeniedError` (403)
    PermissionDenied,
    /// `NotFoundError` (404)
    NotFound,
    /// `UnprocessableEntityError` (422)
    UnprocessableEntity,
    /// `RateLimitError` (429)
    RateLimit,
    /// `InternalServerError` (>= 500)
    InternalServer,
    /// `ResponseTooLargeError`
    ResponseTooLarge,
    /// `APIConnectionError`
    Connection,
    /// `APIConnectionTimeoutError`
    ConnectionTimeout,
    /// `APIUserAbortError`
    UserAbort,
}

impl Class {
    /// Every class, in the order of their numbers.
    pub const ALL: [Class; 13] = [
        Class::Validation,
        Class::Api,
        Class::BadRequest,
        Class::Authentication,
        Class::PermissionDenied,
        Class::NotFound,
        Class::UnprocessableEntity,
        Class::RateLimit,
        Class::InternalServer,
        Class::ResponseTooLarge,
        Class::Connection,
        Class::ConnectionTimeout,
        Class::UserAbort,
    ];

    /// The JS class name (its `name`, stable).
    pub fn name(self) -> &'static str {
        match self {
            Class::Validation => "ValidationError",
            Class::Api => "APIError",
            Class::BadRequest => "BadRequestError",
            Class::Authentication => "AuthenticationError",
            Class::PermissionDenied => "PermissionDeniedError",
            Class::NotFound => "NotFoundError",
            Class::UnprocessableEntity => "UnprocessableEntityError",
            Class::RateLimit => "RateLimitError",
            Class::InternalServer => "InternalServerError",
            Class::ResponseTooLarge => "ResponseTooLargeError",
            Class::Connection => "APIConnectionError",
            Class::ConnectionTimeout => "APIConnectionTimeoutError",
            Class::UserAbort => "APIUserAbortError",
        }
    }

    /// The HTTP statuses (first, last) of an `APIError` subclass chosen by status; `None` for the
    /// other classes.
    pub fn statuses(self) -> Option<(u16, u16)> {
        STATUS_CLASSES
            .iter()
            .find(|(c, ..)| *c == self)
            .map(|&(_, first, last)| (first, last))
    }
}

/// The `APIError` subclasses chosen by HTTP status: class, first and last status.
const STATUS_CLASSES: [(Class, u16, u16); 7] = [
    (Class::BadRequest, 400, 400),
    (Class::Authentication, 401, 401),
    (Class::PermissionDenied, 403, 403),
    (Class::NotFound, 404, 404),
    (Class::UnprocessableEntity, 422, 422),
    (Class::RateLimit, 429, 429),
    (Class::InternalServer, 500, u16::MAX),
];

/// The `APIError` subclass for an HTTP status.
pub fn api_class(status: u16) -> Class {
    STATUS_CLASSES
        .iter()
        .find(|(_, first, last)| (*first..=*last).contains(&status))
        .map_or(Class::Api, |&(c, ..)| c)
}

/// The name of the `APIError` subclass for an HTTP status.
pub fn api_class_name(status: u16) -> &'static str {
    api_class(status).name()
}

/// The message inside an error body: meinGPT's `{"status":"error","message":...}`, OpenAI's
/// `{"error":{"message":...}}`, or `{"error":"..."}`. `None` when the body carries none.
pub fn error_body_message(v: &json::Value<'_>) -> Option<String> {
    // One pass over the members (a stream checks every chunk); later duplicates win.
    let (mut error, mut status, mut message) = (None, None, None);
    for (k, m) in v.members() {
        k.with_key(|key| match key {
            "error" => error = Some(m),
            "status" => status = Some(m),
            "message" => message = m.as_str(),
            _ => {}
        });
    }
    error_message(error, status, message)
}

/// The message of an error body from its `error`, `status` and `message` members (see
/// [`error_body_message`]).
pub fn error_message(
    error: Option<&json::Value<'_>>,
    status: Option<&json::Value<'_>>,
    message: Option<json::JsonStr<'_>>,
) -> Option<String> {
    if let Some(e) = error {
        if let Some(s) = e.as_str() {
            return Some(s.decode());
        }
        if let Some(m) = e.get("message").and_then(|m| m.as_str()) {
            return Some(m.decode());
        }
        if e.is_object() {
            return Some(String::from("error"));
        }
    }
    if status
        .and_then(|s| s.as_str())
        .is_some_and(|s| s.is("error"))
    {
        return Some(message.map_or_else(|| String::from("error"), |m| m.decode()));
    }
    None
}

/// The error for an HTTP error response with this status and body text.
pub fn from_status(status: u16, body: &str, api_key: &str) -> Error {
    let message = json::parse(body)
        .ok()
        .and_then(|v| {
            error_body_message(&v).or_else(|| {
                v.get("message")
                    .and_then(|m| m.as_str())
                    .map(|m| m.decode())
            })
        })
        .unwrap_or_else(|| {
            let mut m = String::from("HTTP ");
            push_u32(&mut m, status as u32);
            m.push_str(if body.trim_ascii().is_empty() {
                " with an empty body"
            } else {
                " (the response body is not a JSON error)"
            });
            m
        });
    Error::Api { status, message }.redacted(api_key)
}

pub use crate::redact::redact;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn classes_by_status() {
        for (s, c) in [
            (400, "BadRequestError"),
            (401, "AuthenticationError"),
            (403, "PermissionDeniedError"),
            (404, "NotFoundError"),
            (408, "APIError"),
            (409, "APIError"),
            (422, "UnprocessableEntityError"),
            (429, "RateLimitError"),
            (500, "InternalServerError"),
            (502, "InternalServerError"),
            (599, "InternalServerError"),
        ] {
            assert_eq!(api_class_name(s), c, "{s}");
        }
    }

    #[test]
    fn messages_from_both_error_shapes() {
        let e = from_status(
            400,
            r#"{"status":"error","message":"Model does not support tools"}"#,
            "k",
        );
        assert_eq!(
            e,
            Error::Api {
                status: 400,
                message: "Model does not support tools".into()
            }
        );
        let e = from_status(
            429,
            r#"{"error":{"message":"Rate limit \u00fcberschritten","type":"x"}}"#,
            "k",
        );
        assert_eq!(e.message(), "Rate limit überschritten");
        assert_eq!(e.class_name(), "RateLimitError");
        let e = from_status(500, r#"{"error":"boom"}"#, "k");
        assert_eq!(e.message(), "boom");
    }

    #[test]
    fn html_and_empty_bodies_keep_class_and_status() {
        let e = from_status(
            502,
            "<html><body><h1>502 Bad Gateway</h1></body></html>",
            "k",
        );
        assert_eq!(e.class_name(), "InternalServerError");
        assert_eq!(
            e.message(),
            "HTTP 502 (the response body is not a JSON error)"
        );
        assert_eq!(
            from_status(401, "", "k").message(),
            "HTTP 401 with an empty body"
        );
        assert_eq!(from_status(404, "[1,2]", "k").class_name(), "NotFoundError");
    }

    #[test]
    fn key_is_redacted_from_server_messages() {
        let e = from_status(
            401,
            r#"{"status":"error","message":"bad key sk_live_123456"}"#,
            "sk_live_123456",
        );
        assert_eq!(e.message(), "bad key [redacted]");
    }
}
