//! Keeping secrets out of errors. A call's secrets are the API key and the token of the
//! `Authorization` header it actually sends (whichever option carried it); they travel as one
//! string, one secret per line (a header value cannot hold a line break). Redaction applies to
//! decoded text: a server that escapes the key (`\u0073k-...`, `\/`) in a JSON body must not get it
//! past the check, so JSON bodies are redacted string by string after decoding.

#[allow(unused_imports)]
use crate::prelude::*;

use crate::json;
use crate::text::find;

/// What stands in for a secret.
pub const MARKER: &str = "[redacted]";

/// Secrets shorter than this are not searched for (they would match ordinary words).
const MIN_LEN: usize = 4;

/// The secrets of one call: `api_key` and the token of the effective `Authorization` header
/// value (the part after the scheme, or the whole value when it has none), one per line.
pub fn secrets(api_key: &str, authorization: Option<&str>) -> String {
    let mut out = String::new();
    let mut add = |s: &str| {
        let s = s.trim_ascii();
        if s.len() >= MIN_LEN && !s.as_bytes().contains(&b'\n') && !each(&out).any(|have| have == s)
        {
            if !out.is_empty() {
                out.push('\n');
            }
            out.push_str(s);
        }
    };
    add(api_key);
    if let Some(value) = authorization {
        let value = value.trim_ascii();
        // `Bearer <token>`: the token is the secret; a value without a scheme is one whole.
        match value.bytes().position(|c| c == b' ') {
            Some(i) => add(value.get(i + 1..).unwrap_or_default()),
            None => add(value),
        }
    }
    out
}

/// Each secret of a [`secrets`] string (byte loops: no `str` pattern machinery in the wasm).
fn each(secrets: &str) -> impl Iterator<Item = &str> {
    let mut rest = secrets;
    core::iter::from_fn(move || {
        while !rest.is_empty() {
            let end = rest.bytes().position(|c| c == b'\n').unwrap_or(rest.len());
            let s = rest.get(..end).unwrap_or_default();
            rest = rest.get(end + 1..).unwrap_or_default();
            if s.len() >= MIN_LEN {
                return Some(s);
            }
        }
        None
    })
}

/// True when `text` holds one of the secrets.
pub fn holds(text: &str, secrets: &str) -> bool {
    each(secrets).any(|s| find(text.as_bytes(), s.as_bytes()).is_some())
}

/// `text` with every secret replaced by [`MARKER`], wherever the text came from.
pub fn redact(mut text: String, secrets: &str) -> String {
    for key in each(secrets) {
        text = redact_one(text, key.as_bytes());
    }
    text
}

fn redact_one(text: String, key: &[u8]) -> String {
    if find(text.as_bytes(), key).is_none() {
        return text;
    }
    let mut out = replace(&text, key, MARKER);
    // A key that is part of the marker (`cted`), or that the replacement completes again, is
    // removed outright; each pass shrinks the text, so this ends.
    while find(out.as_bytes(), key).is_some() {
        out = replace(&out, key, "");
    }
    out
}

/// JSON text with every string (member names included) that holds a secret once decoded
/// replaced by its redacted text, re-escaped. Everything else is copied as it is, so the result
/// parses to the same structure. For text that is not JSON the scan still stops at every quoted
/// run it can delimit; [`redact`] of the whole text afterwards catches plain occurrences.
pub fn redact_json(text: String, secrets: &str) -> String {
    if each(secrets).next().is_none() {
        return text;
    }
    let bytes = text.as_bytes();
    let mut out = String::new();
    let (mut copied, mut pos) = (0, 0);
    while let Some(off) = bytes
        .get(pos..)
        .and_then(|b| b.iter().position(|&c| c == b'"'))
    {
        let start = pos + off + 1;
        let Ok(end) = json::string_end(bytes, start) else {
            break;
        };
        let raw = text.get(start..end).unwrap_or("");
        if raw.as_bytes().contains(&b'\\') {
            let decoded = json::JsonStr(raw).decode();
            if holds(&decoded, secrets) {
                out.push_str(text.get(copied..start).unwrap_or(""));
                json::escape_into(&mut out, &redact(decoded, secrets));
                copied = end;
            }
        }
        pos = end + 1;
    }
    if copied == 0 {
        return redact(text, secrets);
    }
    out.push_str(text.get(copied..).unwrap_or(""));
    redact(out, secrets)
}

