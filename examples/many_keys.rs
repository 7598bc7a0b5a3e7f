//! Times stream chunks with many distinct top-level members (issue 12, item 2) against normal
//! chunks of the same byte size, through the stream's hot path (`read_event`):
//! one event with N distinct keys against the same keys one level down (one member holding an
//! object, which the accumulator keeps as text) and against one long content string; N events
//! that each add a new key against N events that repeat one key with a new value.
//! `cargo run --release --example many_keys`
use meingpt_wasm::accumulate::Accumulator;
use meingpt_wasm::stream::read_event;
use std::time::Instant;

const HEAD: &str = r#"{"id":"c","object":"chat.completion.chunk","created":1,"model":"m","choices":[{"index":0,"delta":{"content":"a"},"finish_reason":null}]"#;

/// One event with `n` members `"k<i>":0` after `choices`; `nested` puts them in one member.
fn wide(n: usize, nested: bool) -> String {
    let mut s = String::from(HEAD);
    s.push_str(if nested { r#","x":{"# } else { "," });
    for i in 0..n {
        if i > 0 {
            s.push(',');
        }
        s.push_str(&format!(r#""k{i:06}":0"#));
    }
    s.push_str(if nested { "}}" } else { "}" });
    s
}

/// One event of `len` bytes whose bulk is content text.
fn long_content(len: usize) -> String {
    let head = r#"{"id":"c","object":"chat.completion.chunk","created":1,"model":"m","choices":[{"index":0,"delta":{"content":""#;
    let tail = r#""},"finish_reason":null}]}"#;
    let mut s = String::from(head);
    s.push_str(&"w".repeat(len.saturating_sub(head.len() + tail.len())));
    s.push_str(tail);
    s
}

/// `n` events, each with one member after `choices`: a new key each time (`distinct`), or the
/// same key with a new value (same byte size).
fn narrow(n: usize, distinct: bool) -> Vec<String> {
    (0..n)
        .map(|i| {
            if distinct {
                format!(r#"{HEAD},"k{i:06}":0}}"#)
            } else {
                format!(r#"{HEAD},"kkkkkkk":{}}}"#, i % 10)
            }
        })
        .collect()
}

/// One event with `choices` choices of `calls` tool calls each, indexes in descending order
/// (each inserted before the others) or ascending (appended).
fn tool_calls(choices: usize, calls: usize, descending: bool) -> String {
    let mut s = String::from(r#"{"id":"c","choices":["#);
    for c in 0..choices {
        if c > 0 {
            s.push(',');
        }
        let c = if descending { choices - 1 - c } else { c };
        s.push_str(&format!(r#"{{"index":{c},"delta":{{"tool_calls":["#));
        for t in 0..calls {
            if t > 0 {
                s.push(',');
            }
            let t = if descending { calls - 1 - t } else { t };
            s.push_str(&format!(r#"{{"index":{t}}}"#));
        }
        s.push_str("]}}");
    }
    s.push_str("]}");
    s
}

/// Best of `runs` times (ms) to read `events` into a fresh accumulator and finish it.
fn time(events: &[String], runs: usize) -> f64 {
    let mut best = f64::MAX;
    for _ in 0..runs {
        let t = Instant::now();
        let mut acc = Accumulator::new();
        for e in events {
            assert!(read_event("", e, 200, &mut acc).is_ok());
        }
        assert!(acc.finish().is_some());
        best = best.min(t.elapsed().as_secs_f64() * 1000.0);
    }
    best
}

fn main() {
    // An optional argument: only that many keys (for a profiler).
    let sizes: Vec<usize> = match std::env::args().nth(1) {
        Some(n) => vec![n.parse().expect("a number of keys")],
        None => vec![40_000, 80_000],
    };
    for &n in &sizes {
        let hostile = wide(n, false);
        let nested = wide(n, true);
        let content = long_content(hostile.len());
        let t = time(std::slice::from_ref(&hostile), 3);
        let tn = time(std::slice::from_ref(&nested), 3);
        let tc = time(std::slice::from_ref(&content), 3);
        println!(
            "one event, {n} distinct keys ({} B): {t:9.2} ms; same keys nested ({} B): {tn:7.2} ms ({:.1}x); content ({} B): {tc:6.2} ms ({:.1}x)",
            hostile.len(),
            nested.len(),
            t / tn,
            content.len(),
            t / tc
        );
    }
    for (choices, calls) in [(1, 1024), (64, 1024), (1024, 1024)] {
        let hostile = tool_calls(choices, calls, true);
        let normal = tool_calls(choices, calls, false);
        let t = time(std::slice::from_ref(&hostile), 3);
        let tn = time(std::slice::from_ref(&normal), 3);
        println!(
            "one event, {choices} choices x {calls} tool calls, descending ({} B): {t:9.2} ms; ascending ({} B): {tn:7.2} ms ({:.1}x)",
            hostile.len(),
            normal.len(),
            t / tn
        );
    }
    for &n in &sizes {
        let hostile = narrow(n, true);
        let normal = narrow(n, false);
        let bytes = |v: &[String]| v.iter().map(String::len).sum::<usize>();
        let t = time(&hostile, 3);
        let tn = time(&normal, 3);
        println!(
            "{n} events, each a new key ({} B): {t:9.2} ms; one key repeated ({} B): {tn:7.2} ms ({:.1}x)",
            bytes(&hostile),
            bytes(&normal),
            t / tn
        );
    }
}
