//! A small JSON reader that borrows from its input.
//!
//! Why not serde_json: measured on this crate's probe (see `DESIGN.md`), serde + serde_json cost about
//! 25 KB of wasm plus 9.5 KB of float formatting, more than half of the whole size budget. The package
//! only needs to *read* JSON (to validate a request, follow a stream, find an error message) and to
//! *copy* parts of it into new JSON text. So every value keeps its raw source text, strings stay
//! escaped until someone asks for them, and numbers are never formatted again.
//!
//! Strings are kept escaped for a second reason: some servers cut text by UTF-16 unit, so one emoji
//! arrives as two JSON strings `"\ud83d"` and `"\ude00"`. Joining the *escaped* texts keeps the pair
//! intact, where decoding each half first would lose it.

#[allow(unused_imports)]
use crate::prelude::*;

/// Deepest nesting accepted; deeper input is an error instead of a stack overflow.
pub const MAX_DEPTH: usize = 512;

/// One JSON value with the exact source text it was read from.
#[derive(Debug, Clone, PartialEq)]
pub struct Value<'a> {
    /// The source text of the whole value (a string includes its quotes).
    pub raw: &'a str,
    /// What kind of value it is.
    pub kind: Kind<'a>,
}

/// The kinds of JSON values.
#[derive(Debug, Clone, PartialEq)]
pub enum Kind<'a> {
    /// `null`
    Null,
    /// `true` or `false`
    Bool(bool),
    /// A number, kept as its source text (already checked against the JSON grammar).
    Number,
    /// A string; the text between the quotes, still escaped.
    Str(JsonStr<'a>),
    /// An array.
    Array(Vec<Value<'a>>),
    /// An object, members in source order (duplicates kept; lookups take the last, as `JSON.parse`).
    Object(Vec<(JsonStr<'a>, Value<'a>)>),
}

/// The escaped text between a JSON string's quotes, known to be valid.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct JsonStr<'a>(pub &'a str);

/// Why a text is not JSON.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct JsonError {
    /// Byte offset where reading failed.
    pub offset: usize,
    /// What was wrong there.
    pub reason: &'static str,
}

impl core::fmt::Display for JsonError {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str(self.reason)
    }
}

/// Reads one JSON text (surrounding whitespace allowed, nothing else).
pub fn parse(src: &str) -> Result<Value<'_>, JsonError> {
    let mut p = Parser { src, pos: 0 };
    p.ws();
    let v = p.value(0)?;
    p.ws();
    if p.pos != src.len() {
        return Err(p.err("unexpected text after the JSON value"));
    }
    Ok(v)
}

/// A reader positioned in a JSON text, for walking an object without building it (the hot path of
/// a stream reads every chunk this way: the choices are built, the other members kept as text).
pub struct Cursor<'a>(Parser<'a>);

impl<'a> Cursor<'a> {
    /// A cursor at the start of `src`, past leading whitespace.
    pub fn new(src: &'a str) -> Self {
        let mut p = Parser { src, pos: 0 };
        p.ws();
        Cursor(p)
    }

    /// A cursor at byte `pos` of `src` (inside an object, to go on with [`Cursor::next_key`]).
    pub fn at(src: &'a str, pos: usize) -> Self {
        Cursor(Parser { src, pos })
    }

    /// The byte offset of the cursor.
    pub fn pos(&self) -> usize {
        self.0.pos
    }

    /// The next byte, if any.
    pub fn peek(&self) -> Option<u8> {
        self.0.peek()
    }

    /// Enters an object at the cursor: true when it is one (the `{` is consumed).
    pub fn enter_object(&mut self) -> bool {
        let is = self.0.peek() == Some(b'{');
        if is {
            self.0.pos += 1;
        }
        is
    }

    /// Enters an array at the cursor: true when it is one (the `[` is consumed).
    pub fn enter_array(&mut self) -> bool {
        let is = self.0.peek() == Some(b'[');
        if is {
            self.0.pos += 1;
        }
        is
    }

