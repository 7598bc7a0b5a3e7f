//! Properties that must hold for *any* input, shared by the cargo-fuzz targets
//! (`fuzz/fuzz_targets/*.rs`, long runs on nightly) and the bounded pass that `cargo test` runs
//! on stable (`tests/fuzz_smoke.rs`). Each function panics when a property fails.
#![allow(dead_code)] // every fuzz target uses one of them

use meingpt_wasm::accumulate::{Accumulator, MAX_EXTRAS};
use meingpt_wasm::error::{api_class_name, from_status, Error};
use meingpt_wasm::json;
use meingpt_wasm::sse::{SseDecoder, SseError};
use meingpt_wasm::stream::{classify, read_event, Item};
use meingpt_wasm::validate::validate_request;

/// Line/event caps the SSE check picks from (the first input byte chooses).
const SSE_LIMITS: [usize; 6] = [0, 1, 7, 64, 4096, 1 << 24];

#[derive(Debug, PartialEq, Eq)]
struct SseOutcome {
    events: Vec<(String, String, String)>,
    retry: Option<u64>,
    last_id: String,
    err: Option<SseError>,
}

fn decode(d: &mut SseDecoder, chunks: &[&[u8]], limit: usize) -> SseOutcome {
    let mut events = Vec::new();
    let mut err = None;
    let mut push = |ev: &meingpt_wasm::sse::Event<'_>| {
        // Bounded memory: nothing handed out is larger than the cap.
        assert!(ev.data.len() <= limit, "data over the cap");
        assert!(
            ev.event.len() <= limit && ev.id.len() <= limit,
            "line over the cap"
        );
        events.push((ev.event.to_owned(), ev.data.to_owned(), ev.id.to_owned()));
    };
    for chunk in chunks {
        if let Err(e) = d.feed(chunk, &mut push) {
            err = Some(e);
            break;
        }
    }
    if err.is_none() {
        err = d.finish(&mut push).err();
    }
    SseOutcome {
        events,
        retry: d.retry_ms(),
        last_id: d.last_event_id().to_owned(),
        err,
    }
}

/// Cuts `body` into chunks whose sizes a small generator seeded with `seed` picks (0..=16 bytes,
/// so empty chunks occur too).
fn chunks(body: &[u8], seed: u8) -> Vec<&[u8]> {
    let mut state = u32::from(seed).wrapping_mul(2_654_435_761) | 1;
    let mut out = Vec::new();
    let mut rest = body;
    while !rest.is_empty() {
        state ^= state << 13;
        state ^= state >> 17;
        state ^= state << 5;
        let (head, tail) = rest.split_at((state % 17) as usize % (rest.len() + 1));
        out.push(head);
        rest = tail;
    }
    out
}

/// SSE decoder. Input: `[limit selector, split seed, body...]`. No panic; nothing larger than
/// the cap is handed out; the outcome does not depend on how the body is cut into chunks; after
/// `finish` the same decoder decodes the body again to the same events.
pub fn sse(input: &[u8]) {
    let [sel, seed, body @ ..] = input else {
        return;
    };
    let limit = SSE_LIMITS[usize::from(*sel) % SSE_LIMITS.len()];
    let mut d = SseDecoder::new(limit);
    let whole = decode(&mut d, &[body], limit);
    if whole.err.is_none() {
        let again = decode(&mut d, &[body], limit);
        assert_eq!(
            again.events, whole.events,
            "second stream on a finished decoder"
        );
    }
    let split = decode(&mut SseDecoder::new(limit), &chunks(body, *seed), limit);
    assert_eq!(split, whole, "outcome depends on the chunking");
}

