//! The client against the meinGPT simulator, in Node and in headless Chromium (wasm-bindgen-test).
//! Run through `node crates/meingpt/tests/run-wasm.mjs [--browser]` (or `node scripts/test.mjs
//! rust-wasm rust-browser`), which starts the simulator on 127.0.0.1 and passes its URL in
//! `MEINGPT_SIM_URL`.
#![cfg(target_arch = "wasm32")]

use futures::StreamExt;
use js_sys::Reflect;
use meingpt::types::{
    ChatCompletionRequest, ChatMessage, FinishReason, Tool, ToolChoice, ToolChoiceMode,
};
use meingpt::{Client, Error};
use serde_json::{json, Value};
use wasm_bindgen::JsValue;
use wasm_bindgen_test::wasm_bindgen_test;

const KEY: &str = "sk-test-wasm-0123456789";

/// The simulator's URL (run-wasm.mjs starts it and sets the variable for the build).
fn sim() -> String {
    // Compile-time, so that the same binary finds it in Node and in a browser.
    match option_env!("MEINGPT_SIM_URL") {
        Some(url) => url.to_owned(),
        None => panic!("MEINGPT_SIM_URL is not set: run `node crates/meingpt/tests/run-wasm.mjs`"),
    }
}

fn client() -> Client {
    Client::new(KEY)
        .base_url(format!("{}/api/openai/v1", sim()))
        .timeout_ms(10_000)
}

/// A header value unique to this test run, so fault counters of tests do not meet.
fn unique(name: &str) -> String {
    format!("{name}-{}", js_sys::Math::random())
}

fn echo(text: &str) -> ChatCompletionRequest {
    ChatCompletionRequest::new(
        "gpt-4o-mini",
        vec![ChatMessage::user(format!("echo:{text}"))],
    )
}

fn weather() -> Tool {
    Tool::function(
        "get_weather",
        "Weather of a city",
        json!({"type": "object", "properties": {"city": {"type": "string"}}, "required": ["city"]}),
    )
}

/// The simulator's request log (what it received, whether the client closed the connection).
async fn sim_log() -> Vec<Value> {
    let text = gloo_net::http::Request::get(&format!("{}/__sim/log", sim()))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    serde_json::from_str(&text).unwrap()
}

/// Log records whose `x-simulator-fault-key` header is `key`.
async fn requests_with(key: &str) -> Vec<Value> {
    sim_log()
        .await
        .into_iter()
        .filter(|r| r["headers"]["x-simulator-fault-key"] == key)
        .collect()
}

async fn wait_ms(ms: i32) {
    let p = js_sys::Promise::new(&mut |resolve, _| {
        let set = Reflect::get(&js_sys::global(), &"setTimeout".into()).unwrap();
        let set: js_sys::Function = set.into();
        set.call2(&JsValue::UNDEFINED, &resolve, &JsValue::from(ms))
            .unwrap();
    });
    wasm_bindgen_futures::JsFuture::from(p).await.unwrap();
}

#[wasm_bindgen_test]
async fn plain_call() {
    let c = client().chat_completion(&echo("Grüße 😀")).await.unwrap();
    assert_eq!(c.object, "chat.completion");
    assert_eq!(c.content(), Some("Grüße 😀"));
    assert_eq!(c.choices[0].finish_reason, Some(FinishReason::Stop));
    assert!(c.usage.as_ref().unwrap().total_tokens > 0);
    let sent = &sim_log().await.last().cloned().unwrap();
    // The simulator's log hides the key; its 200 (not 401) says the key arrived.
    assert_eq!(sent["status"], 200);
    assert_eq!(sent["headers"]["authorization"], "[redacted]");
    assert_eq!(sent["headers"]["content-type"], "application/json");
    assert_eq!(sent["headers"]["accept"], "application/json");
    assert_eq!(sent["body"]["messages"][0]["content"], "echo:Grüße 😀");
    assert!(sent["body"].get("stream").is_none());
}