    /// In an entered object: the next member's key, with the cursor on its value; `None` after
    /// the closing `}`. `first` is true for the first call after entering.
    pub fn next_key(&mut self, first: bool) -> Result<Option<JsonStr<'a>>, JsonError> {
        self.0.next_key(first)
    }

    /// In an entered array: true when another item follows (the cursor is on it), false after
    /// the closing `]`.
    pub fn next_item(&mut self, first: bool) -> Result<bool, JsonError> {
        self.0.next_item(first)
    }

    /// Reads the value at the cursor into a tree.
    pub fn value(&mut self) -> Result<Value<'a>, JsonError> {
        self.0.value(1)
    }

    /// Checks the value at the cursor and returns its source text.
    pub fn skip(&mut self) -> Result<&'a str, JsonError> {
        let start = self.0.pos;
        self.0.skip(1)?;
        Ok(self.0.slice(start))
    }

    /// Checks that only whitespace is left.
    pub fn end(&mut self) -> Result<(), JsonError> {
        self.0.ws();
        if self.0.pos == self.0.src.len() {
            Ok(())
        } else {
            Err(self.0.err("unexpected text after the JSON value"))
        }
    }
}

struct Parser<'a> {
    src: &'a str,
    pos: usize,
}

impl<'a> Parser<'a> {
    /// Between the members of an object or the items of an array: consumes `close` (returns
    /// false) or, unless `first`, a ','.
    fn close_or_comma(&mut self, first: bool, close: u8) -> Result<bool, JsonError> {
        match self.peek() {
            Some(c) if c == close => {
                self.pos += 1;
                Ok(false)
            }
            _ if first => Ok(true),
            Some(b',') => {
                self.pos += 1;
                Ok(true)
            }
            _ => Err(self.err(if close == b'}' {
                "expected ',' or '}'"
            } else {
                "expected ',' or ']'"
            })),
        }
    }

    /// Checks one value like [`Parser::value`] does. Scalars (what a chunk's skipped members
    /// usually are) cost nothing to build; a separate builder-free walk measured 1.4 KB of wasm.
    fn skip(&mut self, depth: usize) -> Result<(), JsonError> {
        self.value(depth).map(drop)
    }

    fn err(&self, reason: &'static str) -> JsonError {
        JsonError {
            offset: self.pos,
            reason,
        }
    }

    #[inline(always)]
    fn peek(&self) -> Option<u8> {
        self.src.as_bytes().get(self.pos).copied()
    }

    #[inline(always)]
    fn ws(&mut self) {
        while let Some(b' ' | b'\t' | b'\n' | b'\r') = self.peek() {
            self.pos += 1;
        }
    }

