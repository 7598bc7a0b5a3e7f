//! Decimal numbers to f64, approximately, without core's float parser; and exactly, as the
//! decimals they are written as, for JSON Schema's numeric keywords.
//!
//! The main wasm only compares numbers against small bounds (temperature 0 to 2, an index, a
//! Retry-After of at most 60 s), so a result within a few ulps is enough, and core's exact
//! parser (its tables and slow paths) would cost about 15 KB of wasm. A schema's `minimum`,
//! `maximum` and `multipleOf` can be any number (up to 7 ulps off, `parse_decimal` let values
//! just past a 16-digit bound through), so the validator compares [`Decimal`]s: exact, smaller
//! than core's parser, and only in the validator's wasm.

#[allow(unused_imports)]
use crate::prelude::*;

use core::cmp::Ordering;
use core::num::NonZeroU64;

/// Largest exponent told apart: numbers past 10^(10^17) (or below its inverse) compare equal to
/// it, which no schema bound comes near; sums of exponents and digit counts then fit an `i64`.
const MAX_EXP: i64 = 100_000_000_000_000_000;

/// A JSON number as the decimal it is written as, exactly: `0.d1d2d3... x 10^exp`.
#[derive(Debug, PartialEq, Eq)]
pub struct Decimal {
    neg: bool,
    /// The significant digits (0 to 9), without leading or trailing zeros; none for zero (which
    /// is never negative here: `-0` equals `0`).
    digits: Vec<u8>,
    exp: i64,
}

impl Decimal {
    /// Reads `-?digits(.digits)?([eE][+-]?digits)?` (a JSON number); `None` for anything else.
    /// Exponents beyond +-10^17 count as +-10^17 ([`MAX_EXP`]). Byte by byte,
    /// without core's string patterns: their code is shared with the main wasm's, whose size
    /// this would change.
    pub fn parse(s: &str) -> Option<Decimal> {
        let b = s.as_bytes();
        let neg = b.first() == Some(&b'-');
        let mut i = usize::from(neg);
        let mut digits = Vec::new();
        // Where the point is, from the first significant digit on: `0.digits x 10^point`.
        let mut point: i64 = 0;
        let (mut int, mut frac, mut seen_point) = (0, 0, false);
        while let Some(&c) = b.get(i) {
            match c {
                b'0'..=b'9' => {
                    if seen_point {
                        frac += 1;
                    } else {
                        int += 1;
                    }
                    if c != b'0' || !digits.is_empty() {
                        digits.push(c - b'0');
                        if !seen_point {
                            point += 1;
                        }
                    } else if seen_point {
                        point -= 1;
                    }
                }
                b'.' if !seen_point => seen_point = true,
                _ => break,
            }
            i += 1;
        }
        if int == 0 || (seen_point && frac == 0) {
            return None;
        }
        let mut exp: i64 = 0;
        if let Some(b'e' | b'E') = b.get(i) {
            i += 1;
            let eneg = b.get(i) == Some(&b'-');
            if let Some(b'-' | b'+') = b.get(i) {
                i += 1;
            }
            let start = i;
            while let Some(&c @ b'0'..=b'9') = b.get(i) {
                exp = (exp * 10 + i64::from(c - b'0')).min(MAX_EXP);
                i += 1;
            }
            if i == start {
                return None;
            }
            if eneg {
                exp = -exp;
            }
        }
        if i != b.len() {
            return None;
        }
        while digits.last() == Some(&0) {
            digits.pop();
        }
        if digits.is_empty() {
            return Some(Decimal {
                neg: false,
                digits,
                exp: 0,
            });
        }
        Some(Decimal {
            neg,
            digits,
            exp: exp + point,
        })
    }

    /// True for a number above zero.
    pub fn is_positive(&self) -> bool {
        !self.neg && !self.digits.is_empty()
    }

    /// `self` as `X x 10^scale` with an integer `X` that does not end in 0: the scale.
    fn scale(&self) -> i64 {
        self.exp - self.digits.len() as i64
    }

    /// Whether `self` divided by `m` is an integer, exactly; `None` when `m` has more than 17
    /// significant digits (every f64 is written in 17 or fewer) or is not above zero.
    pub fn is_multiple_of(&self, m: &Decimal) -> Option<bool> {
        if !m.is_positive() || m.digits.len() > 17 {
            return None;
        }
        if self.digits.is_empty() {
            return Some(true);
        }
        // self = X x 10^xs and m = M x 10^ms; neither X nor M ends in 0. With xs < ms, X would
        // have to be a multiple of M x 10^(ms - xs), so end in 0: never.
        let (xs, ms) = (self.scale(), m.scale());
        if xs < ms {
            return Some(false);
        }
        let mut big = 0;
        for d in &m.digits {
            big = big * 10 + u64::from(*d);
        }
        let big = NonZeroU64::new(big)?;
        // X mod M digit by digit, then times 10^(xs - ms) mod M (all below 10^18: no overflow).
        let mut x = 0;
        for d in &self.digits {
            x = (x * 10 + u64::from(*d)) % big;
        }
        let k = (xs - ms) as u64;
        Some(mul_mod(x, pow10_mod(k, big), big) == 0)
    }
}

