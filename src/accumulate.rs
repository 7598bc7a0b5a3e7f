//! Chunks in, the final `ChatCompletion` out (as JSON text).
//!
//! Content, refusals and tool-call arguments are joined as *escaped* JSON text, so a character
//! split by UTF-16 unit across two chunks (`"\ud83d"` + `"\ude00"`) is whole again in the result.
//! Only what the final object needs is kept: joined text, tool calls, usage, the last top-level
//! extras; chunk objects themselves are dropped as soon as they are read.

#[allow(unused_imports)]
use crate::prelude::*;

use crate::json::{Cursor, JsonError, JsonStr, Value};
use crate::types::chunk::{self, ChoiceDelta};

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
    seen: bool,
    id: Option<String>,
    created: Option<String>,
    model: Option<String>,
    extras: Vec<(String, String)>,
    choices: Vec<Choice>,
    usage: Option<String>,
    shape: Shape,
}

/// The bytes of the last chunk that only added content to one choice, around that content.
///
/// Servers send every content chunk of a stream with the same bytes around the text (same `id`,
/// `created`, `model`, one choice, `finish_reason: null`). A chunk with the same bytes before
/// and after a valid string in the same place has the same members, so adding it only appends
/// that string: [`Accumulator::add_text`] checks this with two comparisons and one string scan
/// instead of reading the whole chunk. Some servers end each chunk with members of their own
/// that change every time (OpenAI's `obfuscation`): when only the bytes after the `choices`
/// array differ, the chunk's members are read as on the full path, all but that array, whose
/// bytes are the shape's. Anything else takes the full path.
#[derive(Debug)]
struct Shape {
    /// `text[..head]`: the chunk up to its content string's opening quote (included);
    /// `text[head..head + mid]`: from the closing quote to the end of the `choices` array;
    /// `text[head + mid..]`: the rest. Empty while there is no shape.
    text: String,
    head: usize,
    mid: usize,
    /// Where the `choices` array starts (its `[`).
    array: usize,
    /// False once a chunk's bytes after `choices` differed from this text's: its members may have
    /// changed what this text's set, so from then on they are read every time.
    exact: bool,
    /// Whether the choice's `index` is 0, and its place in `choices` (`usize::MAX`: dropped).
    first: bool,
    at: usize,
    /// Off in tests that compare against the full path.
    on: bool,
    /// Chunks added through the shortcut.
    #[cfg(test)]
    taken: usize,
}

impl Default for Shape {
    fn default() -> Self {
        Shape {
            text: String::new(),
            head: 0,
            mid: 0,
            array: 0,
            exact: true,
            first: false,
            at: 0,
            on: true,
            #[cfg(test)]
            taken: 0,
        }
    }
}

/// What the full path saw of a chunk, to tell whether it can serve as a [`Shape`].
#[derive(Default)]
struct Probe {
    /// `choices` items read, objects or not.
    items: usize,
    /// The single choice: whether its index is 0, its place in `choices`, and its content
    /// string as a byte range of the chunk text.
    content: Option<(bool, usize, usize, usize)>,
    /// Where the `choices` array with the content starts and ends.
    array: usize,
    after: usize,
    /// A member that adds something at each repetition (tool calls, a refusal string, a second
    /// `choices`) or can make the chunk an error (`error`, `status`, `message`).
    other: bool,
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

#[derive(Debug, Default)]
struct Choice {
    index: u32,
    role: Option<String>,
    content: Option<String>,
    /// `reasoning_content` and `reasoning` (reasoning models), each joined as content is.
    reasoning_content: Option<String>,
    reasoning: Option<String>,
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
        Some(s) if s == raw => {}
        Some(s) => {
            s.clear();
            s.push_str(raw);
        }
        None => *slot = Some(raw.into()),
    }
}

