//! Every request check of the contract, before anything is sent.
//!
//! The input is the request as JSON text (what `JSON.stringify` made of the caller's object, so
//! `undefined` fields are already gone). Each error names the field path (`messages[2].role`) and
//! says what is allowed there. Values are echoed from their raw JSON text, never re-formatted.

#[allow(unused_imports)]
use crate::prelude::*;

use crate::error::Error;
use crate::json::{self, Kind, Value};
use crate::text::indexed as index;
use crate::types::{ResponseFormatType, Role};

/// The text of [`TOOL_NAME_PATTERN`], for `concat!` into the messages that state it.
macro_rules! tool_name_pattern {
    () => {
        "^[A-Za-z0-9_-]{1,64}$"
    };
}

/// What the rest of the call needs to know about a valid request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Checked {
    /// `stream: true` was asked for.
    pub stream: bool,
}

type Res = Result<(), Error>;

fn err(param: &str, message: &str) -> Error {
    Error::validation(param, message)
}

/// Appends `[i]` to a path.
fn field(path: &str, name: &str) -> String {
    let mut p = String::from(path);
    p.push('.');
    p.push_str(name);
    p
}

/// `what` with the raw JSON value shown, cut short when long.
fn got(what: &str, v: &Value<'_>) -> String {
    let mut m = String::from(what);
    m.push_str(" (got ");
    let raw = v.raw;
    // Where the 41st character starts (a byte loop: `char_indices` costs more wasm).
    let mut chars = 0;
    let cut = raw.bytes().position(|b| {
        chars += usize::from(b & 0xC0 != 0x80);
        chars > 40
    });
    match cut {
        Some(cut) => {
            m.push_str(raw.get(..cut).unwrap_or(""));
            m.push('…');
        }
        None => m.push_str(raw),
    }
    m.push(')');
    m
}

/// True when `v.key` is a string.
fn has_str(v: &Value<'_>, key: &str) -> bool {
    v.get(key).and_then(Value::as_str).is_some()
}

/// Checks a request given as JSON text.
pub fn validate_request(text: &str) -> Result<Checked, Error> {
    let v = json::parse(text).map_err(|e| {
        let mut m = String::from("request must be a JSON-serializable object: ");
        m.push_str(e.reason);
        err("request", &m)
    })?;
    validate_value(&v)
}

/// Checks a parsed request.
pub fn validate_value(v: &Value<'_>) -> Result<Checked, Error> {
    if !v.is_object() {
        return Err(err("request", &got("request must be an object", v)));
    }
    match v.get("model") {
        Some(m) if m.as_str().is_some_and(|s| !s.raw().is_empty()) => {}
        Some(m) => return Err(err("model", &got("model must be a non-empty string", m))),
        None => return Err(err("model", "model is required")),
    }
    match v.get("messages") {
        Some(m) => messages(m)?,
        None => return Err(err("messages", "messages is required")),
    }
    if let Some(rf) = v.get("response_format") {
        response_format(rf)?;
    }
    let stream = match v.get("stream") {
        None => false,
        Some(Value {
            kind: Kind::Bool(b),
            ..
        }) => *b,
        Some(s) => return Err(err("stream", &got("stream must be a boolean", s))),
    };
    if let Some(t) = v.get("temperature") {
        if !t.as_f64().is_some_and(|t| (0.0..=2.0).contains(&t)) {
            return Err(err(
                "temperature",
                &got("temperature must be a number from 0 to 2", t),
            ));
        }
    }
    let tools = match v.get("tools") {
        Some(t) => Some(tools(t)?),
        None => None,
    };
    if let Some(tc) = v.get("tool_choice") {
        tool_choice(tc, tools.as_deref())?;
    }
    Ok(Checked { stream })
}

