//! Where a `JsValue` meets the types (wasm32 only), through serde-wasm-bindgen: a request object
//! from JavaScript (a workers-rs request body, a JS caller of a Rust app), and an answer handed
//! back to JavaScript as a plain object.

use serde::{de::DeserializeOwned, Serialize};
use wasm_bindgen::JsValue;

use crate::Error;

/// A JS value (e.g. the object a JS caller passed) as one of the types, e.g.
/// [`ChatCompletionRequest`](crate::types::ChatCompletionRequest). Unknown members are kept.
pub fn from_js<T: DeserializeOwned>(value: JsValue) -> Result<T, Error> {
    serde_wasm_bindgen::from_value(value).map_err(|e| Error::Validation {
        param: "request".into(),
        message: format!("the value does not fit the type: {e}"),
    })
}

/// One of the types as a plain JS object (JSON-compatible: maps become objects, `None` fields
/// are left out, 64-bit numbers become JS numbers).
pub fn to_js<T: Serialize>(value: &T) -> Result<JsValue, Error> {
    value
        .serialize(&serde_wasm_bindgen::Serializer::json_compatible())
        .map_err(|e| Error::Validation {
            param: "value".into(),
            message: format!("the value cannot be given to JavaScript: {e}"),
        })
}
