//! The `options` argument, read and checked.

#[allow(unused_imports)]
use crate::prelude::*;

use js_sys::{Function, Reflect};
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use web_sys::{AbortSignal, Headers};

use crate::boundary::{
    DEFAULT_BASE_URL, DEFAULT_MAX_RESPONSE_BYTES, DEFAULT_MAX_RETRIES, DEFAULT_TIMEOUT_MS,
};
use crate::error::Error;
use crate::{redact, url};

/// An AbortSignal of any realm, told by its shape: `instanceof` fails for one made in another realm
/// (Next.js hands its edge route handlers the request's signal from outside their sandbox). The JS
/// side only reads `aborted` and adds and removes an `abort` listener.
fn is_signal(s: &JsValue) -> bool {
    let get = |k: &str| Reflect::get(s, &JsValue::from_str(k)).unwrap_or(JsValue::UNDEFINED);
    s.is_object()
        && get("aborted").as_bool().is_some()
        && get("addEventListener").is_function()
        && get("removeEventListener").is_function()
}

/// Checked options of one call.
pub struct Options {
    /// The call's secrets, kept out of every error: the API key and the token of the
    /// `Authorization` header actually sent (see [`redact::secrets`]).
    pub secrets: String,
    /// `${baseUrl}/chat/completions`
    pub url: String,
    /// The caller's abort signal.
    pub signal: Option<AbortSignal>,
    /// Per-attempt timeout, and the longest wait between two reads of a stream.
    pub timeout_ms: f64,
    /// Extra attempts after retryable failures.
    pub max_retries: u32,
    /// Request headers, the caller's merged over the defaults.
    pub headers: Headers,
    /// The caller's fetch, if any.
    pub fetch: Option<Function>,
    /// Follow 3xx answers (off: a redirect is an `APIError`, so the conversation never goes to
    /// an origin the caller did not name).
    pub follow_redirects: bool,
    /// Largest response body accepted, streams included.
    pub max_response_bytes: f64,
}

fn get(o: &JsValue, key: &str) -> JsValue {
    Reflect::get(o, &JsValue::from_str(key)).unwrap_or(JsValue::UNDEFINED)
}

fn bad(param: &str, message: &str) -> Error {
    Error::validation(param, message)
}

/// Reads `options`, which may be undefined.
pub fn read(o: &JsValue, stream: bool) -> Result<Options, Error> {
    if !o.is_undefined() && !o.is_null() && !o.is_object() {
        return Err(bad("options", "options must be an object"));
    }
    let o = if o.is_object() {
        o.clone()
    } else {
        JsValue::UNDEFINED
    };
    let opt = |k: &str| {
        if o.is_undefined() {
            JsValue::UNDEFINED
        } else {
            get(&o, k)
        }
    };
    let api_key = match opt("apiKey") {
        k if k.is_undefined() || k.is_null() => String::new(),
        k => k
            .as_string()
            .ok_or_else(|| bad("options.apiKey", "apiKey must be a string"))?,
    };
    let mut base = opt("baseUrl");
    if base.is_undefined() {
        base = opt("baseURL");
    }
    let url = match base {
        b if b.is_undefined() || b.is_null() => {
            url::endpoint(DEFAULT_BASE_URL, "/chat/completions")
        }
        b => b
            .as_string()
            .ok_or(url::NOT_HTTP)
            .and_then(|b| url::endpoint(&b, "/chat/completions")),
    }
    .map_err(|m| bad("baseUrl", m))?;

    let signal = match opt("signal") {
        s if s.is_undefined() || s.is_null() => None,
        s if is_signal(&s) => Some(s.unchecked_into::<AbortSignal>()),
        _ => return Err(bad("options.signal", "signal must be an AbortSignal")),
    };
    let timeout_ms = match opt("timeoutMs") {
        t if t.is_undefined() => f64::from(DEFAULT_TIMEOUT_MS),
        t => t
            .as_f64()
            .filter(|t| t.is_finite() && *t > 0.0)
            .ok_or_else(|| {
                bad(
                    "options.timeoutMs",
                    "timeoutMs must be a positive number of milliseconds",
                )
            })?,
    };
    let max_retries = match opt("maxRetries") {
        r if r.is_undefined() => DEFAULT_MAX_RETRIES,
        r => r
            .as_f64()
            .filter(|r| (0.0..=100.0).contains(r) && f64::from(*r as u32) == *r)
            .map(|r| r as u32)
            .ok_or_else(|| {
                bad(
                    "options.maxRetries",
                    "maxRetries must be a whole number from 0 to 100",
                )
            })?,
    };
    let fetch = match opt("fetch") {
        f if f.is_undefined() || f.is_null() => None,
        f => Some(
            f.dyn_into::<Function>()
                .map_err(|_| bad("options.fetch", "fetch must be a function"))?,
        ),
    };
    let follow_redirects = match opt("followRedirects") {
        f if f.is_undefined() || f.is_null() => false,
        f => f.as_bool().ok_or_else(|| {
            bad(
                "options.followRedirects",
                "followRedirects must be true or false",
            )
        })?,
    };
    let max_response_bytes = match opt("maxResponseBytes") {
        m if m.is_undefined() => f64::from(DEFAULT_MAX_RESPONSE_BYTES),
        m => m
            .as_f64()
            .filter(|m| (1.0..=f64::from(u32::MAX)).contains(m) && f64::from(*m as u32) == *m)
            .ok_or_else(|| {
                bad(
                    "options.maxResponseBytes",
                    "maxResponseBytes must be a whole number of bytes from 1 to 4294967295",
                )
            })?,
    };
    let headers = headers(&opt("headers"), &api_key, stream)?;
    let secrets = redact::secrets(
        &api_key,
        headers.get("authorization").ok().flatten().as_deref(),
    );
    Ok(Options {
        secrets,
        url,
        signal,
        timeout_ms,
        max_retries,
        headers,
        fetch,
        follow_redirects,
        max_response_bytes,
    })
}

/// Defaults, then the caller's `headers` over them (so a caller may replace any of them).
fn headers(extra: &JsValue, api_key: &str, stream: bool) -> Result<Headers, Error> {
    let bad_headers = || {
        bad(
            "options.headers",
            "headers must be a Headers object, a record of strings or an array of pairs",
        )
    };
    let h = if extra.is_undefined() || extra.is_null() {
        Headers::new()
    } else if extra.is_object() {
        Headers::new_with_str_sequence_sequence(extra)
    } else {
        return Err(bad_headers());
    }
    .map_err(|_| bad_headers())?;
    let set_default = |k: &str, v: &str| -> Result<(), Error> {
        if !h.has(k).unwrap_or(true) {
            h.set(k, v)
                .map_err(|_| bad("options.apiKey", "apiKey must be usable in an HTTP header"))?;
        }
        Ok(())
    };
    set_default("content-type", "application/json")?;
    set_default(
        "accept",
        if stream {
            "text/event-stream"
        } else {
            "application/json"
        },
    )?;
    if !api_key.is_empty() {
        let mut bearer = String::from("Bearer ");
        bearer.push_str(api_key);
        set_default("authorization", &bearer)?;
    }
    Ok(h)
}