/// Keeps `raw` as the value of top-level member `key` (the last value wins, the place is the
/// first one's), unless `key` is new and [`MAX_EXTRAS`] keys are kept already.
fn set_extra(extras: &mut Vec<(String, String)>, key: &str, raw: &str) {
    let full = extras.len() >= MAX_EXTRAS;
    match extras.iter_mut().find(|(k, _)| k == key) {
        Some(e) => {
            e.1.clear();
            e.1.push_str(raw);
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
    /// A fresh accumulator.
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
        let shaped = self.add_same_shape(src);
        if let Some(Ok(read)) = shaped {
            return Ok(read);
        }
        // Cleared first: a chunk that fails half-way may have changed what the shape assumed.
        self.shape.text.clear();
        if let Some(Err(e)) = shaped {
            return Err(e);
        }
        let mut probe = Probe::default();
        let read = self.add_full(src, &mut probe)?;
        if let (Some((first, at, start, end)), 1, false, true) =
            (probe.content, probe.items, probe.other, self.shape.on)
        {
            if let (Some(head), Some(tail)) = (src.get(..start), src.get(end..)) {
                let shape = &mut self.shape;
                shape.text.push_str(head);
                shape.text.push_str(tail);
                shape.head = start;
                shape.mid = probe.after.saturating_sub(end);
                shape.array = probe.array;
                shape.exact = true;
                shape.first = first;
                shape.at = at;
            }
        }
        Ok(read)
    }

    /// Turns the [`Shape`] shortcut off (tests compare both paths).
    #[doc(hidden)]
    pub fn full_path_only(&mut self) {
        self.shape.on = false;
    }

    /// Adds `src` if it has the last chunk's shape (see [`Shape`]); `None` if it has not.
    fn add_same_shape<'a>(&mut self, src: &'a str) -> Option<Result<ChunkRead<'a>, JsonError>> {
        let shape = &self.shape;
        if shape.text.is_empty() {
            return None;
        }
        let (head, rest) = shape.text.as_bytes().split_at_checked(shape.head)?;
        let (mid, tail) = rest.split_at_checked(shape.mid)?;
        let b = src.as_bytes();
        if !same(b.get(..head.len())?, head) {
            return None;
        }
        let close = crate::json::string_end(b, head.len()).ok()?;
        let after = close + mid.len();
        if !same(b.get(close..after)?, mid) {
            return None;
        }
        let content = src.get(head.len()..close)?;
        let (first, at, array) = (shape.first, shape.at, shape.array);
        let exact = shape.exact && same(b.get(after..)?, tail);
        #[cfg(test)]
        {
            self.shape.taken += 1;
        }
        // Only the full path adds choices, so the place is still that choice's.
        if let Some(joined) = self.choices.get_mut(at).and_then(|c| c.content.as_mut()) {
            joined.push_str(content);
        }
        let delta = first.then_some(JsonStr(content));
        if exact {
            return Some(Ok(ChunkRead {
                delta,
                error: None,
                message: None,
            }));
        }
        // The bytes after `choices` differ: the members are read as on the full path, all but
        // that array (its content was just added). Nothing before the content can fail.
        self.shape.exact = false;
        let mut m = Members::default();
        let mut probe = Probe::default();
        let mut c = Cursor::new(src);
        c.enter_object();
        let mut first_key = true;
        let read = (|| {
            while let Some(k) = c.next_key(first_key)? {
                first_key = false;
                if c.pos() == array {
                    m.read.delta = delta;
                    c = Cursor::at(src, after);
                } else {
                    self.member(k, &mut c, src, &mut m, &mut probe)?;
                }
            }
            c.end()
        })();
        if probe.items > 0 {
            // Another `choices` may have moved the choice: no shape any more.
            self.shape.text.clear();
        }
        Some(read.map(|()| m.finish()))
    }

    fn add_full<'a>(
        &mut self,
        src: &'a str,
        probe: &mut Probe,
    ) -> Result<ChunkRead<'a>, JsonError> {
        let mut c = Cursor::new(src);
        if !c.enter_object() {
            c.skip()?;
            c.end()?;
            return Ok(ChunkRead::default());
        }
        self.seen = true;
        let mut m = Members::default();
        let mut first = true;
        // One pass over the members; a later duplicate wins, as in `JSON.parse`.
        while let Some(k) = c.next_key(first)? {
            first = false;
            self.member(k, &mut c, src, &mut m, probe)?;
        }
        c.end()?;
        Ok(m.finish())
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
                    probe.other |= probe.content.is_some();
                    let array = c.pos();
                    if c.enter_array() {
                        let items = probe.items;
                        m.read.delta = self.add_choices(c, src, probe)?;
                        if probe.items > items {
                            (probe.array, probe.after) = (array, c.pos());
                        }
                    } else {
                        c.skip()?;
                    }
                }
                "error" => {
                    probe.other = true;
                    m.error = Some(c.value()?)
                }
                "status" => {
                    probe.other = true;
                    m.status = Some(c.value()?)
                }
                "message" => {
                    probe.other = true;
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
            let v = c.value()?;
            probe.items += 1;
            if pos < 65_536 && v.is_object() {
                let d = chunk::choice(&v, pos);
                if d.index == 0 {
                    first = d.content;
                }
                // Reasoning pieces add text at each repetition, as tool calls and refusals do.
                probe.other |= !d.tool_calls.is_empty()
                    || d.refusal.is_some_and(|r| !r.is_null())
                    || d.reasoning_content.is_some()
                    || d.reasoning.is_some();
                let (index, content) = (d.index, d.content);
                let at = self.add_choice(d);
                probe.content = content.map(|s| {
                    // The string's place in the chunk text (it is a slice of it).
                    let start = (s.raw().as_ptr() as usize).wrapping_sub(src.as_ptr() as usize);
                    (index == 0, at, start, start + s.raw().len())
                });
            }
            pos += 1;
        }
        Ok(first)
    }

    /// Adds one choice's delta; returns the choice's place in `choices` (`usize::MAX` when it
    /// was dropped).
    fn add_choice(&mut self, d: ChoiceDelta<'_, '_>) -> usize {
        // Kept in index order, so the result needs no sort.
        let pos = match self.choices.binary_search_by_key(&d.index, |c| c.index) {
            Ok(p) => p,
            Err(_) if self.choices.len() >= MAX_ENTRIES => return usize::MAX,
            Err(p) => {
                insert_at(
                    &mut self.choices,
                    p,
                    Choice {
                        index: d.index,
                        ..Choice::default()
                    },
                );
                p
            }
        };
        let Some(ch) = self.choices.get_mut(pos) else {
            return usize::MAX;
        };
        set_value(&mut ch.role, d.role);
        join(&mut ch.content, d.content);
        join(&mut ch.reasoning_content, d.reasoning_content);
        join(&mut ch.reasoning, d.reasoning);
        if let Some(r) = d.refusal {
            let slot = ch.refusal.get_or_insert(None);
            if let Some(s) = r.as_str() {
                slot.get_or_insert_with(String::new).push_str(s.raw());
            }
        }
        set_value(&mut ch.finish_reason, d.finish_reason);
        for t in d.tool_calls {
            let tc = match ch.tool_calls.binary_search_by_key(&t.index, |x| x.index) {
                Ok(p) => ch.tool_calls.get_mut(p),
                Err(_) if ch.tool_calls.len() >= MAX_ENTRIES => continue,
                Err(p) => {
                    insert_at(
                        &mut ch.tool_calls,
                        p,
                        ToolCall {
                            index: t.index,
                            ..ToolCall::default()
                        },
                    );
                    ch.tool_calls.get_mut(p)
                }
            };
            let Some(tc) = tc else { continue };
            set_value(&mut tc.id, t.id);
            set_value(&mut tc.kind, t.kind);
            if let Some(n) = t.name {
                tc.name.push_str(n.raw());
            }
            if let Some(a) = t.arguments {
                tc.arguments.push_str(a.raw());
            }
        }
        pos
    }

    /// The completion as JSON text: what a non-streaming call with the same output returns.
    /// `None` when no chunk arrived at all.
    pub fn finish(&self) -> Option<String> {
        if !self.seen {
            return None;
        }
        // Sized up front: the content may be megabytes, and doubling would leave copies behind.
        let opt = |s: &Option<String>| s.as_ref().map_or(0, String::len);
        let extras: usize = self.extras.iter().map(|(k, v)| k.len() + v.len() + 4).sum();
        let choices: usize = self
            .choices
            .iter()
            .map(|c| {
                let calls: usize = c
                    .tool_calls
                    .iter()
                    .map(|t| opt(&t.id) + opt(&t.kind) + t.name.len() + t.arguments.len() + 64)
                    .sum();
                opt(&c.role)
                    + opt(&c.content)
                    + opt(&c.reasoning_content)
                    + opt(&c.reasoning)
                    + 48
                    + c.refusal.as_ref().map_or(0, opt)
                    + opt(&c.finish_reason)
                    + calls
                    + 128
            })
            .sum();
        let cap = 128
            + opt(&self.id)
            + opt(&self.created)
            + opt(&self.model)
            + opt(&self.usage)
            + extras
            + choices;
        let mut o = String::with_capacity(cap);
        o.push_str("{\"id\":");
        o.push_str(self.id.as_deref().unwrap_or("\"\""));
        o.push_str(",\"object\":\"chat.completion\",\"created\":");
        o.push_str(self.created.as_deref().unwrap_or("0"));
        o.push_str(",\"model\":");
        o.push_str(self.model.as_deref().unwrap_or("\"\""));
        for (k, v) in &self.extras {
            o.push_str(",\"");
            o.push_str(k);
            o.push_str("\":");
            o.push_str(v);
        }
        o.push_str(",\"choices\":[");
        for (i, c) in self.choices.iter().enumerate() {
            if i > 0 {
                o.push(',');
            }
            c.write(&mut o);
        }
        o.push(']');
        if let Some(u) = &self.usage {
            o.push_str(",\"usage\":");
            o.push_str(u);
        }
        o.push('}');
        debug_assert!(o.capacity() == cap, "the size estimate was too small");
        Some(o)
    }
}

