//! Chunks in, the final `ChatCompletion` out (as JSON text).
//!
//! Content, refusals and tool-call arguments are joined as *escaped* JSON text, so a character
//! split by UTF-16 unit across two chunks (`"\ud83d"` + `"\ude00"`) is whole again in the result.
//! Only what the final object needs is kept: joined text, tool calls, usage, the last top-level
//! extras; chunk objects themselves are dropped as soon as they are read.
//!
//! This file holds the state and the full path (every member of a chunk read); `shortcut.rs` the
//! same-shape shortcut (a chunk shaped like the last one adds its content without being read
//! whole); `write.rs` the final completion's JSON.

#[allow(unused_imports)]
use crate::prelude::*;

mod shortcut;
mod write;

use crate::json::{Cursor, JsonError, JsonStr, Value};
use crate::types::chunk::{self, ChoiceDelta};
pub use shortcut::Hole;
use shortcut::{ContentSpan, HoleAt, Probe, Shape};

/// Most choices, and tool calls per choice, kept (OpenAI allows 128 choices); entries past it are
/// dropped, so hostile chunks cannot make each insertion slower and slower.
const MAX_ENTRIES: usize = 1024;

/// Most distinct top-level members other than the known ones (`citations`, `system_fingerprint`,
/// ...) kept for the final completion; new ones past it are dropped (servers send a handful). Each
/// member of each chunk is compared with the keys kept: without a bound, one event with 40,000
/// distinct keys took seconds (DESIGN.md, "Stream chunks with many keys").
pub const MAX_EXTRAS: usize = 16;

/// Builds the final completion from a stream's chunks.
#[derive(Debug, Default)]
pub struct Accumulator {
    /// A chunk object was added.
    seen: bool,
    /// Raw JSON text of the last non-null `id`, `created`, `model`.
    id: Option<String>,
    created: Option<String>,
    model: Option<String>,
    /// Other top-level members: key (escaped, as sent) and raw value text, at most [`MAX_EXTRAS`].
    extras: Vec<(String, String)>,
    /// Sorted by index.
    choices: Vec<Choice>,
    /// Raw JSON text of the last non-null `usage`.
    usage: Option<String>,
    shape: Shape,
    /// Where the last chunk added differs from its shape, when it had the last one's (see
    /// [`Accumulator::hole`]).
    hole: Option<HoleAt>,
}

/// One chunk's top-level members that are only used once all are read.
#[derive(Default)]
struct Members<'a> {
    read: ChunkRead<'a>,
    error: Option<Value<'a>>,
    status: Option<Value<'a>>,
}

impl<'a> Members<'a> {
    fn finish(mut self) -> ChunkRead<'a> {
        self.read.error = crate::error::error_message(
            self.error.as_ref(),
            self.status.as_ref(),
            self.read.message,
        );
        self.read
    }
}

/// One choice of the final completion; text fields are escaped JSON text without quotes, the
/// others raw JSON values.
#[derive(Debug, Default)]
struct Choice {
    index: u32,
    role: Option<String>,
    content: Option<String>,
    /// `reasoning_content` and `reasoning` (reasoning models), each joined as content is.
    reasoning_content: Option<String>,
    reasoning: Option<String>,
    /// `None` until a chunk sends `refusal`; `Some(None)` while it was only `null`; then the
    /// joined text. (An enum for the three states measured 19 B more gzip.)
    refusal: Option<Option<String>>,
    tool_calls: Vec<ToolCall>,
    finish_reason: Option<String>,
}

#[derive(Debug, Default)]
struct ToolCall {
    index: u32,
    id: Option<String>,
    kind: Option<String>,
    name: String,
    arguments: String,
}

/// Keeps the raw text of the latest non-null value, reusing the buffer (most chunks repeat it).
fn set_raw(slot: &mut Option<String>, raw: &str) {
    if raw == "null" {
        return;
    }
    match slot {
        Some(kept) if kept == raw => {}
        Some(kept) => {
            kept.clear();
            kept.push_str(raw);
        }
        None => *slot = Some(raw.into()),
    }
}

