//! Core errors to the package's JS error classes (defined in `js/errors.js`, which takes the
//! number of the [`crate::error::Class`] to make).

#[allow(unused_imports)]
use crate::prelude::*;

use wasm_bindgen::prelude::*;

use crate::error::Error;

#[wasm_bindgen(module = "/js/errors.js")]
extern "C" {
    #[wasm_bindgen(js_name = makeError)]
    fn make_error(
        class: u8,
        message: &str,
        status: JsValue,
        param: JsValue,
        body: JsValue,
        headers: JsValue,
        cause: JsValue,
    ) -> JsValue;
}

/// A core error with what the JS error carries besides it.
pub struct Failure {
    /// The error.
    pub error: Error,
    /// The response body (parsed JSON when it is JSON, else its text), for `APIError.body`.
    pub body: JsValue,
    /// The response `Headers`, for `APIError.headers` and Retry-After.
    pub headers: JsValue,
    /// The JS value that caused it (a fetch rejection), for `Error.cause`.
    pub cause: JsValue,
}

impl From<Error> for Failure {
    fn from(error: Error) -> Self {
        Failure {
            error,
            body: JsValue::UNDEFINED,
            headers: JsValue::UNDEFINED,
            cause: JsValue::UNDEFINED,
        }
    }
}

impl Failure {
    /// The JS error object.
    pub fn into_js(self) -> JsValue {
        let status = match self.error.status() {
            // 0: a status the runtime hid (a browser's opaque redirect).
            Some(s) if s != 0 => JsValue::from(s),
            _ => JsValue::UNDEFINED,
        };
        let param = match &self.error {
            Error::Validation { param, .. } => JsValue::from_str(param),
            _ => JsValue::UNDEFINED,
        };
        make_error(
            self.error.class() as u8,
            self.error.message(),
            status,
            param,
            self.body,
            self.headers,
            self.cause,
        )
    }
}

/// Shorthand: a core error straight to JS.
pub fn to_js(e: Error) -> JsValue {
    Failure::from(e).into_js()
}