    #[inline(always)]
    fn slice(&self, start: usize) -> &'a str {
        self.src.get(start..self.pos).unwrap_or("")
    }

    fn value(&mut self, depth: usize) -> Result<Value<'a>, JsonError> {
        if depth >= MAX_DEPTH {
            return Err(self.err("JSON nested too deeply"));
        }
        let start = self.pos;
        let kind = match self.peek() {
            Some(b'{') => self.object(depth)?,
            Some(b'[') => self.array(depth)?,
            Some(b'"') => Kind::Str(self.string()?),
            Some(b't') => self.word("true", Kind::Bool(true))?,
            Some(b'f') => self.word("false", Kind::Bool(false))?,
            Some(b'n') => self.word("null", Kind::Null)?,
            Some(b'-' | b'0'..=b'9') => self.number()?,
            Some(_) => return Err(self.err("unexpected character")),
            None => return Err(self.err("unexpected end of JSON")),
        };
        Ok(Value {
            raw: self.slice(start),
            kind,
        })
    }

    fn word(&mut self, w: &'static str, kind: Kind<'a>) -> Result<Kind<'a>, JsonError> {
        if self.src.as_bytes().get(self.pos..self.pos + w.len()) == Some(w.as_bytes()) {
            self.pos += w.len();
            Ok(kind)
        } else {
            Err(self.err("unexpected word"))
        }
    }

    fn digits(&mut self) -> usize {
        let start = self.pos;
        while let Some(b'0'..=b'9') = self.peek() {
            self.pos += 1;
        }
        self.pos - start
    }

    fn number(&mut self) -> Result<Kind<'a>, JsonError> {
        if self.peek() == Some(b'-') {
            self.pos += 1;
        }
        match self.peek() {
            Some(b'0') => self.pos += 1,
            Some(b'1'..=b'9') => {
                self.digits();
            }
            _ => return Err(self.err("bad number")),
        }
        if self.peek() == Some(b'.') {
            self.pos += 1;
            if self.digits() == 0 {
                return Err(self.err("bad number"));
            }
        }
        if let Some(b'e' | b'E') = self.peek() {
            self.pos += 1;
            if let Some(b'+' | b'-') = self.peek() {
                self.pos += 1;
            }
            if self.digits() == 0 {
                return Err(self.err("bad number"));
            }
        }
        Ok(Kind::Number)
    }

    fn string(&mut self) -> Result<JsonStr<'a>, JsonError> {
        let start = self.pos + 1; // past the opening quote
        match string_end(self.src.as_bytes(), start) {
            Ok(end) => {
                self.pos = end;
                let s = self.slice(start);
                self.pos += 1;
                Ok(JsonStr(s))
            }
            Err((at, reason)) => {
                self.pos = at;
                Err(self.err(reason))
            }
        }
    }

    fn array(&mut self, depth: usize) -> Result<Kind<'a>, JsonError> {
        self.pos += 1;
        let mut items = Vec::with_capacity(4);
        while self.next_item(items.is_empty())? {
            items.push(self.value(depth + 1)?);
        }
        Ok(Kind::Array(items))
    }

    fn object(&mut self, depth: usize) -> Result<Kind<'a>, JsonError> {
        self.pos += 1;
        let mut members = Vec::with_capacity(8);
        while let Some(key) = self.next_key(members.is_empty())? {
            members.push((key, self.value(depth + 1)?));
        }
        Ok(Kind::Object(members))
    }

    /// In an object: the next member's key, past its ':'; `None` after the closing `}`.
    fn next_key(&mut self, first: bool) -> Result<Option<JsonStr<'a>>, JsonError> {
        self.ws();
        if !self.close_or_comma(first, b'}')? {
            return Ok(None);
        }
        self.ws();
        if self.peek() != Some(b'"') {
            return Err(self.err("expected a string key"));
        }
        let key = self.string()?;
        self.ws();
        if self.peek() != Some(b':') {
            return Err(self.err("expected ':'"));
        }
        self.pos += 1;
        self.ws();
        Ok(Some(key))
    }

    /// In an array: true when another item follows, false after the closing `]`.
    fn next_item(&mut self, first: bool) -> Result<bool, JsonError> {
        self.ws();
        let more = self.close_or_comma(first, b']')?;
        self.ws();
        Ok(more)
    }
}

/// Where the JSON string whose contents start at `start` ends: the offset of its closing quote,
/// or where and why it is not a valid string.
pub fn string_end(bytes: &[u8], start: usize) -> Result<usize, (usize, &'static str)> {
    let mut pos = start;
    loop {
        // The common case first: plain characters, in a tight loop.
        while let Some(&b) = bytes.get(pos) {
            if b == b'"' || b == b'\\' || b < 0x20 {
                break;
            }
            pos += 1;
        }
        match bytes.get(pos) {
            None => return Err((pos, "unterminated string")),
            Some(b'"') => return Ok(pos),
            Some(b'\\') => {
                pos += 1;
                match bytes.get(pos) {
                    Some(b'"' | b'\\' | b'/' | b'b' | b'f' | b'n' | b'r' | b't') => pos += 1,
                    Some(b'u') => {
                        let hex = bytes.get(pos + 1..pos + 5);
                        if !hex.is_some_and(|h| h.iter().all(u8::is_ascii_hexdigit)) {
                            return Err((pos, "bad \\u escape"));
                        }
                        pos += 5;
                    }
                    _ => return Err((pos, "bad escape")),
                }
            }
            Some(_) => return Err((pos, "control character in string")),
        }
    }
}

