//! The async client (wasm32 only): fetch through gloo-net on the global `fetch`, a streamed body
//! through web-sys, futures through wasm-bindgen-futures, timers through the global `setTimeout`.
//! Decisions come from the npm package's core: validation, error mapping, retry policy, SSE
//! decoding and accumulation.

mod http;
mod stream;
mod timer;

pub use stream::ChatCompletionStream;

use meingpt_wasm::retry;

use crate::types::{
    ChatCompletion, ChatCompletionRequest, EmbeddingVector, EmbeddingsRequest, EmbeddingsResponse,
    EncodingFormat,
};
use crate::{validate, Error, Result};
use http::Failure;

/// meinGPT's OpenAI-compatible API root (the core's default, shared with the npm package).
pub use meingpt_wasm::boundary::DEFAULT_BASE_URL;
use meingpt_wasm::boundary::{DEFAULT_MAX_RESPONSE_BYTES, DEFAULT_MAX_RETRIES, DEFAULT_TIMEOUT_MS};
/// The npm package's bound too.
const MAX_RETRIES: u32 = 100;

/// A client for one API key. Cheap to clone.
///
/// ```no_run
/// # async fn run() -> meingpt::Result<()> {
/// use meingpt::types::{ChatCompletionRequest, ChatMessage};
///
/// let client = meingpt::Client::new("sk-...").timeout_ms(30_000).max_retries(3);
/// let answer = client
///     .chat_completion(&ChatCompletionRequest::new("gpt-4o-mini", vec![ChatMessage::user("Hallo!")]))
///     .await?;
/// println!("{}", answer.content().unwrap_or_default());
/// # Ok(()) }
/// ```
#[derive(Clone)]
pub struct Client {
    api_key: String,
    base_url: String,
    timeout_ms: u32,
    max_retries: u32,
    headers: Vec<(String, String)>,
    follow_redirects: bool,
    max_response_bytes: u32,
}

impl std::fmt::Debug for Client {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // Never the key.
        f.debug_struct("Client")
            .field("base_url", &self.base_url)
            .field("timeout_ms", &self.timeout_ms)
            .field("max_retries", &self.max_retries)
            .finish_non_exhaustive()
    }
}

impl Client {
    /// A client with this API key, meinGPT's base URL, a 10-minute timeout and 2 retries. An
    /// empty key sends no `Authorization` header (for a proxy that adds it).
    pub fn new(api_key: impl Into<String>) -> Self {
        Client {
            api_key: api_key.into(),
            base_url: DEFAULT_BASE_URL.into(),
            timeout_ms: DEFAULT_TIMEOUT_MS,
            max_retries: DEFAULT_MAX_RETRIES,
            headers: Vec::new(),
            follow_redirects: false,
            max_response_bytes: DEFAULT_MAX_RESPONSE_BYTES,
        }
    }

    /// The API root, e.g. `https://app.meingpt.com/api/openai/v1` (the client adds
    /// `/chat/completions`).
    pub fn base_url(mut self, url: impl Into<String>) -> Self {
        self.base_url = url.into();
        self
    }

    /// Per-attempt timeout to the response headers (and to the whole body of a non-streamed
    /// answer), and the longest wait between two events of a stream. At least 1 ms.
    pub fn timeout_ms(mut self, ms: u32) -> Self {
        self.timeout_ms = ms.max(1);
        self
    }

    /// More attempts after a connection error, a timeout, or status 408, 409, 429 or >= 500
    /// (at most 100).
    pub fn max_retries(mut self, n: u32) -> Self {
        self.max_retries = n.min(MAX_RETRIES);
        self
    }

    /// Follow 3xx redirects. Off by default: a redirect is an [`Error::Api`] naming it, so the
    /// conversation never goes to an address the caller did not name.
    pub fn follow_redirects(mut self, follow: bool) -> Self {
        self.follow_redirects = follow;
        self
    }

    /// The largest response body accepted, streams included (default 64 MiB); past it the call
    /// fails with [`Error::TooLarge`] and is not retried. At least 1.
    pub fn max_response_bytes(mut self, bytes: u32) -> Self {
        self.max_response_bytes = bytes.max(1);
        self
    }

    /// An extra request header (for a proxy, or a test's fault injection). `authorization` and
    /// `content-type` are the client's own and cannot be replaced.
    pub fn header(mut self, name: impl Into<String>, value: impl Into<String>) -> Self {
        self.headers.push((name.into(), value.into()));
        self
    }

    /// Sends a request and returns the whole answer. Validates it first (as the npm package
    /// does), retries as the retry policy says, and honours `Retry-After`.
    pub async fn chat_completion(&self, request: &ChatCompletionRequest) -> Result<ChatCompletion> {
        let mut request = request.clone();
        if request.stream == Some(true) {
            request.stream = None;
            request.stream_options = None;
        }
        let body = validate::validate(&request)?;
        let url = self.url()?;
        let (status, text) = self
            .with_retries(|| http::attempt_json(self, &url, &body))
            .await?;
        parse_completion(status, &text, &self.api_key)
    }

