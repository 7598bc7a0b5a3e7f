//! A Cloudflare Worker in Rust (workers-rs) that proxies OpenAI-style chat completions to meinGPT
//! with the `meingpt` crate: the key stays in the Worker (a secret), callers send the same body
//! they would send to meinGPT, and a streamed answer goes on as server-sent events.
//!
//! Settings (`wrangler.toml` vars and secrets): `MEINGPT_API_KEY` (secret), `MEINGPT_BASE_URL`
//! (optional), `ALLOWED_ORIGINS` (browser origins that may call, comma-separated; empty: none).
// A wasm32 app: on other targets (a host `cargo build --workspace`, `cargo package`) it is empty.
#![cfg(target_arch = "wasm32")]

use futures::StreamExt;
use meingpt::types::ChatCompletionRequest;
use meingpt::{Client, Error};
use worker::{event, Context, Env, Method, Request, Response, Result};

/// Largest request body taken (as the JS proxy's default).
const MAX_BODY_BYTES: usize = 1024 * 1024;

#[event(fetch)]
async fn fetch(mut req: Request, env: Env, _ctx: Context) -> Result<Response> {
    // Only the one route, only POST: a Worker that holds a key answers nothing it did not expect.
    let path = req.path();
    if path != "/v1/chat/completions" && path != "/api/openai/v1/chat/completions" {
        return error(404, "Not found");
    }
    if req.method() != Method::Post {
        return error(405, "Use POST");
    }
    if let Some(origin) = req.headers().get("origin")? {
        let allowed = var(&env, "ALLOWED_ORIGINS");
        if !allowed
            .split(',')
            .map(str::trim)
            .any(|o| o == "*" || o == origin)
        {
            return error(403, "This origin may not call the proxy");
        }
    }
    let declared = req.headers().get("content-length")?;
    if declared
        .and_then(|n| n.parse::<usize>().ok())
        .is_some_and(|n| n > MAX_BODY_BYTES)
    {
        return error(413, "Request body too large");
    }
    let body = req.bytes().await?;
    if body.len() > MAX_BODY_BYTES {
        return error(413, "Request body too large");
    }
    let request: ChatCompletionRequest = match serde_json::from_slice(&body) {
        Ok(r) => r,
        Err(e) => {
            return error(
                400,
                &format!("Request body must be a chat completion request: {e}"),
            )
        }
    };

    let key = env
        .secret("MEINGPT_API_KEY")
        .map(|s| s.to_string())
        .unwrap_or_default();
    if key.is_empty() {
        return error(500, "MEINGPT_API_KEY is not set");
    }
    let mut client = Client::new(key);
    let base = var(&env, "MEINGPT_BASE_URL");
    if !base.is_empty() {
        client = client.base_url(base);
    }

    if request.stream != Some(true) {
        return match client.chat_completion(&request).await {
            Ok(completion) => Response::from_json(&completion),
            Err(e) => failure(&e),
        };
    }
    let stream = match client.chat_completion_stream(&request).await {
        Ok(s) => s,
        Err(e) => return failure(&e),
    };
    // One `data:` event per chunk as it arrives; an error inside the stream is sent as meinGPT
    // sends one (`{"status":"error","message":...}`), then the stream ends.
    let events = stream
        .map(|chunk| {
            let data = match &chunk {
                Ok(c) => serde_json::to_string(c).unwrap_or_default(),
                Err(e) => {
                    serde_json::json!({"status": "error", "message": e.to_string()}).to_string()
                }
            };
            Ok::<_, worker::Error>((format!("data: {data}\n\n").into_bytes(), chunk.is_err()))
        })
        .scan(false, |failed, item| {
            let out = if *failed { None } else { Some(item) };
            if let Some(Ok((_, true))) = &out {
                *failed = true;
            }
            futures::future::ready(out)
        })
        .map(|item| item.map(|(bytes, _)| bytes));
    let done = futures::stream::once(async { Ok(b"data: [DONE]\n\n".to_vec()) });
    let mut response = Response::from_stream(events.chain(done))?;
    response
        .headers_mut()
        .set("content-type", "text/event-stream; charset=utf-8")?;
    response.headers_mut().set("cache-control", "no-cache")?;
    Ok(response)
}

/// A var or secret as text, empty when unset.
fn var(env: &Env, name: &str) -> String {
    env.var(name).map(|v| v.to_string()).unwrap_or_default()
}

/// meinGPT's error body with a status.
fn error(status: u16, message: &str) -> Result<Response> {
    Ok(
        Response::from_json(&serde_json::json!({"status": "error", "message": message}))?
            .with_status(status),
    )
}

/// The status for an error of the crate: validation 400, the server's own status, 504 for a
/// timeout, 502 for anything else on the way.
fn failure(e: &Error) -> Result<Response> {
    let status = match e {
        Error::Validation { .. } => 400,
        Error::Api { status, .. } => *status,
        Error::Timeout => 504,
        _ => 502,
    };
    error(status, &e.to_string())
}