fn messages(m: &Value<'_>) -> Res {
    let list = m
        .as_array()
        .ok_or_else(|| err("messages", &got("messages must be an array", m)))?;
    if list.is_empty() {
        return Err(err("messages", "messages must not be empty"));
    }
    for (i, msg) in list.iter().enumerate() {
        message(&index("messages", i), msg)?;
    }
    Ok(())
}

fn message(path: &str, msg: &Value<'_>) -> Res {
    if !msg.is_object() {
        return Err(err(path, &got("a message must be an object", msg)));
    }
    let role_path = field(path, "role");
    let role = match msg.get("role") {
        None => return Err(err(&role_path, "role is required")),
        Some(r) => r
            .as_str()
            .and_then(|s| Role::parse(&s.decode()))
            .ok_or_else(|| {
                err(
                    &role_path,
                    &got(
                        "role must be one of system, developer, user, assistant, tool",
                        r,
                    ),
                )
            })?,
    };
    if let Some(n) = msg.get("name") {
        if n.as_str().is_none() {
            return Err(err(&field(path, "name"), &got("name must be a string", n)));
        }
    }
    let content_path = field(path, "content");
    let content = msg.get("content");
    match role {
        Role::Assistant => {
            let has_calls = match msg.get("tool_calls") {
                Some(tc) => {
                    tool_calls(&field(path, "tool_calls"), tc)?;
                    true
                }
                None => false,
            };
            match content {
                Some(c) if c.is_null() => {}
                Some(c) => self::content(&content_path, c)?,
                None => {}
            }
            if !has_calls && content.is_none_or(Value::is_null) {
                return Err(err(
                    &content_path,
                    "content is required for an assistant message without tool_calls",
                ));
            }
        }
        _ => {
            match content {
                Some(c) => self::content(&content_path, c)?,
                None => return Err(err(&content_path, "content is required")),
            }
            if role == Role::Tool {
                let p = field(path, "tool_call_id");
                match msg.get("tool_call_id") {
                    Some(id) if id.as_str().is_some_and(|s| !s.raw().is_empty()) => {}
                    Some(id) => {
                        return Err(err(&p, &got("tool_call_id must be a non-empty string", id)))
                    }
                    None => return Err(err(&p, "a tool message needs tool_call_id")),
                }
            }
        }
    }
    Ok(())
}

fn content(path: &str, c: &Value<'_>) -> Res {
    match &c.kind {
        Kind::Str(_) => Ok(()),
        Kind::Array(parts) => {
            for (i, part) in parts.iter().enumerate() {
                content_part(&index(path, i), part)?;
            }
            Ok(())
        }
        _ => Err(err(
            path,
            &got("content must be a string or an array of content parts", c),
        )),
    }
}

fn content_part(path: &str, part: &Value<'_>) -> Res {
    if !part.is_object() {
        return Err(err(path, &got("a content part must be an object", part)));
    }
    let ty = part.get("type").and_then(|t| t.as_str());
    let Some(ty) = ty.filter(|t| !t.raw().is_empty()) else {
        return Err(err(
            &field(path, "type"),
            "a content part needs a type such as \"text\" or \"image_url\"",
        ));
    };
    if ty.is("text") && !has_str(part, "text") {
        return Err(err(
            &field(path, "text"),
            "a text part needs text (a string)",
        ));
    }
    if ty.is("image_url") && !part.get("image_url").is_some_and(|i| has_str(i, "url")) {
        return Err(err(
            &field(&field(path, "image_url"), "url"),
            "an image_url part needs image_url.url (a string)",
        ));
    }
    Ok(())
}

