//! Connection reuse after `[DONE]`, in its own test binary (its own Node process), so that no
//! other test's idle connections are in fetch's pool. Run like tests/wasm.rs.
#![cfg(target_arch = "wasm32")]

use js_sys::Reflect;
use meingpt::types::{ChatCompletionRequest, ChatMessage};
use meingpt::Client;
use serde_json::Value;
use wasm_bindgen::JsValue;
use wasm_bindgen_test::wasm_bindgen_test;

fn sim() -> String {
    // Compile-time, so that the same binary finds it in Node and in a browser.
    match option_env!("MEINGPT_SIM_URL") {
        Some(url) => url.to_owned(),
        None => panic!("MEINGPT_SIM_URL is not set: run `node crates/meingpt/tests/run-wasm.mjs`"),
    }
}

fn client() -> Client {
    Client::new("sk-test").base_url(format!("{}/api/openai/v1", sim()))
}

fn unique(name: &str) -> String {
    format!("{name}-{}", js_sys::Math::random())
}

fn echo(text: &str) -> ChatCompletionRequest {
    ChatCompletionRequest::new(
        "gpt-4o-mini",
        vec![ChatMessage::user(format!("echo:{text}"))],
    )
}

async fn requests_with(key: &str) -> Vec<Value> {
    let text = gloo_net::http::Request::get(&format!("{}/__sim/log", sim()))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let log: Vec<Value> = serde_json::from_str(&text).unwrap();
    log.into_iter()
        .filter(|r| r["headers"]["x-simulator-fault-key"] == key)
        .collect()
}

async fn wait_ms(ms: i32) {
    let p = js_sys::Promise::new(&mut |resolve, _| {
        let set: js_sys::Function = Reflect::get(&js_sys::global(), &"setTimeout".into())
            .unwrap()
            .into();
        set.call2(&JsValue::UNDEFINED, &resolve, &JsValue::from(ms))
            .unwrap();
    });
    wasm_bindgen_futures::JsFuture::from(p).await.unwrap();
}

#[wasm_bindgen_test]
async fn after_done_the_connection_serves_the_next_request() {
    // The body ends 100 ms after `[DONE]`: reading that end (not cancelling at `[DONE]`) keeps
    // the connection for the next call.
    let first = unique("reuse-1");
    let second = unique("reuse-2");
    let stream = client()
        .header("x-simulator-fault", "late-end:100")
        .header("x-simulator-fault-key", &first)
        .chat_completion_stream(&echo("eins zwei"))
        .await
        .unwrap();
    assert_eq!(
        stream.into_final_completion().await.unwrap().content(),
        Some("eins zwei")
    );
    wait_ms(400).await;
    let stream = client()
        .header("x-simulator-fault-key", &second)
        .chat_completion_stream(&echo("drei"))
        .await
        .unwrap();
    stream.into_final_completion().await.unwrap();
    let a = &requests_with(&first).await[0];
    let b = &requests_with(&second).await[0];
    assert_eq!(a["clientClosed"], false);
    assert_eq!(
        a["remotePort"], b["remotePort"],
        "a new connection for the second call"
    );
}
