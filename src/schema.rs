//! A small JSON Schema validator for structured output (`parse()`) and tool arguments (`runTools()`).
//!
//! It reads both texts with the borrowing reader of [`crate::json`] and checks the keywords that
//! structured-output schemas use (OpenAI's supported subset and a little more): `type` (also a
//! list), `enum`, `const`, `properties`, `required`, `additionalProperties`, `items`,
//! `prefixItems`, `minItems`/`maxItems`, `minimum`/`maximum`, `exclusiveMinimum`/
//! `exclusiveMaximum`, `multipleOf`, `minLength`/`maxLength` (in code points), `pattern`,
//! `anyOf`/`oneOf`/`allOf`, boolean schemas, and `$ref` to a JSON pointer in the same document
//! (`#`, `#/$defs/x`, `#/definitions/x`). Other keywords (`format`, `title`, `uniqueItems`,
//! `not`, `if`, ...) are not checked: every byte here ships in the wasm. A failure names the JSON
//! pointer of the offending value.
//!
//! `pattern` is ECMA-262 syntax; the caller supplies the matcher (the wasm build uses the JS
//! engine's own `RegExp`, exact and free; a regex engine in Rust would cost kilobytes).
//!
//! No `format!` and no float formatting (see `DESIGN.md`): messages quote the schema's own text.

#[allow(unused_imports)]
use crate::prelude::*;

use crate::json::{self, Kind, Value};
use crate::num::Decimal;
use core::cmp::Ordering;

/// Tests a `pattern` against a string: `Some(true/false)`, or `None` when it cannot tell (then
/// the pattern is not checked).
pub type Matcher<'m> = &'m mut dyn FnMut(&str, &str) -> Option<bool>;

/// Deepest schema nesting followed (also bounds `$ref` cycles).
const MAX_DEPTH: usize = 128;

/// Why a value does not match its schema.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SchemaError {
    /// JSON pointer of the offending value (`""` for the whole value, `/items/0/name` inside it).
    pub pointer: String,
    /// What is wrong there.
    pub message: String,
}

/// Checks the JSON text `instance` against the JSON Schema text `schema`.
pub fn check(schema: &str, instance: &str, matcher: Matcher<'_>) -> Result<(), SchemaError> {
    let fail = |message: String| SchemaError {
        pointer: String::new(),
        message,
    };
    let schema = json::parse(schema).map_err(|e| fail(not_json("the schema is not JSON: ", &e)))?;
    let value = json::parse(instance).map_err(|e| fail(not_json("is not JSON: ", &e)))?;
    let mut pointer = String::new();
    let mut v = Validator {
        root: &schema,
        matcher,
    };
    match v.check(&schema, &value, &mut pointer, 0) {
        Ok(()) => Ok(()),
        Err(message) => Err(SchemaError { pointer, message }),
    }
}

fn not_json(what: &str, e: &json::JsonError) -> String {
    let mut m = String::from(what);
    m.push_str(e.reason);
    m.push_str(" at byte ");
    crate::text::push_u32(&mut m, e.offset as u32);
    m
}

struct Validator<'s, 'a, 'm> {
    root: &'s Value<'a>,
    matcher: Matcher<'m>,
}

type Check = Result<(), String>;

fn msg(parts: &[&str]) -> String {
    let mut s = String::new();
    for p in parts {
        s.push_str(p);
    }
    s
}

/// Appends one reference token to a JSON pointer (`~` -> `~0`, `/` -> `~1`). Byte-wise: both
/// are ASCII, so every cut is on a character boundary.
fn push_token(pointer: &mut String, token: &str) {
    pointer.push('/');
    let mut rest = token;
    while let Some(i) = rest.bytes().position(|b| b == b'~' || b == b'/') {
        pointer.push_str(rest.get(..i).unwrap_or(""));
        pointer.push_str(if rest.as_bytes().get(i) == Some(&b'~') {
            "~0"
        } else {
            "~1"
        });
        rest = rest.get(i + 1..).unwrap_or("");
    }
    pointer.push_str(rest);
}