#[wasm_bindgen_test]
async fn stream_yields_typed_chunks_and_the_final_completion() {
    let text = "Ein längerer Text über Äpfel, Öfen und Übermut 🚀 mit vielen Wörtern";
    let mut stream = client().chat_completion_stream(&echo(text)).await.unwrap();
    let mut joined = String::new();
    let mut chunks = 0;
    while let Some(chunk) = stream.next().await {
        let chunk = chunk.unwrap();
        assert_eq!(chunk.object, "chat.completion.chunk");
        joined.push_str(chunk.content().unwrap_or_default());
        chunks += 1;
    }
    assert!(chunks > 5, "{chunks}");
    assert_eq!(joined, text);
    assert!(stream.is_ended());
    let done = stream.final_completion().unwrap();
    let plain = client().chat_completion(&echo(text)).await.unwrap();
    assert_eq!(done.id, plain.id);
    assert_eq!(done.content(), Some(text));
    assert_eq!(
        done.choices[0].finish_reason,
        plain.choices[0].finish_reason
    );
    // The stream request said so on the wire.
    let log = sim_log().await;
    let streamed = &log[log.len() - 2];
    assert_eq!(streamed["body"]["stream"], true);
}

#[wasm_bindgen_test]
async fn into_final_completion_reads_the_stream_to_its_end() {
    let stream = client()
        .chat_completion_stream(&echo("kurz"))
        .await
        .unwrap();
    let done = stream.into_final_completion().await.unwrap();
    assert_eq!(done.content(), Some("kurz"));
}

