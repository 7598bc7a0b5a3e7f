//! meinGPT (OpenAI-compatible) Chat Completions for Rust apps on wasm32: browser apps (Leptos,
//! Dioxus, Yew), Node, and Cloudflare Workers written with workers-rs.
//!
//! - [`types`]: wire-exact serde request and response types (a server's unknown fields and `null`s
//!   survive a round trip).
//! - [`validate`]: the request checks of the npm package `meingpt-wasm` (the same code).
//! - [`Error`]: one error enum, with the HTTP status and meinGPT's message, key redacted.
//!
//! The core (validation, SSE decoding, chunk accumulation, retry policy, error mapping) is the
//! crate `meingpt-wasm`, the Rust core of the npm package: one implementation serves both.
#![deny(missing_docs)]

#[cfg(target_arch = "wasm32")]
mod client;
mod error;
#[cfg(target_arch = "wasm32")]
pub mod js;
pub mod types;
pub mod validate;

#[cfg(target_arch = "wasm32")]
pub use client::{ChatCompletionStream, Client, DEFAULT_BASE_URL};
pub use error::{Error, Result};