/// `a == b`, eight bytes at a time (the shape check compares a few hundred bytes per chunk).
fn same(a: &[u8], b: &[u8]) -> bool {
    if a.len() != b.len() {
        return false;
    }
    let mut i = 0;
    while let (Some(x), Some(y)) = (a.get(i..i + 8), b.get(i..i + 8)) {
        let (Ok(x), Ok(y)) = (<[u8; 8]>::try_from(x), <[u8; 8]>::try_from(y)) else {
            break;
        };
        if u64::from_ne_bytes(x) != u64::from_ne_bytes(y) {
            return false;
        }
        i += 8;
    }
    a.get(i..) == b.get(i..)
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

/// `,"name":"<text>"` (`open` holds all but the text and its closing quote) when there is text.
fn string_member(o: &mut String, open: &str, text: &Option<String>) {
    if let Some(t) = text {
        o.push_str(open);
        o.push_str(t);
        o.push('"');
    }
}

fn push_index(o: &mut String, i: u32) {
    crate::text::push_u32(o, i);
}

impl Choice {
    fn write(&self, o: &mut String) {
        o.push_str("{\"index\":");
        push_index(o, self.index);
        o.push_str(",\"message\":{\"role\":");
        o.push_str(self.role.as_deref().unwrap_or("\"assistant\""));
        o.push_str(",\"content\":");
        // A tool-call stream often opens with `content: ""`; the non-streamed answer says null.
        match &self.content {
            Some(c) if !c.is_empty() || self.tool_calls.is_empty() => {
                o.push('"');
                o.push_str(c);
                o.push('"');
            }
            _ => o.push_str("null"),
        }
        string_member(o, ",\"reasoning_content\":\"", &self.reasoning_content);
        string_member(o, ",\"reasoning\":\"", &self.reasoning);
        if let Some(r) = &self.refusal {
            o.push_str(",\"refusal\":");
            match r {
                Some(r) => {
                    o.push('"');
                    o.push_str(r);
                    o.push('"');
                }
                None => o.push_str("null"),
            }
        }
        if !self.tool_calls.is_empty() {
            o.push_str(",\"tool_calls\":[");
            for (i, t) in self.tool_calls.iter().enumerate() {
                if i > 0 {
                    o.push(',');
                }
                o.push_str("{\"id\":");
                o.push_str(t.id.as_deref().unwrap_or("\"\""));
                o.push_str(",\"type\":");
                o.push_str(t.kind.as_deref().unwrap_or("\"function\""));
                o.push_str(",\"function\":{\"name\":\"");
                o.push_str(&t.name);
                o.push_str("\",\"arguments\":\"");
                o.push_str(&t.arguments);
                o.push_str("\"}}");
            }
            o.push(']');
        }
        o.push_str("},\"finish_reason\":");
        o.push_str(self.finish_reason.as_deref().unwrap_or("null"));
        o.push('}');
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::json::parse;

    fn run(chunks: &[&str]) -> String {
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
    fn empty_content_with_tool_calls_is_null_but_empty_text_reply_is_empty() {
        let tool = run(&[
            r#"{"id":"x","choices":[{"index":0,"delta":{"role":"assistant","content":"","tool_calls":[{"index":0,"id":"a","type":"function","function":{"name":"f","arguments":"{}"}}]}}]}"#,
        ]);
        assert!(tool.contains(r#""content":null"#), "{tool}");
        let text = run(&[
            r#"{"id":"x","choices":[{"index":0,"delta":{"role":"assistant","content":""}}]}"#,
        ]);
        assert!(text.contains(r#""content":"""#), "{text}");
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

#[cfg(test)]
mod shape_tests {
    //! The shape shortcut against the full path: same deltas, same errors, same completion.
    use super::*;

    /// Both paths over `chunks`: each chunk's outcome and the final completion must agree.
    fn both(chunks: &[String]) -> usize {
        let (mut fast, mut full) = (Accumulator::new(), Accumulator::new());
        full.full_path_only();
        for c in chunks {
            let a = fast.add_text(c);
            let b = full.add_text(c);
            type Seen<'a> = Result<(Option<&'a str>, Option<String>, Option<&'a str>), JsonError>;
            fn view(r: Result<ChunkRead<'_>, JsonError>) -> Seen<'_> {
                r.map(|r| {
                    (
                        r.delta.map(JsonStr::raw),
                        r.error,
                        r.message.map(JsonStr::raw),
                    )
                })
            }
            let (a, b) = (view(a), view(b));
            assert_eq!(a, b, "chunk {c}");
        }
        assert_eq!(fast.finish(), full.finish(), "after {chunks:?}");
        assert_eq!(full.shape.taken, 0);
        fast.shape.taken
    }

    const CONTENTS: &[&str] = &[
        "",
        "a",
        "Grüße",
        "\\\"",
        "\\\\",
        "\\n",
        "\\ud83d",
        "\\ude00!",
        "x\\",
        "x\\\\\\",
        "\\u12",
        "\\uZZZZ",
        "\\q",
        "\u{1}",
        "\"",
        "a\",\"b",
        "\"},\"x\":{\"content\":\"",
        "😀",
        "\\/",
    ];

    const SHAPES: &[(&str, &str)] = &[
        (
            r#"{"id":"c","object":"chat.completion.chunk","created":1,"model":"m","choices":[{"index":0,"delta":{"content":""#,
            r#""},"logprobs":null,"finish_reason":null}]}"#,
        ),
        (r#"{"choices":[{"index":2,"delta":{"content":""#, r#""}}]}"#),
        (
            r#"{"choices":[{"delta":{"content":""#,
            r#""}}],"choices":[]}"#,
        ),
        (
            r#"{"choices":[{"delta":{"content":""#,
            r#""}}],"ch\u006fices":[]}"#,
        ),
        (
            r#"{"choices":[],"choices":[{"delta":{"content":""#,
            r#""}}]}"#,
        ),
        (
            r#"{"choices":[{"delta":{"role":"assistant","content":""#,
            r#""}}],"x":1}"#,
        ),
        (
            r#"{"choices":[{"delta":{"content":"a","content":""#,
            r#""}}]}"#,
        ),
        (
            r#"{"choices":[{"delta":{"content":""#,
            r#"","content":"b"}}]}"#,
        ),
        (
            r#"{"choices":[{"delta":{"content":""#,
            r#"","refusal":"no"}}]}"#,
        ),
        (
            r#"{"choices":[{"delta":{"content":""#,
            r#"","refusal":null}}]}"#,
        ),
        (
            r#"{"choices":[{"delta":{"content":""#,
            r#"","tool_calls":[{"index":0,"function":{"arguments":"{"}}]}}]}"#,
        ),
        (
            r#"{"choices":[{"delta":{"reasoning_content":"r","content":""#,
            r#""}}]}"#,
        ),
        (
            r#"{"choices":[{"delta":{"content":""#,
            r#"","reasoning_content":"r"}}]}"#,
        ),
        (
            r#"{"choices":[{"delta":{"content":""#,
            r#"","reasoning":"r","reasoning_content":null}}]}"#,
        ),
        (
            r#"{"choices":[{"delta":{"content":""#,
            r#"","reasoning_content":null,"reasoning":""}}]}"#,
        ),
        (r#"{"choices":[{"delta":{"reasoning_content":""#, r#""}}]}"#),
        (
            r#"{"choices":[{"delta":{"content":""#,
            r#""}},{"index":1}]}"#,
        ),
        (
            r#"{"choices":[{"index":1,"delta":{"content":"q"}},{"delta":{"content":""#,
            r#""}}]}"#,
        ),
        (
            r#"{"choices":[{"delta":{"content":"q"}}],"choices":[{"delta":{"content":""#,
            r#""}}]}"#,
        ),
        (
            r#"{"choices":[{"delta":{"content":""#,
            r#""}}],"choices":[{"delta":{}}]}"#,
        ),
        (
            r#"{"status":"error","choices":[{"delta":{"content":""#,
            r#""}}]}"#,
        ),
        (
            r#"{"choices":[{"delta":{"content":""#,
            r#""}}],"message":"m"}"#,
        ),
        (
            r#"{"choices":[{"delta":{"content":""#,
            r#""}}],"error":{"message":"e"}}"#,
        ),
        (
            r#"{"choices":[{"message":{"content":""#,
            r#""},"delta":{}}]}"#,
        ),
        (
            r#"{"choices":[{"delta":{"content":""#,
            r#""},"finish_reason":"stop"}]}"#,
        ),
        (
            r#" { "choices" : [ { "delta" : { "content" : ""#,
            r#"" } } ] } "#,
        ),
        (r#"{"choices":[{"delta":{"content":""#, r#""}}]} x"#),
        (r#"{"choices":[{"delta":{"content":""#, r#""}}]"#),
        (
            r#"{"choices":[{"index":70000,"delta":{"content":""#,
            r#""}}]}"#,
        ),
    ];

    #[test]
    fn same_results_as_the_full_path() {
        let mut shortcuts = 0;
        // Every shape, then every content in it, then content in other shapes.
        for (i, (head, tail)) in SHAPES.iter().enumerate() {
            let mut chunks = Vec::new();
            for c in CONTENTS {
                chunks.push(format!("{head}{c}{tail}"));
            }
            let (h2, t2) = SHAPES[(i + 1) % SHAPES.len()];
            chunks.push(format!("{h2}z{t2}"));
            chunks.push(format!("{head}y{tail}"));
            chunks.push(format!("{head}y{t2}"));
            chunks.push(format!("{h2}y{tail}"));
            shortcuts += both(&chunks);
        }
        assert!(shortcuts > 50, "the shortcut was taken {shortcuts} times");
    }

    #[test]
    fn same_results_for_random_sequences() {
        // A fixed-seed xorshift: 4,000 sequences of up to 12 chunks from the shapes and contents
        // above, with a byte of the head or tail changed now and then.
        let mut x: u64 = 0x9E37_79B9_7F4A_7C15;
        let mut next = |n: usize| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            (x % n as u64) as usize
        };
        for _ in 0..4000 {
            let len = 1 + next(12);
            let mut chunks = Vec::new();
            let (mut head, mut tail) = SHAPES[next(SHAPES.len())];
            for _ in 0..len {
                if next(4) == 0 {
                    (head, tail) = SHAPES[next(SHAPES.len())];
                }
                let mut c = format!("{head}{}{tail}", CONTENTS[next(CONTENTS.len())]);
                if next(5) == 0 {
                    let at = next(c.len());
                    let b = [b'"', b'}', b' ', b'1', b'\\', b']'][next(6)];
                    let mut bytes = c.into_bytes();
                    bytes[at] = b;
                    c = String::from_utf8_lossy(&bytes).into_owned();
                }
                chunks.push(c);
            }
            both(&chunks);
        }
    }

    /// Shapes whose members after `choices` change from chunk to chunk: `@` is replaced by one
    /// of [`TRAILERS`].
    const OPEN: &[(&str, &str)] = &[
        (
            r#"{"id":"c","object":"chat.completion.chunk","created":1,"model":"m","service_tier":"default","choices":[{"index":0,"delta":{"content":""#,
            r#""},"logprobs":null,"finish_reason":null}]@}"#,
        ),
        (r#"{"choices":[{"delta":{"content":""#, r#""}}]@ }"#),
        (
            r#"{"id":"a","choices":[{"delta":{"content":""#,
            r#""}}],"o":0@}"#,
        ),
        (
            r#"{"id":"a","choices":[{"delta":{"content":""#,
            r#""}}],"id":"b"@}"#,
        ),
        (
            r#"{"i\u0064":"a","choices":[{"delta":{"content":""#,
            r#""}}]@}"#,
        ),
        (r#"{"o":"a","choices":[{"delta":{"content":""#, r#""}}]@}"#),
        (
            r#"{"usage":null,"choices":[{"delta":{"content":""#,
            r#""}}]@}"#,
        ),
        (
            r#"{"choices":[{"index":2,"delta":{"content":""#,
            r#""}}]@}"#,
        ),
    ];

    /// Shape number `r` (one in three closed, the others open) with trailer number `t` put in.
    fn pick(r: usize, t: usize) -> (&'static str, String) {
        let (head, tail) = if r % 3 == 0 {
            SHAPES[r % SHAPES.len()]
        } else {
            OPEN[r % OPEN.len()]
        };
        (head, tail.replace('@', TRAILERS[t]))
    }

    const TRAILERS: &[&str] = &[
        "",
        r#","obfuscation":"a""#,
        r#","obfuscation":"bb""#,
        r#","obfuscation":"\u0063""#,
        r#","o":1,"p":[2,{"q":null}]"#,
        r#","o":"x","o":"y""#,
        r#","id":"z""#,
        r#","i\u0064":"z""#,
        r#","model":"n""#,
        r#","usage":{"total_tokens":3}"#,
        r#","usage":null"#,
        r#","choices":[]"#,
        r#","choices":[{"delta":{"content":"c"}}]"#,
        r#","choices":[{"index":1,"delta":{"content":"t"}}]"#,
        r#","error":{"message":"e"}"#,
        r#","status":"error","message":"m""#,
        r#","message":"m""#,
        r#","message":5"#,
        r#","o":"#,
        r#","o":1,"#,
        r#","o" 1"#,
        r#"],"o":1"#,
        "\n,\"o\":\"w\"\n",
    ];

    #[test]
    fn same_results_when_the_members_after_choices_change() {
        let mut x: u64 = 0x2545_F491_4F6C_DD1D;
        let mut next = |n: usize| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            (x % n as u64) as usize
        };
        let mut shortcuts = 0;
        // Each trailer after each other one, in each open shape.
        for (head, tail) in OPEN {
            for t1 in TRAILERS {
                let mut chunks = vec![format!("{head}a{}", tail.replace('@', t1))];
                for t2 in TRAILERS {
                    chunks.push(format!("{head}b{}", tail.replace('@', t2)));
                    chunks.push(format!("{head}c{}", tail.replace('@', t1)));
                }
                shortcuts += both(&chunks);
            }
        }
        // Random sequences: a shape kept for a few chunks (open ones more often), the trailer
        // changed now and then.
        for _ in 0..4000 {
            let mut chunks = Vec::new();
            let (mut shape, mut trailer) = (next(1 << 20), next(TRAILERS.len()));
            for _ in 0..1 + next(12) {
                if next(5) == 0 {
                    shape = next(1 << 20);
                }
                if next(3) == 0 {
                    trailer = next(TRAILERS.len());
                }
                let (head, tail) = pick(shape, trailer);
                chunks.push(format!("{head}{}{tail}", CONTENTS[next(CONTENTS.len())]));
            }
            shortcuts += both(&chunks);
        }
        assert!(shortcuts > 1000, "the shortcut was taken {shortcuts} times");
    }

    #[test]
    fn content_chunks_take_the_shortcut() {
        let mut acc = Accumulator::new();
        let (head, tail) = SHAPES[0];
        for i in 0..100 {
            let c = format!("{head}w{i}{tail}");
            let r = acc.add_text(&c).unwrap();
            assert_eq!(r.delta.unwrap().raw(), format!("w{i}"));
        }
        assert_eq!(acc.shape.head, head.len());
        assert_eq!(acc.shape.text, format!("{head}{tail}"));
        assert_eq!(acc.shape.taken, 99);
    }
}
