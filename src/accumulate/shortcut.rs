//! The same-shape shortcut: a chunk with the same bytes around its content as the last one only
//! appends that content, checked with two comparisons and one string scan instead of a full read.

#[allow(unused_imports)]
use crate::prelude::*;

use core::ops::Range;

use super::{Accumulator, ChunkRead, Members};
use crate::json::{Cursor, JsonError, JsonStr};

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
pub(super) struct Shape {
    /// That chunk without its content string, in three parts: `around[..content_start]`, up to
    /// the content's opening quote (included); the next `choices_rest` bytes, from the closing
    /// quote to the end of the `choices` array; then the members after `choices` (the trailer).
    /// Empty while there is no shape.
    around: String,
    content_start: usize,
    choices_rest: usize,
    /// Where the `choices` array starts (its `[`).
    choices_start: usize,
    /// False once a chunk's trailer differed from this one's: its members may have changed what
    /// this one's set, so from then on they are read every time.
    trailer_fixed: bool,
    /// True once a chunk whose trailer differed was read whole, and while no trailer since named
    /// a member before `choices`: then such a chunk needs only its trailer read.
    head_known: bool,
    /// The last trailer key found not to name a member before `choices` (checked once per
    /// shape and key: the check scans the chunk's head).
    clean_key: String,
    /// Whether the choice's `index` is 0 (so its content is the chunk's delta).
    choice_is_zero: bool,
    /// The choice's place in `choices` (`usize::MAX`: dropped).
    choice_slot: usize,
    /// `None`: the string is the choice's content; `Some(p)`: the arguments of its tool call at
    /// place `p` (a chunk whose only tool call adds only arguments).
    call: Option<usize>,
    /// Counts the shapes remembered: a stream read as objects tells its reader the template of a
    /// shape once, and again only when this changed.
    pub(super) id: u32,
    /// Off in tests that compare against the full path.
    enabled: bool,
    /// Chunks added through the shortcut, and of them the ones whose trailer alone was read.
    #[cfg(test)]
    taken: usize,
    #[cfg(test)]
    quick: usize,
}

impl Default for Shape {
    fn default() -> Self {
        Shape {
            around: String::new(),
            content_start: 0,
            choices_rest: 0,
            choices_start: 0,
            trailer_fixed: true,
            head_known: false,
            clean_key: String::new(),
            choice_is_zero: false,
            choice_slot: 0,
            call: None,
            id: 0,
            enabled: true,
            #[cfg(test)]
            taken: 0,
            #[cfg(test)]
            quick: 0,
        }
    }
}

/// What the full path saw of a chunk, to tell whether it can serve as a [`Shape`].
#[derive(Default)]
pub(super) struct Probe {
    /// `choices` items read, objects or not.
    pub(super) choice_items: usize,
    /// The single choice's content string, if it had one.
    pub(super) content: Option<ContentSpan>,
    /// The `choices` array with the content, from its `[` to past its `]`.
    pub(super) choices: Range<usize>,
    /// A member that adds something at each repetition (tool calls, a refusal string, a second
    /// `choices`) or can make the chunk an error (`error`, `status`, `message`).
    pub(super) blocks_shortcut: bool,
}

/// Where a choice's content string sits in the chunk, and which choice it is.
pub(super) struct ContentSpan {
    /// The choice's `index` is 0.
    pub(super) choice_is_zero: bool,
    /// Its place in `choices` (`usize::MAX`: dropped).
    pub(super) choice_slot: usize,
    /// `None` for content; `Some(p)` for the arguments of the choice's tool call at place `p`.
    pub(super) call: Option<usize>,
    /// The string between its quotes, as a byte range of the chunk text.
    pub(super) text: Range<usize>,
}

impl Shape {
    /// [`in_head`], remembered for the last key found not in the head.
    fn names_head(&mut self, head: &[u8], key: &str) -> bool {
        if self.clean_key == key {
            return false;
        }
        let named = in_head(head, key);
        if !named {
            self.clean_key.clear();
            self.clean_key.push_str(key);
        }
        named
    }

    /// No shape: the next chunk takes the full path.
    pub(super) fn forget(&mut self) {
        self.around.clear();
    }

