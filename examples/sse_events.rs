//! Test harness for the differential SSE suite (`tests/differential/`): decodes files with
//! [`SseDecoder`], cut into network chunks at given byte offsets, and prints what came out.
//!
//! stdin, one job per line: `<path>\t<cut>,<cut>,...` (ascending byte offsets; none means the
//! whole file in one chunk). stdout, one line per job: the outcome as JSON,
//! `{"events":[[event,data,id],...],"retry":n|null,"error":null|"..."}`, or `=` when it equals
//! the outcome of the latest one-chunk job for the same file (so every-split-point runs stay
//! small). The decoder cap is the package's (16 MiB).

use meingpt_wasm::json::quote_into;
use meingpt_wasm::sse::SseDecoder;
use std::collections::HashMap;
use std::io::{self, BufRead, BufWriter, Write};

const MAX_EVENT_BYTES: usize = 16 * 1024 * 1024;

#[derive(PartialEq)]
struct Outcome {
    events: Vec<[String; 3]>,
    retry: Option<u64>,
    error: Option<String>,
}

fn decode(bytes: &[u8], cuts: &[usize]) -> Outcome {
    let mut d = SseDecoder::new(MAX_EVENT_BYTES);
    let mut events = Vec::new();
    let mut push = |ev: &meingpt_wasm::sse::Event<'_>| {
        events.push([ev.event.to_owned(), ev.data.to_owned(), ev.id.to_owned()]);
    };
    let mut start = 0;
    let mut result = Ok(());
    for &cut in cuts.iter().chain([bytes.len()].iter()) {
        let cut = cut.clamp(start, bytes.len());
        result = d.feed(&bytes[start..cut], &mut push);
        start = cut;
        if result.is_err() {
            break;
        }
    }
    if result.is_ok() {
        result = d.finish(&mut push);
    }
    Outcome {
        events,
        retry: d.retry_ms(),
        error: result.err().map(|e| e.to_string()),
    }
}

fn to_json(o: &Outcome) -> String {
    let mut s = String::from("{\"events\":[");
    for (i, ev) in o.events.iter().enumerate() {
        s.push_str(if i == 0 { "[" } else { ",[" });
        for (j, field) in ev.iter().enumerate() {
            if j > 0 {
                s.push(',');
            }
            quote_into(&mut s, field);
        }
        s.push(']');
    }
    s.push_str("],\"retry\":");
    match o.retry {
        Some(ms) => s.push_str(&ms.to_string()),
        None => s.push_str("null"),
    }
    s.push_str(",\"error\":");
    match &o.error {
        Some(e) => quote_into(&mut s, e),
        None => s.push_str("null"),
    }
    s.push('}');
    s
}

fn main() -> io::Result<()> {
    let mut files: HashMap<String, Vec<u8>> = HashMap::new();
    let mut whole: HashMap<String, Outcome> = HashMap::new();
    let mut out = BufWriter::new(io::stdout().lock());
    for line in io::stdin().lock().lines() {
        let line = line?;
        let (path, cuts) = line.split_once('\t').unwrap_or((&line, ""));
        if !files.contains_key(path) {
            files.insert(path.to_owned(), std::fs::read(path)?);
        }
        let bytes = &files[path];
        let cuts: Vec<usize> = cuts
            .split(',')
            .filter(|c| !c.is_empty())
            .map(|c| c.parse().expect("cut offsets are numbers"))
            .collect();
        let outcome = decode(bytes, &cuts);
        if cuts.is_empty() {
            writeln!(out, "{}", to_json(&outcome))?;
            whole.insert(path.to_owned(), outcome);
        } else if whole.get(path) == Some(&outcome) {
            writeln!(out, "=")?;
        } else {
            writeln!(out, "{}", to_json(&outcome))?;
        }
    }
    out.flush()
}
