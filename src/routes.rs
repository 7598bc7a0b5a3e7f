//! meinGPT's routes beyond chat completions (MEINGPT-API.md): the embeddings request check, the
//! decoding of base64 embeddings, and the check of the ids that go into a route's path.
//!
//! Built into the helpers' wasm (`meingpt_schema.wasm`, `src/schema_abi.rs`), which loads on first
//! use, not into the main wasm every chat call loads: nothing of the main wasm calls this module,
//! so it is not linked there.

#[allow(unused_imports)]
use crate::prelude::*;

use crate::error::Error;
use crate::json::{self, Kind, Value};
use crate::text::indexed;

fn bad(param: String, message: &str) -> Error {
    Error::Validation {
        param,
        message: String::from(message),
    }
}

/// A whole number >= 0 as `JSON.stringify` writes it (digits only: `1.5`, `-1` and `1e+21` are not).
fn is_count(v: &Value<'_>) -> bool {
    matches!(v.kind, Kind::Number) && v.raw.bytes().all(|b| b.is_ascii_digit())
}

const INPUT: &str = "input must be a non-empty string, an array of non-empty strings, an array of token ids (whole numbers >= 0) or an array of such arrays";

/// Checks an embeddings request (its `JSON.stringify` text) as OpenAI and meinGPT define it:
/// `input` (required), `model`, `encoding_format`, `dimensions`, `user`; other fields pass.
pub fn check_embeddings(text: &str) -> Result<(), Error> {
    let v = json::parse(text).map_err(|_| bad("request".into(), "request must be an object"))?;
    if !v.is_object() {
        return Err(bad("request".into(), "request must be an object"));
    }
    let input = v
        .get("input")
        .ok_or_else(|| bad("input".into(), "input is required: the text(s) to embed"))?;
    check_input(input)?;
    for (name, message) in [
        ("model", "model must be a string"),
        ("user", "user must be a string"),
    ] {
        if v.get(name).is_some_and(|m| m.as_str().is_none()) {
            return Err(bad(name.into(), message));
        }
    }
    if let Some(f) = v.get("encoding_format") {
        if !f.as_str().is_some_and(|s| s.is("float") || s.is("base64")) {
            return Err(bad(
                "encoding_format".into(),
                "encoding_format must be 'float' or 'base64'",
            ));
        }
    }
    if let Some(d) = v.get("dimensions") {
        if !is_count(d) || d.raw.bytes().all(|b| b == b'0') {
            return Err(bad(
                "dimensions".into(),
                "dimensions must be a whole number >= 1",
            ));
        }
    }
    Ok(())
}

fn check_input(input: &Value<'_>) -> Result<(), Error> {
    let non_empty = |s: &Value<'_>| s.as_str().is_some_and(|s| !s.raw().is_empty());
    let Some(items) = input.as_array() else {
        return if non_empty(input) {
            Ok(())
        } else {
            Err(bad("input".into(), INPUT))
        };
    };
    let Some(first) = items.first() else {
        return Err(bad("input".into(), INPUT));
    };
    // The first item says which of the three array forms this is; every item must be of it.
    for (i, item) in items.iter().enumerate() {
        let ok = match first.kind {
            Kind::Str(_) => non_empty(item),
            Kind::Number => is_count(item),
            _ => match item.as_array() {
                Some([]) | None => false,
                Some(ids) => {
                    if let Some(j) = ids.iter().position(|t| !is_count(t)) {
                        return Err(bad(
                            indexed(&indexed("input", i), j),
                            "token ids must be whole numbers >= 0",
                        ));
                    }
                    true
                }
            },
        };
        if !ok {
            return Err(bad(indexed("input", i), INPUT));
        }
    }
    Ok(())
}

/// Whether `id` may go into a route's path as one segment: 1 to 256 of `A-Z a-z 0-9 - _ . ~`
/// (what meinGPT's cuid-like ids use), not dots alone (`..` would climb a segment). Anything else (a `/`, `?`, `#`,
/// `%`) could move the request to another route, so it is refused rather than encoded.
pub fn is_id(id: &str) -> bool {
    let b = id.as_bytes();
    (1..=256).contains(&b.len())
        && b.iter()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, b'-' | b'_' | b'.' | b'~'))
        && b.iter().any(|&c| c != b'.')
}

/// Where meinGPT's API lives: the root of every route.
pub const DEFAULT_API_ROOT: &str = "https://app.meingpt.com/api";

