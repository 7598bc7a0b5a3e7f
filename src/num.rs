//! Decimal numbers to f64, approximately, without core's float parser.
//!
//! The package only compares numbers against small bounds (temperature 0 to 2, an index, a
//! Retry-After of at most 60 s), so a result within a few ulps is enough, and core's exact
//! parser (its tables and slow paths) would cost about 15 KB of wasm.

#[allow(unused_imports)]
use crate::prelude::*;

/// Reads `-?digits(.digits)?([eE][+-]?digits)?` (a JSON number, or a Retry-After value).
pub fn parse_decimal(s: &str) -> Option<f64> {
    let b = s.as_bytes();
    let mut i = 0;
    let neg = b.first() == Some(&b'-');
    if neg {
        i += 1;
    }
    let mut mantissa: u64 = 0;
    let mut exp: i32 = 0;
    let mut digits = 0;
    let mut seen_point = false;
    while let Some(&c) = b.get(i) {
        match c {
            b'0'..=b'9' => {
                digits += 1;
                if mantissa < 1_000_000_000_000_000_000 {
                    mantissa = mantissa * 10 + u64::from(c - b'0');
                    if seen_point {
                        exp -= 1;
                    }
                } else if !seen_point {
                    exp += 1;
                }
            }
            b'.' if !seen_point => seen_point = true,
            _ => break,
        }
        i += 1;
    }
    if digits == 0 {
        return None;
    }
    if let Some(b'e' | b'E') = b.get(i) {
        i += 1;
        let eneg = match b.get(i) {
            Some(b'-') => {
                i += 1;
                true
            }
            Some(b'+') => {
                i += 1;
                false
            }
            _ => false,
        };
        let mut e: i32 = 0;
        let start = i;
        while let Some(&c @ b'0'..=b'9') = b.get(i) {
            e = (e * 10 + i32::from(c - b'0')).min(100_000);
            i += 1;
        }
        if i == start {
            return None;
        }
        exp = exp.saturating_add(if eneg { -e } else { e });
    }
    if i != b.len() {
        return None;
    }
    let mut v = mantissa as f64;
    if v != 0.0 {
        let mut e = exp.clamp(-400, 400);
        while e > 0 && v.is_finite() {
            v *= 10.0;
            e -= 1;
        }
        while e < 0 && v != 0.0 {
            v /= 10.0;
            e += 1;
        }
    }
    Some(if neg { -v } else { v })
}

#[cfg(test)]
mod tests {
    use super::parse_decimal as p;

    #[test]
    fn reads_numbers_closely() {
        for (s, want) in [
            ("0", 0.0),
            ("-0", 0.0),
            ("2", 2.0),
            ("1.5", 1.5),
            ("0.7", 0.7),
            ("2e0", 2.0),
            ("20E-1", 2.0),
            ("-2.5e3", -2500.0),
            ("60", 60.0),
            ("123456789012345678901234", 1.2345678901234568e23),
            ("0.000001", 1e-6),
        ] {
            let got = p(s).unwrap();
            assert!(
                (got - want).abs() <= want.abs() * 1e-15,
                "{s}: {got} vs {want}"
            );
        }
        assert_eq!(p("1e400"), Some(f64::INFINITY));
        assert_eq!(p("1e-400"), Some(0.0));
        assert_eq!(p("1e99999999999"), Some(f64::INFINITY));
    }

    #[test]
    fn rejects_non_numbers() {
        for s in [
            "", "-", ".", "e5", "1e", "1e+", "abc", "1.2.3", "1 ", " 1", "0x10", "1,5",
        ] {
            assert_eq!(p(s), None, "{s:?}");
        }
    }
}
