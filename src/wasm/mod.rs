//! The JavaScript boundary: the only module that names `JsValue`. Every export is synchronous:
//! the core decides (validation, options, error mapping, retry policy, stream decoding) and the
//! small JS driver in `js/client.js` does the waiting (fetch, timers, body reads). See DESIGN.md
//! for why the I/O loop is not a Rust future.

#[allow(unused_imports)]
use crate::prelude::*;

mod errors;
mod options;
mod stream;
mod trap;

use js_sys::{Array, JSON};
use wasm_bindgen::prelude::*;

use crate::error::{self, Error};
use crate::{retry, validate};
use errors::{to_js, Failure};
pub use stream::StreamCore;

/// Checks a request and its options and returns what the driver needs for the calls:
/// `[url, headers, body, stream, timeoutMs, maxRetries, signal, fetch, apiKey]`.
#[wasm_bindgen]
pub fn prepare(request: JsValue, options: JsValue) -> Result<Array, JsValue> {
    let (text, checked) = body(&request).map_err(to_js)?;
    let o = options::read(&options, checked.stream).map_err(to_js)?;
    let plan = Array::new();
    for v in [
        JsValue::from_str(&o.url),
        o.headers.into(),
        JsValue::from_str(&text),
        JsValue::from_bool(checked.stream),
        JsValue::from_f64(o.timeout_ms),
        JsValue::from_f64(f64::from(o.max_retries)),
        o.signal.map_or(JsValue::UNDEFINED, JsValue::from),
        o.fetch.map_or(JsValue::UNDEFINED, JsValue::from),
        JsValue::from_str(&o.api_key),
    ] {
        plan.push(&v);
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

/// The error for a response: an HTTP error status with its body text, or (for a 2xx status) a
/// body that is not JSON. The key is redacted from the message and the body.
#[wasm_bindgen(js_name = httpError)]
pub fn http_error(status: u16, text: String, headers: JsValue, api_key: &str) -> JsValue {
    let text = error::redact(text, api_key);
    let error = if (200..300).contains(&status) {
        let mut message = String::from("the response body is not JSON (HTTP ");
        error::push_u32(&mut message, u32::from(status));
        message.push(')');
        Error::Api { status, message }
    } else {
        error::from_status(status, &text, api_key)
    };
    let body = JSON::parse(&text).unwrap_or_else(|_| JsValue::from_str(&text));
    Failure {
        error,
        body,
        headers,
        cause: JsValue::UNDEFINED,
    }
    .into_js()
}

/// The error for a failed fetch or body read. `why`: 1 the caller aborted, 2 the timeout fired,
/// else a connection error saying `what` and the runtime's message.
#[wasm_bindgen(js_name = connectionError)]
pub fn connection_error(why: u8, what: &str, cause: JsValue, api_key: &str) -> JsValue {
    let error = failure(why, what, &cause).redacted(api_key);
    Failure {
        error,
        body: JsValue::UNDEFINED,
        headers: JsValue::UNDEFINED,
        cause,
    }
    .into_js()
}

/// The core error for a failure with the given cause (see [`connection_error`]).
fn failure(why: u8, what: &str, cause: &JsValue) -> Error {
    match why {
        1 => Error::UserAbort,
        2 => Error::Timeout,
        _ => {
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

/// How long to wait before retry number `retry` after an attempt failed with `status` (0 for a
/// connection error or timeout), honouring the response's retry headers; -1 when that failure
/// is not worth another attempt.
#[wasm_bindgen(js_name = retryDelay)]
pub fn retry_delay(
    retry: u32,
    status: u16,
    retry_after_ms: Option<String>,
    retry_after: Option<String>,
) -> f64 {
    let retryable = match status {
        0 => retry::is_retryable(&Error::Timeout),
        s => retry::is_retryable_status(s),
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