/// Keeps `raw` as the value of top-level member `key` (the last value wins, the place is the
/// first one's), unless `key` is new and [`MAX_EXTRAS`] keys are kept already.
fn set_extra(extras: &mut Vec<(String, String)>, key: &str, raw: &str) {
    let full = extras.len() >= MAX_EXTRAS;
    match extras.iter_mut().find(|(kept, _)| kept == key) {
        Some((_, value)) => {
            value.clear();
            value.push_str(raw);
        }
        None if full => {}
        None => extras.push((key.into(), raw.into())),
    }
}

fn set_value(slot: &mut Option<String>, v: Option<&Value<'_>>) {
    if let Some(v) = v {
        set_raw(slot, v.raw);
    }
}

/// What reading one chunk found besides what it added.
#[derive(Debug, Default)]
pub struct ChunkRead<'a> {
    /// Choice 0's content delta, if any.
    pub delta: Option<JsonStr<'a>>,
    /// The message when the chunk is an error object (`{"status":"error",...}` or `{"error":...}`).
    pub error: Option<String>,
    /// A top-level `message` string, if any.
    pub message: Option<JsonStr<'a>>,
}

impl Accumulator {
    /// A new, empty accumulator.
    pub fn new() -> Self {
        Self::default()
    }

    /// True once a chunk object was added.
    pub fn has_chunks(&self) -> bool {
        self.seen
    }

