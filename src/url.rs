//! `baseUrl` read as a URL, not joined as a string: the route is appended to its path and its
//! query kept; a fragment, userinfo (a key in a URL ends up in logs), a protocol-relative or a
//! non-http(s) URL is refused. A path starting with one `/` is allowed too (a same-origin proxy
//! of a web page); the runtime's fetch resolves it.

#[allow(unused_imports)]
use crate::prelude::*;

/// Why a `baseUrl` is refused (the message of its `ValidationError`).
pub const NOT_HTTP: &str = "baseUrl must be an http(s) URL such as https://app.meingpt.com/api/openai/v1 (or a path starting with /)";
const FRAGMENT: &str =
    "baseUrl must not have a fragment (#...): it would be dropped from the request";
const USERINFO: &str =
    "baseUrl must not contain credentials (user:password@): pass the key as apiKey instead";
const PROTOCOL_RELATIVE: &str =
    "baseUrl must not be protocol-relative (//host or /\\host): name the scheme, http:// or https://";
const CHARACTERS: &str =
    "baseUrl must not contain spaces, control characters or backslashes: percent-encode them";
const HOST: &str = "baseUrl has no host or an invalid port";

/// The URL of `route` (which starts with `/`) under `base`. Byte loops only: core's `str`
/// patterns would bring its searchers into the wasm.
pub fn endpoint(base: &str, route: &str) -> Result<String, &'static str> {
    let b = base.as_bytes();
    if b.iter().any(|&c| c <= b' ' || c == 0x7f || c == b'\\') {
        // Checked before anything else: fetch strips tabs and line breaks and reads `\` as `/`,
        // so such a URL would not mean what this check saw.
        return Err(if b.get(..2) == Some(b"/\\") {
            PROTOCOL_RELATIVE
        } else {
            CHARACTERS
        });
    }
    if b.contains(&b'#') {
        return Err(FRAGMENT);
    }
    // Where the path starts: 0 for a path of its own, else after `http(s)://host[:port]`.
    let path_at = match b {
        [b'/', b'/', ..] => return Err(PROTOCOL_RELATIVE),
        [b'/', ..] => 0,
        _ => {
            let colon = index(b, 0, |c| c == b':').ok_or(NOT_HTTP)?;
            let scheme = b.get(..colon).unwrap_or_default();
            let http =
                |s: &[u8]| s.len() == 4 && s.iter().zip(b"http").all(|(x, y)| x | 0x20 == *y);
            let https = scheme.len() == 5
                && http(scheme.get(..4).unwrap_or_default())
                && scheme.get(4).is_some_and(|c| c | 0x20 == b's');
            if !(http(scheme) || https) || b.get(colon + 1..colon + 3) != Some(b"//") {
                return Err(NOT_HTTP);
            }
            let host_at = colon + 3;
            let end = index(b, host_at, |c| c == b'/' || c == b'?').unwrap_or(b.len());
            let authority = b.get(host_at..end).unwrap_or_default();
            if authority.contains(&b'@') {
                return Err(USERINFO);
            }
            if !valid_authority(authority) {
                return Err(HOST);
            }
            end
        }
    };
    let query_at = index(b, path_at, |c| c == b'?').unwrap_or(b.len());
    let mut path_end = query_at;
    while path_end > path_at && b.get(path_end - 1) == Some(&b'/') {
        path_end -= 1;
    }
    // Every cut is at an ASCII byte, so on a character boundary.
    let mut url = String::with_capacity(base.len() + route.len());
    url.push_str(base.get(..path_end).unwrap_or_default());
    url.push_str(route);
    url.push_str(base.get(query_at..).unwrap_or_default());
    Ok(url)
}

/// The first index from `from` on whose byte matches.
fn index(b: &[u8], from: usize, is: impl Fn(u8) -> bool) -> Option<usize> {
    (from..b.len()).find(|&i| b.get(i).is_some_and(|&c| is(c)))
}

