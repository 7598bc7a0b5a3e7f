//! A tiny backtracking matcher for the JSON Schema `pattern` keyword (ECMA-262 syntax, unanchored).
//!
//! Supported: literals, `.`, `^`, `$`, classes `[a-z0-9_]` / `[^...]`, the escapes `\d \D \w \W \s \S`
//! and escaped punctuation, groups `(...)` / `(?:...)`, `|`, and the quantifiers `* + ? {n} {n,}
//! {n,m}` (lazy forms too: for a yes/no answer they match the same strings). Anything else
//! (lookaround, backreferences, `\b`, `\p{...}`, flags) gives `None`: the pattern is not checked
//! rather than checked wrongly. Work is bounded: a pattern that would backtrack too much, or nest
//! too deeply, also gives `None`.

/// Steps of matching before giving up (`None`).
const MAX_STEPS: u32 = 1_000_000;
/// Nested calls before giving up; keeps the wasm stack small.
const MAX_DEPTH: u32 = 400;

#[derive(Debug)]
enum Node {
    /// One character out of a set: ranges, negated or not.
    Set(Vec<(char, char)>, bool),
    Start,
    End,
    /// Alternatives, each a sequence.
    Group(Vec<Vec<Node>>),
    Repeat(Box<Node>, u32, u32),
}

/// Does `pattern` match somewhere in `text`? `None` when the pattern is outside the subset.
pub fn is_match(pattern: &str, text: &str) -> Option<bool> {
    let chars: Vec<char> = pattern.chars().collect();
    let mut p = Parser { c: &chars, i: 0 };
    let alts = p.alternatives()?;
    if p.i != chars.len() {
        return None;
    }
    let text: Vec<char> = text.chars().collect();
    let mut m = Matcher {
        text: &text,
        steps: 0,
        depth: 0,
        gave_up: false,
    };
    // `^...` in every alternative: only a match from the start counts.
    let last = if alts.iter().all(|a| matches!(a.first(), Some(Node::Start))) {
        0
    } else {
        text.len()
    };
    let prog = [Node::Group(alts)];
    for start in 0..=last {
        if m.seq(&prog, start, &mut |_, _| true) {
            return Some(true);
        }
        if m.gave_up {
            return None;
        }
    }
    Some(false)
}

struct Parser<'a> {
    c: &'a [char],
    i: usize,
}

const DIGIT: &[(char, char)] = &[('0', '9')];
const WORD: &[(char, char)] = &[('0', '9'), ('A', 'Z'), ('_', '_'), ('a', 'z')];
const SPACE: &[(char, char)] = &[
    ('\t', '\r'),
    (' ', ' '),
    ('\u{a0}', '\u{a0}'),
    ('\u{2028}', '\u{2029}'),
    ('\u{feff}', '\u{feff}'),
];

