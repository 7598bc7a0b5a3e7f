//! A WHATWG server-sent events decoder without I/O: bytes go in, events come out.
//!
//! Implements "Interpreting an event stream" of the WHATWG HTML standard: incremental UTF-8
//! decoding (invalid sequences become U+FFFD exactly like `String::from_utf8_lossy` on the whole
//! body, independent of chunk boundaries), one leading BOM dropped, LF / CR / CRLF line ends,
//! comments, the `event` / `data` / `id` / `retry` fields, and a cap on line and event size so
//! memory stays bounded whatever the server sends. It never panics on any input.
#![deny(missing_docs)]

#[allow(unused_imports)]
use crate::prelude::*;

use core::fmt;

/// One dispatched event. Borrowed from the decoder's buffers; valid during the callback only.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Event<'a> {
    /// The `event:` field, or "" when none was given (meaning "message").
    pub event: &'a str,
    /// The joined `data:` lines (joined with '\n', without the final newline).
    pub data: &'a str,
    /// The last event id seen so far (WHATWG "last event ID buffer"), "" if none.
    pub id: &'a str,
}

/// Why decoding stopped.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SseError {
    /// One event's data (or one line) grew beyond the configured limit, in bytes.
    EventTooLarge {
        /// The configured `max_event_bytes`.
        limit: usize,
    },
}

impl fmt::Display for SseError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::EventTooLarge { limit } => {
                write!(f, "server-sent event larger than {limit} bytes")
            }
        }
    }
}

#[cfg(not(target_arch = "wasm32"))]
impl std::error::Error for SseError {}