fn push_index(pointer: &mut String, i: usize) {
    pointer.push('/');
    crate::text::push_u32(pointer, i as u32);
}

fn num(schema: &Value<'_>, key: &str) -> Option<f64> {
    schema.get(key).and_then(Value::as_f64)
}

impl<'s, 'a> Validator<'s, 'a, '_> {
    fn check(
        &mut self,
        schema: &'s Value<'a>,
        value: &Value<'_>,
        ptr: &mut String,
        depth: usize,
    ) -> Check {
        if depth > MAX_DEPTH {
            return Err("the schema nests too deeply (or its $ref loops)".into());
        }
        let members = match &schema.kind {
            Kind::Bool(true) => return Ok(()),
            Kind::Bool(false) => return Err("is not allowed here (the schema is false)".into()),
            Kind::Object(m) => m,
            _ => return Ok(()),
        };
        if let Some(r) = schema.get("$ref") {
            let target = r.as_str().and_then(|s| self.resolve(&s.decode()));
            match target {
                Some(t) => self.check(t, value, ptr, depth + 1)?,
                None => {
                    return Err(msg(&["the schema's $ref ", r.raw, " cannot be resolved"]));
                }
            }
        }
        for (key, sub) in members {
            let key = key.raw();
            match key {
                "type" => check_type(sub, value)?,
                "enum" => {
                    let ok = sub
                        .as_array()
                        .is_some_and(|a| a.iter().any(|e| equal(e, value)));
                    if !ok {
                        return Err(msg(&["must be one of ", sub.raw]));
                    }
                }
                "const" if !equal(sub, value) => {
                    return Err(msg(&["must be ", sub.raw]));
                }
                "allOf" | "anyOf" | "oneOf" => {
                    let subs = sub.as_array().unwrap_or(&[]);
                    let at = ptr.len();
                    let mut matched = 0;
                    for s in subs {
                        match self.check(s, value, ptr, depth + 1) {
                            Ok(()) => matched += 1,
                            Err(e) if key == "allOf" => return Err(e),
                            Err(_) => ptr.truncate(at),
                        }
                    }
                    if key == "anyOf" && matched == 0 {
                        return Err("must match at least one schema of anyOf".into());
                    }
                    if key == "oneOf" && matched != 1 {
                        return Err(msg(&[
                            "must match exactly one schema of oneOf, but matches ",
                            if matched == 0 { "none" } else { "several" },
                        ]));
                    }
                }
                _ => {}
            }
        }
        match &value.kind {
            Kind::Number => check_number(schema, value),
            Kind::Str(s) => self.check_string(schema, &s.decode()),
            Kind::Array(items) => self.check_array(schema, items, ptr, depth),
            Kind::Object(props) => self.check_object(schema, props, ptr, depth),
            _ => Ok(()),
        }
    }

    /// `#` or `#/json/pointer` (through objects) inside the root schema.
    fn resolve(&self, reference: &str) -> Option<&'s Value<'a>> {
        let mut at = self.root;
        let mut rest = match reference.as_bytes() {
            [b'#'] => return Some(at),
            [b'#', b'/', ..] => reference.get(2..)?,
            _ => return None,
        };
        loop {
            let end = rest.bytes().position(|b| b == b'/');
            let token = rest.get(..end.unwrap_or(rest.len()))?;
            // `~1` is `/` and `~0` is `~` (ASCII: byte-wise cuts are character boundaries).
            let mut key = String::new();
            let mut part = token;
            while let Some(i) = part.bytes().position(|b| b == b'~') {
                key.push_str(part.get(..i)?);
                key.push(if part.as_bytes().get(i + 1) == Some(&b'1') {
                    '/'
                } else {
                    '~'
                });
                part = part.get(i + 2..).unwrap_or("");
            }
            key.push_str(part);
            at = at.get(&key)?;
            match end {
                Some(i) => rest = rest.get(i + 1..)?,
                None => return Some(at),
            }
        }
    }

    fn check_string(&mut self, schema: &Value<'_>, s: &str) -> Check {
        // Code points: every UTF-8 byte but the continuation bytes starts one.
        let n = s.bytes().filter(|b| b & 0xc0 != 0x80).count() as f64;
        if num(schema, "minLength").is_some_and(|m| n < m) {
            return Err(too("few characters", "minLength", schema));
        }
        if num(schema, "maxLength").is_some_and(|m| n > m) {
            return Err(too("many characters", "maxLength", schema));
        }
        if let Some(p) = schema.get("pattern") {
            if let Some(re) = p.as_str() {
                if (self.matcher)(&re.decode(), s) == Some(false) {
                    return Err(msg(&["must match the pattern ", p.raw]));
                }
            }
        }
        Ok(())
    }

    fn check_array(
        &mut self,
        schema: &'s Value<'a>,
        items: &[Value<'_>],
        ptr: &mut String,
        depth: usize,
    ) -> Check {
        let n = items.len() as f64;
        if num(schema, "minItems").is_some_and(|m| n < m) {
            return Err(too("few items", "minItems", schema));
        }
        if num(schema, "maxItems").is_some_and(|m| n > m) {
            return Err(too("many items", "maxItems", schema));
        }
        // `prefixItems` checks by position, `items` the rest.
        let prefix = schema
            .get("prefixItems")
            .and_then(Value::as_array)
            .unwrap_or(&[]);
        let rest = schema.get("items");
        for (i, item) in items.iter().enumerate() {
            let sub = match prefix.get(i) {
                Some(s) => s,
                None => match rest {
                    Some(r) => r,
                    None => break,
                },
            };
            let at = ptr.len();
            push_index(ptr, i);
            self.check(sub, item, ptr, depth + 1)?;
            ptr.truncate(at);
        }
        Ok(())
    }

    fn check_object(
        &mut self,
        schema: &'s Value<'a>,
        members: &[(json::JsonStr<'_>, Value<'_>)],
        ptr: &mut String,
        depth: usize,
    ) -> Check {
        let props = schema.get("properties");
        if let Some(req) = schema.get("required").and_then(Value::as_array) {
            for r in req {
                let Some(name) = r.as_str() else { continue };
                if !members.iter().any(|(k, _)| k.is(&name.decode())) {
                    push_token(ptr, &name.decode());
                    return Err("is required but missing".into());
                }
            }
        }
        let extra = schema.get("additionalProperties");
        for (key, value) in members {
            let name = key.decode();
            let at = ptr.len();
            push_token(ptr, &name);
            match (props.and_then(|p| p.get(&name)), extra) {
                (None, Some(e)) if matches!(e.kind, Kind::Bool(false)) => {
                    return Err("is not allowed (additionalProperties is false)".into());
                }
                (Some(sub), _) | (None, Some(sub)) => self.check(sub, value, ptr, depth + 1)?,
                (None, None) => {}
            }
            ptr.truncate(at);
        }
        Ok(())
    }
}

