//! The escaped text of JSON strings: compared and decoded where asked, escaped on the way out.

#[allow(unused_imports)]
use crate::prelude::*;

use super::JsonStr;

impl<'a> JsonStr<'a> {
    /// The escaped text between the quotes.
    pub fn raw(self) -> &'a str {
        self.0
    }

    /// Calls `f` with the decoded text, without decoding (or allocating) when there is no
    /// escape: the usual case for keys, which the stream checks several times per chunk.
    #[inline(always)]
    pub fn with_key<R>(self, f: impl FnOnce(&str) -> R) -> R {
        // `contains` (core's memchr) rather than a byte loop: an inlined loop cost 30 B gzip at the
        // call sites, a called one 20 B; it may cost some speed on chunks whose members are read
        // one by one (DESIGN.md, "no panicking paths").
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
    use crate::json::parse;

    #[test]
    fn escaped_keys_match() {
        let v = parse(r#"{"mod\u0065l":"m"}"#).unwrap();
        assert_eq!(v.get("model").unwrap().as_str().unwrap().decode(), "m");
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
        let mut e = String::new();
        escape_into(&mut e, "\u{0}\u{1}\u{9}\u{b}\u{1a}\u{1f} ");
        assert_eq!(e, r"\u0000\u0001\t\u000b\u001a\u001f ");
    }
}
