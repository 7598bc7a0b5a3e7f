//! The embeddings types against real simulator answers (tests/fixtures/embeddings.json, captured
//! by tests/fixtures/capture.mjs): serialize(deserialize(x)) == x for every request and answer,
//! each input shape read as its variant, base64 decoded to the same floats the float answer holds.
// Host tests: they read fixture files and need no JavaScript.
#![cfg(not(target_arch = "wasm32"))]

use meingpt::types::{
    EmbeddingInput, EmbeddingVector, EmbeddingsRequest, EmbeddingsResponse, EncodingFormat,
    ErrorBody,
};
use serde::{de::DeserializeOwned, Serialize};
use serde_json::Value;

fn fixtures() -> Value {
    serde_json::from_str(include_str!("fixtures/embeddings.json")).unwrap()
}

/// JSON equality, numbers by value.
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

fn round_trip<T: DeserializeOwned + Serialize>(what: &str, v: &Value) -> T {
    let typed: T = serde_json::from_value(v.clone())
        .unwrap_or_else(|e| panic!("{what}: does not deserialize: {e}\n{v}"));
    let back = serde_json::to_value(&typed).unwrap();
    assert!(same(v, &back), "{what}: changed in a round trip");
    let text = serde_json::to_string(&typed).unwrap();
    let again: T = serde_json::from_str(&text).unwrap();
    assert!(
        same(v, &serde_json::to_value(&again).unwrap()),
        "{what}: text round trip"
    );
    typed
}

#[test]
fn every_request_round_trips_with_its_input_shape() {
    let f = fixtures();
    let requests = f["requests"].as_object().unwrap();
    assert!(requests.len() >= 7);
    for (name, v) in requests {
        let r: EmbeddingsRequest = round_trip(name, v);
        let want = match name.as_str() {
            "string_float" | "full_size" | "bad_dimensions" => "string",
            "strings_base64" | "strings_float" | "empty_input" => "strings",
            "tokens_default" => "tokens",
            "token_arrays_user" => "token_arrays",
            other => panic!("unknown case {other}"),
        };
        let got = match r.input {
            EmbeddingInput::String(_) => "string",
            EmbeddingInput::Strings(_) => "strings",
            EmbeddingInput::Tokens(_) => "tokens",
            EmbeddingInput::TokenArrays(_) => "token_arrays",
        };
        assert_eq!(got, want, "{name}");
    }
    let r: EmbeddingsRequest = serde_json::from_value(requests["strings_float"].clone()).unwrap();
    assert_eq!(r.encoding_format, Some(EncodingFormat::Float));
    assert_eq!(r.extra["extra_field"], serde_json::json!({"kept": true}));
    let r: EmbeddingsRequest =
        serde_json::from_value(requests["token_arrays_user"].clone()).unwrap();
    assert_eq!(r.user.as_deref(), Some("u-1"));
    assert_eq!(r.dimensions, Some(2));
}

#[test]
fn every_answer_round_trips() {
    let f = fixtures();
    let responses = f["responses"].as_object().unwrap();
    assert!(responses.len() >= 6);
    for (name, v) in responses {
        let r: EmbeddingsResponse = round_trip(name, v);
        let asked = &f["requests"][name];
        assert_eq!(r.object, "list");
        assert_eq!(
            r.data.len(),
            asked["input"]
                .as_array()
                .map_or(1, |a| if a.first().is_some_and(Value::is_number) {
                    1
                } else {
                    a.len()
                }),
            "{name}"
        );
        let dims = asked["dimensions"].as_u64().unwrap_or(3072) as usize;
        for (i, e) in r.data.iter().enumerate() {
            assert_eq!(e.index as usize, i);
            let base64 = asked["encoding_format"] == "base64";
            assert_eq!(
                matches!(e.embedding, EmbeddingVector::Base64(_)),
                base64,
                "{name}"
            );
            assert_eq!(e.embedding.floats().unwrap().len(), dims, "{name}");
        }
        let usage = r.usage.unwrap();
        assert!(usage.prompt_tokens >= 1 && usage.total_tokens == usage.prompt_tokens);
    }
    for (name, v) in f["errors"].as_object().unwrap() {
        let e: ErrorBody = round_trip(name, v);
        let _ = e;
    }
}

#[test]
fn base64_decodes_to_the_float_answer_of_the_same_input() {
    let f = fixtures();
    let b64: EmbeddingsResponse =
        serde_json::from_value(f["responses"]["strings_base64"].clone()).unwrap();
    let floats: EmbeddingsResponse =
        serde_json::from_value(f["responses"]["strings_float"].clone()).unwrap();
    for (a, b) in b64.data.iter().zip(&floats.data) {
        let EmbeddingVector::Float(want) = &b.embedding else {
            panic!("floats expected")
        };
        assert_eq!(a.embedding.floats().as_ref(), Some(want));
        // The float JSON holds float32 values: read as f32 they are exact.
        assert!(want.iter().all(|x| x.abs() <= 1.0 && *x != 0.0));
    }
}

#[test]
fn text_that_is_not_base64_of_whole_floats_is_refused() {
    for bad in ["AAA", "!!!!", "AAAAAAA=", "A"] {
        assert_eq!(EmbeddingVector::Base64(bad.into()).floats(), None, "{bad}");
    }
    assert_eq!(
        EmbeddingVector::Base64("AACAPw==".into()).floats(),
        Some(vec![1.0])
    );
}
