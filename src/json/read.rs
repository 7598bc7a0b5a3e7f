//! The reader: a whole JSON text into a [`Value`] tree, or a [`Cursor`] that walks an object
//! member by member without building it.

#[allow(unused_imports)]
use crate::prelude::*;

use super::{JsonError, JsonStr, Kind, Value, MAX_DEPTH};

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
}