    /// Keeps `src`, just added by the full path, as the shape when it only added content to one
    /// choice.
    pub(super) fn remember(&mut self, src: &str, probe: &Probe) {
        let (Some(span), 1, false, true) = (
            &probe.content,
            probe.choice_items,
            probe.blocks_shortcut,
            self.enabled,
        ) else {
            return;
        };
        if let (Some(head), Some(tail)) = (src.get(..span.text.start), src.get(span.text.end..)) {
            self.around.push_str(head);
            self.around.push_str(tail);
            self.content_start = span.text.start;
            self.choices_rest = probe.choices.end.saturating_sub(span.text.end);
            self.choices_start = probe.choices.start;
            self.trailer_fixed = true;
            self.head_known = false;
            self.clean_key.clear();
            self.choice_is_zero = span.choice_is_zero;
            self.choice_slot = span.choice_slot;
            self.call = span.call;
            self.id = self.id.wrapping_add(1);
        }
    }
}

/// Where the last chunk added through the shortcut differs from its shape, as byte offsets of
/// its text (see [`Hole`]).
#[derive(Debug)]
pub(super) struct HoleAt {
    text: Range<usize>,
    /// Where the members after `choices` start, when they differ from the shape's.
    trailer: Option<usize>,
}

/// Where a chunk added through the shortcut differs from its shape: what a reader that keeps the
/// shape's parsed [`template`](Accumulator::write_template) needs to build the chunk.
#[derive(Debug, PartialEq)]
pub struct Hole<'a> {
    /// The string in the shape's place, escaped as sent (without quotes).
    pub text: &'a str,
    /// `None` when the members after `choices` are the shape's; otherwise those members, from
    /// the byte after the `choices` array to the end of the chunk (`,"obfuscation":"x"}`).
    pub trailer: Option<&'a str>,
}

impl Accumulator {
    /// Turns the [`Shape`] shortcut off (tests compare both paths).
    #[doc(hidden)]
    pub fn full_path_only(&mut self) {
        self.shape.enabled = false;
    }