impl Parser<'_> {
    fn peek(&self) -> Option<char> {
        self.c.get(self.i).copied()
    }

    fn eat(&mut self, ch: char) -> bool {
        let hit = self.peek() == Some(ch);
        if hit {
            self.i += 1;
        }
        hit
    }

    fn alternatives(&mut self) -> Option<Vec<Vec<Node>>> {
        let mut alts = vec![self.sequence()?];
        while self.eat('|') {
            alts.push(self.sequence()?);
        }
        Some(alts)
    }

    fn sequence(&mut self) -> Option<Vec<Node>> {
        let mut seq = Vec::new();
        while let Some(c) = self.peek() {
            if c == '|' || c == ')' {
                break;
            }
            self.i += 1;
            let atom = match c {
                '^' => Node::Start,
                '$' => Node::End,
                '.' => Node::Set(
                    vec![('\n', '\n'), ('\r', '\r'), ('\u{2028}', '\u{2029}')],
                    true,
                ),
                '(' => {
                    if self.eat('?') && !self.eat(':') {
                        return None;
                    }
                    let alts = self.alternatives()?;
                    if !self.eat(')') {
                        return None;
                    }
                    Node::Group(alts)
                }
                '[' => self.class()?,
                '\\' => {
                    let (set, neg) = self.escape()?;
                    Node::Set(set, neg)
                }
                '*' | '+' | '?' | '{' | '}' | ']' => return None,
                c => Node::Set(vec![(c, c)], false),
            };
            let atom = self.quantifier(atom)?;
            seq.push(atom);
        }
        Some(seq)
    }

    fn number(&mut self) -> Option<u32> {
        let start = self.i;
        let mut n: u32 = 0;
        while let Some(d) = self.peek().and_then(|c| c.to_digit(10)) {
            n = n.checked_mul(10)?.checked_add(d)?;
            self.i += 1;
        }
        (self.i > start).then_some(n)
    }

    fn quantifier(&mut self, atom: Node) -> Option<Node> {
        let (min, max) = match self.peek() {
            Some('*') => (0, u32::MAX),
            Some('+') => (1, u32::MAX),
            Some('?') => (0, 1),
            Some('{') => {
                self.i += 1;
                let min = self.number()?;
                let max = if self.eat(',') {
                    if self.peek() == Some('}') {
                        u32::MAX
                    } else {
                        self.number()?
                    }
                } else {
                    min
                };
                if self.peek() != Some('}') || max < min {
                    return None;
                }
                (min, max)
            }
            _ => return Some(atom),
        };
        self.i += 1;
        self.eat('?');
        if matches!(atom, Node::Start | Node::End) {
            return None;
        }
        Some(Node::Repeat(Box::new(atom), min, max))
    }

    /// After a backslash: a class escape or an escaped character.
    fn escape(&mut self) -> Option<(Vec<(char, char)>, bool)> {
        let c = self.peek()?;
        self.i += 1;
        let set = |s: &[(char, char)], neg| Some((s.to_vec(), neg));
        match c {
            'd' => set(DIGIT, false),
            'D' => set(DIGIT, true),
            'w' => set(WORD, false),
            'W' => set(WORD, true),
            's' => set(SPACE, false),
            'S' => set(SPACE, true),
            'n' => set(&[('\n', '\n')], false),
            'r' => set(&[('\r', '\r')], false),
            't' => set(&[('\t', '\t')], false),
            c if c.is_ascii_punctuation() => set(&[(c, c)], false),
            _ => None,
        }
    }

    fn class(&mut self) -> Option<Node> {
        let neg = self.eat('^');
        let mut ranges = Vec::new();
        let mut first = true;
        loop {
            let c = self.peek()?;
            self.i += 1;
            if c == ']' && !first {
                return Some(Node::Set(ranges, neg));
            }
            first = false;
            let lo = if c == '\\' {
                let (set, n) = self.escape()?;
                if n || set.len() != 1 || set[0].0 != set[0].1 {
                    // \d, \w, \s inside a class; negated ones are outside the subset.
                    if n {
                        return None;
                    }
                    ranges.extend(set);
                    continue;
                }
                set[0].0
            } else {
                c
            };
            if self.peek() == Some('-') && self.c.get(self.i + 1).is_some_and(|&n| n != ']') {
                self.i += 1;
                let mut hi = self.peek()?;
                self.i += 1;
                if hi == '\\' {
                    let (set, _) = self.escape()?;
                    if set.len() != 1 || set[0].0 != set[0].1 {
                        return None;
                    }
                    hi = set[0].0;
                }
                if hi < lo {
                    return None;
                }
                ranges.push((lo, hi));
            } else {
                ranges.push((lo, lo));
            }
        }
    }
}

struct Matcher<'t> {
    text: &'t [char],
    steps: u32,
    depth: u32,
    gave_up: bool,
}

fn in_set(set: &[(char, char)], neg: bool, c: char) -> bool {
    set.iter().any(|&(lo, hi)| lo <= c && c <= hi) != neg
}

