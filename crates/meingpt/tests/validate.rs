//! A typed request is checked by the npm package's own validation: the same error (param path
//! and message) as the core gives for the JSON text `JSON.stringify` makes of the same request.
// Host tests: they read fixture files and need no JavaScript.
#![cfg(not(target_arch = "wasm32"))]

use meingpt::types::{
    ChatCompletionRequest, ChatMessage, ContentPart, ImageUrl, JsonSchemaFormat, ResponseFormat,
    Tool, ToolChoice, ToolChoiceMode,
};
use meingpt::Error;
use serde_json::json;

fn weather() -> Tool {
    Tool::function("get_weather", "Weather", json!({"type": "object"}))
}

fn base() -> ChatCompletionRequest {
    ChatCompletionRequest::new("gpt-4o-mini", vec![ChatMessage::user("hi")])
}

/// The typed request's error equals the core's error for `js` (the body as JS would send it).
fn same_as_npm(typed: &ChatCompletionRequest, js: serde_json::Value) -> Error {
    let ours = meingpt::validate::validate(typed).unwrap_err();
    let npm: Error = meingpt_wasm::validate::validate_request(&js.to_string())
        .unwrap_err()
        .into();
    assert_eq!(ours, npm);
    assert!(matches!(ours, Error::Validation { .. }), "{ours:?}");
    assert_eq!(ours.class_name(), "ValidationError");
    ours
}

fn param(e: &Error) -> &str {
    match e {
        Error::Validation { param, .. } => param,
        _ => "",
    }
}

#[test]
fn a_valid_request_passes_and_is_sent_as_serialized() {
    let r = base()
        .temperature(0.7)
        .tools(vec![weather()])
        .tool_choice(ToolChoice::Mode(ToolChoiceMode::Auto))
        .response_format(ResponseFormat::JsonObject)
        .with("max_tokens", json!(100));
    let text = meingpt::validate::validate(&r).unwrap();
    let v: serde_json::Value = serde_json::from_str(&text).unwrap();
    assert_eq!(v["max_tokens"], 100);
    assert_eq!(v["tool_choice"], "auto");
    assert_eq!(v["response_format"], json!({"type": "json_object"}));
    assert!(v.get("stream").is_none());
}

#[test]
fn temperature_out_of_range() {
    let e = same_as_npm(
        &base().temperature(3.0),
        json!({"model": "gpt-4o-mini", "messages": [{"role": "user", "content": "hi"}], "temperature": 3}),
    );
    assert_eq!(param(&e), "temperature");
    let e = same_as_npm(
        &base().temperature(2.5),
        json!({"model": "gpt-4o-mini", "messages": [{"role": "user", "content": "hi"}], "temperature": 2.5}),
    );
    assert_eq!(
        e.to_string(),
        "temperature: temperature must be a number from 0 to 2 (got 2.5)"
    );
}

#[test]
fn empty_model_and_messages() {
    let mut r = base();
    r.model = String::new();
    let e = same_as_npm(
        &r,
        json!({"model": "", "messages": [{"role": "user", "content": "hi"}]}),
    );
    assert_eq!(param(&e), "model");
    let r = ChatCompletionRequest::new("gpt-4o-mini", vec![]);
    let e = same_as_npm(&r, json!({"model": "gpt-4o-mini", "messages": []}));
    assert_eq!(param(&e), "messages");
}

#[test]
fn tool_choice_naming_an_unknown_tool() {
    let r = base()
        .tools(vec![weather()])
        .tool_choice(ToolChoice::function("get_time"));
    let e = same_as_npm(
        &r,
        json!({"model": "gpt-4o-mini", "messages": [{"role": "user", "content": "hi"}],
            "tools": [{"type": "function", "function": {"name": "get_weather", "description": "Weather", "parameters": {"type": "object"}}}],
            "tool_choice": {"type": "function", "function": {"name": "get_time"}}}),
    );
    assert_eq!(param(&e), "tool_choice.function.name");
}

