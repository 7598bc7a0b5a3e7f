//! Stream chunks with many distinct top-level members (a hostile or broken server) cost about
//! what normal chunks of the same byte size cost (issue 12, item 2). The accumulator compared
//! each member with every member kept before, with no bound, so one event with 40,000 distinct
//! keys took seconds where the same keys one level down take a millisecond. Times are the best of a few runs of each, taken
//! in turns, so the ratio holds on a busy machine; 10x leaves room for that noise, where the
//! linear search measured hundreds of times slower.
use meingpt_wasm::accumulate::Accumulator;
use meingpt_wasm::stream::{read_event, EventRead};
use std::time::{Duration, Instant};

const HEAD: &str = r#"{"id":"c","object":"chat.completion.chunk","created":1,"model":"m","choices":[{"index":0,"delta":{"content":"a"},"finish_reason":null}]"#;

/// Highest accepted ratio of the hostile input's time to the normal input's.
const MAX_RATIO: f64 = 10.0;

/// One event with `n` members `"k<i>":0` after `choices`; `nested` puts them in one member
/// (`"x":{...}`, kept as text, as any object value is).
fn wide(n: usize, nested: bool) -> Vec<String> {
    let mut s = String::from(HEAD);
    s.push_str(if nested { r#","x":{"# } else { "," });
    for i in 0..n {
        if i > 0 {
            s.push(',');
        }
        s.push_str(&format!(r#""k{i:06}":0"#));
    }
    s.push_str(if nested { "}}" } else { "}" });
    vec![s]
}

/// `n` events with one member after `choices`: a new key in each (`distinct`), or one key with
/// a new value in each (the same byte size).
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

/// Reads `events` as a stream does and builds the final completion.
fn read(events: &[String]) -> Duration {
    let t = Instant::now();
    let mut acc = Accumulator::new();
    for e in events {
        assert!(matches!(
            read_event("", e, 200, &mut acc),
            Ok(EventRead::Chunk { .. })
        ));
    }
    assert!(acc.finish().is_some());
    t.elapsed()
}

/// The best time of `hostile` over the best time of `normal`, three runs each in turns.
fn ratio(hostile: &[String], normal: &[String]) -> f64 {
    let bytes = |v: &[String]| v.iter().map(String::len).sum::<usize>();
    let (h, n) = (bytes(hostile), bytes(normal));
    assert!(h.abs_diff(n) * 100 <= n, "sizes differ: {h} and {n} bytes");
    let (mut best_h, mut best_n) = (Duration::MAX, Duration::MAX);
    for _ in 0..3 {
        best_n = best_n.min(read(normal));
        best_h = best_h.min(read(hostile));
    }
    let r = best_h.as_secs_f64() / best_n.as_secs_f64();
    println!("{h} B: {best_h:?} against {best_n:?} ({r:.1}x)");
    r
}

/// One test, so the measurements never run alongside each other; every ratio is measured (and
/// printed) before any is checked.
#[test]
fn many_distinct_keys_cost_what_normal_chunks_of_the_same_size_cost() {
    let ratios = [
        (
            "one event, 40,000 distinct keys",
            ratio(&wide(40_000, false), &wide(40_000, true)),
        ),
        (
            "one event, 80,000 distinct keys",
            ratio(&wide(80_000, false), &wide(80_000, true)),
        ),
        (
            "40,000 events that each add a key",
            ratio(&narrow(40_000, true), &narrow(40_000, false)),
        ),
    ];
    for (what, r) in ratios {
        assert!(r < MAX_RATIO, "{what}: {r:.1}x the time of normal chunks");
    }
}
