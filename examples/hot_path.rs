//! Times the per-event work of reading a stream on the host: SSE decoding, classifying (JSON),
//! accumulating, on the benchmark's 20,000-chunk body; the stream's path with and without the
//! same-shape shortcut (`Accumulator`).
//! `cargo run --release --example hot_path`
use meingpt_wasm::accumulate::Accumulator;
use meingpt_wasm::sse::SseDecoder;
use meingpt_wasm::stream::{classify, read_event, EventRead, Item};
use std::time::Instant;

fn body() -> Vec<u8> {
    let mut s = String::new();
    for i in 0..20_000 {
        s.push_str(&format!(
            "data: {{\"id\":\"chatcmpl-bench\",\"object\":\"chat.completion.chunk\",\"created\":1700000000,\"model\":\"gpt-4o-mini\",\"system_fingerprint\":\"fp_1\",\"choices\":[{{\"index\":0,\"delta\":{{\"content\":\"wört {i} \"}},\"logprobs\":null,\"finish_reason\":null}}]}}\n\n"
        ));
    }
    s.push_str("data: [DONE]\n\n");
    s.into_bytes()
}

fn best(label: &str, mut f: impl FnMut() -> usize) {
    let mut times = Vec::new();
    let mut n = 0;
    for _ in 0..15 {
        let t = Instant::now();
        n = f();
        times.push(t.elapsed().as_secs_f64() * 1000.0);
    }
    times.sort_by(|a, b| a.partial_cmp(b).unwrap());
    println!(
        "{label:<28} min {:6.2} ms  median {:6.2} ms  ({n})",
        times[0], times[7]
    );
}

fn main() {
    let body = body();
    println!("body {} bytes", body.len());
    best("sse only", || {
        let mut d = SseDecoder::new(1 << 24);
        let mut n = 0;
        for c in body.chunks(65_536) {
            d.feed(c, |_| n += 1).unwrap();
        }
        n
    });
    best("sse + classify", || {
        let mut d = SseDecoder::new(1 << 24);
        let mut n = 0;
        for c in body.chunks(65_536) {
            d.feed(c, |ev| {
                if let Ok(Item::Chunk(_)) = classify(ev.event, ev.data, 200) {
                    n += 1
                }
            })
            .unwrap();
        }
        n
    });
    best("sse + read_event (full path)", || {
        let mut d = SseDecoder::new(1 << 24);
        let mut acc = Accumulator::new();
        acc.full_path_only();
        let mut n = 0;
        for c in body.chunks(65_536) {
            d.feed(c, |ev| {
                if let Ok(EventRead::Chunk { .. }) = read_event(ev.event, ev.data, 200, &mut acc) {
                    n += 1
                }
            })
            .unwrap();
        }
        assert_eq!(n, 20_000);
        acc.finish().map_or(0, |s| s.len())
    });
    best("sse + read_event (shortcut)", || {
        let mut d = SseDecoder::new(1 << 24);
        let mut acc = Accumulator::new();
        let mut n = 0;
        for c in body.chunks(65_536) {
            d.feed(c, |ev| {
                if let Ok(EventRead::Chunk { .. }) = read_event(ev.event, ev.data, 200, &mut acc) {
                    n += 1
                }
            })
            .unwrap();
        }
        assert_eq!(n, 20_000);
        acc.finish().map_or(0, |s| s.len())
    });
    best("sse + classify + accumulate", || {
        let mut d = SseDecoder::new(1 << 24);
        let mut acc = Accumulator::new();
        let mut n = 0;
        for c in body.chunks(65_536) {
            d.feed(c, |ev| {
                if let Ok(Item::Chunk(v)) = classify(ev.event, ev.data, 200) {
                    acc.add(&v);
                    n += 1
                }
            })
            .unwrap();
        }
        assert_eq!(n, 20_000);
        acc.finish().map_or(0, |s| s.len())
    });
}