/// `text` with every occurrence of `key` (not empty) replaced by `with`.
fn replace(text: &str, key: &[u8], with: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(i) = find(rest.as_bytes(), key) {
        // The key is a whole string, so `i` and `i + key.len()` are character boundaries.
        out.push_str(rest.get(..i).unwrap_or_default());
        out.push_str(with);
        rest = rest.get(i + key.len()..).unwrap_or_default();
    }
    out.push_str(rest);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    const KEY: &str = "sk-canary-7b3f9e21d4c8a6";

    /// Every string of a value (member names too), decoded, one per line.
    fn decoded(v: &json::Value<'_>) -> String {
        match &v.kind {
            json::Kind::Str(s) => s.decode() + "\n",
            json::Kind::Array(items) => items.iter().map(decoded).collect(),
            json::Kind::Object(members) => members
                .iter()
                .map(|(k, m)| k.decode() + "\n" + &decoded(m))
                .collect(),
            _ => String::new(),
        }
    }

    /// The structure of a value without its strings.
    fn shape(v: &json::Value<'_>) -> String {
        match &v.kind {
            json::Kind::Str(_) => "s".into(),
            json::Kind::Array(items) => format!(
                "[{}]",
                items.iter().map(shape).collect::<Vec<_>>().join(",")
            ),
            json::Kind::Object(members) => format!(
                "{{{}}}",
                members
                    .iter()
                    .map(|(_, m)| shape(m))
                    .collect::<Vec<_>>()
                    .join(",")
            ),
            _ => v.raw.into(),
        }
    }

    #[test]
    fn secrets_from_the_key_and_the_authorization_header() {
        assert_eq!(secrets(KEY, None), KEY);
        assert_eq!(secrets("", Some("Bearer abcd1234")), "abcd1234");
        assert_eq!(secrets(KEY, Some(&format!("Bearer {KEY}"))), KEY);
        assert_eq!(secrets("k1k1k1", Some("Bearer t2t2t2")), "k1k1k1\nt2t2t2");
        assert_eq!(secrets("", Some("rawtoken99")), "rawtoken99");
        // Too short to search for without redacting ordinary words.
        assert_eq!(secrets("abc", Some("Bearer x")), "");
    }

    #[test]
    fn every_secret_is_redacted() {
        let s = secrets("k1k1k1", Some("Bearer t2t2t2"));
        assert_eq!(
            redact("a k1k1k1 b t2t2t2 c".into(), &s),
            "a [redacted] b [redacted] c"
        );
        assert!(holds("xx t2t2t2", &s));
        assert!(!holds("nothing here", &s));
    }

    #[test]
    fn a_key_inside_the_marker_is_still_gone() {
        // Found by fuzzing (fuzz/fuzz_targets/error_body.rs): "unexpected" -> "unexpe[redacted]".
        for (text, key) in [
            ("unexpected character", "cted"),
            ("[redacted] twice [redacted]", "[redacted]"),
            ("]]]]]]]", "]]]]"),
            ("xsk_live_123sk_live_123", "sk_live_123"),
        ] {
            let out = redact(text.into(), key);
            assert!(!out.contains(key), "{key:?} in {out:?}");
        }
        assert_eq!(redact("key k3y_abc.".into(), "k3y_abc"), "key [redacted].");
    }

    #[test]
    fn escaped_keys_in_json_are_found_after_decoding() {
        for body in [
            r#"{"status":"error","message":"bad key \u0073k-canary-7b3f9e21d4c8a6"}"#,
            r#"{"message":"bad key sk-canary-7b3f9e21d4c8a6\/x"}"#,
            r#"{"message":"bad key sk\u002dcanary\u002d7b3f9e21d4c8a6"}"#,
            r#"{"sk-canary-7b3f9e21\u0064\u0034c8a6":1,"n":[1,"\"x\""]}"#,
            r#"["\u0073\u006b-canary-7b3f9e21d4c8a6", "ok \u00fc"]"#,
        ] {
            let out = redact_json(body.into(), KEY);
            let value = json::parse(&out).expect("still JSON");
            assert_eq!(shape(&value), shape(&json::parse(body).unwrap()), "{out}");
            assert!(!decoded(&value).contains(KEY), "{out}");
            assert!(out.contains(MARKER), "{out}");
        }
        // Untouched when nothing holds the key (escapes and all).
        let clean = r#"{"message":"caf\u00e9 \"x\"","n":1}"#;
        assert_eq!(redact_json(clean.into(), KEY), clean);
        // Not JSON: plain occurrences still go.
        assert_eq!(
            redact_json(format!("<h1>{KEY}</h1> \"unterminated"), KEY),
            "<h1>[redacted]</h1> \"unterminated"
        );
    }
}
