//! The raw wasm ABI of the separate validator wasm (`meingpt_schema.wasm`): no wasm-bindgen, so
//! it stays small and out of the main wasm that every call loads. `js/tools.js` drives it:
//! `alloc` two buffers, copy the UTF-8 texts in, `check`, read the result, `free`.
//!
//! `pattern` goes to the JS engine's own `RegExp` through the import `env.pattern`.

#[allow(unused_imports)]
use crate::prelude::*;

use crate::schema;

extern "C" {
    /// `RegExp(pattern, 'u').test(text)`: 1 or 0, or -1 when the engine refuses the pattern.
    fn pattern(p: *const u8, p_len: usize, s: *const u8, s_len: usize) -> i32;
}

/// A buffer of `len` bytes for JS to fill (free it with [`free`]).
#[no_mangle]
pub extern "C" fn alloc(len: usize) -> *mut u8 {
    let mut v = Vec::<u8>::with_capacity(len);
    let p = v.as_mut_ptr();
    core::mem::forget(v);
    p
}

/// Frees a buffer from [`alloc`] or [`check`].
///
/// # Safety
/// `ptr`/`cap` must come from [`alloc`] (or a [`check`] result) and be freed once.
#[no_mangle]
pub unsafe extern "C" fn free(ptr: *mut u8, cap: usize) {
    drop(Vec::from_raw_parts(ptr, 0, cap));
}

/// Checks the UTF-8 JSON text at `value` against the schema text at `schema`. Returns 0 when it
/// matches, else a pointer to `[len: u32 LE][pointer][0][message]` (`len` bytes after the
/// length; free it with `free(ptr, len + 4)`).
///
/// # Safety
/// Both ranges must be valid UTF-8 written by JS into buffers from [`alloc`].
#[no_mangle]
pub unsafe extern "C" fn check(s: *const u8, s_len: usize, v: *const u8, v_len: usize) -> *mut u8 {
    let text = |p: *const u8, n: usize| {
        core::str::from_utf8(core::slice::from_raw_parts(p, n)).unwrap_or("")
    };
    let mut matcher = |p: &str, t: &str| match pattern(p.as_ptr(), p.len(), t.as_ptr(), t.len()) {
        0 => Some(false),
        1 => Some(true),
        _ => None,
    };
    match schema::check(text(s, s_len), text(v, v_len), &mut matcher) {
        Ok(()) => core::ptr::null_mut(),
        Err(e) => {
            let len = e.pointer.len() + 1 + e.message.len();
            let mut out = Vec::with_capacity(len + 4);
            out.extend_from_slice(&(len as u32).to_le_bytes());
            out.extend_from_slice(e.pointer.as_bytes());
            out.push(0);
            out.extend_from_slice(e.message.as_bytes());
            let p = out.as_mut_ptr();
            core::mem::forget(out);
            p
        }
    }
}