/// `host[:port]`: a host (a name, an IPv4 address or a bracketed IPv6 address), a port of
/// digits up to 65535 when there is a colon.
fn valid_authority(a: &[u8]) -> bool {
    let (host_ok, port_at) = if a.first() == Some(&b'[') {
        let Some(close) = index(a, 0, |c| c == b']') else {
            return false;
        };
        let addr = a.get(1..close).unwrap_or_default();
        let ok = !addr.is_empty()
            && addr
                .iter()
                .all(|c| c.is_ascii_hexdigit() || *c == b':' || *c == b'.');
        match a.get(close + 1) {
            None => (ok, None),
            Some(b':') => (ok, Some(close + 2)),
            Some(_) => return false,
        }
    } else {
        let colon = index(a, 0, |c| c == b':');
        let host = a.get(..colon.unwrap_or(a.len())).unwrap_or_default();
        (
            !host.is_empty() && !host.iter().any(|c| matches!(c, b'[' | b']')),
            colon.map(|c| c + 1),
        )
    };
    let port_ok = port_at.is_none_or(|at| {
        let p = a.get(at..).unwrap_or_default();
        !p.is_empty()
            && p.len() <= 5
            && p.iter().all(u8::is_ascii_digit)
            && p.iter().fold(0u32, |n, d| n * 10 + u32::from(d - b'0')) <= 65535
    });
    host_ok && port_ok
}

#[cfg(test)]
mod tests {
    use super::*;

    const R: &str = "/chat/completions";

    #[test]
    fn the_route_goes_into_the_path_and_the_query_stays() {
        for (base, url) in [
            (
                "https://app.meingpt.com/api/openai/v1",
                "https://app.meingpt.com/api/openai/v1/chat/completions",
            ),
            ("https://h/v1/", "https://h/v1/chat/completions"),
            ("http://h/v1?x=1", "http://h/v1/chat/completions?x=1"),
            (
                "http://h/v1/?x=1&y=/z",
                "http://h/v1/chat/completions?x=1&y=/z",
            ),
            ("http://h?x=1", "http://h/chat/completions?x=1"),
            ("http://h", "http://h/chat/completions"),
            ("HTTPS://H:8443/v1", "HTTPS://H:8443/v1/chat/completions"),
            (
                "http://127.0.0.1:8787/api/openai/v1",
                "http://127.0.0.1:8787/api/openai/v1/chat/completions",
            ),
            (
                "http://[::1]:8787/v1",
                "http://[::1]:8787/v1/chat/completions",
            ),
            ("/api/openai/v1", "/api/openai/v1/chat/completions"),
            ("/v1?k=1", "/v1/chat/completions?k=1"),
        ] {
            assert_eq!(endpoint(base, R).as_deref(), Ok(url), "{base}");
        }
    }

    #[test]
    fn refused() {
        for (base, why) in [
            ("http://h/v1#frag", FRAGMENT),
            ("http://h/v1?x=1#", FRAGMENT),
            ("http://user:sk-123@h/v1", USERINFO),
            ("https://sk-123@h", USERINFO),
            ("//evil.example/v1", PROTOCOL_RELATIVE),
            ("/\\evil.example/v1", PROTOCOL_RELATIVE),
            ("ftp://h/v1", NOT_HTTP),
            ("javascript:alert(1)", NOT_HTTP),
            ("file:///etc/passwd", NOT_HTTP),
            ("http:h/v1", NOT_HTTP),
            ("http:/h/v1", NOT_HTTP),
            ("h/v1", NOT_HTTP),
            ("", NOT_HTTP),
            ("http:///v1", HOST),
            ("http://h:/v1", HOST),
            ("http://h:99999/v1", HOST),
            ("http://h:8a/v1", HOST),
            ("http://[::1/v1", HOST),
            ("http://h:1:2/v1", HOST),
            ("http://h\\@evil/v1", CHARACTERS),
            ("http://h/v 1", CHARACTERS),
            ("http://h/v1\n", CHARACTERS),
            ("http://h/\tv1", CHARACTERS),
        ] {
            assert_eq!(endpoint(base, R), Err(why), "{base:?}");
        }
    }
}