/// The fractional part (core has no `f64::fract` without std): every f64 of 2^53 or more is whole.
fn fract(x: f64) -> f64 {
    if x.abs() < 9.0e15 {
        x - (x as i64) as f64
    } else {
        0.0
    }
}

fn too(what: &str, key: &str, schema: &Value<'_>) -> String {
    let limit = schema.get(key).map_or("", |v| v.raw);
    msg(&["has too ", what, " (", key, " ", limit, ")"])
}

fn type_matches(name: &str, value: &Value<'_>) -> bool {
    match name {
        "integer" => value.as_f64().is_some_and(|f| fract(f) == 0.0),
        "number" => matches!(value.kind, Kind::Number),
        other => value.type_name() == other,
    }
}

fn check_type(expected: &Value<'_>, value: &Value<'_>) -> Check {
    let ok = match &expected.kind {
        Kind::Str(s) => type_matches(&s.decode(), value),
        Kind::Array(a) => a
            .iter()
            .any(|t| t.as_str().is_some_and(|s| type_matches(&s.decode(), value))),
        _ => true,
    };
    if ok {
        return Ok(());
    }
    let mut m = String::from("must be ");
    match &expected.kind {
        Kind::Str(s) => m.push_str(s.raw()),
        _ => m.push_str(expected.raw),
    }
    m.push_str(", not ");
    m.push_str(value.type_name());
    Err(m)
}

