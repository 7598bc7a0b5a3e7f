//! One attempt: a `POST` through gloo-net (the global `fetch`), with an `AbortController` that
//! fires on the timeout and when the attempt (or the stream it returns) is dropped.

use futures::future::{select, Either};
use gloo_net::http::{Method, RequestBuilder, Response};
use meingpt_wasm::error::redact;
use web_sys::AbortController;

use super::stream::ChatCompletionStream;
use super::timer::sleep;
use super::Client;
use crate::Error;

/// A failed attempt, with what the retry policy reads from the response.
pub(crate) struct Failure {
    pub error: Error,
    pub retry_after_ms: Option<String>,
    pub retry_after: Option<String>,
}

impl From<Error> for Failure {
    fn from(error: Error) -> Self {
        Failure {
            error,
            retry_after_ms: None,
            retry_after: None,
        }
    }
}

/// Aborts the fetch when dropped, so a dropped call closes its connection. A stream takes over
/// once the headers arrived ([`AbortOnDrop::disarm`]) and closes its body itself: aborting a fetch
/// whose body was cancelled makes workerd report an unhandled rejection (as the npm package notes).
pub(crate) struct AbortOnDrop(Option<AbortController>);

impl AbortOnDrop {
    fn new() -> Result<Self, Error> {
        AbortController::new()
            .map(|c| AbortOnDrop(Some(c)))
            .map_err(|_| Error::Connection {
                message: "AbortController is not available".into(),
            })
    }

    fn signal(&self) -> Option<web_sys::AbortSignal> {
        self.0.as_ref().map(AbortController::signal)
    }

    pub(crate) fn abort(&self) {
        if let Some(c) = &self.0 {
            c.abort();
        }
    }

    fn disarm(mut self) {
        self.0 = None;
    }
}

impl Drop for AbortOnDrop {
    fn drop(&mut self) {
        self.abort();
    }
}

/// A connection error from a JS failure, key redacted.
pub(crate) fn connection(what: &str, cause: impl std::fmt::Display, api_key: &str) -> Error {
    Error::Connection {
        message: redact(format!("{what}: {cause}"), api_key),
    }
}

/// Sends the request; the response as soon as its headers arrived.
async fn send(
    client: &Client,
    url: &str,
    body: &str,
    stream: bool,
    abort: &AbortOnDrop,
) -> Result<Response, Error> {
    let signal = abort.signal();
    let mut builder = RequestBuilder::new(url).method(Method::POST);
    // `Headers.set` throws for a name or value that is not a valid header, and gloo-net's
    // `header()` would turn that into a trap: web-sys returns the error instead.
    let raw = web_sys::Headers::new().map_err(|_| Error::Connection {
        message: "Headers is not available".into(),
    })?;
    for (name, value) in &client.headers {
        let lower = name.to_ascii_lowercase();
        if lower == "authorization" || lower == "content-type" {
            continue;
        }
        raw.set(name, value).map_err(|_| Error::Validation {
            param: "headers".into(),
            message: format!("header {name:?} is not a valid HTTP header"),
        })?;
    }
    raw.set("content-type", "application/json")
        .and_then(|()| {
            raw.set(
                "accept",
                if stream {
                    "text/event-stream"
                } else {
                    "application/json"
                },
            )
        })
        .map_err(|_| Error::Validation {
            param: "headers".into(),
            message: "the headers could not be set".into(),
        })?;
    if !client.api_key.is_empty() {
        raw.set("authorization", &format!("Bearer {}", client.api_key))
            .map_err(|_| Error::Validation {
                param: "api_key".into(),
                message: "the API key must be usable in an HTTP header".into(),
            })?;
    }
    builder = builder
        .headers(gloo_net::http::Headers::from_raw(raw))
        .abort_signal(signal.as_ref());
    let request = builder
        .body(body)
        .map_err(|e| connection("the request could not be built", e, &client.api_key))?;
    request
        .send()
        .await
        .map_err(|e| connection("Connection error", e, &client.api_key))
}

/// The failure for an HTTP error status: the core's mapping, with the headers the retry policy
/// reads.
async fn http_error(client: &Client, response: &Response) -> Failure {
    let status = response.status();
    let text = response.text().await.unwrap_or_default();
    let headers = response.headers();
    Failure {
        error: Error::from_response(status, &text, &client.api_key),
        retry_after_ms: headers.get("retry-after-ms"),
        retry_after: headers.get("retry-after"),
    }
}

/// A non-streamed attempt: status and body text of a 2xx response, all within the timeout.
pub(crate) async fn attempt_json(
    client: &Client,
    url: &str,
    body: &str,
) -> Result<(u16, String), Failure> {
    let abort = AbortOnDrop::new()?;
    let work = async {
        let response = send(client, url, body, false, &abort).await?;
        let status = response.status();
        if !(200..300).contains(&status) {
            return Err(http_error(client, &response).await);
        }
        let text = response
            .text()
            .await
            .map_err(|e| connection("the response body broke off", e, &client.api_key))?;
        Ok((status, text))
    };
    let timer = sleep(f64::from(client.timeout_ms));
    let result = match select(Box::pin(work), timer).await {
        Either::Left((result, _)) => result,
        Either::Right(_) => {
            abort.abort();
            Err(Error::Timeout.into())
        }
    };
    result
}

/// A streamed attempt: the stream once a 2xx response's headers arrived within the timeout.
pub(crate) async fn attempt_stream(
    client: &Client,
    url: &str,
    body: &str,
) -> Result<ChatCompletionStream, Failure> {
    let abort = AbortOnDrop::new()?;
    let work = async {
        let response = send(client, url, body, true, &abort).await?;
        let status = response.status();
        if !(200..300).contains(&status) {
            return Err(http_error(client, &response).await);
        }
        Ok(response)
    };
    let timer = sleep(f64::from(client.timeout_ms));
    let response = match select(Box::pin(work), timer).await {
        Either::Left((result, _)) => result?,
        Either::Right(_) => {
            abort.abort();
            return Err(Error::Timeout.into());
        }
    };
    let status = response.status();
    let body = response.body().ok_or_else(|| Error::Connection {
        message: "the streamed response has no readable body".into(),
    })?;
    abort.disarm();
    Ok(ChatCompletionStream::new(
        body,
        status,
        f64::from(client.timeout_ms),
        client.api_key.clone(),
    ))
}