    /// Adds `src` if it has the last chunk's shape (see [`Shape`]); `None` if it has not.
    pub(super) fn add_same_shape<'a>(
        &mut self,
        src: &'a str,
    ) -> Option<Result<ChunkRead<'a>, JsonError>> {
        let shape = &self.shape;
        if shape.around.is_empty() {
            return None;
        }
        let (head, rest) = shape
            .around
            .as_bytes()
            .split_at_checked(shape.content_start)?;
        let (choices_rest, trailer) = rest.split_at_checked(shape.choices_rest)?;
        let b = src.as_bytes();
        let src_head = b.get(..head.len())?;
        if !same(src_head, head) {
            return None;
        }
        let close = crate::json::string_end(b, head.len()).ok()?;
        let after = close + choices_rest.len();
        if !same(b.get(close..after)?, choices_rest) {
            return None;
        }
        let content_start = head.len();
        let content = src.get(content_start..close)?;
        let (choice_is_zero, choice_slot, choices_start, call) = (
            shape.choice_is_zero,
            shape.choice_slot,
            shape.choices_start,
            shape.call,
        );
        let trailer_same = shape.trailer_fixed && same(b.get(after..)?, trailer);
        #[cfg(test)]
        {
            self.shape.taken += 1;
        }
        // Only the full path adds choices and tool calls, so the places are still theirs.
        let choice = self.choices.get_mut(choice_slot);
        let joined = match call {
            None => choice.and_then(|c| c.content.as_mut()),
            Some(p) => choice
                .and_then(|c| c.tool_calls.get_mut(p))
                .map(|t| &mut t.arguments),
        };
        if let Some(joined) = joined {
            joined.push_str(content);
        }
        let delta = (choice_is_zero && call.is_none()).then_some(JsonStr(content));
        let mut hole = HoleAt {
            text: content_start..close,
            trailer: None,
        };
        if trailer_same {
            self.hole = Some(hole);
            return Some(Ok(ChunkRead {
                delta,
                error: None,
                message: None,
            }));
        }
        hole.trailer = Some(after);
        // The trailer differs: the members are read as on the full path, all but the `choices`
        // array (its content was just added). Nothing before the content can fail. Once a
        // trailer was read with the whole chunk and named no member before `choices`, those
        // members set what they set last time: the read starts after `choices`, until a trailer
        // names one of them (then that chunk is read again the full way).
        self.shape.trailer_fixed = false;
        let mut quick = self.shape.head_known;
        loop {
            let mut members = Members::default();
            let mut probe = Probe::default();
            let mut cursor = Cursor::new(src);
            let mut first_key = !quick;
            if quick {
                members.read.delta = delta;
                cursor = Cursor::at(src, after);
            } else {
                cursor.enter_object();
            }
            let mut known = true;
            let read = (|| {
                while let Some(key) = cursor.next_key(first_key)? {
                    first_key = false;
                    if cursor.pos() == choices_start {
                        members.read.delta = delta;
                        cursor = Cursor::at(src, after);
                        continue;
                    }
                    if cursor.pos() > choices_start && self.shape.names_head(src_head, key.raw()) {
                        known = false;
                        if quick {
                            return Ok(());
                        }
                    }
                    self.member(key, &mut cursor, src, &mut members, &mut probe)?;
                }
                cursor.end()
            })();
            if quick && !known {
                quick = false;
                continue;
            }
            #[cfg(test)]
            {
                self.shape.quick += usize::from(quick);
            }
            self.shape.head_known = known;
            if probe.choice_items > 0 {
                // Another `choices` may have moved the choice: no shape any more.
                self.shape.forget();
            } else {
                self.hole = Some(hole);
            }
            return Some(read.map(|()| members.finish()));
        }
    }

    /// The number of the current shape (see [`Accumulator::write_template`]).
    pub fn shape_id(&self) -> u32 {
        self.shape.id
    }

    /// Where `src`, the chunk just added, differs from its shape, when it was added through the
    /// same-shape shortcut (read it only after [`Accumulator::add_text`] succeeded: a chunk that
    /// failed ends its stream).
    pub fn hole<'a>(&self, src: &'a str) -> Option<Hole<'a>> {
        let at = self.hole.as_ref()?;
        Some(Hole {
            text: src.get(at.text.clone())?,
            trailer: match at.trailer {
                Some(t) => Some(src.get(t..)?),
                None => None,
            },
        })
    }

    /// Writes the template of the current shape for a reader of chunk objects, as a JSON array:
    /// the last shaped chunk with `mark` (a JSON string's escaped text, which the reader finds in
    /// the parsed template) in the place of its string, then `mark` itself. `trailer`: the
    /// members after `choices` to write instead of the shape's (a [`Hole`]'s). Writes nothing
    /// without a shape.
    pub fn write_template(&self, out: &mut String, mark: &str, trailer: Option<&str>) -> bool {
        let shape = &self.shape;
        let Some((head, rest)) = shape.around.split_at_checked(shape.content_start) else {
            return false;
        };
        let Some((choices_rest, own)) = rest.split_at_checked(shape.choices_rest) else {
            return false;
        };
        if head.is_empty() {
            return false;
        }
        for part in ["[", head, mark, choices_rest, trailer.unwrap_or(own), ",\""] {
            out.push_str(part);
        }
        out.push_str(mark);
        out.push_str("\"]");
        true
    }
}

