//! The minimal streaming Rust app of bench/rust-app (one export that streams a chat completion and
//! joins its content), written on `async-openai` instead of the `meingpt` crate, so that
//! bench/async-openai-app/run.mjs can compare the two apps' size and stream speed.
// A wasm32 app: on other targets it is empty.
#![cfg(target_arch = "wasm32")]

use async_openai::config::OpenAIConfig;
use async_openai::types::chat::{
    ChatCompletionRequestUserMessage, CreateChatCompletionRequestArgs,
};
use async_openai::Client;
use futures::StreamExt;
use wasm_bindgen::prelude::*;

/// Streams `model`'s answer from `base_url` and returns `[chunks, content]`.
#[wasm_bindgen]
pub async fn stream_chat(
    base_url: String,
    key: String,
    model: String,
) -> Result<js_sys_free::Out, JsError> {
    // The client as a user writes it. Its default executor retries 429 and 5xx up to 3 times
    // (`OpenAIRetryLayer`, always compiled in); turning that off takes the `middleware` feature
    // and more code. The bench server answers 200, so no retry happens here, as with
    // `max_retries(0)` in the meingpt app.
    let config = OpenAIConfig::new()
        .with_api_base(base_url)
        .with_api_key(key);
    let client = Client::with_config(config);
    let request = CreateChatCompletionRequestArgs::default()
        .model(model)
        .messages([ChatCompletionRequestUserMessage::from("Erzähl mir etwas über München.").into()])
        .build()?;
    let mut stream = client.chat().create_stream(request).await?;
    let mut chunks = 0u32;
    let mut text = String::new();
    while let Some(chunk) = stream.next().await {
        let chunk = chunk?;
        chunks += 1;
        // The chunk's first choice, as the meingpt app's `chunk.content()` reads it.
        if let Some(c) = chunk
            .choices
            .first()
            .and_then(|c| c.delta.content.as_deref())
        {
            text.push_str(c);
        }
    }
    Ok(js_sys_free::Out { chunks, text })
}

/// The result without js-sys: a small exported struct (as in bench/rust-app).
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
