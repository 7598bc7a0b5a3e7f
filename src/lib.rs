//! meinGPT (OpenAI-compatible) Chat Completions client, compiled to WebAssembly.
//!
//! The core (everything but [`wasm`]) is plain Rust, tested on the host: request validation,
//! Server-Sent Events decoding, chunk accumulation, retry policy and error mapping. The `wasm`
//! module is the only code that touches JavaScript values; it translates and delegates.
#![deny(missing_docs)]
// wasm must never panic (a panic traps and poisons the instance): outside tests, every path that
// could panic is a compile error, so this is enforced by clippy rather than by care.
#![cfg_attr(
    not(test),
    deny(
        clippy::indexing_slicing,
        clippy::panic,
        clippy::unwrap_used,
        clippy::expect_used,
        clippy::unreachable,
        clippy::todo,
        clippy::unimplemented
    )
)]
// On wasm the crate is `no_std` with its own panic handler (a trap): std's panic machinery and
// core's formatting would otherwise cost about a tenth of the wasm. Host builds and tests use std,
// and so does the core inside another Rust wasm app (feature `std`, as the `meingpt` crate takes it).
#![cfg_attr(all(target_arch = "wasm32", not(feature = "std")), no_std)]

extern crate alloc;

/// What `std`'s prelude would give: the allocating types, for `no_std` builds.
#[allow(unused_imports)]
pub(crate) mod prelude {
    pub use alloc::borrow::ToOwned;
    pub use alloc::string::{String, ToString};
    pub use alloc::vec::Vec;
}

#[cfg(all(target_arch = "wasm32", not(feature = "std"), not(test)))]
#[panic_handler]
fn panic(_: &core::panic::PanicInfo<'_>) -> ! {
    // Never expected (the code returns errors instead); if it happens, the JS side sees a
    // WebAssembly.RuntimeError and starts a fresh instance for the next call.
    core::arch::wasm32::unreachable()
}

pub mod accumulate;
pub mod boundary;
pub mod error;
pub mod heap;
pub mod json;
pub mod num;
pub mod objects;
pub mod redact;
pub mod retry;
// Host, the helpers' wasm and the Rust crate (`std`): the main wasm does not use it.
#[cfg(any(not(target_arch = "wasm32"), feature = "schema-wasm", feature = "std"))]
pub mod routes;
pub mod schema;
pub mod sse;
pub mod stream;
pub mod text;
pub mod types;
pub mod url;
pub mod validate;

#[cfg(all(
    target_arch = "wasm32",
    not(feature = "std"),
    not(feature = "schema-wasm")
))]
pub mod wasm;

// The helpers' validator, built as its own small wasm (loaded on first use by js/tools.js).
#[cfg(all(target_arch = "wasm32", feature = "schema-wasm"))]
mod schema_abi;

pub use error::Error;