/// Whether `key` (raw, as sent) may name a member of `head`, the chunk's text up to its content:
/// true when either holds a backslash (an escape could spell a key another way), or `head` has
/// `"key"` followed by a colon. Without backslashes a `"` in `head` opens or closes a string, so
/// a string followed by a colon is a key.
fn in_head(head: &[u8], key: &str) -> bool {
    let key = key.as_bytes();
    if key.contains(&b'\\') || head.contains(&b'\\') {
        return true;
    }
    let mut rest = head;
    while let Some(at) = crate::text::find(rest, b"\"") {
        rest = rest.get(at + 1..).unwrap_or_default();
        if let Some(after) = rest.strip_prefix(key).and_then(|r| r.strip_prefix(b"\"")) {
            if after.trim_ascii_start().starts_with(b":") {
                return true;
            }
        }
    }
    false
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

#[cfg(test)]
mod tests {
    //! The shape shortcut against the full path: same deltas, same errors, same completion.
    use super::*;

    /// Both paths over `chunks`: each chunk's outcome and the final completion must agree.
    fn both(chunks: &[String]) -> usize {
        both_counted(chunks).0
    }

    /// [`both`], also counting the chunks whose trailer alone was read.
    fn both_counted(chunks: &[String]) -> (usize, usize) {
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
        (fast.shape.taken, fast.shape.quick)
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
        // Tool-call arguments as the shape's string.
        (
            r#"{"id":"c","choices":[{"index":0,"delta":{"tool_calls":[{"index":0,"function":{"arguments":""#,
            r#""}}]},"logprobs":null,"finish_reason":null}]}"#,
        ),
        (
            r#"{"choices":[{"delta":{"role":"assistant","content":null,"tool_calls":[{"index":2,"id":"call_1","type":"function","function":{"arguments":""#,
            r#""}}]}}]}"#,
        ),
        (
            r#"{"choices":[{"delta":{"tool_calls":[{"function":{"name":"f","arguments":""#,
            r#""}}]}}]}"#,
        ),
        (
            r#"{"choices":[{"delta":{"tool_calls":[{"function":{"arguments":""#,
            r#"","name":"f"}}]}}]}"#,
        ),
        (
            r#"{"choices":[{"delta":{"tool_calls":[{"index":0},{"index":1,"function":{"arguments":""#,
            r#""}}]}}]}"#,
        ),
        (
            r#"{"choices":[{"delta":{"content":"","tool_calls":[{"function":{"arguments":""#,
            r#""}}]}}]}"#,
        ),
        (
            r#"{"choices":[{"delta":{"tool_calls":[{"function":{"arguments":""#,
            r#"","arguments":"z"}}]}}]}"#,
        ),
        (
            r#"{"choices":[{"delta":{"tool_calls":[{"function":{"arguments":"a","arguments":""#,
            r#""}}]}}]}"#,
        ),
        (
            r#"{"choices":[{"delta":{"tool_calls":[{"index":1,"function":{"arguments":""#,
            r#""}}],"tool_calls":[{"index":0,"function":{"arguments":"y"}}]}}]}"#,
        ),
        (
            r#"{"choices":[{"index":1,"delta":{"tool_calls":[{"index":3,"function":{"arguments":""#,
            r#""},"function":{"arguments":"w"}}]}}]}"#,
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
        let (mut shortcuts, mut quick) = (0, 0);
        // Each trailer after each other one, in each open shape.
        for (head, tail) in OPEN {
            for t1 in TRAILERS {
                let mut chunks = vec![format!("{head}a{}", tail.replace('@', t1))];
                for t2 in TRAILERS {
                    chunks.push(format!("{head}b{}", tail.replace('@', t2)));
                    chunks.push(format!("{head}c{}", tail.replace('@', t1)));
                }
                let (s, q) = both_counted(&chunks);
                shortcuts += s;
                quick += q;
            }
        }
        assert!(quick > 500, "the trailer alone was read {quick} times");
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
            let (s, q) = both_counted(&chunks);
            shortcuts += s;
            quick += q;
        }
        assert!(shortcuts > 1000, "the shortcut was taken {shortcuts} times");
        assert!(quick > 1000, "the trailer alone was read {quick} times");
    }

    #[test]
    fn tool_call_arguments_take_the_shortcut() {
        let mut acc = Accumulator::new();
        let first = r#"{"id":"c","choices":[{"index":0,"delta":{"role":"assistant","content":null,"tool_calls":[{"index":0,"id":"call_1","type":"function","function":{"name":"f","arguments":""}}]}}]}"#;
        acc.add_text(first).unwrap();
        assert!(acc.hole(first).is_none());
        let (head, tail) = SHAPES[SHAPES.len() - 10];
        for i in 0..100 {
            let c = format!("{head}{{\\\"a{i}\\\":{tail}");
            let r = acc.add_text(&c).unwrap();
            assert_eq!(r.delta, None);
            assert_eq!(acc.hole(&c).is_some(), i > 0, "chunk {i}");
        }
        assert_eq!(acc.shape.taken, 99);
        let out = acc.finish().unwrap();
        let args: String = (0..100).map(|i| format!("{{\\\"a{i}\\\":")).collect();
        assert!(out.contains(&format!(r#""arguments":"{args}""#)), "{out}");
        // The template: the shape with the mark in the string's place, then the mark.
        let mut t = String::new();
        assert!(acc.write_template(&mut t, "M", None));
        assert_eq!(t, format!(r#"[{head}M{tail},"M"]"#));
        t.clear();
        assert!(acc.write_template(&mut t, "M", Some(r#","o":1}"#)));
        assert_eq!(
            t,
            format!(r#"[{head}M"}}}}]}},"logprobs":null,"finish_reason":null}}],"o":1}},"M"]"#)
        );
    }

    #[test]
    fn holes_say_what_differs_from_the_template() {
        let mut acc = Accumulator::new();
        let (head, tail) = OPEN[0];
        let chunk = |c: &str, t: &str| format!("{head}{c}{}", tail.replace('@', t));
        let id = acc.shape_id();
        let c = chunk("a", "");
        acc.add_text(&c).unwrap();
        assert!(acc.hole(&c).is_none());
        assert_eq!(acc.shape_id(), id + 1);
        let c = chunk("b", "");
        acc.add_text(&c).unwrap();
        let h = acc.hole(&c).unwrap();
        assert_eq!((h.text, h.trailer), ("b", None));
        let c = chunk("c", r#","obfuscation":"x""#);
        acc.add_text(&c).unwrap();
        let h = acc.hole(&c).unwrap();
        assert_eq!((h.text, h.trailer), ("c", Some(r#","obfuscation":"x"}"#)));
        // From now on every hole brings its members, even when they are the shape's again.
        let c = chunk("d", "");
        acc.add_text(&c).unwrap();
        let h = acc.hole(&c).unwrap();
        assert_eq!((h.text, h.trailer), ("d", Some("}")));
        // An empty `choices` after it is one more member; one with a choice ends the shape.
        let c = chunk("e", r#","choices":[]"#);
        acc.add_text(&c).unwrap();
        let h = acc.hole(&c).unwrap();
        assert_eq!((h.text, h.trailer), ("e", Some(r#","choices":[]}"#)));
        let c = chunk("f", r#","choices":[{}]"#);
        acc.add_text(&c).unwrap();
        assert!(acc.hole(&c).is_none());
        assert_eq!(acc.shape_id(), id + 1);
        let mut t = String::new();
        assert!(!acc.write_template(&mut t, "M", None));
        assert_eq!(t, "");
    }

    #[test]
    fn a_trailer_that_names_a_member_before_choices_is_read_with_the_whole_chunk() {
        let (head, tail) = OPEN[0];
        for (t1, t2) in [
            (r#","id":"z""#, r#","o":2"#),
            (r#","i\u0064":"z""#, r#","o":1"#),
            (r#","model":"n""#, r#","obfuscation":"x""#),
        ] {
            // The second chunk is read whole, the next two only after `choices`; the one with
            // `t1` is read whole again, as are the one after it and the last.
            let chunks: Vec<String> = ["", t2, t2, t2, t1, t2, t2, t1, ""]
                .iter()
                .enumerate()
                .map(|(i, t)| format!("{head}{i}{}", tail.replace('@', t)))
                .collect();
            let (taken, quick) = both_counted(&chunks);
            assert_eq!((taken, quick), (8, 3), "{t1} {t2}");
        }
        assert!(in_head(br#"{"a":1,"id" :"#, "id"));
        assert!(!in_head(br#"{"a":"id","b":"#, "id"));
        assert!(in_head(br#"{"i\u0064":1,""#, "x"));
        assert!(in_head(br#"{"a":1,""#, r"i\u0064"));
        assert!(!in_head(br#"{"xid":1,"idx":2,""#, "id"));
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
        assert_eq!(acc.shape.content_start, head.len());
        assert_eq!(acc.shape.around, format!("{head}{tail}"));
        assert_eq!(acc.shape.taken, 99);
    }
}
