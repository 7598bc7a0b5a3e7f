//! The JavaScript boundary: the only module that names `JsValue`. It reads the caller's values,
//! runs fetch with timers and abort signals, and hands everything else to the core.

mod abort;
mod errors;
mod helpers;
mod options;
mod stream;

use js_sys::{Function, Promise, Reflect, JSON};
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use wasm_bindgen_futures::{future_to_promise, JsFuture};
use web_sys::{ReadableStreamDefaultReader, RequestInit};

use crate::error::{self, Error};
use crate::{retry, validate};
use abort::Abort;
use errors::{to_js, Failure};
use options::Options;
pub use stream::StreamCore;

#[wasm_bindgen]
extern "C" {
    #[wasm_bindgen(catch, js_name = fetch)]
    fn global_fetch(url: &str, init: &RequestInit) -> Result<Promise, JsValue>;
}

#[wasm_bindgen(module = "/js/stream.js")]
extern "C" {
    #[wasm_bindgen(js_name = wrapStream)]
    fn wrap_stream(core: StreamCore) -> JsValue;
}

/// Sends a chat completion request. Resolves to the completion object, or to a
/// `ChatCompletionStream` when `request.stream === true`; every failure is a rejection.
#[wasm_bindgen(js_name = chatCompletion)]
pub fn chat_completion(request: JsValue, options: JsValue) -> Promise {
    future_to_promise(async move { call(request, options).await.map_err(Failure::into_js) })
}

/// Validates a request without sending it: resolves to nothing, or throws the `ValidationError`.
#[wasm_bindgen(js_name = validateRequest)]
pub fn validate_request(request: JsValue) -> Result<(), JsValue> {
    body(&request).map(|_| ()).map_err(to_js)
}

/// The request as JSON text, checked.
fn body(request: &JsValue) -> Result<(String, validate::Checked), Error> {
    if !request.is_object() || js_sys::Array::is_array(request) {
        return Err(Error::validation("request", "request must be an object"));
    }
    let text = JSON::stringify(request)
        .ok()
        .and_then(|s| s.as_string())
        .ok_or_else(|| {
            Error::validation(
                "request",
                "request must be JSON-serializable (no cycles, no BigInt)",
            )
        })?;
    let checked = validate::validate_request(&text)?;
    Ok((text, checked))
}

async fn call(request: JsValue, options: JsValue) -> Result<JsValue, Failure> {
    let (text, checked) = body(&request)?;
    let opts = options::read(&options, checked.stream)?;
    let body = JsValue::from_str(&text);
    drop(text);
    let mut retry_n = 0;
    loop {
        let failure = match attempt(&opts, &body, checked.stream).await {
            Ok(v) => return Ok(v),
            Err(f) => f,
        };
        if retry_n >= opts.max_retries || !retry::is_retryable(&failure.error) {
            return Err(failure);
        }
        let header = |name: &str| -> Option<String> {
            let h: &web_sys::Headers = failure.headers.dyn_ref()?;
            h.get(name).ok().flatten()
        };
        let wait = retry::delay_ms(
            retry_n,
            js_sys::Math::random(),
            header("retry-after-ms").as_deref(),
            header("retry-after").as_deref(),
            js_sys::Date::now(),
        );
        Abort::new(opts.signal.as_ref())?.sleep(wait).await?;
        retry_n += 1;
    }
}

/// One HTTP attempt.
async fn attempt(opts: &Options, body: &JsValue, stream: bool) -> Result<JsValue, Failure> {
    let mut abort = Abort::new(opts.signal.as_ref())?;
    abort.arm(opts.timeout_ms);
    let init = RequestInit::new();
    init.set_method("POST");
    init.set_headers(&opts.headers);
    init.set_body(body);
    init.set_signal(Some(&abort.signal()));
    let sent = match &opts.fetch {
        Some(f) => f
            .call2(&JsValue::UNDEFINED, &JsValue::from_str(&opts.url), &init)
            .and_then(|p| {
                Promise::resolve(&p)
                    .dyn_into::<Promise>()
                    .map_err(JsValue::from)
            }),
        None => global_fetch(&opts.url, &init),
    };
    let response = match sent {
        Ok(p) => JsFuture::from(p).await,
        Err(e) => Err(e),
    }
    .map_err(|e| connection_failure(&abort, e, "Connection error", &opts.api_key))?;

    let status = Reflect::get(&response, &"status".into())
        .ok()
        .and_then(|s| s.as_f64())
        .filter(|s| (100.0..=999.0).contains(s))
        .map(|s| s as u16)
        .ok_or_else(|| Error::Connection {
            message: "fetch did not return a Response".into(),
        })?;
    let headers = Reflect::get(&response, &"headers".into()).unwrap_or(JsValue::UNDEFINED);

    if !(200..300).contains(&status) {
        let text = error::redact(
            read_text(&response, &abort, &opts.api_key).await?,
            &opts.api_key,
        );
        let error = error::from_status(status, &text, &opts.api_key);
        let body = JSON::parse(&text).unwrap_or_else(|_| JsValue::from_str(&text));
        return Err(Failure {
            error,
            body,
            headers,
            cause: JsValue::UNDEFINED,
        });
    }
    if stream {
        abort.disarm();
        let reader = Reflect::get(&response, &"body".into())
            .ok()
            .filter(|b| b.is_object())
            .and_then(|b| Reflect::get(&b, &"getReader".into()).ok().map(|g| (b, g)))
            .and_then(|(b, g)| g.dyn_into::<Function>().ok()?.call0(&b).ok())
            .filter(JsValue::is_object)
            .ok_or_else(|| Error::Connection {
                message: "the streamed response has no readable body".into(),
            })?;
        let reader: ReadableStreamDefaultReader = reader.unchecked_into();
        let core = StreamCore::new(reader, abort, opts.timeout_ms, status, opts.api_key.clone());
        return Ok(wrap_stream(core));
    }
    let text = read_text(&response, &abort, &opts.api_key).await?;
    abort.disarm();
    JSON::parse(&text).map_err(|_| {
        let mut message = String::from("the response body is not JSON (HTTP ");
        error::push_u32(&mut message, u32::from(status));
        message.push(')');
        Failure {
            error: Error::Api { status, message },
            body: JsValue::from_str(&text),
            headers: headers.clone(),
            cause: JsValue::UNDEFINED,
        }
    })
}

async fn read_text(response: &JsValue, abort: &Abort, key: &str) -> Result<String, Failure> {
    let promise = Reflect::get(response, &"text".into())
        .ok()
        .and_then(|t| t.dyn_into::<Function>().ok())
        .and_then(|t| t.call0(response).ok())
        .and_then(|p| p.dyn_into::<Promise>().ok())
        .ok_or_else(|| Error::Connection {
            message: "the response body cannot be read".into(),
        })?;
    let text = JsFuture::from(promise)
        .await
        .map_err(|e| connection_failure(abort, e, "the response body broke off", key))?;
    Ok(text.as_string().unwrap_or_default())
}

fn connection_failure(abort: &Abort, cause: JsValue, what: &str, key: &str) -> Failure {
    let error = abort.failure(&cause, what).redacted(key);
    Failure {
        error,
        body: JsValue::UNDEFINED,
        headers: JsValue::UNDEFINED,
        cause,
    }
}
