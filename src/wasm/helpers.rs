//! The wasm side of the helpers of `js/tools.js`: schema checks for `parse()` and `runTools()`.

#[allow(unused_imports)]
use crate::prelude::*;

use js_sys::Array;
use wasm_bindgen::prelude::*;

use crate::schema;

#[wasm_bindgen]
extern "C" {
    /// The JS engine's own RegExp: `pattern` is ECMA-262 syntax, so this is exact.
    type RegExp;
    #[wasm_bindgen(constructor, catch)]
    fn new(pattern: &str, flags: &str) -> Result<RegExp, JsValue>;
    #[wasm_bindgen(method)]
    fn test(this: &RegExp, text: &str) -> bool;
}

/// Checks the JSON text `value` against the JSON Schema text `schema`: `undefined` when it
/// matches, else `[pointer, message]`.
#[wasm_bindgen(js_name = checkSchema)]
pub fn check_schema(schema: &str, value: &str) -> JsValue {
    // A pattern the engine refuses is not checked (as validators treat unknown formats).
    let mut matcher = |p: &str, s: &str| RegExp::new(p, "u").ok().map(|re| re.test(s));
    match schema::check(schema, value, &mut matcher) {
        Ok(()) => JsValue::UNDEFINED,
        Err(e) => Array::of2(&e.pointer.into(), &e.message.into()).into(),
    }
}
