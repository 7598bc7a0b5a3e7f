//! A short, bounded and seeded pass over the four fuzz targets (`fuzz/`), on stable Rust in
//! `cargo test`: the seeds of `fuzz/seeds/<target>/` mutated by a fixed-seed generator (byte
//! flips, token insertions from a per-target dictionary, deletions, duplications, splices)
//! plus inputs built from tokens alone. The properties are the fuzz targets' own
//! (`fuzz/checks.rs`). The long runs are cargo-fuzz's job; see `fuzz/README.md`.

#[path = "../fuzz/checks.rs"]
mod checks;

use std::path::Path;

const MAX_LEN: usize = 2048;

struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }
}

fn seeds(target: &str) -> Vec<Vec<u8>> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("fuzz/seeds")
        .join(target);
    let mut files: Vec<_> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|e| e.unwrap().path())
        .collect();
    files.sort();
    let seeds: Vec<Vec<u8>> = files.iter().map(|f| std::fs::read(f).unwrap()).collect();
    assert!(!seeds.is_empty(), "no seeds in {}", dir.display());
    seeds
}

fn mutate(rng: &mut Rng, input: &mut Vec<u8>, seeds: &[Vec<u8>], tokens: &[&[u8]]) {
    for _ in 0..1 + rng.below(6) {
        let len = input.len();
        match rng.below(6) {
            0 if len > 0 => {
                let i = rng.below(len);
                input[i] ^= 1 << rng.below(8);
            }
            1 if len > 0 => {
                let i = rng.below(len);
                input[i] = rng.next() as u8;
            }
            2 => {
                let at = rng.below(len + 1);
                let t = tokens[rng.below(tokens.len())];
                input.splice(at..at, t.iter().copied());
            }
            3 if len > 0 => {
                let a = rng.below(len);
                let b = (a + 1 + rng.below(64)).min(len);
                input.drain(a..b);
            }
            4 if len > 0 => {
                let a = rng.below(len);
                let b = (a + 1 + rng.below(64)).min(len);
                let part = input[a..b].to_vec();
                let at = rng.below(len + 1);
                input.splice(at..at, part);
            }
            _ => {
                let other = &seeds[rng.below(seeds.len())];
                let from = rng.below(other.len() + 1);
                let cut = rng.below(len + 1);
                input.truncate(cut);
                input.extend_from_slice(&other[from..]);
            }
        }
    }
    input.truncate(MAX_LEN);
}

/// Runs `check` on every seed, then on `rounds` generated inputs.
fn pass(target: &str, rounds: usize, tokens: &[&[u8]], check: fn(&[u8])) {
    let seeds = seeds(target);
    let mut rng = Rng(0x9e37_79b9_7f4a_7c15 ^ target.len() as u64);
    for s in &seeds {
        check(s);
    }
    for round in 0..rounds {
        let mut input = if round % 4 == 3 {
            let mut v = vec![rng.next() as u8, rng.next() as u8, rng.next() as u8];
            for _ in 0..rng.below(48) {
                v.extend_from_slice(tokens[rng.below(tokens.len())]);
            }
            v
        } else {
            seeds[rng.below(seeds.len())].clone()
        };
        mutate(&mut rng, &mut input, &seeds, tokens);
        let result = std::panic::catch_unwind(|| check(&input));
        if result.is_err() {
            panic!(
                "{target} round {round} failed on input {:?}",
                String::from_utf8_lossy(&input)
            );
        }
    }
}

const JSON: &[&[u8]] = &[
    b"{",
    b"}",
    b"[",
    b"]",
    b",",
    b":",
    b"\"",
    b"null",
    b"true",
    b"0",
    b"-1",
    b"1.5e3",
    b"1e999",
    b"65536",
    b"4294967296",
    b"\"\\ud83d\"",
    b"\\ude00",
    b"\\u0000",
    b"\\\\",
    b"\\\"",
    b"\xc3\xa4",
    b"\xf0\x9f\x98\x80",
    b"\xff",
    b"[[[[[[[[[[[[[[[[",
    b"\"error\":",
    b"\"status\":\"error\"",
    b"\"message\":",
];

#[test]
fn sse_decoder() {
    pass(
        "sse",
        4000,
        &[
            b"data",
            b"data:",
            b"data: ",
            b"event:",
            b"id:",
            b"retry:",
            b"retry: 10",
            b":",
            b" ",
            b"\n",
            b"\r",
            b"\r\n",
            b"\n\n",
            b"\0",
            b"\xFF",
            b"\xE2\x82",
            b"\xAC",
            b"\xF0\x9F",
            b"\x98\x80",
            b"\xEF\xBB\xBF",
            b"\xED\xA0\x80",
            b"[DONE]",
        ],
        checks::sse,
    );
}

#[test]
fn chunk_accumulator() {
    let mut tokens = JSON.to_vec();
    tokens.extend_from_slice(&[
        b"\n",
        b"\n!",
        b"[DONE]",
        b"{\"choices\":[",
        b"{\"index\":",
        b"\"delta\":{",
        b"\"content\":\"",
        b"\"refusal\":",
        b"\"role\":\"assistant\"",
        b"\"tool_calls\":[",
        b"\"function\":{\"name\":\"f\",\"arguments\":\"",
        b"\"finish_reason\":\"stop\"",
        b"\"usage\":{\"total_tokens\":3}",
        b"\"citations\":[\"a\"]",
        b"\"id\":\"x\"",
    ]);
    pass("accumulate", 30000, &tokens, checks::accumulate);
}

#[test]
fn request_validation() {
    let mut tokens = JSON.to_vec();
    tokens.extend_from_slice(&[
        b"\"model\":\"m\"",
        b"\"messages\":[",
        b"{\"role\":\"user\",\"content\":\"x\"}",
        b"\"role\":\"tool\"",
        b"\"role\":\"assistant\"",
        b"\"tool_call_id\":\"c\"",
        b"\"content\":[{\"type\":\"text\",\"text\":\"x\"}]",
        b"\"tools\":[{\"type\":\"function\",\"function\":{\"name\":\"f\"}}]",
        b"\"tool_choice\":",
        b"\"auto\"",
        b"{\"type\":\"function\",\"function\":{\"name\":\"f\"}}",
        b"\"temperature\":",
        b"2.0000001",
        b"\"response_format\":{\"type\":\"json_schema\",\"json_schema\":{\"name\":\"n\",\"schema\":{}}}",
        b"\"stream\":true",
    ]);
    pass("validate", 40000, &tokens, checks::validate);
}

#[test]
fn error_bodies() {
    let mut tokens = JSON.to_vec();
    tokens.extend_from_slice(&[
        b"sk_meingpt_canary",
        b"[redacted]",
        b"cted",
        b"<html>",
        b"502 Bad Gateway",
    ]);
    pass("error_body", 40000, &tokens, checks::error_body);
}
