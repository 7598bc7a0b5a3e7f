//! The retry policy as pure functions: what retries, and how long to wait.

#[allow(unused_imports)]
use crate::prelude::*;

use crate::error::Error;
use crate::num::parse_decimal;

/// Longest server-requested wait that is honoured, in ms; longer ones fall back to backoff.
pub const MAX_RETRY_AFTER_MS: f64 = 60_000.0;
/// First backoff step, in ms.
pub const INITIAL_BACKOFF_MS: f64 = 500.0;
/// Longest backoff step, in ms.
pub const MAX_BACKOFF_MS: f64 = 8_000.0;

/// Whether a response status is worth another attempt.
pub fn is_retryable_status(status: u16) -> bool {
    matches!(status, 408 | 409 | 429) || status >= 500
}

/// Whether an error from one attempt is worth another attempt.
pub fn is_retryable(e: &Error) -> bool {
    match e {
        Error::Connection { .. } | Error::Timeout => true,
        Error::Api { status, .. } => is_retryable_status(*status),
        // A body past maxResponseBytes would be as large again.
        Error::Validation { .. } | Error::UserAbort | Error::TooLarge { .. } => false,
    }
}

/// Backoff before retry number `retry` (0 for the first retry): 0.5 s doubling to at most 8 s,
/// shortened by up to 25 % (`jitter` in [0, 1)).
pub fn backoff_ms(retry: u32, jitter: f64) -> f64 {
    let base = (INITIAL_BACKOFF_MS * f64::from(1u32 << retry.min(10))).min(MAX_BACKOFF_MS);
    let j = if jitter.is_nan() {
        0.0
    } else {
        jitter.clamp(0.0, 1.0)
    };
    base * (1.0 - 0.25 * j)
}

/// How long to wait before retry number `retry`, from the response's `retry-after-ms` and
/// `Retry-After` headers if they ask for 0 to 60 s, else from [`backoff_ms`].
pub fn delay_ms(
    retry: u32,
    jitter: f64,
    retry_after_ms: Option<&str>,
    retry_after: Option<&str>,
    now_ms: f64,
) -> f64 {
    server_delay_ms(retry_after_ms, retry_after, now_ms)
        .unwrap_or_else(|| backoff_ms(retry, jitter))
}

/// The server-requested delay, if any valid one within 60 s was given.
pub fn server_delay_ms(
    retry_after_ms: Option<&str>,
    retry_after: Option<&str>,
    now_ms: f64,
) -> Option<f64> {
    let from_ms = retry_after_ms.and_then(|s| parse_decimal(s.trim_ascii()));
    let from_header = || {
        let s = retry_after?.trim_ascii();
        match parse_decimal(s) {
            Some(secs) => Some(secs * 1000.0),
            None => http_date_ms(s).map(|t| t - now_ms),
        }
    };
    from_ms
        .or_else(from_header)
        .filter(|d| d.is_finite() && *d >= 0.0 && *d <= MAX_RETRY_AFTER_MS)
}

/// Parses an HTTP date (IMF-fixdate `Sun, 06 Nov 1994 08:49:37 GMT`, RFC 850
/// `Sunday, 06-Nov-94 08:49:37 GMT` and asctime `Sun Nov  6 08:49:37 1994`) to Unix ms.
///
/// One pass over the words after the weekday, each told by its shape, which covers all three
/// layouts: `hh:mm:ss`, a month name, the day (one or two digits, first), the year (two or four
/// digits), `GMT` or `UTC`. Written without collections or iterator adapters: it is in the wasm
/// of every call.
pub fn http_date_ms(s: &str) -> Option<f64> {
    let b = s.as_bytes();
    let (mut day, mut month, mut year, mut secs) = (0, 0, -1, -1);
    let mut at = 0;
    let mut words = 0;
    while at < b.len() {
        let end = b
            .get(at..)?
            .iter()
            .position(|c| matches!(c, b' ' | b',' | b'-'))
            .map_or(b.len(), |n| at + n);
        let w = b.get(at..end)?;
        at = end + 1;
        if w.is_empty() {
            continue;
        }
        words += 1;
        if words == 1 {
            continue; // the weekday
        }
        if let [h1, h2, b':', m1, m2, b':', s1, s2] = w {
            let (h, m, sec) = (
                digits(&[*h1, *h2])?,
                digits(&[*m1, *m2])?,
                digits(&[*s1, *s2])?,
            );
            if h > 23 || m > 59 || sec > 60 {
                return None;
            }
            secs = h * 3600 + m * 60 + sec;
        } else if let Some(i) = MONTHS.chunks(3).position(|m| m == w) {
            month = i as i64 + 1;
        } else if let Some(n) = digits(w) {
            if day == 0 && w.len() <= 2 {
                day = n;
            } else {
                year = match w.len() {
                    2 if n < 70 => n + 2000,
                    2 => n + 1900,
                    _ => n,
                };
            }
        } else if w != b"GMT" && w != b"UTC" {
            return None;
        }
    }
    if !(1..=31).contains(&day) || month == 0 || year < 0 || secs < 0 {
        return None;
    }
    Some(((days_from_civil(year, month, day) * 86_400 + secs) * 1000) as f64)
}