/// The number keywords, on the decimals as written (exact: no float rounding at the bounds).
fn check_number(schema: &Value<'_>, value: &Value<'_>) -> Check {
    let decimal = |v: &Value<'_>| match v.kind {
        Kind::Number => Decimal::parse(v.raw),
        _ => None,
    };
    let Some(x) = decimal(value) else {
        return Ok(());
    };
    let keyword = |k: &str| schema.get(k).and_then(decimal);
    let bound = |k: &str, exclusive: bool, below: bool| -> Check {
        let Some(b) = keyword(k) else {
            return Ok(());
        };
        let bad = match x.cmp(&b) {
            Ordering::Less => below,
            Ordering::Equal => exclusive,
            Ordering::Greater => !below,
        };
        if !bad {
            return Ok(());
        }
        let op = match (below, exclusive) {
            (true, false) => ">= ",
            (true, true) => "> ",
            (false, false) => "<= ",
            (false, true) => "< ",
        };
        Err(msg(&["must be ", op, schema.get(k).map_or("", |v| v.raw)]))
    };
    bound("minimum", false, true)?;
    bound("maximum", false, false)?;
    bound("exclusiveMinimum", true, true)?;
    bound("exclusiveMaximum", true, false)?;
    if let Some(m) = keyword("multipleOf") {
        // A divisor of more than 17 significant digits (no f64 has them): the quotient in f64.
        let whole = x.is_multiple_of(&m).or_else(|| {
            let (x, m) = (
                value.as_f64()?,
                num(schema, "multipleOf").filter(|m| *m > 0.0)?,
            );
            Some(fract(x / m) == 0.0)
        });
        if whole == Some(false) {
            return Err(msg(&[
                "must be a multiple of ",
                schema.get("multipleOf").map_or("", |v| v.raw),
            ]));
        }
    }
    Ok(())
}