    /// Adds one parsed chunk and returns its content delta for choice 0, if any. Values that are
    /// not objects are ignored.
    pub fn add<'a>(&mut self, c: &Value<'a>) -> Option<JsonStr<'a>> {
        self.add_text(c.raw).ok().and_then(|r| r.delta)
    }

    /// Reads one chunk's JSON text and adds it: the hot path of a stream. The text is checked as
    /// `JSON.parse` would check it, but only the parts a completion needs are built (each choice);
    /// the other members are checked and kept as text. Values that are not objects are checked
    /// and ignored.
    pub fn add_text<'a>(&mut self, src: &'a str) -> Result<ChunkRead<'a>, JsonError> {
        self.hole = None;
        let shaped = self.add_same_shape(src);
        if let Some(Ok(read)) = shaped {
            return Ok(read);
        }
        // Forgotten first: a chunk that fails half-way may have changed what the shape assumed.
        self.shape.forget();
        if let Some(Err(e)) = shaped {
            return Err(e);
        }
        let mut probe = Probe::default();
        let read = self.add_full(src, &mut probe)?;
        self.shape.remember(src, &probe);
        Ok(read)
    }

    fn add_full<'a>(
        &mut self,
        src: &'a str,
        probe: &mut Probe,
    ) -> Result<ChunkRead<'a>, JsonError> {
        let mut cursor = Cursor::new(src);
        if !cursor.enter_object() {
            cursor.skip()?;
            cursor.end()?;
            return Ok(ChunkRead::default());
        }
        self.seen = true;
        let mut members = Members::default();
        let mut first = true;
        // One pass over the members; a later duplicate wins, as in `JSON.parse`.
        while let Some(key) = cursor.next_key(first)? {
            first = false;
            self.member(key, &mut cursor, src, &mut members, probe)?;
        }
        cursor.end()?;
        Ok(members.finish())
    }

    /// Reads one top-level member of a chunk (the cursor is on its value).
    fn member<'a>(
        &mut self,
        k: JsonStr<'a>,
        c: &mut Cursor<'a>,
        src: &'a str,
        m: &mut Members<'a>,
        probe: &mut Probe,
    ) -> Result<(), JsonError> {
        k.with_key(|key| -> Result<(), JsonError> {
            match key {
                "choices" => {
                    // After the content's `choices`, another one would change the delta.
                    probe.blocks_shortcut |= probe.content.is_some();
                    let start = c.pos();
                    if c.enter_array() {
                        let items = probe.choice_items;
                        m.read.delta = self.add_choices(c, src, probe)?;
                        if probe.choice_items > items {
                            probe.choices = start..c.pos();
                        }
                    } else {
                        c.skip()?;
                    }
                }
                "error" => {
                    probe.blocks_shortcut = true;
                    m.error = Some(c.value()?)
                }
                "status" => {
                    probe.blocks_shortcut = true;
                    m.status = Some(c.value()?)
                }
                "message" => {
                    probe.blocks_shortcut = true;
                    m.read.message = c.value()?.as_str()
                }
                _ => {
                    let raw = c.skip()?;
                    match key {
                        "id" => set_raw(&mut self.id, raw),
                        "created" => set_raw(&mut self.created, raw),
                        "model" => set_raw(&mut self.model, raw),
                        "usage" => set_raw(&mut self.usage, raw),
                        "object" => {}
                        _ => set_extra(&mut self.extras, k.raw(), raw),
                    }
                }
            }
            Ok(())
        })
    }

    /// The items of an entered `choices` array; returns choice 0's content delta.
    fn add_choices<'a>(
        &mut self,
        c: &mut Cursor<'a>,
        src: &'a str,
        probe: &mut Probe,
    ) -> Result<Option<JsonStr<'a>>, JsonError> {
        let mut first = None;
        let mut pos = 0;
        while c.next_item(pos == 0)? {
            let item = c.value()?;
            probe.choice_items += 1;
            if pos < 65_536 && item.is_object() {
                let delta = chunk::choice(&item, pos);
                if delta.index == 0 {
                    first = delta.content;
                }
                // A tool call that only adds arguments can be the shape's string, as content
                // is; other tool calls, refusals and reasoning pieces add text at each
                // repetition.
                let arguments = match (delta.content, &delta.tool_calls[..]) {
                    (None, [call]) if call.name.is_none() => call.arguments,
                    _ => None,
                };
                probe.blocks_shortcut |= (!delta.tool_calls.is_empty() && arguments.is_none())
                    || delta.refusal.is_some_and(|r| !r.is_null())
                    || delta.reasoning_content.is_some()
                    || delta.reasoning.is_some();
                let (index, content) = (delta.index, delta.content);
                let (slot, call) = self.add_choice(delta);
                let text = content.or(arguments);
                probe.content = text.map(|s| {
                    // The string's place in the chunk text (it is a slice of it).
                    let start = (s.raw().as_ptr() as usize).wrapping_sub(src.as_ptr() as usize);
                    ContentSpan {
                        choice_is_zero: index == 0,
                        choice_slot: slot,
                        call: arguments.map(|_| call),
                        text: start..start + s.raw().len(),
                    }
                });
            }
            pos += 1;
        }
        Ok(first)
    }

    /// Adds one choice's delta; returns the choice's place in `choices` and its last tool call's
    /// place in the choice's (`usize::MAX` when dropped).
    fn add_choice(&mut self, delta: ChoiceDelta<'_, '_>) -> (usize, usize) {
        // Kept in index order, so the result needs no sort.
        let slot = match self
            .choices
            .binary_search_by_key(&delta.index, |choice| choice.index)
        {
            Ok(slot) => slot,
            Err(_) if self.choices.len() >= MAX_ENTRIES => return (usize::MAX, usize::MAX),
            Err(slot) => {
                insert_at(
                    &mut self.choices,
                    slot,
                    Choice {
                        index: delta.index,
                        ..Choice::default()
                    },
                );
                slot
            }
        };
        let Some(choice) = self.choices.get_mut(slot) else {
            return (usize::MAX, usize::MAX);
        };
        set_value(&mut choice.role, delta.role);
        join(&mut choice.content, delta.content);
        join(&mut choice.reasoning_content, delta.reasoning_content);
        join(&mut choice.reasoning, delta.reasoning);
        if let Some(refusal) = delta.refusal {
            let kept = choice.refusal.get_or_insert(None);
            if let Some(piece) = refusal.as_str() {
                kept.get_or_insert_with(String::new).push_str(piece.raw());
            }
        }
        set_value(&mut choice.finish_reason, delta.finish_reason);
        let mut place = usize::MAX;
        for call in delta.tool_calls {
            place = usize::MAX;
            let kept = match choice
                .tool_calls
                .binary_search_by_key(&call.index, |kept| kept.index)
            {
                Ok(p) => {
                    place = p;
                    choice.tool_calls.get_mut(p)
                }
                Err(_) if choice.tool_calls.len() >= MAX_ENTRIES => continue,
                Err(p) => {
                    place = p;
                    insert_at(
                        &mut choice.tool_calls,
                        p,
                        ToolCall {
                            index: call.index,
                            ..ToolCall::default()
                        },
                    );
                    choice.tool_calls.get_mut(p)
                }
            };
            let Some(kept) = kept else { continue };
            set_value(&mut kept.id, call.id);
            set_value(&mut kept.kind, call.kind);
            if let Some(n) = call.name {
                kept.name.push_str(n.raw());
            }
            if let Some(a) = call.arguments {
                kept.arguments.push_str(a.raw());
            }
        }
        (slot, place)
    }
}