/// `a * b mod m` for `a`, `b` below `m` (at most 10^17), by doubling: no overflow, no u128.
fn mul_mod(mut a: u64, mut b: u64, m: NonZeroU64) -> u64 {
    let mut r = 0;
    while b > 0 {
        if b & 1 == 1 {
            r = (r + a) % m;
        }
        a = (a + a) % m;
        b >>= 1;
    }
    r
}

/// `10^k mod m`, by squaring.
fn pow10_mod(mut k: u64, m: NonZeroU64) -> u64 {
    let (mut r, mut base) = (1 % m, 10 % m);
    while k > 0 {
        if k & 1 == 1 {
            r = mul_mod(r, base, m);
        }
        base = mul_mod(base, base, m);
        k >>= 1;
    }
    r
}

impl Ord for Decimal {
    fn cmp(&self, other: &Self) -> Ordering {
        let sign = |d: &Decimal| match (d.neg, d.digits.is_empty()) {
            (_, true) => 0,
            (true, false) => -1,
            (false, false) => 1,
        };
        let (a, b) = (sign(self), sign(other));
        if a != b || a == 0 {
            return a.cmp(&b);
        }
        // Same sign: the larger exponent, then the larger digits (no trailing zeros, so a
        // shorter prefix is the smaller) are the larger magnitude.
        let magnitude = self
            .exp
            .cmp(&other.exp)
            .then_with(|| self.digits.cmp(&other.digits));
        if a < 0 {
            magnitude.reverse()
        } else {
            magnitude
        }
    }
}

impl PartialOrd for Decimal {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

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
    use super::Decimal;

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
    fn decimals_read_exactly() {
        let d = |s: &str| Decimal::parse(s).unwrap_or_else(|| panic!("{s}"));
        for same in ["1", "1.0", "1.000", "10e-1", "0.1E1", "0.01e+2", "00001"] {
            assert_eq!(d(same), d("1"), "{same}");
        }
        for zero in ["0", "-0", "0.000", "0e999999999999999999999", "-0.0e-5"] {
            assert_eq!(d(zero), d("0"), "{zero}");
        }
        assert!(d("-0.5") < d("-0.4999999999999999999999"));
        assert!(d("1e-400") > d("0"));
        assert!(d("12") < d("12.000000000000000000001"));
        assert!(d("9.99e399") < d("1e400"));
        assert!(d("2") > d("19e-1"));
        assert!(d("1e99999999999999999999999") > d("9e99999999999999998"));
        assert!(d("-1e-99999999999999999999999") > d("-1e-99999999999999998"));
        for s in [
            "", "-", ".", "e5", "1e", "1e+", "abc", "1.2.3", "1 ", " 1", "0x10", "1,5", "1.", ".5",
            "--1", "+1", "1e--1",
        ] {
            assert_eq!(Decimal::parse(s), None, "{s:?}");
        }
    }

    /// `a x 10^-s` written one of several ways.
    fn text(a: i64, s: u32, way: u64) -> String {
        let digits = a.unsigned_abs().to_string();
        let sign = if a < 0 { "-" } else { "" };
        match way % 3 {
            0 => format!("{sign}{digits}e-{s}"),
            1 => {
                let padded = format!("{digits:0>width$}", width = s as usize + 1);
                let (int, frac) = padded.split_at(padded.len() - s as usize);
                format!("{sign}{int}.{frac}0")
            }
            _ => format!("{sign}{digits}000E{}", -(s as i64) - 3),
        }
    }

    #[test]
    fn order_and_multiples_agree_with_integer_arithmetic() {
        // Random a x 10^-s and b x 10^-t: compared and divided exactly as integers at the
        // common scale.
        let mut x: u64 = 0x9E37_79B9_7F4A_7C15;
        let mut next = |n: u64| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            x % n
        };
        for _ in 0..20_000 {
            let a = next(2_000_000_000) as i64 - 1_000_000_000;
            let b = next(1_000) as i64 + 1;
            let b = if next(2) == 0 {
                b
            } else {
                b * next(1_000_000) as i64 + 1
            };
            let (s, t) = (next(10) as u32, next(10) as u32);
            let scale = s.max(t);
            let ia = i128::from(a) * 10i128.pow(scale - s);
            let ib = i128::from(b) * 10i128.pow(scale - t);
            let (ta, tb) = (text(a, s, next(3)), text(b, t, next(3)));
            let (da, db) = (Decimal::parse(&ta).unwrap(), Decimal::parse(&tb).unwrap());
            assert_eq!(da.cmp(&db), ia.cmp(&ib), "{ta} vs {tb}");
            assert_eq!(
                da.is_multiple_of(&db),
                Some(ia % ib == 0),
                "{ta} multiple of {tb}"
            );
            // Multiples made on purpose, too.
            let k = next(1_000) as i64;
            let m = text(b * k, t, next(3));
            assert_eq!(
                Decimal::parse(&m).unwrap().is_multiple_of(&db),
                Some(true),
                "{m} multiple of {tb}"
            );
        }
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