impl<'a> Value<'a> {
    /// The member `key` of an object (the last one, as `JSON.parse` keeps), or `None`.
    pub fn get(&self, key: &str) -> Option<&Value<'a>> {
        match &self.kind {
            Kind::Object(m) => m.iter().rev().find(|(k, _)| k.is(key)).map(|(_, v)| v),
            _ => None,
        }
    }

    /// The members of an object (none for other values), in source order.
    pub fn members(&self) -> &[(JsonStr<'a>, Value<'a>)] {
        match &self.kind {
            Kind::Object(m) => m,
            _ => &[],
        }
    }

    /// The string, if this is a string.
    pub fn as_str(&self) -> Option<JsonStr<'a>> {
        match self.kind {
            Kind::Str(s) => Some(s),
            _ => None,
        }
    }

    /// The items, if this is an array.
    pub fn as_array(&self) -> Option<&[Value<'a>]> {
        match &self.kind {
            Kind::Array(a) => Some(a),
            _ => None,
        }
    }

    /// The number as f64, if this is a number.
    pub fn as_f64(&self) -> Option<f64> {
        match self.kind {
            Kind::Number => crate::num::parse_decimal(self.raw),
            _ => None,
        }
    }

    /// True for `null`.
    pub fn is_null(&self) -> bool {
        matches!(self.kind, Kind::Null)
    }

    /// True for an object.
    pub fn is_object(&self) -> bool {
        matches!(self.kind, Kind::Object(_))
    }

    /// The JSON type name, for messages ("string", "number", ...).
    pub fn type_name(&self) -> &'static str {
        match self.kind {
            Kind::Null => "null",
            Kind::Bool(_) => "boolean",
            Kind::Number => "number",
            Kind::Str(_) => "string",
            Kind::Array(_) => "array",
            Kind::Object(_) => "object",
        }
    }
}

impl<'a> JsonStr<'a> {
    /// The escaped text between the quotes.
    pub fn raw(self) -> &'a str {
        self.0
    }

    /// Calls `f` with the decoded text, without decoding (or allocating) when there is no
    /// escape: the usual case for keys, which the stream checks several times per chunk.
    #[inline(always)]
    pub fn with_key<R>(self, f: impl FnOnce(&str) -> R) -> R {
        if self.0.as_bytes().contains(&b'\\') {
            return f(&self.decode());
        }
        f(self.0)
    }

    /// True when the decoded string equals `s`.
    pub fn is(self, s: &str) -> bool {
        // Escapes only make the raw text longer, so most keys are told apart by length alone.
        let raw = self.0.as_bytes();
        if raw == s.as_bytes() {
            return !raw.contains(&b'\\') || self.decode() == s;
        }
        raw.len() > s.len() && raw.contains(&b'\\') && self.decode() == s
    }

    /// The decoded string; lone surrogates become U+FFFD.
    pub fn decode(self) -> String {
        if !self.0.as_bytes().contains(&b'\\') {
            return self.0.into();
        }
        let mut out = String::with_capacity(self.0.len());
        let mut units: Vec<u16> = Vec::new();
        let mut rest = self.0;
        while let Some(i) = rest.bytes().position(|b| b == b'\\') {
            out.push_str(rest.get(..i).unwrap_or(""));
            rest = rest.get(i..).unwrap_or("");
            units.clear();
            // Collect a run of escapes: \uXXXX ones become UTF-16 units decoded together.
            loop {
                let b = rest.as_bytes();
                if b.first() != Some(&b'\\') {
                    break;
                }
                match b.get(1) {
                    Some(b'u') => {
                        let u = rest
                            .get(2..6)
                            .and_then(|h| u16::from_str_radix(h, 16).ok())
                            .unwrap_or(0xfffd);
                        units.push(u);
                        rest = rest.get(6..).unwrap_or("");
                    }
                    Some(&c) => {
                        units.push(match c {
                            b'b' => 8,
                            b'f' => 12,
                            b'n' => 10,
                            b'r' => 13,
                            b't' => 9,
                            other => other as u16,
                        });
                        rest = rest.get(2..).unwrap_or("");
                    }
                    None => {
                        rest = "";
                    }
                }
            }
            out.extend(char::decode_utf16(units.iter().copied()).map(|r| r.unwrap_or('\u{fffd}')));
        }
        out.push_str(rest);
        out
    }
}

