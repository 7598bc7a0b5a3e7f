//! One attempt: a `POST` through gloo-net (the global `fetch`), with an `AbortController` that
//! fires on the timeout and when the attempt (or the stream it returns) is dropped.

use futures::future::{select, Either};
use gloo_net::http::{Method, RequestBuilder, Response};
use meingpt_wasm::error::redact;
use wasm_bindgen::JsCast;
use wasm_bindgen_futures::JsFuture;
use web_sys::{AbortController, ReadableStreamDefaultReader, RequestRedirect, ResponseType};

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
        .abort_signal(signal.as_ref())
        .redirect(if client.follow_redirects {
            RequestRedirect::Follow
        } else {
            RequestRedirect::Manual
        });
    let request = builder
        .body(body)
        .map_err(|e| connection("the request could not be built", e, &client.api_key))?;
    request
        .send()
        .await
        .map_err(|e| connection("Connection error", e, &client.api_key))
}

/// The error for a redirect that was not followed (a 3xx, a browser's opaque redirect, or a fetch
/// that followed anyway), or `None`.
fn refused_redirect(client: &Client, response: &Response) -> Option<Error> {
    let status = response.status();
    let opaque = response.type_() == ResponseType::Opaqueredirect;
    if client.follow_redirects || !(opaque || (300..400).contains(&status) || response.redirected())
    {
        return None;
    }
    let status = if (300..400).contains(&status) {
        status
    } else {
        0
    };
    let location = response.headers().get("location");
    Some(meingpt_wasm::Error::redirect(status, location.as_deref()).into())
}

/// The body as text, read no further than `max_response_bytes` ([`Error::TooLarge`] past it).
async fn read_text(client: &Client, response: &Response) -> Result<String, Error> {
    let max = client.max_response_bytes as usize;
    let too_large = || meingpt_wasm::Error::too_large(response.status(), max as f64).into();
    let length = response.headers().get("content-length");
    if length
        .and_then(|l| l.trim().parse::<usize>().ok())
        .is_some_and(|l| l > max)
    {
        return Err(too_large());
    }
    let Some(body) = response.body() else {
        return Ok(String::new());
    };
    let reader: ReadableStreamDefaultReader = body.get_reader().unchecked_into();
    let mut bytes = Vec::new();
    loop {
        let result = JsFuture::from(reader.read()).await.map_err(|e| {
            connection("the response body broke off", describe(&e), &client.api_key)
        })?;
        let get = |k: &str| js_sys::Reflect::get(&result, &k.into()).unwrap_or_default();
        if get("done").is_truthy() {
            return Ok(String::from_utf8_lossy(&bytes).into_owned());
        }
        if let Ok(chunk) = get("value").dyn_into::<js_sys::Uint8Array>() {
            if bytes.len() + chunk.length() as usize > max {
                let _ = reader.cancel();
                return Err(too_large());
            }
            bytes.extend_from_slice(&chunk.to_vec());
        }
    }
}

/// A JS error's message, or its string form.
fn describe(e: &wasm_bindgen::JsValue) -> String {
    e.as_string()
        .or_else(|| {
            js_sys::Reflect::get(e, &"message".into())
                .ok()
                .and_then(|m| m.as_string())
        })
        .unwrap_or_else(|| "a read failed".into())
}

/// The failure for an HTTP error status: the core's mapping, with the headers the retry policy
/// reads.
async fn http_error(client: &Client, response: &Response) -> Failure {
    let status = response.status();
    let text = match read_text(client, response).await {
        Ok(text) => text,
        Err(e) => return e.into(),
    };
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
        if let Some(e) = refused_redirect(client, &response) {
            return Err(e.into());
        }
        let status = response.status();
        if !(200..300).contains(&status) {
            return Err(http_error(client, &response).await);
        }
        let text = read_text(client, &response).await?;
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
        if let Some(e) = refused_redirect(client, &response) {
            return Err(e.into());
        }
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
        client.max_response_bytes,
    ))
}
