//! Where a `JsValue` meets the types (wasm32 only): a request object from JavaScript (a JS caller of
//! a Rust app, a value in a workers-rs Worker), and an answer handed back to JavaScript as a plain
//! object (serde-wasm-bindgen).

use serde::{de::DeserializeOwned, Serialize};
use wasm_bindgen::JsValue;

use crate::Error;

/// A JS value (e.g. the request object a JS caller passed) as one of the types, e.g.
/// [`ChatCompletionRequest`](crate::types::ChatCompletionRequest). Unknown members are kept.
///
/// The value goes through `JSON.stringify`, as the npm package takes a request: members that are
/// `undefined` are left out (serde-wasm-bindgen would read them as `null`, which the validation
/// refuses where JavaScript callers expect "not set"), and `toJSON` (a `Date`) applies.
pub fn from_js<T: DeserializeOwned>(value: &JsValue) -> Result<T, Error> {
    let refused = |message: String| Error::Validation {
        param: "request".into(),
        message,
    };
    let text = js_sys::JSON::stringify(value)
        .ok()
        .and_then(|s| s.as_string())
        .ok_or_else(|| {
            refused("request must be JSON-serializable (no cycles, no BigInt)".into())
        })?;
    serde_json::from_str(&text)
        .map_err(|e| refused(format!("the value does not fit the type: {e}")))
}

/// One of the types as a plain JS object (serde-wasm-bindgen, JSON-compatible: maps become
/// objects, `None` fields are left out, 64-bit numbers become JS numbers).
pub fn to_js<T: Serialize>(value: &T) -> Result<JsValue, Error> {
    value
        .serialize(&serde_wasm_bindgen::Serializer::json_compatible())
        .map_err(|e| Error::Validation {
            param: "value".into(),
            message: format!("the value cannot be given to JavaScript: {e}"),
        })
}
