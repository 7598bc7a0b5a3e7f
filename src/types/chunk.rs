//! A typed view of one `chat.completion.chunk`: the parts that assembling a completion reads.

#[allow(unused_imports)]
use crate::prelude::*;

use crate::json::{JsonStr, Value};

/// One element of `choices[]` in a chunk.
#[derive(Debug, Default)]
pub struct ChoiceDelta<'v, 'a> {
    /// `index`, or the position in the array when absent.
    pub index: u32,
    /// `delta.role`
    pub role: Option<&'v Value<'a>>,
    /// `delta.content` when it is a string.
    pub content: Option<JsonStr<'a>>,
    /// `delta.reasoning_content` when it is a string (reasoning models; DeepSeek's name).
    pub reasoning_content: Option<JsonStr<'a>>,
    /// `delta.reasoning` when it is a string (the same, as some other servers name it).
    pub reasoning: Option<JsonStr<'a>>,
    /// `delta.refusal`, present (possibly null).
    pub refusal: Option<&'v Value<'a>>,
    /// `delta.tool_calls[]`
    pub tool_calls: Vec<ToolCallDelta<'v, 'a>>,
    /// `finish_reason` when not null.
    pub finish_reason: Option<&'v Value<'a>>,
}

/// One element of `delta.tool_calls[]`.
#[derive(Debug, Default)]
pub struct ToolCallDelta<'v, 'a> {
    /// `index`, or the position in the array when absent.
    pub index: u32,
    /// `id`
    pub id: Option<&'v Value<'a>>,
    /// `type`
    pub kind: Option<&'v Value<'a>>,
    /// `function.name` piece.
    pub name: Option<JsonStr<'a>>,
    /// `function.arguments` piece.
    pub arguments: Option<JsonStr<'a>>,
}

fn index_or(v: &Value<'_>, pos: usize) -> u32 {
    v.as_f64()
        .filter(|i| *i >= 0.0 && *i < 65_536.0)
        .map_or(pos as u32, |i| i as u32)
}

fn non_null<'v, 'a>(v: &'v Value<'a>) -> Option<&'v Value<'a>> {
    (!v.is_null()).then_some(v)
}

/// One element of `choices[]`: each member looked at once (later duplicates win, as in `JSON.parse`).
pub fn choice<'v, 'a>(c: &'v Value<'a>, pos: usize) -> ChoiceDelta<'v, 'a> {
    let mut d = ChoiceDelta {
        index: pos as u32,
        ..ChoiceDelta::default()
    };
    let mut delta = None;
    for (k, v) in c.members() {
        k.with_key(|key| match key {
            "index" => d.index = index_or(v, pos),
            "delta" => delta = Some(v),
            "message" if delta.is_none() => delta = Some(v),
            "finish_reason" => d.finish_reason = non_null(v),
            _ => {}
        });
    }
    for (k, v) in delta.map_or(&[][..], Value::members) {
        k.with_key(|key| match key {
            "role" => d.role = non_null(v),
            "content" => d.content = v.as_str(),
            "reasoning_content" => d.reasoning_content = v.as_str(),
            "reasoning" => d.reasoning = v.as_str(),
            "refusal" => d.refusal = Some(v),
            "tool_calls" => {
                d.tool_calls = v
                    .as_array()
                    .unwrap_or(&[])
                    .iter()
                    .take(65_536)
                    .enumerate()
                    .map(|(pos, t)| tool_call(t, pos))
                    .collect()
            }
            _ => {}
        });
    }
    d
}

fn tool_call<'v, 'a>(t: &'v Value<'a>, pos: usize) -> ToolCallDelta<'v, 'a> {
    let mut d = ToolCallDelta {
        index: pos as u32,
        ..ToolCallDelta::default()
    };
    for (k, v) in t.members() {
        k.with_key(|key| match key {
            "index" => d.index = index_or(v, pos),
            "id" => d.id = non_null(v),
            "type" => d.kind = non_null(v),
            "function" => {
                d.name = v.get("name").and_then(Value::as_str);
                d.arguments = v.get("arguments").and_then(Value::as_str);
            }
            _ => {}
        });
    }
    d
}
