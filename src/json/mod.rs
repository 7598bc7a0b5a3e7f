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
//!
//! This file holds the values; `read.rs` the reader (whole texts, and the cursor of the hot
//! path); `string.rs` what is done with the escaped text of strings (compare, decode, escape).

#[allow(unused_imports)]
use crate::prelude::*;

mod read;
mod string;

pub use read::{parse, string_end, Cursor};
pub use string::{escape_into, quote_into};

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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn duplicate_keys_take_the_last_like_json_parse() {
        let v = parse(r#"{"k":1,"k":2}"#).unwrap();
        assert_eq!(v.get("k").unwrap().raw, "2");
    }
}
