//! meinGPT (OpenAI-compatible) Chat Completions for Rust apps on wasm32: browser apps (Leptos,
//! Dioxus, Yew), Node, and Cloudflare Workers written with workers-rs.
//!
//! - [`types`]: wire-exact serde request and response types (a server's unknown fields and `null`s
//!   survive a round trip).
//! - `Client` (wasm32): `chat_completion` and `chat_completion_stream`, with the npm package's
//!   behaviour: validation before sending, retries with backoff and `Retry-After`, timeouts (to the
//!   headers, and between two events of a stream), a dropped call or stream closes its connection,
//!   the API key never appears in an error.
//! - [`validate`]: the request checks of the npm package `meingpt-wasm` (the same code).
//! - [`Error`]: one error enum, with the HTTP status and meinGPT's message, key redacted.
//! - `js` (wasm32): a `JsValue` to the types and back (serde-wasm-bindgen).
//!
//! The core (validation, SSE decoding, chunk accumulation, retry policy, error mapping) is the
//! crate `meingpt-wasm`, the Rust core of the npm package: one implementation serves both.
//! The client uses the global `fetch` and `setTimeout` (never `window`), so the same code runs in
//! browsers, Web Workers, Node and workerd.
//!
//! # A browser app
//!
//! A browser must not hold an API key: send to your own endpoint (such as the Worker below), which
//! adds it. A base URL that starts with `/` is relative to the page.
//!
//! ```no_run
//! # #[cfg(target_arch = "wasm32")]
//! # mod example {
//! use futures::StreamExt;
//! use meingpt::types::{ChatCompletionRequest, ChatMessage};
//!
//! /// Streams the answer to `question` into `show`, piece by piece (e.g. a Leptos signal's
//! /// `update`), and returns the whole answer.
//! pub async fn ask(question: &str, mut show: impl FnMut(&str)) -> meingpt::Result<String> {
//!     let client = meingpt::Client::new("").base_url("/api/openai/v1");
//!     let request = ChatCompletionRequest::new("gpt-4o-mini", vec![ChatMessage::user(question)]);
//!     let mut stream = client.chat_completion_stream(&request).await?;
//!     while let Some(chunk) = stream.next().await {
//!         show(chunk?.content().unwrap_or_default());
//!     }
//!     Ok(stream.final_completion()?.content().unwrap_or_default().to_owned())
//! }
//!
//! #[wasm_bindgen::prelude::wasm_bindgen(start)]
//! pub fn start() {
//!     wasm_bindgen_futures::spawn_local(async {
//!         let mut text = String::new();
//!         match ask("Wie wird das Wetter in München?", |piece| text.push_str(piece)).await {
//!             Ok(_) => {}
//!             Err(e) if e.status() == Some(429) => { /* rate limited after the retries */ }
//!             Err(e) => { let _ = e.class_name(); }
//!         }
//!     });
//! }
//! # }
//! ```
//!
//! # A Cloudflare Worker (workers-rs)
//!
//! A proxy that holds the key and streams the answer on as server-sent events:
//!
//! ```no_run
//! # #[cfg(target_arch = "wasm32")]
//! # mod example {
//! use futures::StreamExt;
//! use meingpt::types::ChatCompletionRequest;
//! use worker::{event, Context, Env, Request, Response, Result};
//!
//! #[event(fetch)]
//! async fn fetch(mut req: Request, env: Env, _ctx: Context) -> Result<Response> {
//!     let client = meingpt::Client::new(env.secret("MEINGPT_API_KEY")?.to_string());
//!     let request: ChatCompletionRequest = match serde_json::from_str(&req.text().await?) {
//!         Ok(r) => r,
//!         Err(e) => return Response::error(format!("not a chat completion request: {e}"), 400),
//!     };
//!     let stream = match client.chat_completion_stream(&request).await {
//!         Ok(s) => s,
//!         // Validation (400), the server's status, or 502 for connection errors and timeouts.
//!         Err(e) => return Response::error(e.to_string(), e.status().unwrap_or(match e {
//!             meingpt::Error::Validation { .. } => 400,
//!             _ => 502,
//!         })),
//!     };
//!     let events = stream
//!         .map(|chunk| {
//!             let data = match chunk {
//!                 Ok(c) => serde_json::to_string(&c).unwrap_or_default(),
//!                 Err(e) => serde_json::json!({"error": {"message": e.to_string()}}).to_string(),
//!             };
//!             Ok::<_, worker::Error>(format!("data: {data}\n\n").into_bytes())
//!         })
//!         .chain(futures::stream::once(async { Ok(b"data: [DONE]\n\n".to_vec()) }));
//!     let mut response = Response::from_stream(events)?;
//!     response.headers_mut().set("content-type", "text/event-stream")?;
//!     Ok(response)
//! }
//! # }
//! ```
#![deny(missing_docs)]
// A panic in a wasm app poisons its instance: outside tests, every path that could panic is a
// compile error (the same lints as the core, `meingpt-wasm`).
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
