//! The JavaScript boundary: the only module that names `JsValue`. Every export is synchronous:
//! the core decides (validation, options, error mapping, retry policy, stream decoding) and the
//! small JS driver in `js/client.js` does the waiting (fetch, timers, body reads). See DESIGN.md
//! for why the I/O loop is not a Rust future.

#[allow(unused_imports)]
use crate::prelude::*;

mod clean;
mod errors;
mod options;
mod stream;
mod trap;

use js_sys::{Array, JSON};
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;

use crate::boundary::{NoStatus, Slot, Why};
use crate::error::{self, Error};
use crate::{redact, retry, validate};
use errors::{to_js, Failure};
pub use stream::StreamCore;

/// Checks a request and its options and returns what the driver needs for the calls: the plan,
/// an array indexed by [`Slot`] (`secrets`: what the errors of this call must never show, passed
/// back to the error functions below as it is).
///
/// With a `route` (the URL of one of meinGPT's other routes, `js/routes.js`, built and checked by
/// the helpers' wasm), `request` is that route's body: its JSON text, or undefined for none (a GET,
/// or a multipart form the driver sends).
#[wasm_bindgen]
pub fn prepare(request: JsValue, options: JsValue) -> Result<Array, JsValue> {
    let (text, checked) = body(&request).map_err(to_js)?;
    let o = options::read(&options, checked.stream).map_err(to_js)?;
    let plan = Array::new_with_length(Slot::COUNT);
    for (slot, v) in [
        (Slot::Url, JsValue::from_str(&o.url)),
        (Slot::Headers, o.headers.into()),
        (Slot::Body, JsValue::from_str(&text)),
        (Slot::Stream, JsValue::from_bool(checked.stream)),
        (Slot::TimeoutMs, JsValue::from_f64(o.timeout_ms)),
        (
            Slot::MaxRetries,
            JsValue::from_f64(f64::from(o.max_retries)),
        ),
        (
            Slot::Signal,
            o.signal.map_or(JsValue::UNDEFINED, JsValue::from),
        ),
        (
            Slot::Fetch,
            o.fetch.map_or(JsValue::UNDEFINED, JsValue::from),
        ),
        (Slot::Secrets, JsValue::from_str(&o.secrets)),
        (
            Slot::FollowRedirects,
            JsValue::from_bool(o.follow_redirects),
        ),
        (
            Slot::MaxResponseBytes,
            JsValue::from_f64(o.max_response_bytes),
        ),
    ] {
        plan.set(slot as u32, v);
    }
    Ok(plan)
}

/// Validates a request without sending it: returns nothing, or throws the `ValidationError`.
#[wasm_bindgen(js_name = validateRequest)]
pub fn validate_request(request: JsValue) -> Result<(), JsValue> {
    body(&request).map(|_| ()).map_err(to_js)
}

/// The request as JSON text, checked.
fn body(request: &JsValue) -> Result<(String, validate::Checked), Error> {
    if !request.is_object() || Array::is_array(request) {
        return Err(Error::validation("request", "request must be an object"));
    }
    let text = JSON::stringify(request)
        .ok()
        .and_then(|s| s.as_string())
        .ok_or_else(|| {
            Error::validation(
                "request",
                "request must be JSON-serializable (no cycles, no BigInt)",
            )
        })?;
    let checked = validate::validate_request(&text)?;
    Ok((text, checked))
}

/// The error for a response: an HTTP error status with its body text, a redirect that was not
/// followed (a 3xx, or 0 where the runtime hides the status: a browser's opaque redirect), or
/// (for a 2xx status) a body that is not JSON. The secrets are redacted from the message, the
/// body (decoded: a key escaped in JSON is still found) and the headers.
#[wasm_bindgen(js_name = httpError)]
pub fn http_error(status: u16, text: String, headers: JsValue, secrets: &str) -> JsValue {
    let text = redact::redact_json(text, secrets);
    let error = match status {
        200..=299 => {
            let mut message = String::from("the response body is not JSON (HTTP ");
            crate::text::push_u32(&mut message, u32::from(status));
            message.push(')');
            Error::Api { status, message }
        }
        0 | 300..=399 => redirect(status, &headers),
        _ => error::from_status(status, &text, secrets),
    };
    let body = JSON::parse(&text).unwrap_or_else(|_| JsValue::from_str(&text));
    Failure {
        error: error.redacted(secrets),
        body,
        headers: clean::headers(headers, secrets),
        cause: JsValue::UNDEFINED,
    }
    .into_js()
}

/// A redirect that was not followed, naming where it pointed.
fn redirect(status: u16, headers: &JsValue) -> Error {
    let location = headers
        .dyn_ref::<web_sys::Headers>()
        .and_then(|h| h.get("location").ok().flatten());
    Error::redirect(status, location.as_deref())
}

/// The error for a response body that passed `maxResponseBytes` (`limit`).
#[wasm_bindgen(js_name = tooLargeError)]
pub fn too_large_error(status: u16, limit: f64) -> JsValue {
    to_js(Error::too_large(status, limit))
}

/// The error for a failed fetch, body read or wait, by [`Why`] `why`: the caller aborted, the
/// timeout fired, or a connection error saying `what` and the runtime's message. The cause is
/// kept, or replaced by a redacted copy when it shows a secret.
#[wasm_bindgen(js_name = connectionError)]
pub fn connection_error(why: u8, what: &str, cause: JsValue, secrets: &str) -> JsValue {
    let error = failure(Why::from_u8(why), what, &cause).redacted(secrets);
    Failure {
        error,
        body: JsValue::UNDEFINED,
        headers: JsValue::UNDEFINED,
        cause: clean::cause(cause, secrets),
    }
    .into_js()
}

/// The core error for a failure with the given cause (see [`connection_error`]).
fn failure(why: Why, what: &str, cause: &JsValue) -> Error {
    match why {
        Why::UserAbort => Error::UserAbort,
        Why::Timeout => Error::Timeout,
        Why::Connection => {
            let mut message = String::from(what);
            if let Some(m) = js_message(cause) {
                message.push_str(": ");
                message.push_str(&m);
            }
            Error::Connection { message }
        }
    }
}

/// `error.message` of a thrown JS value (or its string form).
fn js_message(js: &JsValue) -> Option<String> {
    if let Some(s) = js.as_string() {
        return Some(s);
    }
    js_sys::Reflect::get(js, &JsValue::from_str("message"))
        .ok()
        .and_then(|m| m.as_string())
}

/// How long to wait before retry number `retry` after an attempt failed with `status` (an HTTP
/// status, or a [`NoStatus`] code), honouring the response's retry headers; -1 when that failure
/// is not worth another attempt.
#[wasm_bindgen(js_name = retryDelay)]
pub fn retry_delay(
    retry: u32,
    status: u16,
    retry_after_ms: Option<String>,
    retry_after: Option<String>,
) -> f64 {
    let retryable = if status == u16::from(NoStatus::Connection as u8) {
        retry::is_retryable(&Error::Timeout)
    } else {
        status != u16::from(NoStatus::Never as u8) && retry::is_retryable_status(status)
    };
    if !retryable {
        return -1.0;
    }
    retry::delay_ms(
        retry,
        js_sys::Math::random(),
        retry_after_ms.as_deref(),
        retry_after.as_deref(),
        js_sys::Date::now(),
    )
}