#[test]
fn bad_tool_name_and_duplicate_tools() {
    let mut bad = weather();
    bad.function.name = "bad name".into();
    let e = same_as_npm(
        &base().tools(vec![bad]),
        json!({"model": "gpt-4o-mini", "messages": [{"role": "user", "content": "hi"}],
            "tools": [{"type": "function", "function": {"name": "bad name", "description": "Weather", "parameters": {"type": "object"}}}]}),
    );
    assert_eq!(param(&e), "tools[0].function.name");
    let e = meingpt::validate::validate(&base().tools(vec![weather(), weather()])).unwrap_err();
    assert_eq!(param(&e), "tools[1].function.name");
}

#[test]
fn tool_message_without_call_id_and_bad_image_part() {
    let r = ChatCompletionRequest::new(
        "gpt-4o-mini",
        vec![ChatMessage::user("hi"), ChatMessage::tool("", "{}")],
    );
    let e = same_as_npm(
        &r,
        json!({"model": "gpt-4o-mini", "messages": [{"role": "user", "content": "hi"}, {"role": "tool", "tool_call_id": "", "content": "{}"}]}),
    );
    assert_eq!(param(&e), "messages[1].tool_call_id");
    // A part this crate does not name goes through `Other` and is still checked.
    let mut other = serde_json::Map::new();
    other.insert("type".into(), json!(""));
    let r = ChatCompletionRequest::new(
        "gpt-4o-mini",
        vec![ChatMessage::user_parts(vec![
            ContentPart::Text {
                text: "look".into(),
            },
            ContentPart::ImageUrl {
                image_url: ImageUrl {
                    url: "https://example.com/a.png".into(),
                    detail: Some("low".into()),
                    extra: Default::default(),
                },
            },
            ContentPart::Other(other),
        ])],
    );
    let e = same_as_npm(
        &r,
        json!({"model": "gpt-4o-mini", "messages": [{"role": "user", "content": [
            {"type": "text", "text": "look"},
            {"type": "image_url", "image_url": {"url": "https://example.com/a.png", "detail": "low"}},
            {"type": ""}]}]}),
    );
    assert_eq!(param(&e), "messages[0].content[2].type");
}

#[test]
fn json_schema_without_a_name() {
    let r = base().response_format(ResponseFormat::JsonSchema {
        json_schema: JsonSchemaFormat {
            name: String::new(),
            description: None,
            schema: Some(json!({"type": "object"})),
            strict: None,
            extra: Default::default(),
        },
    });
    let e = same_as_npm(
        &r,
        json!({"model": "gpt-4o-mini", "messages": [{"role": "user", "content": "hi"}],
            "response_format": {"type": "json_schema", "json_schema": {"name": "", "schema": {"type": "object"}}}}),
    );
    assert!(
        param(&e).starts_with("response_format.json_schema"),
        "{e:?}"
    );
}

#[test]
fn a_null_forwarded_from_json_is_checked_like_the_npm_package_does() {
    // A body a Worker received: its `temperature: null` is kept (not dropped), so it is refused
    // as the npm package refuses it.
    let js = json!({"model": "gpt-4o-mini", "messages": [{"role": "user", "content": "hi"}], "temperature": null});
    let typed: ChatCompletionRequest = serde_json::from_value(js.clone()).unwrap();
    let e = same_as_npm(&typed, js);
    assert_eq!(param(&e), "temperature");
}

#[test]
fn http_errors_map_like_the_npm_package_and_hide_the_key() {
    let key = "sk-secret-1234";
    let e = Error::from_response(
        401,
        r#"{"status":"error","message":"Unauthorized: missing API key"}"#,
        key,
    );
    assert_eq!(e.status(), Some(401));
    assert_eq!(e.class_name(), "AuthenticationError");
    assert!(!e.is_retryable());
    let e = Error::from_response(
        429,
        r#"{"error":{"message":"slow down, sk-secret-1234","type":"rate_limit_error"}}"#,
        key,
    );
    assert_eq!(e.class_name(), "RateLimitError");
    assert!(e.is_retryable());
    let shown = format!("{e} {e:?}");
    assert!(!shown.contains(key), "{shown}");
    assert!(shown.contains("slow down, [redacted]"), "{shown}");
    let e = Error::from_response(502, "<html>Bad gateway</html>", key);
    assert_eq!(e.class_name(), "InternalServerError");
    assert!(e.is_retryable());
    assert_eq!(Error::Timeout.class_name(), "APIConnectionTimeoutError");
    assert!(Error::Timeout.is_retryable());
    assert!(!Error::Aborted.is_retryable());
}