/// Appends `s` to `out` as the inside of a JSON string (no quotes).
pub fn escape_into(out: &mut String, s: &str) {
    let mut last = 0;
    for (i, b) in s.bytes().enumerate() {
        let esc: &str = match b {
            b'"' => "\\\"",
            b'\\' => "\\\\",
            b'\n' => "\\n",
            b'\r' => "\\r",
            b'\t' => "\\t",
            0..=0x1f => "",
            _ => continue,
        };
        out.push_str(s.get(last..i).unwrap_or(""));
        if esc.is_empty() {
            // A control character: `\u00` and two lowercase hex digits.
            out.push_str("\\u00");
            for digit in [b >> 4, b & 15] {
                out.push(char::from(if digit < 10 {
                    b'0' + digit
                } else {
                    b'a' - 10 + digit
                }));
            }
        } else {
            out.push_str(esc);
        }
        last = i + 1;
    }
    out.push_str(s.get(last..).unwrap_or(""));
}

/// Appends `s` to `out` as a quoted JSON string.
pub fn quote_into(out: &mut String, s: &str) {
    out.push('"');
    escape_into(out, s);
    out.push('"');
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_every_kind_and_keeps_raw_text() {
        let v = parse(r#" {"a": [1, -2.5e3, true, null], "b": "x\"y", "c": {}} "#).unwrap();
        assert_eq!(
            v.raw,
            r#"{"a": [1, -2.5e3, true, null], "b": "x\"y", "c": {}}"#
        );
        let a = v.get("a").unwrap().as_array().unwrap();
        assert_eq!(a[1].raw, "-2.5e3");
        assert_eq!(a[1].as_f64(), Some(-2500.0));
        assert_eq!(a[2].kind, Kind::Bool(true));
        assert!(a[3].is_null());
        assert_eq!(v.get("b").unwrap().as_str().unwrap().decode(), "x\"y");
        assert_eq!(v.get("b").unwrap().raw, r#""x\"y""#);
        assert!(v.get("c").unwrap().is_object());
        assert!(v.get("zzz").is_none());
    }

    #[test]
    fn duplicate_keys_take_the_last_like_json_parse() {
        let v = parse(r#"{"k":1,"k":2}"#).unwrap();
        assert_eq!(v.get("k").unwrap().raw, "2");
    }

    #[test]
    fn escaped_keys_match() {
        let v = parse(r#"{"mod\u0065l":"m"}"#).unwrap();
        assert_eq!(v.get("model").unwrap().as_str().unwrap().decode(), "m");
    }

    #[test]
    fn rejects_what_json_parse_rejects() {
        for bad in [
            "",
            " ",
            "{",
            "[1,]",
            "{\"a\":1,}",
            "01",
            "1.",
            "-",
            "1e",
            "+1",
            ".5",
            "NaN",
            "Infinity",
            "'a'",
            "\"a",
            "\"\\x\"",
            "\"\\u12\"",
            "\"a\u{1}\"",
            "{a:1}",
            "[1 2]",
            "truex",
            "nul",
            "{\"a\" 1}",
            "1 2",
            "[",
            "]",
        ] {
            assert!(parse(bad).is_err(), "accepted {bad:?}");
        }
    }

    #[test]
    fn deep_nesting_is_an_error_not_a_crash() {
        let deep = "[".repeat(100_000);
        assert_eq!(parse(&deep).unwrap_err().reason, "JSON nested too deeply");
        let ok = format!("{}{}", "[".repeat(MAX_DEPTH - 1), "]".repeat(MAX_DEPTH - 1));
        assert!(parse(&ok).is_ok());
    }

    #[test]
    fn decodes_escapes_and_surrogate_pairs() {
        let s = JsonStr(r#"a\n\t\"\\\/\u00e4\ud83d\ude00z"#);
        assert_eq!(s.decode(), "a\n\t\"\\/ä😀z");
        assert_eq!(JsonStr(r"\ud83d").decode(), "\u{fffd}");
        assert_eq!(JsonStr(r"\ude00x").decode(), "\u{fffd}x");
        // Joined escaped halves make the emoji again.
        assert_eq!(
            JsonStr(&format!("{}{}", r"\ud83d", r"\ude00")).decode(),
            "😀"
        );
    }

    #[test]
    fn escape_round_trips() {
        let s = "Grüße \"zitat\" \\ \n\t\u{1}😀";
        let mut q = String::new();
        quote_into(&mut q, s);
        assert_eq!(parse(&q).unwrap().as_str().unwrap().decode(), s);
    }
}