fn tool_calls(path: &str, tc: &Value<'_>) -> Res {
    let list = tc
        .as_array()
        .ok_or_else(|| err(path, &got("tool_calls must be an array", tc)))?;
    for (i, call) in list.iter().enumerate() {
        let p = index(path, i);
        if !call.is_object() {
            return Err(err(&p, &got("a tool call must be an object", call)));
        }
        if !has_str(call, "id") {
            return Err(err(&field(&p, "id"), "a tool call needs an id (a string)"));
        }
        if !call
            .get("type")
            .and_then(|t| t.as_str())
            .is_some_and(|t| t.is("function"))
        {
            return Err(err(
                &field(&p, "type"),
                "a tool call's type must be \"function\"",
            ));
        }
        let fp = field(&p, "function");
        let f = call
            .get("function")
            .filter(|f| f.is_object())
            .ok_or_else(|| err(&fp, "a tool call needs function: {name, arguments}"))?;
        if !has_str(f, "name") {
            return Err(err(&field(&fp, "name"), "function.name must be a string"));
        }
        if !has_str(f, "arguments") {
            return Err(err(
                &field(&fp, "arguments"),
                "function.arguments must be a string (JSON text)",
            ));
        }
    }
    Ok(())
}

fn response_format(rf: &Value<'_>) -> Res {
    const P: &str = "response_format";
    if !rf.is_object() {
        return Err(err(P, &got("response_format must be an object", rf)));
    }
    let tp = "response_format.type";
    let ty = rf
        .get("type")
        .and_then(|t| t.as_str())
        .and_then(|t| ResponseFormatType::parse(&t.decode()))
        .ok_or_else(|| {
            err(
                tp,
                "response_format.type must be text, json_object or json_schema",
            )
        })?;
    if ty == ResponseFormatType::JsonSchema {
        let sp = "response_format.json_schema";
        let js = rf
            .get("json_schema")
            .filter(|j| j.is_object())
            .ok_or_else(|| err(sp, "json_schema must be an object {name, schema, strict?}"))?;
        match js.get("name").and_then(|n| n.as_str()) {
            Some(n) if is_tool_name(&n.decode()) => {}
            _ => {
                return Err(err(
                    "response_format.json_schema.name",
                    concat!("json_schema.name must match ", tool_name_pattern!()),
                ))
            }
        }
        if js.get("schema").is_some_and(|s| !s.is_object()) {
            return Err(err(
                "response_format.json_schema.schema",
                "json_schema.schema must be an object (a JSON Schema)",
            ));
        }
        if js
            .get("strict")
            .is_some_and(|s| !matches!(s.kind, Kind::Bool(_)))
        {
            return Err(err(
                "response_format.json_schema.strict",
                "json_schema.strict must be a boolean",
            ));
        }
    }
    Ok(())
}

/// The pattern tool names and `json_schema.name` must match, as the messages state it;
/// [`is_tool_name`] checks it. The simulator holds the same text (`simulator/validate.mjs`), and
/// `tests/fixtures/requests.json` ties the two.
pub const TOOL_NAME_PATTERN: &str = tool_name_pattern!();

/// True when `n` matches [`TOOL_NAME_PATTERN`].
pub fn is_tool_name(n: &str) -> bool {
    (1..=64).contains(&n.len())
        && n.bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-')
}

/// Checks `tools` and returns the declared function names.
fn tools(t: &Value<'_>) -> Result<Vec<String>, Error> {
    let list = t
        .as_array()
        .ok_or_else(|| err("tools", &got("tools must be an array", t)))?;
    if list.is_empty() {
        return Err(err(
            "tools",
            "tools must not be empty (leave the field out instead)",
        ));
    }
    let mut names: Vec<String> = Vec::with_capacity(list.len());
    for (i, tool) in list.iter().enumerate() {
        let p = index("tools", i);
        if !tool.is_object() {
            return Err(err(&p, &got("a tool must be an object", tool)));
        }
        if !tool
            .get("type")
            .and_then(|t| t.as_str())
            .is_some_and(|t| t.is("function"))
        {
            return Err(err(
                &field(&p, "type"),
                "a tool's type must be \"function\"",
            ));
        }
        let fp = field(&p, "function");
        let f = tool
            .get("function")
            .filter(|f| f.is_object())
            .ok_or_else(|| {
                err(
                    &fp,
                    "a tool needs function: {name, description?, parameters?}",
                )
            })?;
        let np = field(&fp, "name");
        let name = f
            .get("name")
            .and_then(|n| n.as_str())
            .map(|n| n.decode())
            .filter(|n| is_tool_name(n))
            .ok_or_else(|| {
                err(
                    &np,
                    concat!("function.name must match ", tool_name_pattern!()),
                )
            })?;
        if names.contains(&name) {
            return Err(err(&np, "tool names must be unique"));
        }
        if f.get("description").is_some_and(|d| d.as_str().is_none()) {
            return Err(err(
                &field(&fp, "description"),
                "description must be a string",
            ));
        }
        if f.get("parameters").is_some_and(|d| !d.is_object()) {
            return Err(err(
                &field(&fp, "parameters"),
                "parameters must be an object (a JSON Schema)",
            ));
        }
        if f.get("strict")
            .is_some_and(|s| !matches!(s.kind, Kind::Bool(_)))
        {
            return Err(err(&field(&fp, "strict"), "strict must be a boolean"));
        }
        names.push(name);
    }
    Ok(names)
}

