//! A typed view of one `chat.completion.chunk`: the parts that assembling a completion reads.

use crate::json::{JsonStr, Kind, Value};

/// The top-level members a completion rebuilds itself; every other member is carried over as is.
pub const OWN_MEMBERS: [&str; 6] = ["id", "object", "created", "model", "choices", "usage"];

/// One element of `choices[]` in a chunk.
#[derive(Debug, Default)]
pub struct ChoiceDelta<'v, 'a> {
    /// `index`, or the position in the array when absent.
    pub index: u32,
    /// `delta.role`
    pub role: Option<&'v Value<'a>>,
    /// `delta.content` when it is a string.
    pub content: Option<JsonStr<'a>>,
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
    v.get("index")
        .and_then(Value::as_f64)
        .filter(|i| *i >= 0.0 && *i < 65_536.0)
        .map_or(pos as u32, |i| i as u32)
}

fn non_null<'v, 'a>(v: Option<&'v Value<'a>>) -> Option<&'v Value<'a>> {
    v.filter(|v| !v.is_null())
}

/// Reads `choices[]` of a chunk (an empty list when there is none).
pub fn choices<'v, 'a>(chunk: &'v Value<'a>) -> Vec<ChoiceDelta<'v, 'a>> {
    let Some(list) = chunk.get("choices").and_then(Value::as_array) else {
        return Vec::new();
    };
    list.iter()
        .take(65_536)
        .enumerate()
        .filter(|(_, c)| c.is_object())
        .map(|(pos, c)| {
            let delta = c.get("delta").or_else(|| c.get("message"));
            let d = |k: &str| delta.and_then(|d| d.get(k));
            ChoiceDelta {
                index: index_or(c, pos),
                role: non_null(d("role")),
                content: d("content").and_then(Value::as_str),
                refusal: d("refusal"),
                tool_calls: d("tool_calls")
                    .and_then(Value::as_array)
                    .unwrap_or(&[])
                    .iter()
                    .take(65_536)
                    .enumerate()
                    .map(|(pos, t)| tool_call(t, pos))
                    .collect(),
                finish_reason: non_null(c.get("finish_reason")),
            }
        })
        .collect()
}

fn tool_call<'v, 'a>(t: &'v Value<'a>, pos: usize) -> ToolCallDelta<'v, 'a> {
    let f = t.get("function");
    ToolCallDelta {
        index: index_or(t, pos),
        id: non_null(t.get("id")),
        kind: non_null(t.get("type")),
        name: f.and_then(|f| f.get("name")).and_then(Value::as_str),
        arguments: f.and_then(|f| f.get("arguments")).and_then(Value::as_str),
    }
}

/// The members of a chunk other than [`OWN_MEMBERS`], as (escaped key, value).
pub fn extra_members<'v, 'a>(
    chunk: &'v Value<'a>,
) -> impl Iterator<Item = (JsonStr<'a>, &'v Value<'a>)> + 'v {
    let members: &'v [(JsonStr<'a>, Value<'a>)] = match &chunk.kind {
        Kind::Object(m) => m,
        _ => &[],
    };
    members
        .iter()
        .filter(|(k, _)| !OWN_MEMBERS.iter().any(|o| k.is(o)))
        .map(|(k, v)| (*k, v))
}
