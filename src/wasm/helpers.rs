//! The wasm side of the helpers (issue 6): schema checks for `parse()` and `runTools()`, and
//! stream cores over bodies the caller hands in (`ChatCompletionStream.fromReadableStream()`).

use js_sys::Array;
use wasm_bindgen::prelude::*;
use web_sys::ReadableStreamDefaultReader;

use super::abort::Abort;
use super::errors::{to_js, Failure};
use super::StreamCore;
use crate::{error, schema};

/// Checks the JSON text `value` against the JSON Schema text `schema`: `undefined` when it
/// matches, else `[pointer, message]`.
#[wasm_bindgen(js_name = checkSchema)]
pub fn check_schema(schema: &str, value: &str) -> JsValue {
    match schema::check(schema, value) {
        Ok(()) => JsValue::UNDEFINED,
        Err(e) => Array::of2(&e.pointer.into(), &e.message.into()).into(),
    }
}

/// The error a non-2xx response with this body stands for (the class chosen by status).
#[wasm_bindgen(js_name = httpError)]
pub fn http_error(status: u16, text: &str, headers: JsValue) -> JsValue {
    Failure {
        error: error::from_status(status, text, ""),
        body: js_sys::JSON::parse(text).unwrap_or_else(|_| JsValue::from_str(text)),
        headers,
        cause: JsValue::UNDEFINED,
    }
    .into_js()
}

#[wasm_bindgen]
impl StreamCore {
    /// A core reading Server-Sent Events from `reader` (a body the caller already has), with no
    /// idle timeout; `status` is reported by errors sent inside the stream.
    #[wasm_bindgen(js_name = fromReader)]
    pub fn from_reader(
        reader: ReadableStreamDefaultReader,
        status: u16,
    ) -> Result<StreamCore, JsValue> {
        let abort = Abort::new(None).map_err(to_js)?;
        Ok(StreamCore::new(
            reader,
            abort,
            f64::INFINITY,
            status,
            String::new(),
        ))
    }
}
