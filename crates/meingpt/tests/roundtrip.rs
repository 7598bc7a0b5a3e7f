//! serialize(deserialize(x)) == x for real bodies: every answer shape the simulator gives
//! (captured by tests/fixtures/capture.mjs), the chunks of the SSE corpus, and the requests.
// Host tests: they read fixture files and need no JavaScript.
#![cfg(not(target_arch = "wasm32"))]

use meingpt::types::{ChatCompletion, ChatCompletionChunk, ChatCompletionRequest, ErrorBody};
use meingpt_wasm::sse::SseDecoder;
use serde::{de::DeserializeOwned, Serialize};
use serde_json::Value;

fn fixtures() -> Value {
    serde_json::from_str(include_str!("fixtures/simulator.json")).unwrap()
}

/// JSON equality, numbers by value (`1` and `1.0` are the same JSON number).
fn same(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::Number(x), Value::Number(y)) => x.as_f64() == y.as_f64(),
        (Value::Array(x), Value::Array(y)) => {
            x.len() == y.len() && x.iter().zip(y).all(|(x, y)| same(x, y))
        }
        (Value::Object(x), Value::Object(y)) => {
            x.len() == y.len() && x.iter().all(|(k, v)| y.get(k).is_some_and(|w| same(v, w)))
        }
        _ => a == b,
    }
}

/// Deserializes `v` as `T`, serializes it again, and checks that nothing changed.
fn round_trip<T: DeserializeOwned + Serialize>(what: &str, v: &Value) -> T {
    let typed: T = serde_json::from_value(v.clone())
        .unwrap_or_else(|e| panic!("{what}: does not deserialize: {e}\n{v}"));
    let back = serde_json::to_value(&typed).unwrap();
    assert!(
        same(v, &back),
        "{what}: changed in a round trip\n  in:  {v}\n  out: {back}"
    );
    // Also through the text form, as a client reads it.
    let text = serde_json::to_string(&typed).unwrap();
    let again: T = serde_json::from_str(&text).unwrap();
    assert!(
        same(v, &serde_json::to_value(&again).unwrap()),
        "{what}: text round trip"
    );
    typed
}

/// The data of every event of an SSE text, decoded by the core's decoder (the one the npm
/// package uses).
fn try_events(sse: &[u8]) -> Result<Vec<String>, meingpt_wasm::sse::SseError> {
    let mut out = Vec::new();
    let mut d = SseDecoder::new(1 << 20);
    d.feed(sse, |e| out.push(e.data.to_string()))?;
    d.finish(|_| {})?;
    Ok(out)
}

fn events(sse: &[u8]) -> Vec<String> {
    try_events(sse).unwrap()
}

#[test]
fn simulator_responses_round_trip() {
    let f = fixtures();
    let responses = f["responses"].as_object().unwrap();
    assert!(responses.len() >= 7);
    for (name, body) in responses {
        let c: ChatCompletion = round_trip(name, body);
        assert_eq!(c.object, "chat.completion");
    }
    let sonar: ChatCompletion = serde_json::from_value(f["responses"]["sonar"].clone()).unwrap();
    assert_eq!(sonar.extra["citations"].as_array().unwrap().len(), 3);
    let tool: ChatCompletion = serde_json::from_value(f["responses"]["tool_call"].clone()).unwrap();
    let m = &tool.choices[0].message;
    assert_eq!(m.content, None);
    assert_eq!(
        m.tool_calls.as_ref().unwrap()[0].function.name,
        "get_weather"
    );
}

#[test]
fn simulator_stream_chunks_round_trip() {
    let f = fixtures();
    let mut chunks = 0;
    for (name, sse) in f["streams"].as_object().unwrap() {
        let data = events(sse.as_str().unwrap().as_bytes());
        assert_eq!(data.last().map(String::as_str), Some("[DONE]"), "{name}");
        for d in &data[..data.len() - 1] {
            let v: Value = serde_json::from_str(d).unwrap();
            round_trip::<ChatCompletionChunk>(name, &v);
            chunks += 1;
        }
    }
    assert!(chunks > 30, "{chunks}");
}

#[test]
fn sse_corpus_chunks_round_trip() {
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/../../tests/sse-corpus");
    let mut chunks = 0;
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().and_then(|e| e.to_str()) != Some("sse") {
            continue;
        }
        let Ok(data) = try_events(&std::fs::read(&path).unwrap()) else {
            continue; // a corpus file about a decoder error (invalid UTF-8, overlong lines)
        };
        for d in data {
            let Ok(v) = serde_json::from_str::<Value>(&d) else {
                continue; // not JSON: `[DONE]` or a WHATWG example
            };
            if v.get("object").and_then(Value::as_str) == Some("chat.completion.chunk") {
                round_trip::<ChatCompletionChunk>(&path.display().to_string(), &v);
                chunks += 1;
            } else if v.get("error").is_some() || v.get("status").is_some() {
                round_trip::<ErrorBody>(&path.display().to_string(), &v);
            }
        }
    }
    assert!(chunks >= 20, "{chunks}");
}

#[test]
fn requests_and_error_bodies_round_trip() {
    let f = fixtures();
    for (name, body) in f["requests"].as_object().unwrap() {
        round_trip::<ChatCompletionRequest>(name, body);
    }
    for (name, body) in f["errors"].as_object().unwrap() {
        let e: ErrorBody = round_trip(name, body);
        assert!(!e.message().is_empty());
    }
}

#[test]
fn unknown_fields_and_nulls_survive() {
    let v = serde_json::json!({
        "id": "x", "object": "chat.completion", "created": 1, "model": "m",
        "system_fingerprint": null, "provider_field": {"a": [1, 2.5]},
        "choices": [{"index": 0, "logprobs": null, "finish_reason": "something_new",
            "message": {"role": "assistant", "content": null, "refusal": null,
                "reasoning_content": "hm", "annotations": []}}],
        "usage": {"prompt_tokens": 1, "completion_tokens": 2, "total_tokens": 3,
            "completion_tokens_details": {"reasoning_tokens": 1}}
    });
    let c: ChatCompletion = round_trip("extended", &v);
    assert_eq!(
        c.choices[0].message.reasoning_content.as_deref(),
        Some("hm")
    );
}

#[test]
fn the_core_accumulates_a_stream_into_the_non_streamed_answer() {
    // The final completion of a stream comes from the npm package's Accumulator; typed, it equals
    // the non-streamed answer to the same request (apart from what only a stream carries).
    let f = fixtures();
    for (name, sse) in f["streams"].as_object().unwrap() {
        let mut acc = meingpt_wasm::accumulate::Accumulator::new();
        for d in events(sse.as_str().unwrap().as_bytes()) {
            if d != "[DONE]" {
                acc.add_text(&d).unwrap();
            }
        }
        let streamed: ChatCompletion = serde_json::from_str(&acc.finish().unwrap()).unwrap();
        let plain: ChatCompletion = serde_json::from_value(f["responses"][name].clone()).unwrap();
        assert_eq!(streamed.id, plain.id, "{name}");
        assert_eq!(
            streamed.choices[0].message.content, plain.choices[0].message.content,
            "{name}"
        );
        assert_eq!(
            streamed.choices[0].message.tool_calls, plain.choices[0].message.tool_calls,
            "{name}"
        );
        assert_eq!(
            streamed.choices[0].finish_reason, plain.choices[0].finish_reason,
            "{name}"
        );
    }
}
