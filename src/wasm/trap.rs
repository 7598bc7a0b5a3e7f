//! A test-only way to make the instance trap, so the tests can prove that a trapped instance is
//! noticed and replaced (SPEC "Bad input": never a poisoned module). Not part of the API.

use wasm_bindgen::prelude::*;

/// Executes `unreachable`: the instance traps with a `WebAssembly.RuntimeError`.
#[doc(hidden)]
#[wasm_bindgen(js_name = __meingpt_trap)]
pub fn trap() {
    core::arch::wasm32::unreachable()
}