/// JSON equality: numbers by exact value, strings decoded, objects regardless of member order.
pub fn equal(a: &Value<'_>, b: &Value<'_>) -> bool {
    match (&a.kind, &b.kind) {
        (Kind::Number, Kind::Number) => {
            a.raw == b.raw
                || matches!((Decimal::parse(a.raw), Decimal::parse(b.raw)), (Some(x), Some(y)) if x == y)
        }
        (Kind::Str(x), Kind::Str(y)) => x.raw() == y.raw() || x.decode() == y.decode(),
        (Kind::Array(x), Kind::Array(y)) => {
            x.len() == y.len() && x.iter().zip(y).all(|(p, q)| equal(p, q))
        }
        (Kind::Object(x), Kind::Object(y)) => {
            x.len() == y.len()
                && x.iter().all(|(k, v)| {
                    let k = k.decode();
                    b.get(&k).is_some_and(|w| equal(a.get(&k).unwrap_or(v), w))
                })
        }
        (Kind::Bool(x), Kind::Bool(y)) => x == y,
        (x, y) => matches!((x, y), (Kind::Null, Kind::Null)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A test double for the pattern matcher: knows `^\d{5}$`, cannot tell for anything else.
    fn five_digits(p: &str, s: &str) -> Option<bool> {
        (p == "^\\d{5}$").then(|| s.len() == 5 && s.bytes().all(|b| b.is_ascii_digit()))
    }

    fn ok(schema: &str, value: &str) -> Result<(), SchemaError> {
        check(schema, value, &mut five_digits)
    }

    fn err(schema: &str, value: &str) -> (String, String) {
        let e = ok(schema, value).expect_err(value);
        (e.pointer, e.message)
    }

    const PERSON: &str = r##"{
      "type": "object",
      "properties": {
        "name": {"type": "string", "minLength": 1, "maxLength": 5},
        "age": {"type": "integer", "minimum": 0, "exclusiveMaximum": 150},
        "tags": {"type": "array", "items": {"enum": ["a", "b"]}, "maxItems": 3},
        "address": {"$ref": "#/$defs/address"},
        "nick": {"type": ["string", "null"]}
      },
      "required": ["name", "age"],
      "additionalProperties": false,
      "$defs": {
        "address": {
          "type": "object",
          "properties": {"city/town": {"type": "string"}, "zip": {"type": "string", "pattern": "^\\d{5}$"}},
          "required": ["city/town"]
        }
      }
    }"##;

    #[test]
    fn accepts_matching_values() {
        for good in [
            r#"{"name":"Jörg","age":42}"#,
            r#"{"name":"ÄÖÜßé","age":0,"tags":["a","b"],"nick":null}"#,
            r#"{"name":"x","age":1.0,"address":{"city/town":"Köln","zip":"50667"}}"#,
        ] {
            assert_eq!(ok(PERSON, good), Ok(()), "{good}");
        }
    }

    #[test]
    fn names_the_pointer_of_the_mismatch() {
        assert_eq!(
            err(PERSON, r#"{"name":5,"age":1}"#),
            ("/name".into(), "must be string, not number".into())
        );
        assert_eq!(
            err(PERSON, r#"{"name":"a"}"#),
            ("/age".into(), "is required but missing".into())
        );
        assert_eq!(err(PERSON, r#"{"name":"a","age":1.5}"#).0, "/age");
        assert_eq!(
            err(PERSON, r#"{"name":"a","age":150}"#),
            ("/age".into(), "must be < 150".into())
        );
        assert_eq!(
            err(PERSON, r#"{"name":"a","age":-1}"#),
            ("/age".into(), "must be >= 0".into())
        );
        assert_eq!(
            err(PERSON, r#"{"name":"sechss","age":1}"#),
            (
                "/name".into(),
                "has too many characters (maxLength 5)".into()
            )
        );
        assert_eq!(err(PERSON, r#"{"name":"","age":1}"#).0, "/name");
        assert_eq!(
            err(PERSON, r#"{"name":"a","age":1,"tags":["a","c"]}"#),
            ("/tags/1".into(), "must be one of [\"a\", \"b\"]".into())
        );
        assert_eq!(
            err(PERSON, r#"{"name":"a","age":1,"tags":["a","b","a","b"]}"#),
            ("/tags".into(), "has too many items (maxItems 3)".into())
        );
        assert_eq!(
            err(PERSON, r#"{"name":"a","age":1,"extra":true}"#),
            (
                "/extra".into(),
                "is not allowed (additionalProperties is false)".into()
            )
        );
        assert_eq!(
            err(PERSON, r#"{"name":"a","age":1,"address":{}}"#),
            (
                "/address/city~1town".into(),
                "is required but missing".into()
            )
        );
        assert_eq!(
            err(
                PERSON,
                r#"{"name":"a","age":1,"address":{"city/town":"K","zip":"5066"}}"#
            ),
            (
                "/address/zip".into(),
                r#"must match the pattern "^\\d{5}$""#.into()
            )
        );
        assert_eq!(
            err(PERSON, r#"{"name":"a","age":1,"nick":3}"#),
            (
                "/nick".into(),
                r#"must be ["string", "null"], not number"#.into()
            )
        );
        assert_eq!(
            err(PERSON, "[]"),
            ("".into(), "must be object, not array".into())
        );
    }

    #[test]
    fn not_json_is_reported_with_its_offset() {
        let (p, m) = err("{}", r#"{"a":"#);
        assert_eq!(p, "");
        assert!(m.starts_with("is not JSON: "), "{m}");
        assert!(m.contains("at byte 5"), "{m}");
    }

    #[test]
    fn combinators() {
        let any = r#"{"anyOf":[{"type":"string"},{"type":"number","minimum":10}]}"#;
        assert_eq!(ok(any, r#""x""#), Ok(()));
        assert_eq!(ok(any, "12"), Ok(()));
        assert_eq!(err(any, "3").1, "must match at least one schema of anyOf");
        let one = r#"{"oneOf":[{"type":"integer"},{"type":"number"}]}"#;
        assert_eq!(ok(one, "1.5"), Ok(()));
        assert!(err(one, "2").1.ends_with("several"));
        assert!(err(one, "true").1.ends_with("none"));
        let all = r#"{"allOf":[{"properties":{"a":{"type":"string"}}},{"required":["b"]}]}"#;
        assert_eq!(ok(all, r#"{"a":"x","b":1}"#), Ok(()));
        assert_eq!(err(all, r#"{"a":1,"b":1}"#).0, "/a");
        assert_eq!(err(all, r#"{"a":"x"}"#).0, "/b");
    }

    #[test]
    fn const_enum_and_equality() {
        assert_eq!(
            ok(
                r#"{"const":{"a":[1,"x"],"b":null}}"#,
                r#"{"b":null,"a":[1.0,"\u0078"]}"#
            ),
            Ok(())
        );
        assert!(ok(r#"{"const":{"a":1}}"#, r#"{"a":1,"b":2}"#).is_err());
        assert!(ok(r#"{"const":[1,2]}"#, "[2,1]").is_err());
        assert_eq!(err(r#"{"const":"ja"}"#, r#""nein""#).1, r#"must be "ja""#);
        assert_eq!(ok(r#"{"enum":[1,"1",null]}"#, "null"), Ok(()));
        assert!(ok(r#"{"enum":[1,"1"]}"#, "true").is_err());
    }

    #[test]
    fn number_bounds_are_exact_at_the_edges() {
        // 16-digit bounds that the approximate parser read 6 ulps off: the next f64 past the
        // bound got through.
        let max = r#"{"maximum":509.6310594510376}"#;
        assert_eq!(ok(max, "509.6310594510376"), Ok(()));
        assert_eq!(ok(max, "509.63105945103757"), Ok(()));
        assert_eq!(
            err(max, "509.63105945103763").1,
            "must be <= 509.6310594510376"
        );
        let min = r#"{"minimum":0.006981354285438359}"#;
        assert_eq!(ok(min, "0.006981354285438359"), Ok(()));
        assert_eq!(
            err(min, "0.006981354285438358").1,
            "must be >= 0.006981354285438359"
        );
        // Past f64's precision: decimals that round to the same f64 are still told apart.
        let big = r#"{"exclusiveMaximum":972783798187987123879878123.18878137}"#;
        assert_eq!(ok(big, "972783798187987123879878123.188781369"), Ok(()));
        assert!(ok(big, "972783798187987123879878123.18878137").is_err());
        assert!(ok(big, "972783798187987123879878123.188781371").is_err());
        let min = r#"{"minimum":-18446744073709551615}"#;
        assert_eq!(ok(min, "-18446744073709551615"), Ok(()));
        assert!(ok(min, "-18446744073709551616").is_err());
        assert!(ok(r#"{"maximum":1e-400}"#, "1.0000000001e-400").is_err());
        assert!(ok(r#"{"minimum":1e400}"#, "9.99e399").is_err());
        // One number, written several ways, is equal to itself (and -0 to 0).
        for one in ["1", "1.0", "1.000", "10e-1", "0.1E1", "0.01e+2"] {
            assert_eq!(ok(r#"{"minimum":1,"maximum":1.00}"#, one), Ok(()), "{one}");
            assert!(ok(r#"{"exclusiveMaximum":1}"#, one).is_err(), "{one}");
            assert!(ok(r#"{"exclusiveMinimum":1e0}"#, one).is_err(), "{one}");
        }
        assert_eq!(ok(r#"{"minimum":0,"maximum":-0.0}"#, "-0"), Ok(()));
        assert!(ok(r#"{"exclusiveMinimum":0}"#, "-0.0").is_err());
        assert!(ok(r#"{"minimum":-0}"#, "-1e-999").is_err());
        assert_eq!(ok(r#"{"maximum":-1e-999}"#, "-2e-999"), Ok(()));
        // `const` and `enum` compare numbers exactly too (the approximate reading made these
        // neighbours equal).
        assert!(ok(r#"{"const":509.6310594510376}"#, "509.63105945103763").is_err());
        assert!(ok(r#"{"enum":[0.006981354285438359]}"#, "0.006981354285438358").is_err());
        assert_eq!(ok(r#"{"const":[1e2,-0]}"#, "[100.0,0]"), Ok(()));
    }

    #[test]
    fn multiples_are_exact() {
        // An absolute tolerance let 1e-12 pass as a multiple of 0.01.
        let cents = r#"{"multipleOf":0.01}"#;
        for yes in [
            "0",
            "0.07",
            "1e-2",
            "-0.35",
            "12345678901234567890.12",
            "1e300",
        ] {
            assert_eq!(ok(cents, yes), Ok(()), "{yes}");
        }
        for no in ["0.000000000001", "0.355", "1.0000000000000001", "-1e-3"] {
            assert_eq!(err(cents, no).1, "must be a multiple of 0.01", "{no}");
        }
        assert_eq!(ok(r#"{"multipleOf":0.1}"#, "0.3"), Ok(()));
        assert!(ok(r#"{"multipleOf":0.1}"#, "0.30000000000000004").is_err());
        // Past f64's precision: 10^300 is a multiple of 2, not of 7; digit sums for 3.
        assert_eq!(ok(r#"{"multipleOf":2}"#, "1e300"), Ok(()));
        assert!(ok(r#"{"multipleOf":7}"#, "1e300").is_err());
        assert_eq!(
            ok(r#"{"multipleOf":3}"#, "123456789012345678901234567890"),
            Ok(())
        );
        assert!(ok(r#"{"multipleOf":3}"#, "123456789012345678901234567891").is_err());
        assert_eq!(ok(r#"{"multipleOf":1e-300}"#, "7e-299"), Ok(()));
        assert!(ok(r#"{"multipleOf":1e-300}"#, "1.5e-300").is_err());
        assert_eq!(ok(r#"{"multipleOf":2.5e10}"#, "1e11"), Ok(()));
        assert!(ok(r#"{"multipleOf":2.5e10}"#, "1.1e11").is_err());
        // Large exponent gaps and 17-digit divisors.
        assert_eq!(
            ok(r#"{"multipleOf":0.0000000000000064}"#, "1e999999"),
            Ok(())
        );
        assert!(ok(r#"{"multipleOf":0.0000000000000063}"#, "1e999999").is_err());
        let m17 = r#"{"multipleOf":99999999999999997}"#;
        assert_eq!(ok(m17, "299999999999999991"), Ok(()));
        assert!(ok(m17, "299999999999999992").is_err());
        // Not above zero: ignored, as before.
        assert_eq!(ok(r#"{"multipleOf":0}"#, "3"), Ok(()));
        assert_eq!(ok(r#"{"multipleOf":-2}"#, "3"), Ok(()));
    }

    #[test]
    fn arrays_numbers_objects_and_patterns() {
        let tuple = r#"{"prefixItems":[{"type":"string"},{"type":"integer"}],"items":false}"#;
        assert_eq!(ok(tuple, r#"["a",1]"#), Ok(()));
        assert_eq!(err(tuple, r#"["a","b"]"#).0, "/1");
        assert_eq!(err(tuple, r#"["a",1,2]"#).0, "/2");
        assert_eq!(
            err(r#"{"minItems":2}"#, "[1]").1,
            "has too few items (minItems 2)"
        );
        assert_eq!(ok(r#"{"multipleOf":0.1}"#, "0.3"), Ok(()));
        assert_eq!(err(r#"{"multipleOf":2}"#, "3").1, "must be a multiple of 2");
        assert_eq!(err(r#"{"exclusiveMinimum":1}"#, "1").1, "must be > 1");
        assert_eq!(ok(r#"{"exclusiveMinimum":1}"#, "1.5"), Ok(()));
        assert_eq!(ok(r#"{"type":"integer"}"#, "1e3"), Ok(()));
        let extra =
            r#"{"properties":{"a":{"type":"number"}},"additionalProperties":{"type":"string"}}"#;
        assert_eq!(ok(extra, r#"{"a":1,"y":"s"}"#), Ok(()));
        assert_eq!(err(extra, r#"{"a":"s"}"#).0, "/a");
        assert_eq!(err(extra, r#"{"y":1}"#).0, "/y");
        assert_eq!(ok("true", "[1]"), Ok(()));
        assert_eq!(
            err("false", "1").1,
            "is not allowed here (the schema is false)"
        );
        // A pattern the matcher cannot tell about is not checked; one it can is.
        assert_eq!(ok(r#"{"pattern":"(?<=x)y"}"#, r#""z""#), Ok(()));
        assert_eq!(ok(r#"{"pattern":"^\\d{5}$"}"#, r#""12345""#), Ok(()));
        let mut seen = Vec::new();
        let mut record = |p: &str, s: &str| {
            seen.push((p.to_string(), s.to_string()));
            Some(false)
        };
        let e = check(
            r#"{"items":{"pattern":"^a\\/b$"}}"#,
            r#"["x\u00e4"]"#,
            &mut record,
        )
        .unwrap_err();
        assert_eq!(e.pointer, "/0");
        assert_eq!(seen, [("^a\\/b$".to_string(), "xä".to_string())]);
    }

    #[test]
    fn refs_recursion_and_bad_refs() {
        let tree = r##"{"type":"object","properties":{"v":{"type":"integer"},"kids":{"type":"array","items":{"$ref":"#"}}},"required":["v"]}"##;
        assert_eq!(
            ok(tree, r#"{"v":1,"kids":[{"v":2,"kids":[{"v":3}]}]}"#),
            Ok(())
        );
        assert_eq!(
            err(tree, r#"{"v":1,"kids":[{"v":2,"kids":[{"v":"x"}]}]}"#).0,
            "/kids/0/kids/0/v"
        );
        let defs =
            r##"{"definitions":{"n":{"type":"number"}},"items":{"$ref":"#/definitions/n"}}"##;
        assert_eq!(ok(defs, "[1,2]"), Ok(()));
        assert_eq!(err(defs, r#"[1,"2"]"#).0, "/1");
        let missing = r##"{"$ref":"#/$defs/nope"}"##;
        assert!(err(missing, "1").1.contains("cannot be resolved"));
        let remote = r#"{"$ref":"https://example.com/s.json"}"#;
        assert!(err(remote, "1").1.contains("cannot be resolved"));
        let looping = r##"{"$defs":{"a":{"$ref":"#/$defs/a"}},"$ref":"#/$defs/a"}"##;
        assert!(err(looping, "1").1.contains("too deeply"));
    }

    #[test]
    fn deep_values_do_not_crash() {
        let deep = "[".repeat(500) + &"]".repeat(500);
        assert_eq!(ok(r#"{"items":{}}"#, &deep), Ok(()));
        assert_eq!(ok("{}", &deep), Ok(()));
    }
}
