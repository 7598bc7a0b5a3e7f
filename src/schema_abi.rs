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

/// The UTF-8 text JS wrote at `p` (empty when it is not UTF-8).
///
/// # Safety
/// `p`/`n` must be a range JS filled in a buffer from [`alloc`].
unsafe fn text<'a>(p: *const u8, n: usize) -> &'a str {
    core::str::from_utf8(core::slice::from_raw_parts(p, n)).unwrap_or("")
}

/// A result buffer `[len: u32 LE][a][0][b]`, as [`check`] returns it.
fn pair(a: &str, b: &str) -> *mut u8 {
    let len = a.len() + 1 + b.len();
    let mut out = Vec::with_capacity(len + 4);
    out.extend_from_slice(&(len as u32).to_le_bytes());
    out.extend_from_slice(a.as_bytes());
    out.push(0);
    out.extend_from_slice(b.as_bytes());
    let p = out.as_mut_ptr();
    core::mem::forget(out);
    p
}

/// Checks an embeddings request (its JSON text): 0 when valid, else `[len][param][0][message]`
/// as [`check`] returns it.
///
/// # Safety
/// As [`check`].
#[no_mangle]
pub unsafe extern "C" fn embeddings_check(p: *const u8, n: usize) -> *mut u8 {
    match crate::routes::check_embeddings(text(p, n)) {
        Ok(()) => core::ptr::null_mut(),
        Err(e) => {
            let param = match &e {
                crate::Error::Validation { param, .. } => param.as_str(),
                _ => "request",
            };
            pair(param, e.message())
        }
    }
}

/// 1 when the text at `p` may be a route's path segment (an assistant, workflow or document id).
///
/// # Safety
/// As [`check`].
#[no_mangle]
pub unsafe extern "C" fn id_ok(p: *const u8, n: usize) -> i32 {
    i32::from(crate::routes::is_id(text(p, n)))
}

/// The float32 values of the base64 text at `p`: a pointer to `[count: u32][count f32]` (free it
/// with `free_floats(ptr, count)`), or 0 when the text is not base64 of whole float32 values.
///
/// # Safety
/// `p`/`n` must be a range JS filled in a buffer from [`alloc`].
#[no_mangle]
pub unsafe extern "C" fn floats(p: *const u8, n: usize) -> *mut f32 {
    // Decoded straight after a slot for the count: one buffer, no copy.
    let mut out = Vec::from([0.0f32]);
    if crate::routes::base64_floats(core::slice::from_raw_parts(p, n), &mut out).is_none() {
        return core::ptr::null_mut();
    }
    let count = out.len() - 1;
    if let Some(head) = out.first_mut() {
        *head = f32::from_bits(count as u32);
    }
    out.shrink_to_fit();
    let ptr = out.as_mut_ptr();
    core::mem::forget(out);
    ptr
}

/// Frees a [`floats`] result.
///
/// # Safety
/// `ptr` must come from [`floats`] with that `count`, freed once.
#[no_mangle]
pub unsafe extern "C" fn free_floats(ptr: *mut f32, count: usize) {
    drop(Vec::from_raw_parts(ptr, 0, count + 1));
}

/// The URL of the route at `r` under the `baseUrl` at `b` (`b_len` = `usize::MAX`: none given):
/// `[len][0][url]`, or `[len][message][0]` when `baseUrl` is refused (a [`check`]-like result).
///
/// # Safety
/// As [`check`].
#[no_mangle]
pub unsafe extern "C" fn route_url(
    b: *const u8,
    b_len: usize,
    r: *const u8,
    r_len: usize,
) -> *mut u8 {
    let base = (b_len != usize::MAX).then(|| text(b, b_len));
    match crate::routes::api_url(base, text(r, r_len)) {
        Ok(url) => pair("", &url),
        Err(message) => pair(message, ""),
    }
}