/// The callback, type-erased so the decoding code is compiled once.
type Sink<'s> = &'s mut dyn FnMut(&Event<'_>);

const REPLACEMENT: &str = "\u{FFFD}";

/// The per-line state of the WHATWG algorithm (its buffers), plus the stream-independent state.
#[derive(Debug)]
struct Fields {
    limit: usize,
    /// Data buffer: each `data` value followed by '\n'.
    data: String,
    /// Event type buffer.
    event: String,
    /// Last event ID buffer.
    id: String,
    /// The event source's "last event ID string" (committed at every blank line).
    committed_id: String,
    retry: Option<u64>,
}

impl Fields {
    fn too_large(&self) -> SseError {
        SseError::EventTooLarge { limit: self.limit }
    }

    /// Processes one complete line (without its terminator).
    fn line(&mut self, line: &str, sink: Sink<'_>) -> Result<(), SseError> {
        let colon = line.bytes().position(|b| b == b':');
        let (name, value) = match colon {
            None if line.is_empty() => {
                self.dispatch(sink);
                return Ok(());
            }
            None => (line, ""),
            Some(0) => return Ok(()), // comment
            // ':' is ASCII, so both cuts are on character boundaries.
            Some(i) => {
                let value = line.get(i + 1..).unwrap_or_default();
                (
                    line.get(..i).unwrap_or_default(),
                    value.strip_prefix(" ").unwrap_or(value),
                )
            }
        };
        match name {
            "data" => {
                // The dispatched data (without the final '\n') must fit in the limit.
                if self.data.len().saturating_add(value.len()) > self.limit {
                    return Err(self.too_large());
                }
                grow(
                    &mut self.data,
                    value.len().saturating_add(1),
                    self.limit.saturating_add(1),
                );
                self.data.push_str(value);
                self.data.push('\n');
            }
            "event" => {
                self.event.clear();
                self.event.push_str(value);
            }
            "id" if !value.as_bytes().contains(&0) => {
                self.id.clear();
                self.id.push_str(value);
            }
            "retry" if !value.is_empty() && value.bytes().all(|b| b.is_ascii_digit()) => {
                let ms = value.bytes().fold(0u64, |n, b| {
                    n.saturating_mul(10)
                        .saturating_add(u64::from(b.wrapping_sub(b'0')))
                });
                self.retry = Some(ms);
            }
            _ => {}
        }
        Ok(())
    }

    /// A blank line: "dispatch the event".
    fn dispatch(&mut self, sink: Sink<'_>) {
        if !self.id.is_empty() || !self.committed_id.is_empty() && self.committed_id != self.id {
            self.committed_id.clone_from(&self.id);
        }
        if !self.data.is_empty() {
            let data = self.data.strip_suffix("\n").unwrap_or(&self.data);
            sink(&Event {
                event: &self.event,
                data,
                id: &self.id,
            });
        }
        self.data.clear();
        self.event.clear();
    }
}

/// Reserves room for `extra` more bytes, doubling like `String` does but never beyond `cap`
/// (unless `extra` itself needs more), so a buffer's capacity stays near the size limit.
fn grow(buf: &mut String, extra: usize, cap: usize) {
    let need = buf.len().saturating_add(extra);
    if need > buf.capacity() {
        let want = buf.capacity().saturating_mul(2).min(cap).max(need);
        buf.reserve_exact(want.saturating_sub(buf.len()));
    }
}

/// Position of the first CR or LF, eight bytes at a time.
fn line_end(b: &[u8]) -> Option<usize> {
    const LO: u64 = 0x0101_0101_0101_0101;
    const HI: u64 = 0x8080_8080_8080_8080;
    let has = |v: u64| v.wrapping_sub(LO) & !v & HI;
    let mut i = 0;
    while let Some(w) = b.get(i..i + 8) {
        let Ok(word) = <[u8; 8]>::try_from(w) else {
            break;
        };
        let v = u64::from_le_bytes(word);
        if has(v ^ (LO * 10)) | has(v ^ (LO * 13)) != 0 {
            break;
        }
        i += 8;
    }
    b.get(i..)?
        .iter()
        .position(|&c| c == b'\n' || c == b'\r')
        .map(|p| p + i)
}

/// Length of a trailing incomplete (but so far valid) UTF-8 sequence, 0 if there is none.
fn incomplete_tail(bytes: &[u8]) -> usize {
    for k in 1..=bytes.len().min(3) {
        let start = bytes.len().saturating_sub(k);
        let Some(tail) = bytes.get(start..) else {
            return 0;
        };
        // The last byte that is not a continuation byte always starts a sequence.
        if tail.first().is_some_and(|&b| b & 0xC0 != 0x80) {
            return match core::str::from_utf8(tail) {
                Err(e) if e.valid_up_to() == 0 && e.error_len().is_none() => k,
                _ => 0,
            };
        }
    }
    0
}

/// An incremental server-sent events decoder (WHATWG HTML "Interpreting an event stream").
#[derive(Debug)]
pub struct SseDecoder {
    fields: Fields,
    /// The current, not yet terminated line.
    line: String,
    /// An incomplete UTF-8 sequence carried over from the previous chunk.
    pending: [u8; 4],
    pending_len: usize,
    /// Whether any text was decoded yet (the BOM is only dropped before that).
    started: bool,
    /// The last decoded character was a CR: a following LF belongs to the same line end.
    after_cr: bool,
    poisoned: bool,
}

impl SseDecoder {
    /// `max_event_bytes`: cap on one line and on one event's accumulated data.
    ///
    /// Both are measured in bytes of decoded UTF-8, without line terminators; the data of an
    /// event is measured as dispatched (lines joined with '\n'). Lengths equal to the cap are
    /// accepted. Memory use stays at about twice the cap.
    pub fn new(max_event_bytes: usize) -> Self {
        Self {
            fields: Fields {
                limit: max_event_bytes,
                data: String::new(),
                event: String::new(),
                id: String::new(),
                committed_id: String::new(),
                retry: None,
            },
            line: String::new(),
            pending: [0; 4],
            pending_len: 0,
            started: false,
            after_cr: false,
            poisoned: false,
        }
    }

    /// Feed the next network chunk. Calls `on_event` for every event completed by it, in order.
    /// After an Err the decoder is poisoned: every later feed/finish returns the same Err.
    ///
    /// On Err, the events completed before the offending line have already been passed to
    /// `on_event`.
    pub fn feed<F: FnMut(&Event<'_>)>(
        &mut self,
        chunk: &[u8],
        mut on_event: F,
    ) -> Result<(), SseError> {
        self.run(chunk, false, &mut on_event)
    }

    /// End of body. Per WHATWG ("Once the end of the file is reached, any pending data must be
    /// discarded"), an event not terminated by a blank line is discarded, and so is a final
    /// line without a line terminator (its fields, `retry` and `id` included, are not applied).
    /// An incomplete UTF-8 sequence at the end counts as one U+FFFD of that line (which can
    /// still exceed the line cap). Never calls `on_event`. Returns Err if poisoned.
    ///
    /// Afterwards the decoder is ready for a new stream (e.g. after a reconnection): data,
    /// event type and last event ID buffers are reset and a BOM is accepted again, while
    /// [`retry_ms`](Self::retry_ms) and [`last_event_id`](Self::last_event_id) are kept.
    pub fn finish<F: FnMut(&Event<'_>)>(&mut self, mut on_event: F) -> Result<(), SseError> {
        self.run(&[], true, &mut on_event)?;
        self.line.clear();
        self.fields.data.clear();
        self.fields.event.clear();
        self.fields.id.clear();
        self.pending_len = 0;
        self.started = false;
        self.after_cr = false;
        Ok(())
    }

    /// The last `retry:` value in ms, if any valid one was seen.
    ///
    /// Values too large for a `u64` saturate to `u64::MAX`.
    pub fn retry_ms(&self) -> Option<u64> {
        self.fields.retry
    }

    /// The WHATWG "last event ID string": the last event ID buffer as of the most recent blank
    /// line, also one that dispatched nothing (e.g. `id: 7\n\n`). This is the value to send as
    /// `Last-Event-ID` when reconnecting (omit the header when it is empty).
    pub fn last_event_id(&self) -> &str {
        &self.fields.committed_id
    }

    fn run(&mut self, chunk: &[u8], eof: bool, sink: Sink<'_>) -> Result<(), SseError> {
        if self.poisoned {
            return Err(self.fields.too_large());
        }
        let result = self.decode(chunk, eof, sink);
        if result.is_err() {
            self.poisoned = true;
            // Release the memory; nothing will be decoded any more.
            self.line = String::new();
            self.fields.data = String::new();
            self.fields.event = String::new();
        }
        result
    }

    /// UTF-8 decodes `chunk` (with the carried-over incomplete sequence) and passes the text on.
    fn decode(&mut self, chunk: &[u8], eof: bool, sink: Sink<'_>) -> Result<(), SseError> {
        let mut rest = chunk;
        if self.pending_len > 0 {
            let have = self.pending_len.min(3);
            self.pending_len = 0;
            let mut buf = self.pending;
            let take = rest.len().min(4usize.saturating_sub(have));
            for (dst, src) in buf.iter_mut().skip(have).zip(rest.iter().take(take)) {
                *dst = *src;
            }
            let bytes = buf.get(..have.saturating_add(take)).unwrap_or_default();
            let used = match core::str::from_utf8(bytes) {
                Ok(text) => {
                    self.text(text, sink)?;
                    take
                }
                Err(e) if e.valid_up_to() > 0 => {
                    let valid = bytes.get(..e.valid_up_to()).unwrap_or_default();
                    self.text(core::str::from_utf8(valid).unwrap_or(REPLACEMENT), sink)?;
                    e.valid_up_to().saturating_sub(have)
                }
                Err(e) => match e.error_len() {
                    Some(bad) => {
                        self.text(REPLACEMENT, sink)?;
                        bad.saturating_sub(have)
                    }
                    // Still incomplete, so `rest` is used up.
                    None if eof => return self.text(REPLACEMENT, sink),
                    None => {
                        self.pending = buf;
                        self.pending_len = have.saturating_add(take);
                        return Ok(());
                    }
                },
            };
            rest = rest.get(used..).unwrap_or_default();
        }

        let tail = if eof { 0 } else { incomplete_tail(rest) };
        let (body, tail) = rest
            .split_at_checked(rest.len().saturating_sub(tail))
            .unwrap_or((rest, &[]));
        if let Ok(text) = core::str::from_utf8(body) {
            // The usual case, checked a word at a time.
            self.text(text, sink)?;
        } else {
            for part in body.utf8_chunks() {
                self.text(part.valid(), sink)?;
                if !part.invalid().is_empty() {
                    self.text(REPLACEMENT, sink)?;
                }
            }
        }
        if !tail.is_empty() {
            for (dst, src) in self.pending.iter_mut().zip(tail) {
                *dst = *src;
            }
            self.pending_len = tail.len().min(3);
        }
        Ok(())
    }

    /// Splits decoded text into lines.
    fn text(&mut self, mut text: &str, sink: Sink<'_>) -> Result<(), SseError> {
        if text.is_empty() {
            return Ok(());
        }
        if !self.started {
            self.started = true;
            // `str` patterns, not `char` ones: those encode the char at run time (more wasm).
            text = text.strip_prefix("\u{FEFF}").unwrap_or(text);
        }
        if self.after_cr && !text.is_empty() {
            self.after_cr = false;
            text = text.strip_prefix("\n").unwrap_or(text);
        }
        while let Some(end) = line_end(text.as_bytes()) {
            let cr = text.as_bytes().get(end) == Some(&b'\r');
            let line = text.get(..end).unwrap_or_default();
            text = text.get(end.saturating_add(1)..).unwrap_or_default();
            self.end_line(line, sink)?;
            if cr {
                match text.strip_prefix("\n") {
                    Some(after) => text = after,
                    None => self.after_cr = text.is_empty(),
                }
            }
        }
        if !text.is_empty() {
            let limit = self.fields.limit;
            if self.line.len().saturating_add(text.len()) > limit {
                return Err(self.fields.too_large());
            }
            grow(&mut self.line, text.len(), limit);
            self.line.push_str(text);
        }
        Ok(())
    }

    /// `last` ends the current line: process the whole line.
    fn end_line(&mut self, last: &str, sink: Sink<'_>) -> Result<(), SseError> {
        if self.line.len().saturating_add(last.len()) > self.fields.limit {
            return Err(self.fields.too_large());
        }
        if self.line.is_empty() {
            return self.fields.line(last, sink);
        }
        self.line.push_str(last);
        let result = self.fields.line(&self.line, sink);
        self.line.clear();
        result
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Everything observable about decoding one body.
    #[derive(Debug, Clone, PartialEq, Eq)]
    struct Outcome {
        events: Vec<(String, String, String)>,
        retry: Option<u64>,
        last_id: String,
        err: Option<SseError>,
    }

    const BIG: usize = 1 << 24;

    fn own(ev: &Event<'_>) -> (String, String, String) {
        (ev.event.into(), ev.data.into(), ev.id.into())
    }

    fn run_chunks(chunks: &[&[u8]], limit: usize) -> Outcome {
        let mut d = SseDecoder::new(limit);
        let mut events = Vec::new();
        let mut err = None;
        for chunk in chunks {
            if let Err(e) = d.feed(chunk, |ev| events.push(own(ev))) {
                err = Some(e);
                break;
            }
        }
        if err.is_none() {
            err = d.finish(|ev| events.push(own(ev))).err();
        }
        Outcome {
            events,
            retry: d.retry_ms(),
            last_id: d.last_event_id().into(),
            err,
        }
    }

    /// Decodes `bytes` cut at the given sorted positions.
    fn run_cuts(bytes: &[u8], cuts: &[usize], limit: usize) -> Outcome {
        let mut chunks = Vec::new();
        let mut start = 0;
        for &cut in cuts {
            chunks.push(&bytes[start..cut]);
            start = cut;
        }
        chunks.push(&bytes[start..]);
        run_chunks(&chunks, limit)
    }

    /// Decodes in one chunk and checks that every 2-chunk split, every 3-chunk split (short
    /// fixtures; a strided subset otherwise), byte-by-byte feeding and interleaved empty
    /// chunks all give the same outcome.
    fn check_limit(bytes: &[u8], limit: usize) -> Outcome {
        let whole = run_chunks(&[bytes], limit);
        let n = bytes.len();
        for i in 0..=n {
            assert_eq!(run_cuts(bytes, &[i], limit), whole, "split at {i}");
        }
        let step = if n <= 160 { 1 } else { n / 60 + 1 };
        for i in (0..=n).step_by(step) {
            for j in (i..=n).step_by(step) {
                assert_eq!(run_cuts(bytes, &[i, j], limit), whole, "split at {i},{j}");
            }
        }
        let bytewise: Vec<&[u8]> = bytes.chunks(1).collect();
        assert_eq!(run_chunks(&bytewise, limit), whole, "byte by byte");
        let with_empty: Vec<&[u8]> = bytes.chunks(2).flat_map(|c| [c, &[][..]]).collect();
        assert_eq!(run_chunks(&with_empty, limit), whole, "empty chunks");
        whole
    }

    fn check(bytes: &[u8]) -> Outcome {
        check_limit(bytes, BIG)
    }

    fn ev(event: &str, data: &str, id: &str) -> (String, String, String) {
        (event.into(), data.into(), id.into())
    }

    fn datas(o: &Outcome) -> Vec<&str> {
        o.events.iter().map(|e| e.1.as_str()).collect()
    }

    /// Independent model: lossy-decode the whole body, then process it line by line.
    fn reference(bytes: &[u8], limit: usize) -> Outcome {
        let text = String::from_utf8_lossy(bytes);
        let mut s: &str = &text;
        s = s.strip_prefix('\u{FEFF}').unwrap_or(s);
        let (mut data, mut event, mut id, mut last_id) =
            (String::new(), String::new(), String::new(), String::new());
        let (mut retry, mut err, mut events) = (None, None, Vec::new());
        let too_large = Some(SseError::EventTooLarge { limit });
        loop {
            let Some(pos) = s.find(['\r', '\n']) else {
                if s.len() > limit {
                    err = too_large;
                }
                break;
            };
            let line = &s[..pos];
            let cr = s.as_bytes()[pos] == b'\r';
            s = &s[pos + 1..];
            if cr {
                s = s.strip_prefix('\n').unwrap_or(s);
            }
            if line.len() > limit {
                err = too_large;
                break;
            }
            if line.is_empty() {
                last_id = id.clone();
                if !data.is_empty() {
                    data.pop();
                    events.push((event.clone(), data.clone(), id.clone()));
                }
                data.clear();
                event.clear();
                continue;
            }
            if line.starts_with(':') {
                continue;
            }
            let (name, value) = match line.find(':') {
                Some(i) => (
                    &line[..i],
                    line[i + 1..].strip_prefix(' ').unwrap_or(&line[i + 1..]),
                ),
                None => (line, ""),
            };
            match name {
                "data" => {
                    if data.len() + value.len() > limit {
                        err = too_large;
                        break;
                    }
                    data.push_str(value);
                    data.push('\n');
                }
                "event" => event = value.into(),
                "id" if !value.contains('\0') => id = value.into(),
                "retry" if !value.is_empty() && value.bytes().all(|b| b.is_ascii_digit()) => {
                    retry = Some(value.parse::<u64>().unwrap_or(u64::MAX));
                }
                _ => {}
            }
        }
        Outcome {
            events,
            retry,
            last_id,
            err,
        }
    }

    fn openai_fixture() -> Vec<u8> {
        let mut s = String::new();
        for (i, content) in ["Grüße, Straße, Öl", " äöü ÄÖÜ ß", " 😀🚀", "!"]
            .iter()
            .enumerate()
        {
            s.push_str(&format!(
                "data: {{\"id\":\"c1\",\"object\":\"chat.completion.chunk\",\"choices\":[{{\"index\":{i},\"delta\":{{\"content\":\"{content}\"}}}}]}}\n\n"
            ));
        }
        s.push_str(": keep-alive\n\n");
        s.push_str("data: [DONE]\n\n");
        s.into_bytes()
    }

    fn fixtures() -> Vec<Vec<u8>> {
        let mut v: Vec<Vec<u8>> = [
            "data: a\n\ndata: b\r\rdata: c\r\n\r\ndata: d\n\r\n",
            "\u{FEFF}data: x\n\n",
            "\u{FEFF}\u{FEFF}data: x\n\ndata: y\n\n",
            "\u{FEFF}data: \u{FEFF}y\n\n",
            ": keep-alive\n\ndata: x\n: mid\ndata: y\n\n:\n\n",
            "event: add\nid: 7\nretry: 1500\ndata: 1\n\ndata: 2\n\nid\ndata: 3\n\n",
            "data\n\ndata\ndata\n\ndata:\n",
            "data:test\n\ndata: test\n\ndata:  two spaces\n\n",
            "id: 4\u{0}2\ndata: x\n\nid: 5\n\ndata: y\n\n",
            "retry: 12a\nretry: -1\nretry:  5\nretry:\nretry: 99999999999999999999999\n\n",
            "data: a\n\ndata: unterminated",
            "data: a\n\ndata: b\n",
            "retry: 7",
            "data: x\r",
            "data: x\r\r",
            "event\nevent: ping\ndata:\n\nEvent: X\ndata: y\n\n",
        ]
        .iter()
        .map(|s| s.as_bytes().to_vec())
        .collect();
        v.push(openai_fixture());
        v.extend(invalid_fixtures());
        v
    }

    fn invalid_fixtures() -> Vec<Vec<u8>> {
        vec![
            b"data: a\xFFb\n\n".to_vec(),
            b"data: \xE2\x82x\xF0\x9F\x98\n\n".to_vec(),
            b"data: \xC0\x80\xED\xA0\x80\xF4\x90\x80\x80\n\n".to_vec(),
            b"data: \xF0\x9F\x98\x80\x80\xBF\xE2\n\n".to_vec(),
            b"\xEF\xBB\n\ndata: \xEF\xBB\xBF\n\n".to_vec(),
            b"\xEF\xBB\xBF\xEF\xBBdata: x\n\ndata: y\n\n".to_vec(),
            b"data: x\r\xE2\x82\ndata: y\n\n".to_vec(),
            b"data: ok\n\ndata: \xF0\x9F".to_vec(),
            b"\xF0".to_vec(),
        ]
    }

    #[test]
    fn openai_chat_stream() {
        let o = check(&openai_fixture());
        assert_eq!(o.err, None);
        assert_eq!(o.events.len(), 5);
        assert!(o.events.iter().all(|e| e.0.is_empty() && e.2.is_empty()));
        assert_eq!(
            o.events[0].1,
            r#"{"id":"c1","object":"chat.completion.chunk","choices":[{"index":0,"delta":{"content":"Grüße, Straße, Öl"}}]}"#
        );
        assert!(o.events[2].1.contains("\"content\":\" 😀🚀\""));
        assert_eq!(o.events[4].1, "[DONE]");
    }

    #[test]
    fn line_endings() {
        let o = check(b"data: a\n\ndata: b\r\rdata: c\r\n\r\ndata: d\n\r\n");
        assert_eq!(datas(&o), ["a", "b", "c", "d"]);
        let o = check(b"data: a\r\ndata: b\rdata: c\n\r");
        assert_eq!(datas(&o), ["a\nb\nc"]);
        // A CR just before EOF still ends the line (and here the event).
        assert_eq!(datas(&check(b"data: x\r\r")), ["x"]);
        // CR LF is one line end, never an empty line.
        assert!(check(b"data: x\r\n").events.is_empty());
    }

    #[test]
    fn bom() {
        assert_eq!(datas(&check("\u{FEFF}data: x\n\n".as_bytes())), ["x"]);
        // Only the first BOM is dropped: the second one is part of the field name.
        let o = check("\u{FEFF}\u{FEFF}data: x\n\ndata: y\n\n".as_bytes());
        assert_eq!(datas(&o), ["y"]);
        assert_eq!(
            datas(&check("\u{FEFF}data: \u{FEFF}y\n\n".as_bytes())),
            ["\u{FEFF}y"]
        );
        // Not at the start of the stream: not a BOM.
        let o = check("data: a\n\n\u{FEFF}data: b\n\n".as_bytes());
        assert_eq!(datas(&o), ["a"]);
    }

    #[test]
    fn comments_and_fields() {
        let o = check(b": keep-alive\n\ndata: x\n: mid\ndata: y\n\n:\n\n");
        assert_eq!(datas(&o), ["x\ny"]);
        let o = check(b"event: add\nid: 7\nretry: 1500\ndata: 1\n\ndata: 2\n\nid\ndata: 3\n\n");
        assert_eq!(
            o.events,
            [ev("add", "1", "7"), ev("", "2", "7"), ev("", "3", "")]
        );
        assert_eq!(o.retry, Some(1500));
        assert_eq!(o.last_id, "");
        // Field names are case-sensitive; "event" without colon resets the type.
        let o = check(b"event\nevent: ping\ndata:\n\nEvent: X\ndata: y\n\n");
        assert_eq!(o.events, [ev("ping", "", ""), ev("", "y", "")]);
        // Unknown fields are ignored, a value may contain colons.
        let o = check(b"foo: bar\ndata: a:b: c\n\n");
        assert_eq!(datas(&o), ["a:b: c"]);
    }

    #[test]
    fn spec_examples() {
        let o = check(
            b"data: This is the first message.\n\ndata: This is the second message, it\n\
              data: has two lines.\n\ndata: This is the third message.\n\n",
        );
        assert_eq!(
            datas(&o),
            [
                "This is the first message.",
                "This is the second message, it\nhas two lines.",
                "This is the third message."
            ]
        );
        let o = check(b"event: add\ndata: 73857293\n\nevent: remove\ndata: 2153\n\n");
        assert_eq!(
            o.events,
            [ev("add", "73857293", ""), ev("remove", "2153", "")]
        );
        assert_eq!(
            datas(&check(b"data: YHOO\ndata: +2\ndata: 10\n\n")),
            ["YHOO\n+2\n10"]
        );
        let o = check(
            b": test stream\n\ndata: first event\nid: 1\n\ndata:second event\nid\n\n\
              data:  third event\n\n",
        );
        assert_eq!(
            o.events,
            [
                ev("", "first event", "1"),
                ev("", "second event", ""),
                ev("", " third event", "")
            ]
        );
        // "data" without colon, and the last event unterminated.
        assert_eq!(datas(&check(b"data\n\ndata\ndata\n\ndata:")), ["", "\n"]);
        assert_eq!(
            datas(&check(b"data:test\n\ndata: test\n\n")),
            ["test", "test"]
        );
    }

    #[test]
    fn ids_and_retry() {
        let o = check(b"id: 4\x002\ndata: x\n\nid: 5\n\ndata: y\n\n");
        assert_eq!(o.events, [ev("", "x", ""), ev("", "y", "5")]);
        assert_eq!(o.last_id, "5");
        // A blank line without data still commits the id.
        let o = check(b"id: 9\n\n");
        assert!(o.events.is_empty());
        assert_eq!(o.last_id, "9");
        // Only pure ASCII digits; huge values saturate.
        assert_eq!(
            check(b"retry: 12a\nretry: -1\nretry:  5\nretry:\n\n").retry,
            None
        );
        assert_eq!(check(b"retry: 007\n").retry, Some(7));
        assert_eq!(
            check(b"retry:99999999999999999999999\n").retry,
            Some(u64::MAX)
        );
        assert_eq!(check(b"retry: 1\nretry: x\n").retry, Some(1));
    }

    #[test]
    fn eof_discards_pending_data() {
        assert!(check(b"data: x").events.is_empty());
        assert!(check(b"data: x\n").events.is_empty());
        assert_eq!(datas(&check(b"data: a\n\ndata: b\n")), ["a"]);
        // An unterminated final line is not processed at all.
        assert_eq!(check(b"retry: 7").retry, None);
        assert_eq!(check(b"retry: 7\n").retry, Some(7));
        let o = check(b"data: ok\n\ndata: \xF0\x9F");
        assert_eq!((datas(&o), o.err.clone()), (vec!["ok"], None));
    }

    #[test]
    fn invalid_utf8_matches_lossy() {
        for bytes in invalid_fixtures() {
            let o = check(&bytes);
            let lossy = String::from_utf8_lossy(&bytes).into_owned();
            assert_eq!(o, run_chunks(&[lossy.as_bytes()], BIG), "{bytes:?}");
            assert_eq!(o, reference(&bytes, BIG), "{bytes:?}");
        }
        let o = check(b"data: a\xFFb\n\ndata: \xE2\x82x\n\ndata: \xC0\x80|\xED\xA0\x80\n\n");
        assert_eq!(
            datas(&o),
            [
                "a\u{FFFD}b",
                "\u{FFFD}x",
                "\u{FFFD}\u{FFFD}|\u{FFFD}\u{FFFD}\u{FFFD}"
            ]
        );
        // A truncated BOM is not a BOM.
        let o = check(b"\xEF\xBBdata: x\n\ndata: y\n\n");
        assert_eq!(datas(&o), ["y"]);
    }

    #[test]
    fn size_cap() {
        let err = Some(SseError::EventTooLarge { limit: 16 });
        // Exactly at the cap: line of 16 bytes, and data of 16 bytes over two lines.
        assert_eq!(
            datas(&check_limit(b"data: 0123456789\n\n", 16)),
            ["0123456789"]
        );
        let o = check_limit(b"data:aaaaaaa\ndata:bbbbbbbb\n\n", 16);
        assert_eq!(datas(&o), ["aaaaaaa\nbbbbbbbb"]);
        // One byte more.
        let o = check_limit(b"data: ok\n\ndata: 0123456789a\n\ndata: z\n\n", 16);
        assert_eq!((datas(&o), o.err.clone()), (vec!["ok"], err.clone()));
        let o = check_limit(b"data:aaaaaaa\ndata:bbbbbbbbb\n\n", 16);
        assert_eq!((o.events.len(), o.err), (0, err.clone()));
        // Also an unterminated line, which would be discarded anyway.
        assert_eq!(check_limit(b"data: 0123456789a", 16).err, err);
        // Bytes of decoded text count: 5 + 4 * 3 = 17.
        assert_eq!(check_limit("data:€€€€\n\n".as_bytes(), 16).err, err);
        assert_eq!(check_limit(b"data:\xFF\xFF\xFF\xFF\n\n", 16).err, err);
        assert_eq!(check_limit(b"data:\xFF\xFF\xFF\xFF", 16).err, err);
        assert_eq!(check_limit(b"data:\xFF\xFF\xFF\xE2\x82", 16).err, err);
        assert_eq!(check_limit(b"data:\xFF\xFF\xFF\xE2\x82", 17).err, None);
        // Many data lines.
        let many = "data: 0123456789\n".repeat(20);
        let o = check_limit(many.as_bytes(), 100);
        assert_eq!(o.err, Some(SseError::EventTooLarge { limit: 100 }));
        // A cap of zero allows only blank lines.
        assert_eq!(check_limit(b"\n\n\r\n", 0).err, None);
        assert!(check_limit(b"data\n\n", 0).err.is_some());
    }

    #[test]
    fn huge_line_fails_early_and_memory_stays_bounded() {
        let limit = 1 << 20;
        let mut d = SseDecoder::new(limit);
        let block = vec![b'a'; 64 * 1024];
        let mut fed = 0usize;
        let mut failed = false;
        while fed < 100 << 20 {
            match d.feed(&block, |_| panic!("no event expected")) {
                Ok(()) => {
                    fed += block.len();
                    assert!(d.line.capacity() <= limit);
                }
                Err(e) => {
                    assert_eq!(e, SseError::EventTooLarge { limit });
                    failed = true;
                    break;
                }
            }
        }
        assert!(failed && fed <= limit, "fed {fed} bytes before failing");
        // Huge line in one chunk: rejected without buffering it.
        let mut d = SseDecoder::new(limit);
        let huge = vec![b'x'; 10 << 20];
        assert!(d.feed(&huge, |_| {}).is_err());
        assert!(d.line.capacity() == 0);
        // Many small data lines: the data buffer stays near the cap.
        let mut d = SseDecoder::new(1000);
        let mut result = Ok(());
        for _ in 0..1000 {
            result = d.feed(b"data: 0123456789\n", |_| panic!("no event expected"));
            if result.is_err() {
                break;
            }
            assert!(d.fields.data.capacity() <= 1001);
        }
        assert_eq!(result, Err(SseError::EventTooLarge { limit: 1000 }));
    }

    #[test]
    fn poisoned_after_error() {
        let mut d = SseDecoder::new(8);
        let mut n = 0;
        let err = Err(SseError::EventTooLarge { limit: 8 });
        assert_eq!(d.feed(b"data: 1\n\ndata: 123456789", |_| n += 1), err);
        assert_eq!(n, 1);
        assert_eq!(d.feed(b"\n\ndata: 2\n\n", |_| n += 1), err);
        assert_eq!(d.feed(b"", |_| n += 1), err);
        assert_eq!(d.finish(|_| n += 1), err);
        assert_eq!(d.finish(|_| n += 1), err);
        assert_eq!(n, 1);
        assert_eq!(
            SseError::EventTooLarge { limit: 8 }.to_string(),
            "server-sent event larger than 8 bytes"
        );
    }

    #[test]
    fn finish_starts_a_new_stream() {
        let mut d = SseDecoder::new(BIG);
        let mut got = Vec::new();
        d.feed(b"retry: 5\nid: 1\ndata: a\n\nid: 2\n\ndata: partial", |e| {
            got.push(own(e))
        })
        .unwrap();
        d.finish(|e| got.push(own(e))).unwrap();
        assert_eq!((d.retry_ms(), d.last_event_id()), (Some(5), "2"));
        d.feed("\u{FEFF}data: b\n\n".as_bytes(), |e| got.push(own(e)))
            .unwrap();
        d.finish(|e| got.push(own(e))).unwrap();
        assert_eq!(got, [ev("", "a", "1"), ev("", "b", "")]);
        assert_eq!(d.last_event_id(), "");
    }

    struct Lcg(u64);

    impl Lcg {
        fn next(&mut self) -> u64 {
            self.0 = self
                .0
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            self.0 >> 33
        }
        fn below(&mut self, n: usize) -> usize {
            (self.next() % n.max(1) as u64) as usize
        }
        fn cuts(&mut self, len: usize) -> Vec<usize> {
            let mut cuts: Vec<usize> = (0..self.below(8)).map(|_| self.below(len + 1)).collect();
            cuts.sort_unstable();
            cuts
        }
    }

    #[test]
    fn random_splits_are_equivalent() {
        let mut rng = Lcg(42);
        for bytes in fixtures() {
            for limit in [BIG, 24] {
                let whole = run_chunks(&[&bytes], limit);
                assert_eq!(whole, reference(&bytes, limit), "{bytes:?}");
                for _ in 0..200 {
                    let cuts = rng.cuts(bytes.len());
                    assert_eq!(run_cuts(&bytes, &cuts, limit), whole, "{cuts:?} {bytes:?}");
                }
            }
        }
    }

    #[test]
    fn random_bytes_never_panic() {
        const TOKENS: &[&[u8]] = &[
            b"data",
            b"data:",
            b"data: ",
            b"event:",
            b"id:",
            b"retry:",
            b":",
            b" ",
            b"\n",
            b"\r",
            b"\r\n",
            b"x",
            b"42",
            b"\0",
            b"\xFF",
            b"\xE2\x82",
            b"\xAC",
            b"\xF0\x9F",
            b"\x98\x80",
            b"\xEF\xBB\xBF",
            b"\xED\xA0\x80",
            b"\xC0",
            b"\x80",
            "ä".as_bytes(),
        ];
        let mut rng = Lcg(7);
        for round in 0..3000 {
            let mut bytes = Vec::new();
            for _ in 0..rng.below(60) {
                if rng.below(8) == 0 {
                    bytes.push(rng.next() as u8);
                } else {
                    bytes.extend_from_slice(TOKENS[rng.below(TOKENS.len())]);
                }
            }
            let limit = [0, 3, 8, 20, BIG][round % 5];
            let whole = run_chunks(&[&bytes], limit);
            assert_eq!(whole, reference(&bytes, limit), "{bytes:?}");
            for _ in 0..4 {
                let cuts = rng.cuts(bytes.len());
                assert_eq!(run_cuts(&bytes, &cuts, limit), whole, "{cuts:?} {bytes:?}");
            }
        }
    }
}