const MONTHS: &[u8] = b"JanFebMarAprMayJunJulAugSepOctNovDec";

/// A run of 1 to 9 ASCII digits as a number.
fn digits(w: &[u8]) -> Option<i64> {
    if w.is_empty() || w.len() > 9 || !w.iter().all(u8::is_ascii_digit) {
        return None;
    }
    Some(w.iter().fold(0, |n, d| n * 10 + i64::from(d - b'0')))
}

/// Days since 1970-01-01 (Howard Hinnant's algorithm).
fn days_from_civil(y: i64, m: i64, d: i64) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn which_statuses_retry() {
        for s in [408, 409, 429, 500, 502, 503, 504, 599] {
            assert!(is_retryable_status(s), "{s}");
        }
        for s in [200, 400, 401, 403, 404, 410, 413, 422] {
            assert!(!is_retryable_status(s), "{s}");
        }
        assert!(is_retryable(&Error::Timeout));
        assert!(is_retryable(&Error::Connection {
            message: "x".into()
        }));
        assert!(!is_retryable(&Error::UserAbort));
        assert!(!is_retryable(&Error::too_large(503, 10.0)));
        assert!(!is_retryable(&Error::validation("a", "b")));
    }

    #[test]
    fn backoff_doubles_caps_and_jitters_down() {
        assert_eq!(backoff_ms(0, 0.0), 500.0);
        assert_eq!(backoff_ms(1, 0.0), 1000.0);
        assert_eq!(backoff_ms(3, 0.0), 4000.0);
        assert_eq!(backoff_ms(4, 0.0), 8000.0);
        assert_eq!(backoff_ms(40, 0.0), 8000.0);
        assert_eq!(backoff_ms(0, 1.0), 375.0);
        assert_eq!(backoff_ms(0, 0.5), 437.5);
        assert_eq!(backoff_ms(0, f64::NAN), 500.0);
        assert_eq!(backoff_ms(0, 7.0), 375.0);
    }

    #[test]
    fn retry_after_headers() {
        let now = 784_111_777_000.0; // Sun, 06 Nov 1994 08:49:37 GMT
        assert_eq!(server_delay_ms(Some("250"), Some("9"), now), Some(250.0));
        assert_eq!(server_delay_ms(None, Some("2"), now), Some(2000.0));
        assert_eq!(server_delay_ms(None, Some("1.5"), now), Some(1500.0));
        assert_eq!(server_delay_ms(None, Some("61"), now), None);
        assert_eq!(server_delay_ms(None, Some("-1"), now), None);
        assert_eq!(server_delay_ms(None, Some("soon"), now), None);
        assert_eq!(server_delay_ms(Some("x"), Some("3"), now), Some(3000.0));
        assert_eq!(
            server_delay_ms(None, Some("Sun, 06 Nov 1994 08:49:47 GMT"), now),
            Some(10_000.0)
        );
        assert_eq!(
            server_delay_ms(None, Some("Sun, 06 Nov 1994 08:59:37 GMT"), now),
            None
        );
        assert_eq!(
            delay_ms(2, 0.0, None, Some("Sun, 06 Nov 1994 08:59:37 GMT"), now),
            2000.0
        );
        assert_eq!(delay_ms(0, 0.0, None, Some("1"), now), 1000.0);
    }

    #[test]
    fn http_dates() {
        let t = 784_111_777_000.0;
        assert_eq!(http_date_ms("Sun, 06 Nov 1994 08:49:37 GMT"), Some(t));
        assert_eq!(http_date_ms("Sunday, 06-Nov-94 08:49:37 GMT"), Some(t));
        assert_eq!(http_date_ms("Sun Nov  6 08:49:37 1994"), Some(t));
        assert_eq!(http_date_ms("Thu, 01 Jan 1970 00:00:00 GMT"), Some(0.0));
        assert_eq!(
            http_date_ms("Wed, 25 Nov 2026 22:06:07 GMT"),
            Some(1_795_644_367_000.0)
        );
        for bad in [
            "",
            "Sun",
            "Sun, 32 Nov 1994 08:49:37 GMT",
            "Sun, 06 Foo 1994 08:49:37 GMT",
            "Sun, 06 Nov 1994 25:00:00 GMT",
            "Sun, 06 Nov 1994 08:49 GMT",
        ] {
            assert_eq!(http_date_ms(bad), None, "{bad}");
        }
    }
}