/// The URL of `route` under the API root given as `baseUrl` (`None`: [`DEFAULT_API_ROOT`]). A
/// `baseUrl` whose path ends in `/openai/v1` (the chat completions base) loses that suffix, so one
/// `baseUrl` serves every function. Otherwise read as chat's `baseUrl` is ([`crate::url::endpoint`]:
/// the route goes into the path, the query stays; the same refusals).
pub fn api_url(base: Option<&str>, route: &str) -> Result<String, &'static str> {
    const CHAT: &[u8] = b"/openai/v1";
    let base = base.unwrap_or(DEFAULT_API_ROOT);
    // Byte loops and `get` only (no `str` searchers or slicing that could panic): every cut is at
    // an ASCII byte, so on a character boundary.
    let b = base.as_bytes();
    let query = b.iter().position(|&c| c == b'?').unwrap_or(b.len());
    // The suffix must lie in the path, after `scheme://host`.
    let path_at = (0..query)
        .find(|&i| b.get(i..i + 3) == Some(b"://"))
        .map_or(0, |i| {
            (i + 3..query)
                .find(|&j| b.get(j) == Some(&b'/'))
                .unwrap_or(query)
        });
    let mut end = query;
    while end > path_at && b.get(end - 1) == Some(&b'/') {
        end -= 1;
    }
    let cut = match end.checked_sub(CHAT.len()) {
        Some(start) if start >= path_at && b.get(start..end) == Some(CHAT) => start,
        _ => query,
    };
    // A relative base that was only `/openai/v1` leaves the path `/`.
    let mut url = String::from(match base.get(..cut) {
        Some("") if query > 0 => "/",
        Some(root) => root,
        None => base,
    });
    url.push_str(base.get(query..).unwrap_or_default());
    crate::url::endpoint(&url, route)
}

/// The value of one base64 digit (standard alphabet), or `None`.
fn digit(c: u8) -> Option<u32> {
    Some(u32::from(match c {
        b'A'..=b'Z' => c - b'A',
        b'a'..=b'z' => c - b'a' + 26,
        b'0'..=b'9' => c - b'0' + 52,
        b'+' => 62,
        b'/' => 63,
        _ => return None,
    }))
}