/// `Vec::insert` without its panic path (`p` is never past the end here).
fn insert_at<T>(v: &mut Vec<T>, p: usize, item: T) {
    v.push(item);
    if let Some(tail) = v.get_mut(p..) {
        tail.rotate_right(1);
    }
}

/// Appends a piece of escaped text to the joined text in `slot`.
fn join(slot: &mut Option<String>, piece: Option<JsonStr<'_>>) {
    if let Some(s) = piece {
        slot.get_or_insert_with(String::new).push_str(s.raw());
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::json::parse;

    pub(super) fn run(chunks: &[&str]) -> String {
        let mut a = Accumulator::new();
        for c in chunks {
            a.add(&parse(c).unwrap());
        }
        a.finish().unwrap()
    }

    #[test]
    fn joins_content_and_keeps_extras_and_usage() {
        let out = run(&[
            r#"{"id":"c1","object":"chat.completion.chunk","created":7,"model":"sonar","citations":["a"],"choices":[{"index":0,"delta":{"role":"assistant","content":""},"finish_reason":null}]}"#,
            r#"{"id":"c1","object":"chat.completion.chunk","created":7,"model":"sonar","citations":["a","b"],"choices":[{"index":0,"delta":{"content":"Grüße "},"finish_reason":null}]}"#,
            r#"{"id":"c1","object":"chat.completion.chunk","created":7,"model":"sonar","choices":[{"index":0,"delta":{"content":"\ud83d"},"finish_reason":null}]}"#,
            r#"{"id":"c1","object":"chat.completion.chunk","created":7,"model":"sonar","choices":[{"index":0,"delta":{"content":"\ude00!"},"finish_reason":null}]}"#,
            r#"{"id":"c1","object":"chat.completion.chunk","created":7,"model":"sonar","choices":[{"index":0,"delta":{},"finish_reason":"stop"}]}"#,
            r#"{"id":"c1","object":"chat.completion.chunk","created":7,"model":"sonar","choices":[],"usage":{"prompt_tokens":3,"completion_tokens":4,"total_tokens":7}}"#,
        ]);
        assert_eq!(
            out,
            r#"{"id":"c1","object":"chat.completion","created":7,"model":"sonar","citations":["a","b"],"choices":[{"index":0,"message":{"role":"assistant","content":"Grüße \ud83d\ude00!"},"finish_reason":"stop"}],"usage":{"prompt_tokens":3,"completion_tokens":4,"total_tokens":7}}"#
        );
        let v = parse(&out).unwrap();
        let content = v.get("choices").unwrap().as_array().unwrap()[0]
            .get("message")
            .unwrap()
            .get("content")
            .unwrap()
            .as_str()
            .unwrap()
            .decode();
        assert_eq!(content, "Grüße 😀!");
    }

    #[test]
    fn keeps_reasoning_joined_as_content_is() {
        // Reasoning models stream their reasoning before the answer; some providers refuse the
        // next turn without it, so the final completion must keep it (both field names).
        let out = run(&[
            r#"{"id":"r","created":2,"model":"deepseek-r1","choices":[{"index":0,"delta":{"role":"assistant","content":"","reasoning_content":"Erst "}}]}"#,
            r#"{"id":"r","created":2,"model":"deepseek-r1","choices":[{"index":0,"delta":{"reasoning_content":"denken \ud83d"}}]}"#,
            r#"{"id":"r","created":2,"model":"deepseek-r1","choices":[{"index":0,"delta":{"reasoning_content":"\ude00."}}]}"#,
            r#"{"id":"r","created":2,"model":"deepseek-r1","choices":[{"index":0,"delta":{"content":"Ant","reasoning_content":null}}]}"#,
            r#"{"id":"r","created":2,"model":"deepseek-r1","choices":[{"index":0,"delta":{"content":"wort","reasoning_content":null}}]}"#,
            r#"{"id":"r","created":2,"model":"deepseek-r1","choices":[{"index":1,"delta":{"reasoning":"hm","content":"b"},"finish_reason":"stop"}]}"#,
            r#"{"id":"r","created":2,"model":"deepseek-r1","choices":[{"index":1,"delta":{"reasoning":"m","content":"c","reasoning_content":7}}]}"#,
        ]);
        assert_eq!(
            out,
            r#"{"id":"r","object":"chat.completion","created":2,"model":"deepseek-r1","choices":[{"index":0,"message":{"role":"assistant","content":"Antwort","reasoning_content":"Erst denken \ud83d\ude00."},"finish_reason":null},{"index":1,"message":{"role":"assistant","content":"bc","reasoning":"hmm"},"finish_reason":"stop"}]}"#
        );
        assert!(parse(&out).is_ok());
    }

    #[test]
    fn extras_past_the_cap_are_dropped_the_kept_ones_keep_place_and_last_value() {
        // A server that floods new top-level keys: the first MAX_EXTRAS are kept, in the order
        // first seen, each with its last value; later new keys are dropped.
        let flood: String = (0..100).map(|i| format!(r#","k{i}":{i}"#)).collect();
        let out = run(&[
            r#"{"id":"x","citations":["a"],"choices":[]}"#,
            &format!(r#"{{"id":"x"{flood},"choices":[]}}"#),
            r#"{"id":"x","k99":1,"citations":["a","b"],"k3":"new","choices":[]}"#,
        ]);
        let kept: String = (0..MAX_EXTRAS - 1)
            .map(|i| match i {
                3 => String::from(r#","k3":"new""#),
                _ => format!(r#","k{i}":{i}"#),
            })
            .collect();
        assert_eq!(
            out,
            format!(
                r#"{{"id":"x","object":"chat.completion","created":0,"model":"","citations":["a","b"]{kept},"choices":[]}}"#
            )
        );
    }

    #[test]
    fn merges_tool_calls_by_index() {
        let out = run(&[
            r#"{"id":"x","created":1,"model":"m","choices":[{"index":0,"delta":{"role":"assistant","content":null,"tool_calls":[{"index":0,"id":"call_a","type":"function","function":{"name":"get_weather","arguments":""}}]}}]}"#,
            r#"{"id":"x","created":1,"model":"m","choices":[{"index":0,"delta":{"tool_calls":[{"index":1,"id":"call_b","type":"function","function":{"name":"get_time","arguments":"{\"tz\""}}]}}]}"#,
            r#"{"id":"x","created":1,"model":"m","choices":[{"index":0,"delta":{"tool_calls":[{"index":0,"function":{"arguments":"{\"city\":"}}]}}]}"#,
            r#"{"id":"x","created":1,"model":"m","choices":[{"index":0,"delta":{"tool_calls":[{"index":0,"function":{"arguments":"\"München\"}"}},{"index":1,"function":{"arguments":":\"CET\"}"}}]}}]}"#,
            r#"{"id":"x","created":1,"model":"m","choices":[{"index":0,"delta":{},"finish_reason":"tool_calls"}]}"#,
        ]);
        assert_eq!(
            out,
            r#"{"id":"x","object":"chat.completion","created":1,"model":"m","choices":[{"index":0,"message":{"role":"assistant","content":null,"tool_calls":[{"id":"call_a","type":"function","function":{"name":"get_weather","arguments":"{\"city\":\"München\"}"}},{"id":"call_b","type":"function","function":{"name":"get_time","arguments":"{\"tz\":\"CET\"}"}}]},"finish_reason":"tool_calls"}]}"#
        );
        assert!(parse(&out).is_ok());
    }

    #[test]
    fn several_choices_and_refusal() {
        let out = run(&[
            r#"{"id":"x","choices":[{"index":1,"delta":{"content":"b"}},{"index":0,"delta":{"content":"a","refusal":null}}]}"#,
            r#"{"id":"x","choices":[{"index":0,"delta":{"refusal":"no"},"finish_reason":"stop"},{"index":1,"delta":{},"finish_reason":"length"}]}"#,
        ]);
        assert_eq!(
            out,
            r#"{"id":"x","object":"chat.completion","created":0,"model":"","choices":[{"index":0,"message":{"role":"assistant","content":"a","refusal":"no"},"finish_reason":"stop"},{"index":1,"message":{"role":"assistant","content":"b"},"finish_reason":"length"}]}"#
        );
    }

    #[test]
    fn many_choices_and_tool_calls_in_any_order_come_out_sorted() {
        // Choices and tool calls are found by binary search (a linear scan made a chunk with
        // 65,536 choices take seconds); order and merging must not change.
        let n = 300u32;
        let order = |i: u32| (i * 7919) % n; // a permutation of 0..n
        let mut a = Accumulator::new();
        for round in 0..2 {
            let mut c = String::from(r#"{"choices":["#);
            for i in 0..n {
                let idx = if round == 0 { n - 1 - i } else { order(i) };
                if i > 0 {
                    c.push(',');
                }
                c.push_str(&format!(
                    r#"{{"index":{idx},"delta":{{"content":"{round}","tool_calls":[{{"index":{},"function":{{"arguments":"{idx}"}}}},{{"index":{}}}]}}}}"#,
                    order(idx) % 5,
                    4 - order(idx) % 5,
                ));
            }
            c.push_str("]}");
            a.add(&parse(&c).unwrap());
        }
        let out = a.finish().unwrap();
        let v = parse(&out).unwrap();
        let choices = v.get("choices").unwrap().as_array().unwrap();
        assert_eq!(choices.len(), n as usize);
        for (i, ch) in choices.iter().enumerate() {
            assert_eq!(ch.get("index").unwrap().raw, i.to_string());
            let m = ch.get("message").unwrap();
            assert_eq!(m.get("content").unwrap().raw, r#""01""#);
            let calls = m.get("tool_calls").unwrap().as_array().unwrap();
            let args: Vec<&str> = calls
                .iter()
                .map(|t| t.get("function").unwrap().get("arguments").unwrap().raw)
                .collect();
            let first = order(i as u32) % 5;
            let second = 4 - first;
            let mut want = vec![format!(r#""{i}{i}""#), String::from(r#""""#)];
            if first > second {
                want.reverse();
            }
            if first == second {
                want = vec![format!(r#""{i}{i}""#)];
            }
            assert_eq!(args, want, "choice {i}");
        }
    }

    #[test]
    fn odd_chunks_never_break_it() {
        let mut a = Accumulator::new();
        assert_eq!(a.finish(), None);
        for c in [
            "1",
            "[]",
            "null",
            r#"{"choices":5}"#,
            r#"{"choices":[1,null,{"delta":7},{"index":-3,"delta":{"tool_calls":[5,{"index":1e300}]}}]}"#,
            r#"{"choices":[{"index":"a","delta":{"content":1,"tool_calls":{"x":1}}}]}"#,
        ] {
            a.add(&parse(c).unwrap());
        }
        assert!(parse(&a.finish().unwrap()).is_ok());
    }

    #[test]
    fn hostile_chunks_keep_at_most_max_entries_choices() {
        let mut a = Accumulator::new();
        let mut chunk = String::from(r#"{"id":"x","choices":["#);
        for i in (0..5000).rev() {
            if i < 4999 {
                chunk.push(',');
            }
            chunk.push_str(r#"{"index":"#);
            crate::text::push_u32(&mut chunk, i);
            chunk.push_str(r#","delta":{"content":"a"}}"#);
        }
        chunk.push_str("]}");
        a.add(&parse(&chunk).unwrap());
        let out = a.finish().unwrap();
        let v = parse(&out).unwrap();
        assert_eq!(
            v.get("choices").unwrap().as_array().unwrap().len(),
            MAX_ENTRIES
        );
    }
}