impl Matcher<'_> {
    fn tick(&mut self) -> bool {
        self.steps += 1;
        if self.steps > MAX_STEPS || self.depth > MAX_DEPTH {
            self.gave_up = true;
        }
        !self.gave_up
    }

    fn one(&self, set: &[(char, char)], neg: bool, pos: usize) -> bool {
        self.text.get(pos).is_some_and(|&c| in_set(set, neg, c))
    }

    fn node(
        &mut self,
        node: &Node,
        pos: usize,
        k: &mut dyn FnMut(&mut Self, usize) -> bool,
    ) -> bool {
        match node {
            Node::Set(set, neg) => self.one(set, *neg, pos) && k(self, pos + 1),
            Node::Start => pos == 0 && k(self, pos),
            Node::End => pos == self.text.len() && k(self, pos),
            Node::Group(alts) => alts.iter().any(|alt| self.seq(alt, pos, k)),
            Node::Repeat(inner, min, max) => match &**inner {
                // A repeated single character: count greedily, then back off one at a time.
                Node::Set(set, neg) => {
                    let mut n = 0;
                    while n < *max && self.one(set, *neg, pos + n as usize) {
                        n += 1;
                    }
                    while n >= *min {
                        if !self.tick() {
                            return false;
                        }
                        if k(self, pos + n as usize) {
                            return true;
                        }
                        if n == 0 {
                            break;
                        }
                        n -= 1;
                    }
                    false
                }
                _ => self.repeat(inner, *min, *max, 0, pos, k),
            },
        }
    }

    fn seq(
        &mut self,
        nodes: &[Node],
        pos: usize,
        k: &mut dyn FnMut(&mut Self, usize) -> bool,
    ) -> bool {
        if !self.tick() {
            return false;
        }
        let Some((node, rest)) = nodes.split_first() else {
            return k(self, pos);
        };
        self.depth += 1;
        let hit = self.node(node, pos, &mut |m: &mut Self, p| m.seq(rest, p, k));
        self.depth -= 1;
        hit
    }

    #[allow(clippy::too_many_arguments)]
    fn repeat(
        &mut self,
        inner: &Node,
        min: u32,
        max: u32,
        count: u32,
        pos: usize,
        k: &mut dyn FnMut(&mut Self, usize) -> bool,
    ) -> bool {
        if !self.tick() {
            return false;
        }
        self.depth += 1;
        let more = count < max
            && self.node(inner, pos, &mut |m: &mut Self, p| {
                (p != pos || count < min) && m.repeat(inner, min, max, count + 1, p, k)
            });
        self.depth -= 1;
        more || (count >= min && k(self, pos))
    }
}

#[cfg(test)]
mod tests {
    use super::is_match;

    #[test]
    fn matches_like_ecmascript_test() {
        let cases: &[(&str, &str, bool)] = &[
            ("^[A-Z]{3}-\\d{4}$", "ABC-1234", true),
            ("^[A-Z]{3}-\\d{4}$", "ABC-123", false),
            ("^[A-Z]{3}-\\d{4}$", "xABC-1234", false),
            ("\\d+", "abc 42 def", true),
            ("\\d+", "abc", false),
            ("^(ja|nein)$", "nein", true),
            ("^(ja|nein)$", "jein", false),
            ("^(?:[a-z]+\\.)*[a-z]+$", "a.bc.def", true),
            ("^(?:[a-z]+\\.)*[a-z]+$", "a..b", false),
            ("^[^@\\s]+@[^@\\s]+\\.[a-z]{2,}$", "max@example.de", true),
            ("^[^@\\s]+@[^@\\s]+\\.[a-z]{2,}$", "max@exa mple.de", false),
            ("^\\d{4}-\\d{2}-\\d{2}$", "2024-06-10", true),
            ("colou?r", "color", true),
            ("colou?r", "colour", true),
            ("colou?r", "colr", false),
            ("^.{2,4}$", "äöü", true),
            ("^.{2,4}$", "ä", false),
            ("^a.c$", "a\nc", false),
            ("^(ab)+$", "ababab", true),
            ("^(ab)+$", "ababa", false),
            ("^(a*){2}$", "", true),
            ("^[-a-z]+$", "a-b", true),
            ("^[a\\-]+$", "a-", true),
            ("^[\\w.]+$", "a_b.c", true),
            ("^\\W$", "!", true),
            ("^x*?y$", "xxy", true),
            ("Grüße", "Viele Grüße!", true),
            ("^$", "", true),
            ("", "anything", true),
        ];
        for &(p, t, want) in cases {
            assert_eq!(is_match(p, t), Some(want), "{p:?} on {t:?}");
        }
    }

    #[test]
    fn outside_the_subset_is_none() {
        for p in [
            "(?=a)", "(?!a)", "(?<n>a)", "\\1", "\\bword", "\\p{L}", "a{2", "a**", "[a", "(a",
            "a)", "[z-a]", "[\\D]",
        ] {
            assert_eq!(is_match(p, "a"), None, "{p:?}");
        }
    }

    #[test]
    fn catastrophic_patterns_give_up_instead_of_hanging() {
        let text = "a".repeat(40) + "!";
        assert_eq!(is_match("^(a|aa)+$", &text), None);
        let long = "x".repeat(100_000);
        assert_eq!(is_match("^x+$", &long), Some(true));
        assert_eq!(is_match("^x+y$", &long), Some(false));
    }
}