#[wasm_bindgen_test]
async fn tool_call_round_trip() {
    let c = client();
    let first = ChatCompletionRequest::new(
        "gpt-4o-mini",
        vec![ChatMessage::user("What is the weather in Berlin?")],
    )
    .tools(vec![weather()])
    .tool_choice(ToolChoice::Mode(ToolChoiceMode::Required));
    let answer = c.chat_completion(&first).await.unwrap();
    let message = &answer.choices[0].message;
    assert_eq!(
        answer.choices[0].finish_reason,
        Some(FinishReason::ToolCalls)
    );
    assert_eq!(message.content, None);
    let call = &message.tool_calls.as_ref().unwrap()[0];
    assert_eq!(call.function.name, "get_weather");
    let args: Value = serde_json::from_str(&call.function.arguments).unwrap();
    assert!(args["city"].is_string(), "{args}");

    // The streamed answer merges to the same tool calls.
    let streamed = c
        .chat_completion_stream(&first)
        .await
        .unwrap()
        .into_final_completion()
        .await
        .unwrap();
    assert_eq!(streamed.choices[0].message.tool_calls, message.tool_calls);

    // Second turn: the assistant message (null content, tool calls) and the tool's result.
    let mut second = first.clone();
    second.tool_choice = None;
    second.messages.push(message.to_message());
    second
        .messages
        .push(ChatMessage::tool(call.id.clone(), r#"{"temp_c":21}"#));
    let reply = c.chat_completion(&second).await.unwrap();
    let text = reply.content().unwrap();
    assert!(
        text.contains("get_weather") && text.contains("21"),
        "{text}"
    );
}

#[wasm_bindgen_test]
async fn unauthorized_is_an_authentication_error_without_the_key() {
    let key = "sk-invalid";
    let e = Client::new(key)
        .base_url(format!("{}/api/openai/v1", sim()))
        .chat_completion(&echo("x"))
        .await
        .unwrap_err();
    assert_eq!(e.status(), Some(401));
    assert_eq!(e.class_name(), "AuthenticationError");
    match &e {
        Error::Api { message, body, .. } => {
            assert_eq!(message, "Unauthorized: invalid API key");
            assert!(body.as_deref().unwrap().contains("invalid API key"));
        }
        other => panic!("{other:?}"),
    }
}

#[wasm_bindgen_test]
async fn a_server_that_echoes_the_key_never_shows_it() {
    let e = client()
        .header("x-simulator-fault", "echo-key")
        .chat_completion(&echo("x"))
        .await
        .unwrap_err();
    let shown = format!("{e} {e:?}");
    assert!(!shown.contains(KEY), "{shown}");
    assert!(shown.contains("[redacted]"), "{shown}");
    // And inside a stream.
    let mut stream = client()
        .header("x-simulator-fault", "echo-key")
        .chat_completion_stream(&echo("x"))
        .await
        .unwrap();
    let e = stream.next().await.unwrap().unwrap_err();
    let shown = format!("{e} {e:?}");
    assert!(!shown.contains(KEY), "{shown}");
}

#[wasm_bindgen_test]
async fn rate_limited_then_success_honours_retry_after() {
    let key = unique("429");
    let started = js_sys::Date::now();
    let c = client()
        .header("x-simulator-fault", "429:300ms")
        .header("x-simulator-fault-times", "1")
        .header("x-simulator-fault-key", &key);
    let answer = c.chat_completion(&echo("nach dem Warten")).await.unwrap();
    let took = js_sys::Date::now() - started;
    assert_eq!(answer.content(), Some("nach dem Warten"));
    assert!(took >= 290.0, "waited only {took} ms");
    let seen = requests_with(&key).await;
    assert_eq!(seen.len(), 2);
    assert_eq!(seen[0]["status"], 429);
    assert_eq!(seen[1]["status"], 200);
}

#[wasm_bindgen_test]
async fn rate_limited_without_retries_is_a_rate_limit_error() {
    let key = unique("429-no-retry");
    let e = client()
        .max_retries(0)
        .header("x-simulator-fault", "429:0")
        .header("x-simulator-fault-key", &key)
        .chat_completion_stream(&echo("x"))
        .await
        .unwrap_err();
    assert_eq!(e.status(), Some(429));
    assert_eq!(e.class_name(), "RateLimitError");
    assert_eq!(requests_with(&key).await.len(), 1);
}

#[wasm_bindgen_test]
async fn server_errors_are_retried_up_to_max_retries() {
    let key = unique("503");
    let e = client()
        .max_retries(2)
        .header("x-simulator-fault", "503")
        .header("x-simulator-fault-key", &key)
        .chat_completion(&echo("x"))
        .await
        .unwrap_err();
    assert_eq!(e.class_name(), "InternalServerError");
    assert_eq!(requests_with(&key).await.len(), 3);
}

#[wasm_bindgen_test]
async fn tools_to_sonar_are_refused_and_not_retried() {
    let key = unique("sonar");
    let request =
        ChatCompletionRequest::new("sonar", vec![ChatMessage::user("hi")]).tools(vec![weather()]);
    let e = client()
        .header("x-simulator-fault-key", &key)
        .chat_completion(&request)
        .await
        .unwrap_err();
    assert_eq!(e.status(), Some(400));
    assert_eq!(e.class_name(), "BadRequestError");
    assert!(
        e.to_string()
            .contains("Model 'sonar' does not support tools"),
        "{e}"
    );
    assert_eq!(requests_with(&key).await.len(), 1);
}

#[wasm_bindgen_test]
async fn sonar_citations_survive() {
    let request = ChatCompletionRequest::new("sonar", vec![ChatMessage::user("Neuigkeiten?")]);
    let c = client().chat_completion(&request).await.unwrap();
    assert_eq!(c.extra["citations"].as_array().unwrap().len(), 3);
    let mut s = client().chat_completion_stream(&request).await.unwrap();
    let chunk = s.next().await.unwrap().unwrap();
    assert_eq!(chunk.extra["citations"], c.extra["citations"]);
}

#[wasm_bindgen_test]
async fn validation_fails_before_anything_is_sent() {
    let key = unique("invalid");
    let e = client()
        .header("x-simulator-fault-key", &key)
        .chat_completion(&echo("x").temperature(2.5))
        .await
        .unwrap_err();
    assert_eq!(
        e,
        Error::Validation {
            param: "temperature".into(),
            message: "temperature must be a number from 0 to 2 (got 2.5)".into()
        }
    );
    assert!(requests_with(&key).await.is_empty());
    let e = client()
        .base_url("ftp://example.com")
        .chat_completion(&echo("x"))
        .await
        .unwrap_err();
    assert_eq!(e.class_name(), "ValidationError");
}

#[wasm_bindgen_test]
async fn timeout_to_headers() {
    let started = js_sys::Date::now();
    let e = client()
        .timeout_ms(300)
        .max_retries(0)
        .header("x-simulator-fault", "slow-first-byte:5000")
        .chat_completion(&echo("x"))
        .await
        .unwrap_err();
    let took = js_sys::Date::now() - started;
    assert_eq!(e, Error::Timeout);
    assert_eq!(e.class_name(), "APIConnectionTimeoutError");
    assert!((250.0..3000.0).contains(&took), "{took}");
}

#[wasm_bindgen_test]
async fn idle_timeout_between_events() {
    let mut stream = client()
        .timeout_ms(400)
        .max_retries(0)
        .header("x-simulator-fault", "stall:5000")
        .chat_completion_stream(&echo("eins zwei drei vier"))
        .await
        .unwrap();
    let mut got = 0;
    let error = loop {
        match stream.next().await {
            Some(Ok(_)) => got += 1,
            Some(Err(e)) => break e,
            None => panic!("the stalled stream ended cleanly"),
        }
    };
    assert_eq!(got, 2);
    assert_eq!(error, Error::Timeout);
    assert_eq!(stream.final_completion().unwrap_err(), Error::Timeout);
}

#[wasm_bindgen_test]
async fn an_error_sent_inside_the_stream() {
    let mut stream = client()
        .header("x-simulator-fault", "error-mid-stream")
        .chat_completion_stream(&echo("eins zwei drei"))
        .await
        .unwrap();
    let mut items = Vec::new();
    while let Some(item) = stream.next().await {
        items.push(item);
    }
    let last = items.pop().unwrap().unwrap_err();
    assert_eq!(last.status(), Some(200));
    assert!(
        last.to_string().contains("Simulated upstream failure"),
        "{last}"
    );
    assert!(items.iter().all(Result::is_ok));
}

#[wasm_bindgen_test]
async fn dropping_the_stream_mid_way_closes_the_connection() {
    let key = unique("drop");
    let mut stream = client()
        .header("x-simulator-pacing", "100")
        .header("x-simulator-fault-key", &key)
        .chat_completion_stream(&echo(
            "eins zwei drei vier fünf sechs sieben acht neun zehn",
        ))
        .await
        .unwrap();
    stream.next().await.unwrap().unwrap();
    stream.next().await.unwrap().unwrap();
    drop(stream);
    let mut closed = false;
    for _ in 0..20 {
        wait_ms(50).await;
        if requests_with(&key).await[0]["clientClosed"] == true {
            closed = true;
            break;
        }
    }
    assert!(closed, "the simulator did not see the connection close");
}

#[wasm_bindgen_test]
async fn dropping_a_call_mid_way_closes_the_connection() {
    let key = unique("drop-call");
    let c = client()
        .header("x-simulator-fault", "slow-first-byte:3000")
        .header("x-simulator-fault-key", &key);
    let request = echo("x");
    let call = Box::pin(c.chat_completion(&request));
    match futures::future::select(call, Box::pin(wait_ms(200))).await {
        futures::future::Either::Right((_, call)) => drop(call),
        futures::future::Either::Left((result, _)) => panic!("answered early: {result:?}"),
    }
    let mut closed = false;
    for _ in 0..20 {
        wait_ms(50).await;
        if requests_with(&key)
            .await
            .first()
            .is_some_and(|r| r["clientClosed"] == true)
        {
            closed = true;
            break;
        }
    }
    assert!(closed, "the simulator did not see the connection close");
}

#[wasm_bindgen_test]
async fn a_js_request_object_through_serde_wasm_bindgen() {
    let js = js_sys::JSON::parse(
        r#"{"model":"gpt-4o-mini","messages":[{"role":"user","content":"echo:von JS"}],"max_tokens":50}"#,
    )
    .unwrap();
    let request: ChatCompletionRequest = meingpt::js::from_js(&js).unwrap();
    assert_eq!(request.extra["max_tokens"], 50);
    let answer = client().chat_completion(&request).await.unwrap();
    let back = meingpt::js::to_js(&answer).unwrap();
    let text = js_sys::JSON::stringify(&back).unwrap().as_string().unwrap();
    let v: Value = serde_json::from_str(&text).unwrap();
    assert_eq!(v["choices"][0]["message"]["content"], "von JS");
    assert_eq!(sim_log().await.last().unwrap()["body"]["max_tokens"], 50);
}

#[wasm_bindgen_test]
async fn abort_stops_the_stream_with_an_abort_error() {
    let key = unique("abort");
    let mut stream = client()
        .header("x-simulator-pacing", "100")
        .header("x-simulator-fault-key", &key)
        .chat_completion_stream(&echo("eins zwei drei vier fünf sechs sieben acht"))
        .await
        .unwrap();
    stream.next().await.unwrap().unwrap();
    stream.abort();
    let e = stream.next().await.unwrap().unwrap_err();
    assert_eq!(e, Error::Aborted);
    assert_eq!(e.class_name(), "APIUserAbortError");
    assert!(stream.next().await.is_none());
    assert_eq!(stream.final_completion().unwrap_err(), Error::Aborted);
    let mut closed = false;
    for _ in 0..20 {
        wait_ms(50).await;
        if requests_with(&key).await[0]["clientClosed"] == true {
            closed = true;
            break;
        }
    }
    assert!(closed, "the simulator did not see the connection close");
}

#[wasm_bindgen_test]
async fn a_key_that_is_not_a_header_value_is_refused_before_sending() {
    let e = Client::new("sk-bad\nkey")
        .base_url(format!("{}/api/openai/v1", sim()))
        .chat_completion(&echo("x"))
        .await
        .unwrap_err();
    assert_eq!(e.class_name(), "ValidationError");
    assert!(!format!("{e:?}").contains("sk-bad"), "{e:?}");
}

#[wasm_bindgen_test]
async fn base_urls_that_would_send_the_key_elsewhere_are_refused() {
    for bad in [
        "ftp://example.com",
        "//evil.example/api",
        "https://user:pw@evil.example/api",
        "https://app.meingpt.com/api#x",
        "/\\evil.example/api",
        "",
    ] {
        let e = Client::new(KEY)
            .base_url(bad)
            .chat_completion(&echo("x"))
            .await
            .unwrap_err();
        assert_eq!(e.class_name(), "ValidationError", "{bad}: {e:?}");
    }
    // A path is taken (relative to a browser page, here the test runner's, which has no such
    // route; Node's fetch cannot resolve it): a connection or HTTP error, not a validation error.
    let e = Client::new(KEY)
        .base_url("/api/openai/v1")
        .max_retries(0)
        .chat_completion(&echo("x"))
        .await
        .unwrap_err();
    assert_ne!(e.class_name(), "ValidationError", "{e:?}");
}

#[wasm_bindgen_test]
async fn an_empty_key_sends_no_authorization_header() {
    let e = Client::new("")
        .base_url(format!("{}/api/openai/v1", sim()))
        .chat_completion(&echo("x"))
        .await
        .unwrap_err();
    assert_eq!(e.status(), Some(401));
    assert!(e.to_string().contains("missing API key"), "{e}");
}

#[wasm_bindgen_test]
async fn undefined_members_of_a_js_request_are_left_out_as_json_stringify_does() {
    // `{ temperature: undefined }`, as JS code writes `{ temperature: options.temperature }`.
    let js = js_sys::JSON::parse(
        r#"{"model":"gpt-4o-mini","messages":[{"role":"user","content":"echo:ok"}]}"#,
    )
    .unwrap();
    Reflect::set(&js, &"temperature".into(), &JsValue::UNDEFINED).unwrap();
    let request: ChatCompletionRequest = meingpt::js::from_js(&js).unwrap();
    assert_eq!(request.temperature, None);
    assert!(request.extra.is_empty(), "{:?}", request.extra);
    let answer = client().chat_completion(&request).await.unwrap();
    assert_eq!(answer.content(), Some("ok"));
    // A value JSON cannot carry is refused as the npm package refuses it.
    Reflect::set(&js, &"seed".into(), &js_sys::BigInt::from(1u32).into()).unwrap();
    let e = meingpt::js::from_js::<ChatCompletionRequest>(&js).unwrap_err();
    assert_eq!(e.class_name(), "ValidationError");
}

#[wasm_bindgen_test]
async fn a_redirect_is_not_followed_nor_retried() {
    for stream in [false, true] {
        let key = unique("redirect");
        let c = client()
            .max_retries(2)
            .header("x-simulator-fault", "redirect:307")
            .header("x-simulator-fault-key", &key);
        let e = if stream {
            c.chat_completion_stream(&echo("x"))
                .await
                .map(|_| ())
                .unwrap_err()
        } else {
            c.chat_completion(&echo("x")).await.map(|_| ()).unwrap_err()
        };
        assert_eq!(e.class_name(), "APIError", "{e:?}");
        assert!(e.to_string().contains("redirect"), "{e}");
        // Node shows the 307; a browser hides a manual redirect's status.
        assert!(matches!(e.status(), Some(307) | Some(0)), "{e:?}");
        assert_eq!(requests_with(&key).await.len(), 1, "retried or followed");
    }
}

#[wasm_bindgen_test]
async fn a_response_past_max_response_bytes_is_too_large_and_not_retried() {
    for (stream, fault) in [(false, "garbage:300000"), (true, "garbage:300000")] {
        let key = unique("too-large");
        let c = client()
            .max_retries(2)
            .max_response_bytes(100_000)
            .header("x-simulator-fault", fault)
            .header("x-simulator-fault-key", &key);
        let e = if stream {
            let mut s = c.chat_completion_stream(&echo("x")).await.unwrap();
            let mut last = None;
            while let Some(item) = s.next().await {
                if let Err(e) = item {
                    last = Some(e);
                }
            }
            last.expect("the stream failed")
        } else {
            c.chat_completion(&echo("x")).await.unwrap_err()
        };
        assert!(matches!(e, Error::TooLarge { status: 200, .. }), "{e:?}");
        assert_eq!(e.class_name(), "ResponseTooLargeError");
        assert_eq!(requests_with(&key).await.len(), 1, "retried");
    }
    // Within the limit the same answer goes through.
    let answer = client()
        .max_response_bytes(100_000)
        .chat_completion(&echo("klein"))
        .await
        .unwrap();
    assert_eq!(answer.content(), Some("klein"));
}

// ---------- embeddings ----------

/// The last request the simulator received on the embeddings route.
async fn last_embeddings_request() -> Value {
    sim_log()
        .await
        .into_iter()
        .rev()
        .find(|r| r["path"] == "/api/openai/v1/embeddings")
        .expect("an embeddings request")
}

#[wasm_bindgen_test]
async fn embeddings_ask_for_base64_and_decode_it_to_the_float_answer() {
    use meingpt::types::{EmbeddingVector, EmbeddingsRequest, EncodingFormat};
    let c = client();
    let request = EmbeddingsRequest::new(vec!["Hallo", "Welt"]).dimensions(16);
    let decoded = c.embeddings(&request).await.unwrap();
    let sent = last_embeddings_request().await;
    assert_eq!(sent["body"]["encoding_format"], "base64");
    assert_eq!(sent["body"]["dimensions"], 16);
    // The simulator logs the key redacted; its 200 (not 401) says the key arrived.
    assert_eq!(sent["status"], 200);
    // The same input as floats on the wire, read as they are.
    let floats = c
        .embeddings(&request.clone().encoding_format(EncodingFormat::Float))
        .await
        .unwrap();
    assert_eq!(
        last_embeddings_request().await["body"]["encoding_format"],
        "float"
    );
    assert_eq!(decoded.data.len(), 2);
    assert_eq!(decoded.data, floats.data);
    for e in &decoded.data {
        let EmbeddingVector::Float(v) = &e.embedding else {
            panic!("decoded to floats: {:?}", e.embedding)
        };
        assert_eq!(v.len(), 16);
        assert!(v.iter().any(|x| *x != 0.0));
    }
    assert_eq!(decoded.usage.as_ref().unwrap().prompt_tokens, 2);
    // base64 named: the strings stay, and decode to the same floats.
    let raw = c
        .embeddings(&request.encoding_format(EncodingFormat::Base64))
        .await
        .unwrap();
    let EmbeddingVector::Base64(_) = &raw.data[0].embedding else {
        panic!("base64 kept")
    };
    assert_eq!(
        raw.data[1].embedding.floats(),
        floats.data[1].embedding.floats()
    );
}

#[wasm_bindgen_test]
async fn embeddings_full_size_tokens_and_a_url_of_the_base() {
    use meingpt::types::{EmbeddingInput, EmbeddingsRequest};
    let c = client();
    let r = c
        .embeddings(&EmbeddingsRequest::new(EmbeddingInput::TokenArrays(vec![
            vec![1, 2],
            vec![3],
        ])))
        .await
        .unwrap();
    assert_eq!(r.data.len(), 2);
    assert_eq!(r.data[0].embedding.floats().unwrap().len(), 3072);
    assert_eq!(
        last_embeddings_request().await["body"]["input"],
        serde_json::json!([[1, 2], [3]])
    );
}

#[wasm_bindgen_test]
async fn embeddings_refused_before_sending_and_errors_mapped() {
    use meingpt::types::EmbeddingsRequest;
    let before = sim_log().await.len();
    let e = client()
        .embeddings(&EmbeddingsRequest::new("a").dimensions(0))
        .await
        .unwrap_err();
    let Error::Validation { param, .. } = &e else {
        panic!("{e:?}")
    };
    assert_eq!(param, "dimensions");
    let e = client()
        .embeddings(&EmbeddingsRequest::new(Vec::<String>::new()))
        .await
        .unwrap_err();
    assert!(matches!(e, Error::Validation { .. }), "{e:?}");
    assert_eq!(sim_log().await.len(), before);
    let forbidden = Client::new("sk-forbidden")
        .base_url(format!("{}/api/openai/v1", sim()))
        .embeddings(&EmbeddingsRequest::new("a"))
        .await
        .unwrap_err();
    assert_eq!(forbidden.status(), Some(403));
    assert_eq!(forbidden.class_name(), "PermissionDeniedError");
}