/// Decodes standard base64 (padding optional) and appends the little-endian float32 values to
/// `out`. `None` when the text is not base64 or its bytes are not whole float32 values.
pub fn base64_floats(text: &[u8], out: &mut Vec<f32>) -> Option<()> {
    let body = match text {
        [rest @ .., b'=', b'='] | [rest @ .., b'='] => rest,
        _ => text,
    };
    if body.len() % 4 == 1 {
        return None;
    }
    let bytes = body.len() * 3 / 4;
    if bytes % 4 != 0 {
        return None;
    }
    out.reserve_exact(bytes / 4);
    let mut word = [0u8; 4];
    let mut filled = 0;
    let mut put = |b: u8, out: &mut Vec<f32>| {
        if let Some(w) = word.get_mut(filled) {
            *w = b;
        }
        filled += 1;
        if filled == 4 {
            out.push(f32::from_le_bytes(word));
            filled = 0;
        }
    };
    for group in body.chunks(4) {
        let mut n = 0u32;
        for &c in group {
            n = n << 6 | digit(c)?;
        }
        // A group of 2 or 3 digits holds 1 or 2 bytes; its unused low bits must be zero.
        let (n, count) = match group.len() {
            4 => (n, 3),
            3 if n & 0b11 == 0 => (n >> 2 << 8, 2),
            2 if n & 0b1111 == 0 => (n >> 4 << 16, 1),
            _ => return None,
        };
        let [_, b0, b1, b2] = n.to_be_bytes();
        for b in [b0, b1, b2].into_iter().take(count) {
            put(b, out);
        }
    }
    Some(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn param(text: &str) -> Option<String> {
        match check_embeddings(text) {
            Ok(()) => None,
            Err(Error::Validation { param, .. }) => Some(param),
            Err(e) => panic!("{e:?}"),
        }
    }

    #[test]
    fn valid_requests_pass() {
        for ok in [
            r#"{"input":"Hallo"}"#,
            r#"{"input":["a","b"],"model":"text-embedding-3-large","dimensions":256}"#,
            r#"{"input":[1,2,3],"encoding_format":"base64","user":"u","extra":{"x":1}}"#,
            r#"{"input":[[1,2],[0]],"encoding_format":"float"}"#,
        ] {
            assert_eq!(param(ok), None, "{ok}");
        }
    }

    #[test]
    fn refused_with_the_field_path() {
        for (text, path) in [
            ("[]", "request"),
            ("1", "request"),
            ("{}", "input"),
            (r#"{"input":""}"#, "input"),
            (r#"{"input":[]}"#, "input"),
            (r#"{"input":5}"#, "input"),
            (r#"{"input":null}"#, "input"),
            (r#"{"input":["a",""]}"#, "input[1]"),
            (r#"{"input":["a",1]}"#, "input[1]"),
            (r#"{"input":[1,-2]}"#, "input[1]"),
            (r#"{"input":[1,2.5]}"#, "input[1]"),
            (r#"{"input":[[1],[]]}"#, "input[1]"),
            (r#"{"input":[[1],[2,"x"]]}"#, "input[1][1]"),
            (r#"{"input":[{}]}"#, "input[0]"),
            (r#"{"input":"a","dimensions":0}"#, "dimensions"),
            (r#"{"input":"a","dimensions":1.5}"#, "dimensions"),
            (r#"{"input":"a","dimensions":-3}"#, "dimensions"),
            (r#"{"input":"a","dimensions":"256"}"#, "dimensions"),
            (
                r#"{"input":"a","encoding_format":"int8"}"#,
                "encoding_format",
            ),
            (r#"{"input":"a","model":7}"#, "model"),
            (r#"{"input":"a","user":null}"#, "user"),
        ] {
            assert_eq!(param(text).as_deref(), Some(path), "{text}");
        }
    }

    #[test]
    fn ids() {
        for id in ["cme15d7kj0003rojnm041ry3l", "a", "A-b_c.d~e", "a.."] {
            assert!(is_id(id), "{id}");
        }
        let long = "a".repeat(257);
        for id in [
            "", ".", "..", "...", "a/b", "a?b", "a#b", "%2e%2e", "a b", "ä", &long,
        ] {
            assert!(!is_id(id), "{id}");
        }
    }

    #[test]
    fn routes_live_under_the_api_root() {
        let r = "/assistants/v1/";
        for (base, url) in [
            (None, "https://app.meingpt.com/api/assistants/v1/"),
            (
                Some("https://app.meingpt.com/api/openai/v1"),
                "https://app.meingpt.com/api/assistants/v1/",
            ),
            (
                Some("https://app.meingpt.com/api/openai/v1/"),
                "https://app.meingpt.com/api/assistants/v1/",
            ),
            (
                Some("https://app.meingpt.com/api/"),
                "https://app.meingpt.com/api/assistants/v1/",
            ),
            (
                Some("http://h/openai/v1?k=1"),
                "http://h/assistants/v1/?k=1",
            ),
            (
                Some("http://h/openai/v1/?k=/openai/v1"),
                "http://h/assistants/v1/?k=/openai/v1",
            ),
            (
                Some("http://h/x/openai/v1x"),
                "http://h/x/openai/v1x/assistants/v1/",
            ),
            (Some("http://h/openai/v1"), "http://h/assistants/v1/"),
            (Some("http://openai/v1"), "http://openai/v1/assistants/v1/"),
            (Some("/api/openai/v1"), "/api/assistants/v1/"),
            (Some("/openai/v1"), "/assistants/v1/"),
        ] {
            assert_eq!(api_url(base, r).as_deref(), Ok(url), "{base:?}");
        }
        assert_eq!(
            api_url(
                Some("http://127.0.0.1:1/api/openai/v1"),
                "/openai/v1/embeddings"
            )
            .as_deref(),
            Ok("http://127.0.0.1:1/api/openai/v1/embeddings")
        );
        for bad in [
            "ftp://h/openai/v1",
            "http://u:sk@h/api",
            "//h/api",
            "http://h/api#x",
            "",
        ] {
            assert!(api_url(Some(bad), r).is_err(), "{bad}");
        }
    }

    fn b64(bytes: &[u8]) -> String {
        const A: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
        let mut s = String::new();
        for c in bytes.chunks(3) {
            let n = c
                .iter()
                .enumerate()
                .fold(0u32, |n, (i, b)| n | u32::from(*b) << (16 - 8 * i));
            for i in 0..=c.len() {
                s.push(A[(n >> (18 - 6 * i) & 63) as usize] as char);
            }
        }
        while s.len() % 4 != 0 {
            s.push('=');
        }
        s
    }

    #[test]
    fn base64_float32_round_trips() {
        let mut out = Vec::new();
        for n in 0..12 {
            let floats: Vec<f32> = (0..n)
                .map(|i| (i as f32 - 5.5) / 3.0 * if i % 2 == 0 { 1e-20 } else { 7.0 })
                .collect();
            let bytes: Vec<u8> = floats.iter().flat_map(|f| f.to_le_bytes()).collect();
            let text = b64(&bytes);
            out.clear();
            assert_eq!(base64_floats(text.as_bytes(), &mut out), Some(()), "{text}");
            assert_eq!(out, floats);
            let bare = text.trim_end_matches('=');
            out.clear();
            assert_eq!(base64_floats(bare.as_bytes(), &mut out), Some(()));
            assert_eq!(out, floats);
        }
    }

    #[test]
    fn not_base64_or_not_whole_floats() {
        let mut out = Vec::new();
        for bad in [
            "AAA",
            "AAAAA",
            "AAAA",
            "AA!A",
            "AAAAAAAAAAAAAA!A",
            "AAAAAA=B",
            "AAAAAB==",
        ] {
            assert_eq!(base64_floats(bad.as_bytes(), &mut out), None, "{bad}");
        }
        out.clear();
        assert_eq!(base64_floats(b"AAAAAAAAAAAAAAAA", &mut out), Some(()));
        assert_eq!(out, [0.0; 3]);
        out.clear();
        assert_eq!(base64_floats(b"", &mut out), Some(()));
        assert!(out.is_empty());
    }
}