fn tool_choice(tc: &Value<'_>, tools: Option<&[String]>) -> Res {
    const P: &str = "tool_choice";
    if let Some(s) = tc.as_str() {
        if s.is("auto") || s.is("none") {
            return Ok(());
        }
        if s.is("required") {
            return match tools {
                Some(_) => Ok(()),
                None => Err(err(P, "tool_choice \"required\" needs tools")),
            };
        }
    }
    if !tc.is_object() {
        return Err(err(
            P,
            &got(
                "tool_choice must be \"auto\", \"none\", \"required\" or {type:\"function\", function:{name}}",
                tc,
            ),
        ));
    }
    if !tc
        .get("type")
        .and_then(|t| t.as_str())
        .is_some_and(|t| t.is("function"))
    {
        return Err(err(
            "tool_choice.type",
            "tool_choice.type must be \"function\"",
        ));
    }
    let name = tc
        .get("function")
        .and_then(|f| f.get("name"))
        .and_then(|n| n.as_str())
        .map(|n| n.decode());
    match (name, tools) {
        (Some(n), Some(t)) if t.contains(&n) => Ok(()),
        _ => Err(err(
            "tool_choice.function.name",
            "tool_choice.function.name must name one of the tools",
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(json: &str) -> Result<Checked, (String, String)> {
        validate_request(json).map_err(|e| match e {
            Error::Validation { param, message } => (param, message),
            other => panic!("not a validation error: {other:?}"),
        })
    }

    fn param_of(json: &str) -> String {
        check(json).expect_err(json).0
    }

    const M: &str = r#""messages":[{"role":"user","content":"Hallo"}]"#;

    #[test]
    fn long_values_are_cut_after_40_characters() {
        let short = crate::json::parse(r#""äöü""#).unwrap();
        assert_eq!(got("x", &short), r#"x (got "äöü")"#);
        // 40 characters kept (the quote and 39 more, multi-byte ones among them), then `…`.
        let long = format!(r#""{}""#, "ä😀".repeat(30));
        let v = crate::json::parse(&long).unwrap();
        assert_eq!(got("x", &v), format!(r#"x (got "{}ä…)"#, "ä😀".repeat(19)));
        let exact = format!(r#""{}""#, "é".repeat(38));
        let v = crate::json::parse(&exact).unwrap();
        assert_eq!(got("x", &v), format!("x (got {exact})"));
    }

    #[test]
    fn minimal_valid_requests() {
        assert_eq!(
            check(&format!(r#"{{"model":"gpt-4o-mini",{M}}}"#)),
            Ok(Checked { stream: false })
        );
        assert_eq!(
            check(&format!(
                r#"{{"model":"m",{M},"stream":true,"temperature":2}}"#
            )),
            Ok(Checked { stream: true })
        );
    }

    #[test]
    fn the_whole_request() {
        for bad in ["null", "1", "[]", "\"x\"", "true", "{"] {
            assert_eq!(param_of(bad), "request", "{bad}");
        }
    }

    #[test]
    fn model() {
        assert_eq!(param_of(&format!("{{{M}}}")), "model");
        assert_eq!(param_of(&format!(r#"{{"model":"",{M}}}"#)), "model");
        assert_eq!(param_of(&format!(r#"{{"model":3,{M}}}"#)), "model");
        assert_eq!(param_of(&format!(r#"{{"model":null,{M}}}"#)), "model");
    }

    #[test]
    fn temperature_bounds_and_message() {
        for t in ["-0.1", "2.0001", "\"1\"", "null", "true", "1e400"] {
            let (p, m) = check(&format!(r#"{{"model":"m",{M},"temperature":{t}}}"#)).unwrap_err();
            assert_eq!(p, "temperature");
            assert!(m.contains("from 0 to 2") && m.contains(t), "{m}");
        }
        for t in ["0", "0.0", "1.5", "2", "2e0", "-0"] {
            assert!(
                check(&format!(r#"{{"model":"m",{M},"temperature":{t}}}"#)).is_ok(),
                "{t}"
            );
        }
    }

    #[test]
    fn messages_paths() {
        let cases = [
            (r#""messages":[]"#, "messages"),
            (r#""messages":{}"#, "messages"),
            (
                r#""messages":[{"role":"user","content":"a"},{"role":"user","content":"b"},{"role":"robot","content":"c"}]"#,
                "messages[2].role",
            ),
            (r#""messages":[{"content":"a"}]"#, "messages[0].role"),
            (r#""messages":[null]"#, "messages[0]"),
            (r#""messages":[{"role":"user"}]"#, "messages[0].content"),
            (
                r#""messages":[{"role":"user","content":5}]"#,
                "messages[0].content",
            ),
            (
                r#""messages":[{"role":"user","content":[{"type":"text"}]}]"#,
                "messages[0].content[0].text",
            ),
            (
                r#""messages":[{"role":"user","content":[{"text":"x"}]}]"#,
                "messages[0].content[0].type",
            ),
            (
                r#""messages":[{"role":"user","content":[{"type":"image_url","image_url":{}}]}]"#,
                "messages[0].content[0].image_url.url",
            ),
            (
                r#""messages":[{"role":"assistant"}]"#,
                "messages[0].content",
            ),
            (
                r#""messages":[{"role":"assistant","content":null}]"#,
                "messages[0].content",
            ),
            (
                r#""messages":[{"role":"assistant","content":null,"tool_calls":[{"id":"c","type":"function","function":{"name":"f"}}]}]"#,
                "messages[0].tool_calls[0].function.arguments",
            ),
            (
                r#""messages":[{"role":"tool","content":"r"}]"#,
                "messages[0].tool_call_id",
            ),
            (
                r#""messages":[{"role":"tool","content":"r","tool_call_id":""}]"#,
                "messages[0].tool_call_id",
            ),
            (
                r#""messages":[{"role":"user","content":"a","name":1}]"#,
                "messages[0].name",
            ),
        ];
        for (msgs, want) in cases {
            assert_eq!(
                param_of(&format!(r#"{{"model":"m",{msgs}}}"#)),
                want,
                "{msgs}"
            );
        }
    }

    #[test]
    fn valid_message_shapes() {
        let ok = r#"{"model":"m","messages":[
            {"role":"system","content":"s"},{"role":"developer","content":"d"},
            {"role":"user","content":[{"type":"text","text":"t"},{"type":"image_url","image_url":{"url":"data:x"}},{"type":"input_audio","input_audio":{}}]},
            {"role":"assistant","content":null,"tool_calls":[{"id":"c1","type":"function","function":{"name":"f","arguments":"{}"}}]},
            {"role":"tool","tool_call_id":"c1","content":"r"},
            {"role":"assistant","content":"fine"}]}"#;
        assert!(check(ok).is_ok());
    }

    #[test]
    fn tools_and_tool_choice() {
        let tool = |n: &str| format!(r#"{{"type":"function","function":{{"name":"{n}"}}}}"#);
        let req = |rest: &str| format!(r#"{{"model":"m",{M},{rest}}}"#);
        assert!(check(&req(&format!(
            r#""tools":[{}],"tool_choice":"required""#,
            tool("a")
        )))
        .is_ok());
        assert!(check(&req(&format!(
            r#""tools":[{},{}],"tool_choice":{{"type":"function","function":{{"name":"b"}}}}"#,
            tool("a"),
            tool("b")
        )))
        .is_ok());
        let cases = [
            (r#""tools":[]"#.to_string(), "tools"),
            (r#""tools":{}"#.to_string(), "tools"),
            (
                format!(r#""tools":[{},{}]"#, tool("a"), tool("a")),
                "tools[1].function.name",
            ),
            (
                format!(r#""tools":[{}]"#, tool("bad name")),
                "tools[0].function.name",
            ),
            (
                format!(r#""tools":[{}]"#, tool(&"x".repeat(65))),
                "tools[0].function.name",
            ),
            (
                r#""tools":[{"type":"web","function":{"name":"a"}}]"#.into(),
                "tools[0].type",
            ),
            (
                r#""tools":[{"type":"function"}]"#.into(),
                "tools[0].function",
            ),
            (
                r#""tools":[{"type":"function","function":{"name":"a","parameters":[]}}]"#.into(),
                "tools[0].function.parameters",
            ),
            (
                format!(
                    r#""tools":[{}],"tool_choice":{{"type":"function","function":{{"name":"zz"}}}}"#,
                    tool("a")
                ),
                "tool_choice.function.name",
            ),
            (
                r#""tool_choice":{"type":"function","function":{"name":"a"}}"#.into(),
                "tool_choice.function.name",
            ),
            (r#""tool_choice":"required""#.into(), "tool_choice"),
            (r#""tool_choice":"always""#.into(), "tool_choice"),
            (
                format!(r#""tools":[{}],"tool_choice":{{"type":"x"}}"#, tool("a")),
                "tool_choice.type",
            ),
        ];
        for (rest, want) in cases {
            assert_eq!(param_of(&req(&rest)), want, "{rest}");
        }
        assert!(check(&req(r#""tool_choice":"none""#)).is_ok());
    }

    #[test]
    fn response_format_and_stream() {
        let req = |rest: &str| format!(r#"{{"model":"m",{M},{rest}}}"#);
        for ok in [
            r#""response_format":{"type":"text"}"#,
            r#""response_format":{"type":"json_object"}"#,
            r#""response_format":{"type":"json_schema","json_schema":{"name":"a_b","schema":{"type":"object"},"strict":true}}"#,
        ] {
            assert!(check(&req(ok)).is_ok(), "{ok}");
        }
        let cases = [
            (r#""response_format":"json""#, "response_format"),
            (
                r#""response_format":{"type":"xml"}"#,
                "response_format.type",
            ),
            (
                r#""response_format":{"type":"json_schema"}"#,
                "response_format.json_schema",
            ),
            (
                r#""response_format":{"type":"json_schema","json_schema":{"schema":{}}}"#,
                "response_format.json_schema.name",
            ),
            (
                r#""response_format":{"type":"json_schema","json_schema":{"name":"n","schema":1}}"#,
                "response_format.json_schema.schema",
            ),
            (r#""stream":"yes""#, "stream"),
            (r#""stream":null"#, "stream"),
        ];
        for (rest, want) in cases {
            assert_eq!(param_of(&req(rest)), want, "{rest}");
        }
    }

    #[test]
    fn unknown_fields_pass() {
        assert!(check(&format!(
            r#"{{"model":"m",{M},"top_p":null,"stream_options":{{"include_usage":true}},"x":[1]}}"#
        ))
        .is_ok());
    }
}