/// Chunk accumulator through the stream classify path. Input: event data strings, one per line;
/// a line starting with `!` is sent as `event: error`. No panic; the final completion is valid
/// JSON (an object with a `choices` array) and its size is linear in the input. The stream's hot
/// path (`read_event`, with its same-shape shortcut) agrees with the same path without the
/// shortcut on every event and on the final completion. The completion's members other than the
/// ones it names are the chunks' other top-level members: the first `MAX_EXTRAS` keys seen, in
/// that order, each with its last value.
pub fn accumulate(input: &[u8]) {
    let text = String::from_utf8_lossy(input);
    let mut acc = Accumulator::new();
    let mut extras: Vec<(String, String)> = Vec::new();
    let (mut fast, mut full) = (Accumulator::new(), Accumulator::new());
    full.full_path_only();
    for line in text.split('\n') {
        let (event, data) = match line.strip_prefix('!') {
            Some(rest) => ("error", rest),
            None => ("", line),
        };
        // Twice: a repeated chunk has the shape of the one before, so the shortcut is tried.
        for _ in 0..2 {
            let a = read_event(event, data, 200, &mut fast);
            let b = read_event(event, data, 200, &mut full);
            assert_eq!(a, b, "event {data:?}");
        }
        match classify(event, data, 200) {
            Ok(Item::Chunk(v)) => {
                for (k, value) in v.members() {
                    let named = k.with_key(|k| {
                        matches!(
                            k,
                            "id" | "object"
                                | "created"
                                | "model"
                                | "choices"
                                | "usage"
                                | "error"
                                | "status"
                                | "message"
                        )
                    });
                    if named {
                        continue;
                    }
                    match extras.iter().position(|(ek, _)| ek == k.raw()) {
                        Some(i) => extras[i].1 = value.raw.to_owned(),
                        None if extras.len() < MAX_EXTRAS => {
                            extras.push((k.raw().to_owned(), value.raw.to_owned()))
                        }
                        None => {}
                    }
                }
                let delta = acc.add(&v);
                if let Some(d) = delta {
                    // The delta is a valid JSON string body taken from this event's data.
                    assert!(data.contains(d.raw()));
                }
            }
            Ok(Item::Done) => assert_eq!(data, "[DONE]"),
            Err(e) => assert_eq!(e.class_name(), "APIError"),
        }
    }
    assert_eq!(fast.finish(), full.finish());
    match acc.finish() {
        None => assert!(!acc.has_chunks()),
        Some(out) => {
            assert!(
                out.len() <= 256 + 64 * input.len(),
                "completion of {} bytes from {} bytes of input",
                out.len(),
                input.len()
            );
            let v = json::parse(&out).unwrap_or_else(|e| panic!("invalid JSON ({e}): {out}"));
            assert!(v.is_object());
            assert!(v.get("choices").and_then(json::Value::as_array).is_some());
            // `id`, `object`, `created`, `model`, the extras, `choices`.
            let kept: Vec<(String, String)> = v
                .members()
                .iter()
                .skip(4)
                .take_while(|(k, _)| k.raw() != "choices")
                .map(|(k, v)| (k.raw().to_owned(), v.raw.to_owned()))
                .collect();
            assert_eq!(kept, extras, "top-level members of {out}");
        }
    }
}

/// Request validation. Input: the request as JSON text (lossy UTF-8). No panic; a refusal is a
/// `ValidationError` naming a parameter; an accepted request meets the contract's main rules,
/// checked here independently: an object, a non-empty string `model`, a non-empty `messages`
/// array of objects with a known role, a boolean `stream`, `temperature` from 0 to 2, tools with
/// valid unique names, and `stream` in the result as sent.
pub fn validate(input: &[u8]) {
    use json::Value;
    let text = String::from_utf8_lossy(input);
    match validate_request(&text) {
        Ok(checked) => {
            let v = json::parse(&text).expect("accepted but not JSON");
            assert!(v.is_object());
            let model = v.get("model").and_then(Value::as_str);
            assert!(model.is_some_and(|m| !m.raw().is_empty()), "model");
            let messages = v.get("messages").and_then(Value::as_array);
            assert!(messages.is_some_and(|m| !m.is_empty()), "messages");
            for m in messages.unwrap_or_default() {
                let role = m.get("role").and_then(Value::as_str).map(|r| r.decode());
                assert!(
                    matches!(
                        role.as_deref(),
                        Some("system" | "developer" | "user" | "assistant" | "tool")
                    ),
                    "role {role:?}"
                );
            }
            let stream = v.get("stream").map(|s| s.raw);
            assert!(matches!(stream, None | Some("true" | "false")), "stream");
            assert_eq!(checked.stream, stream == Some("true"));
            if let Some(t) = v.get("temperature") {
                assert!(
                    t.as_f64().is_some_and(|t| (0.0..=2.0).contains(&t)),
                    "temperature"
                );
            }
            let mut names: Vec<String> = Vec::new();
            for tool in v.get("tools").and_then(Value::as_array).unwrap_or_default() {
                let name = tool.get("function").and_then(|f| f.get("name"));
                let name = name.and_then(Value::as_str).expect("tool name").decode();
                assert!(
                    (1..=64).contains(&name.len())
                        && name
                            .bytes()
                            .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-'),
                    "tool name {name:?}"
                );
                assert!(!names.contains(&name), "duplicate tool {name:?}");
                names.push(name);
            }
        }
        Err(Error::Validation { param, message }) => {
            assert!(!param.is_empty() && !message.is_empty());
        }
        Err(other) => panic!("not a validation error: {other:?}"),
    }
}

/// Error bodies: an HTTP error response (status + body) and an error event inside a stream.
/// Input: `[status hi, status lo, key length, key..., body...]`. No panic; the class follows the
/// status; the API key (4 bytes or longer) never appears in the message.
pub fn error_body(input: &[u8]) {
    let [hi, lo, key_len, rest @ ..] = input else {
        return;
    };
    let status = u16::from_be_bytes([*hi, *lo]);
    let (key, body) = rest.split_at(usize::from(*key_len).min(rest.len()));
    let key = String::from_utf8_lossy(key);
    let body = String::from_utf8_lossy(body);
    let key_safe = |e: &Error| {
        if key.len() >= 4 {
            assert!(!e.message().contains(&*key), "key in {:?}", e.message());
        }
    };
    let e = from_status(status, &body, &key);
    assert!(matches!(e, Error::Api { status: s, .. } if s == status));
    assert_eq!(e.class_name(), api_class_name(status));
    key_safe(&e);
    for event in ["", "error"] {
        if let Err(e) = classify(event, &body, status) {
            key_safe(&e.redacted(&key));
        }
    }
}