    /// Sends a request with `stream: true` and returns once the response headers arrived (an HTTP
    /// error is this call's error). The [`ChatCompletionStream`] yields typed chunks; dropping it
    /// closes the connection.
    pub async fn chat_completion_stream(
        &self,
        request: &ChatCompletionRequest,
    ) -> Result<ChatCompletionStream> {
        let mut request = request.clone();
        request.stream = Some(true);
        let body = validate::validate(&request)?;
        let url = self.url()?;
        self.with_retries(|| http::attempt_stream(self, &url, &body))
            .await
    }

    /// Embeds `request.input`: `POST ${base_url}/embeddings`, checked first as the npm package
    /// checks it. Unless the request names an `encoding_format`, base64 is asked for (a quarter
    /// of the bytes on the wire, as OpenAI's clients do) and decoded to [`EmbeddingVector::Float`];
    /// a server that sent floats anyway is read as it is. With an `encoding_format` named, the
    /// vectors stay as the server sent them ([`EmbeddingVector::floats`] decodes base64).
    pub async fn embeddings(&self, request: &EmbeddingsRequest) -> Result<EmbeddingsResponse> {
        let mut request = request.clone();
        let decode = request.encoding_format.is_none();
        if decode {
            request.encoding_format = Some(EncodingFormat::Base64);
        }
        let body = serde_json::to_string(&request).map_err(|e| Error::Validation {
            param: "request".into(),
            message: format!("request must be JSON-serializable: {e}"),
        })?;
        meingpt_wasm::routes::check_embeddings(&body).map_err(Error::from)?;
        let url = self.endpoint("/embeddings")?;
        let (status, text) = self
            .with_retries(|| http::attempt_json(self, &url, &body))
            .await?;
        let mut response =
            parse_as::<EmbeddingsResponse>(status, &text, &self.api_key, "an embeddings list")?;
        if decode {
            for (i, item) in response.data.iter_mut().enumerate() {
                if let EmbeddingVector::Base64(_) = item.embedding {
                    let floats = item.embedding.floats().ok_or_else(|| Error::Api {
                        status,
                        message: format!("data[{i}].embedding is not base64 of float32 values"),
                        body: None,
                    })?;
                    item.embedding = EmbeddingVector::Float(floats);
                }
            }
        }
        Ok(response)
    }

    /// `${base_url}/chat/completions`, read by the core as the npm package reads `baseUrl`: the
    /// route appended to the path, the query kept; credentials, a fragment, `//host` or a
    /// non-http(s) URL refused. A path (`/...`, relative to a browser page) is allowed.
    fn url(&self) -> Result<String> {
        self.endpoint("/chat/completions")
    }

    /// `${base_url}${route}`, as [`Client::url`] reads it.
    fn endpoint(&self, route: &str) -> Result<String> {
        meingpt_wasm::url::endpoint(&self.base_url, route).map_err(|message| Error::Validation {
            param: "base_url".into(),
            message: message.into(),
        })
    }

    /// Runs `attempt` until it succeeds, fails for good, or the retries run out; waits between
    /// attempts as the core's retry policy says (`Retry-After` honoured up to 60 s).
    async fn with_retries<T, F, Fut>(&self, mut attempt: F) -> Result<T>
    where
        F: FnMut() -> Fut,
        Fut: std::future::Future<Output = Result<T, Failure>>,
    {
        let mut retry = 0;
        loop {
            let failure = match attempt().await {
                Ok(v) => return Ok(v),
                Err(f) => f,
            };
            if retry >= self.max_retries || !failure.error.is_retryable() {
                return Err(failure.error);
            }
            let wait = retry::delay_ms(
                retry,
                js_sys::Math::random(),
                failure.retry_after_ms.as_deref(),
                failure.retry_after.as_deref(),
                timer::now_ms(),
            );
            timer::sleep(wait).await;
            retry += 1;
        }
    }
}

/// A 2xx body as a completion: not JSON is an [`Error::Api`] as in the npm package.
fn parse_completion(status: u16, text: &str, api_key: &str) -> Result<ChatCompletion> {
    parse_as(status, text, api_key, "a chat completion")
}

/// A 2xx body as `T` (`what` names it in the error): not JSON is an [`Error::Api`].
fn parse_as<T: serde::de::DeserializeOwned>(
    status: u16,
    text: &str,
    api_key: &str,
    what: &str,
) -> Result<T> {
    serde_json::from_str(text).map_err(|e| {
        let message = if serde_json::from_str::<serde_json::Value>(text).is_err() {
            format!("the response body is not JSON (HTTP {status})")
        } else {
            format!("the response is not {what}: {e}")
        };
        Error::Api {
            status,
            message,
            body: Some(text.to_owned()),
        }
        .redacted(api_key)
    })
}
