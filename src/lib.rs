//! meinGPT (OpenAI-compatible) Chat Completions client, compiled to WebAssembly.
//!
//! The core (everything but [`wasm`]) is plain Rust, tested on the host: request validation,
//! Server-Sent Events decoding, chunk accumulation, retry policy and error mapping. The `wasm`
//! module is the only code that touches JavaScript values; it translates and delegates.
#![deny(missing_docs)]

pub mod accumulate;
pub mod error;
pub mod json;
pub mod num;
pub mod retry;
pub mod schema;
pub mod sse;
pub mod stream;
pub mod types;
pub mod validate;

#[cfg(target_arch = "wasm32")]
pub mod wasm;

pub use error::Error;
