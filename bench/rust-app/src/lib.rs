//! A minimal streaming Rust app on the `meingpt` crate (what a Leptos/Dioxus app adds for one
//! streamed chat): one export that streams a completion and joins its content. bench/rust-app/run.mjs
//! measures its size and its stream speed against the npm package.
// A wasm32 app: on other targets (a host `cargo build --workspace`, `cargo package`) it is empty.
#![cfg(target_arch = "wasm32")]

use futures::StreamExt;
use meingpt::types::{ChatCompletionRequest, ChatMessage};
use wasm_bindgen::prelude::*;

/// Streams `model`'s answer from `base_url` and returns `[chunks, content]`.
#[wasm_bindgen]
pub async fn stream_chat(
    base_url: String,
    key: String,
    model: String,
) -> Result<js_sys_free::Out, JsError> {
    let client = meingpt::Client::new(key).base_url(base_url).max_retries(0);
    let request = ChatCompletionRequest::new(
        model,
        vec![ChatMessage::user("Erzähl mir etwas über München.")],
    );
    let mut stream = client.chat_completion_stream(&request).await?;
    let mut chunks = 0u32;
    let mut text = String::new();
    while let Some(chunk) = stream.next().await {
        let chunk = chunk?;
        chunks += 1;
        if let Some(c) = chunk.content() {
            text.push_str(c);
        }
    }
    Ok(js_sys_free::Out { chunks, text })
}

/// The result without js-sys: a small exported struct.
mod js_sys_free {
    use wasm_bindgen::prelude::*;

    /// Chunks read and the joined content.
    #[wasm_bindgen(getter_with_clone)]
    pub struct Out {
        /// Chunks read.
        pub chunks: u32,
        /// The joined content.
        pub text: String,
    }
}
