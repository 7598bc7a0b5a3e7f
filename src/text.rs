//! Small text helpers the rest of the core shares: decimal numbers and byte substring search,
//! written as plain loops so the wasm carries neither core's formatting machinery nor its
//! substring search (with their panic paths).

#[allow(unused_imports)]
use crate::prelude::*;

/// Appends `n` in decimal.
pub fn push_u32(out: &mut String, mut n: u32) {
    // Digits from the right; every divisor is the constant 10, so there is no division-by-zero
    // check (with its panic path) to compile.
    let mut digits = [0u8; 10];
    let mut start = digits.len();
    for (i, slot) in digits.iter_mut().enumerate().rev() {
        *slot = b'0' + (n % 10) as u8;
        n /= 10;
        start = i;
        if n == 0 {
            break;
        }
    }
    for &d in digits.get(start..).unwrap_or_default() {
        out.push(char::from(d));
    }
}

/// `path` followed by `[i]`: the path of an array item, for messages (`messages[2]`).
pub fn indexed(path: &str, i: usize) -> String {
    let mut p = String::from(path);
    p.push('[');
    push_u32(&mut p, u32::try_from(i).unwrap_or(u32::MAX));
    p.push(']');
    p
}

/// Where `needle` (not empty) first occurs in `hay`.
pub fn find(hay: &[u8], needle: &[u8]) -> Option<usize> {
    let first = *needle.first()?;
    (0..hay.len())
        .find(|&i| hay.get(i) == Some(&first) && hay.get(i..i + needle.len()) == Some(needle))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_print() {
        let mut s = String::new();
        for n in [
            0,
            1,
            7,
            9,
            10,
            11,
            99,
            100,
            429,
            1_000_000_000,
            4_294_967_290,
            u32::MAX,
        ] {
            s.clear();
            push_u32(&mut s, n);
            assert_eq!(s, n.to_string());
        }
        for n in (0..2_000_000)
            .step_by(997)
            .chain([999_999_999, 1_000_000_001])
        {
            s.clear();
            push_u32(&mut s, n);
            assert_eq!(s, n.to_string());
        }
    }

    #[test]
    fn indexed_paths() {
        assert_eq!(indexed("input", 0), "input[0]");
        assert_eq!(indexed("input[3]", 12), "input[3][12]");
    }

    #[test]
    fn finds_the_first_occurrence() {
        assert_eq!(find(b"abcabc", b"ca"), Some(2));
        assert_eq!(find(b"abcabc", b"abc"), Some(0));
        assert_eq!(find(b"abcab", b"abc\xff"), None);
        assert_eq!(find(b"ab", b"abc"), None);
        assert_eq!(find(b"", b"a"), None);
        assert_eq!(find(b"abc", b""), None);
    }
}
