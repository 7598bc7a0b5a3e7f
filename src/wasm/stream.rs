//! The decoding side of a `ChatCompletionStream`: JS hands it each network read of the body and
//! takes back everything that read completed, already shaped for the way the stream is read.

#[allow(unused_imports)]
use crate::prelude::*;

use js_sys::Uint8Array;
use wasm_bindgen::prelude::*;

use super::errors::to_js;
use crate::accumulate::Accumulator;
use crate::boundary::{Feed, Mode, Why, DEFAULT_MAX_RESPONSE_BYTES, FEED_EVENT};
use crate::error::Error;
use crate::objects::ObjectBatch;
use crate::sse::SseDecoder;
use crate::stream::{read_event, EventRead};

/// Largest single event accepted (one chunk's JSON); larger is an error, not unbounded memory.
const MAX_EVENT_BYTES: usize = 16 * 1024 * 1024;
/// The end of an SSE stream, as a server writes it.
const DONE: &str = "data: [DONE]\n\n";
/// The reading side of a streamed response (driven by `ChatCompletionStream` in JS, which reads
/// the body and hands each network read to [`StreamCore::feed`]).
#[wasm_bindgen]
pub struct StreamCore {
    status: u16,
    api_key: String,
    /// Bytes of the body so far, and the most accepted (`maxResponseBytes`).
    received: f64,
    max_bytes: f64,
    /// Whether the last feed completed at least one event (the idle timer counts events).
    evented: bool,
    decoder: SseDecoder,
    acc: Accumulator,
    /// What the reads since the last batch completed, in the current mode's shape.
    out: String,
    items: usize,
    /// A high surrogate escape held back from the last text delta, to join with the next.
    carry: String,
    /// What the reader of objects holds of same-shape templates.
    objects: ObjectBatch,
    error: Option<Error>,
    done: bool,
}

#[wasm_bindgen]
impl StreamCore {
    /// A stream whose response had HTTP `status`; `secrets` are kept out of its errors; a body
    /// larger than `max_bytes` fails it (not a positive number: the default of `maxResponseBytes`).
    #[wasm_bindgen(constructor)]
    pub fn new(status: u16, secrets: String, max_bytes: f64) -> StreamCore {
        StreamCore {
            status,
            api_key: secrets,
            received: 0.0,
            max_bytes: if max_bytes >= 1.0 {
                max_bytes
            } else {
                f64::from(DEFAULT_MAX_RESPONSE_BYTES)
            },
            evented: false,
            decoder: SseDecoder::new(MAX_EVENT_BYTES),
            acc: Accumulator::new(),
            out: String::new(),
            items: 0,
            carry: String::new(),
            objects: ObjectBatch::default(),
            error: None,
            done: false,
        }
    }

    /// The next batch for [`Mode`] `mode`: a string (a JSON array text), bytes in SSE and NDJSON
    /// modes (an SSE stream ends with `data: [DONE]`), `null` in drain mode; `undefined` at the
    /// end; throws the stream's error. Returns `false` when no batch is ready and the body must be
    /// read further.
    pub fn take(&mut self, mode: u8) -> Result<JsValue, JsValue> {
        let mode = Mode::from_u8(mode);
        if self.items > 0 {
            return Ok(self.batch(mode));
        }
        if let Some(e) = &self.error {
            return Err(to_js(e.clone()));
        }
        Ok(if self.done {
            JsValue::UNDEFINED
        } else {
            JsValue::FALSE
        })
    }

    /// Decodes one network read for [`Mode`] `mode`. Returns a [`Feed`] (read on; `[DONE]` came,
    /// what is left of the body is only read to its end so the connection can be reused; or stop
    /// now, an error), plus [`FEED_EVENT`] when the read completed at least one event (comments
    /// and keep-alive bytes do not), which restarts the idle timer.
    pub fn feed(&mut self, bytes: &[u8], mode: u8) -> u8 {
        self.evented = false;
        if !self.done {
            self.received += bytes.len() as f64;
            if self.received > self.max_bytes {
                self.error = Some(Error::too_large(self.status, self.max_bytes));
                self.done = true;
            } else {
                self.decode(bytes, Mode::from_u8(mode));
            }
        }
        let events = if self.evented { FEED_EVENT } else { 0 };
        events
            + match (self.done, &self.error) {
                (false, _) => Feed::More,
                (true, None) => Feed::Done,
                (true, Some(_)) => Feed::Failed,
            } as u8
    }

    /// The body ended.
    pub fn end(&mut self, mode: u8) {
        let _ = self.decoder.finish(|_| {});
        self.close(Mode::from_u8(mode));
    }

    /// A body read failed ([`Why`] `why`: the caller aborted, the idle timeout fired, or a
    /// connection error with `cause`), or the caller stopped the stream (a user abort). No effect
    /// once the stream has ended.
    pub fn fail(&mut self, why: u8, cause: JsValue) {
        if !self.done {
            let e = super::failure(Why::from_u8(why), "the stream broke off", &cause);
            self.error = Some(e.redacted(&self.api_key));
            self.done = true;
        }
    }

    /// The completion assembled from the chunks read so far (JSON text).
    #[wasm_bindgen(js_name = finalCompletion)]
    pub fn final_completion(&self) -> Result<String, JsValue> {
        if let Some(e) = &self.error {
            return Err(to_js(e.clone()));
        }
        self.acc.finish().ok_or_else(|| {
            to_js(Error::Api {
                status: self.status,
                message: "the stream ended without sending any chunk".into(),
            })
        })
    }
}

impl StreamCore {
    fn flush_carry(&mut self) {
        if !self.carry.is_empty() {
            let carry = core::mem::take(&mut self.carry);
            self.push_text(&carry);
        }
    }

    fn decode(&mut self, bytes: &[u8], mode: Mode) {
        let StreamCore {
            decoder,
            acc,
            out,
            items,
            carry,
            objects,
            error,
            status,
            api_key,
            evented,
            ..
        } = self;
        let mut stop = false;
        let result = decoder.feed(bytes, |ev| {
            if stop {
                return;
            }
            *evented = true;
            match read_event(ev.event, ev.data, *status, acc) {
                Ok(EventRead::Done) => stop = true,
                Ok(EventRead::Chunk { delta }) => {
                    match mode {
                        Mode::Objects => {
                            out.push(if *items == 0 { '[' } else { ',' });
                            objects.write(out, acc, ev.data);
                            *items += 1;
                        }
                        Mode::Sse => {
                            let mut rest = ev.data;
                            loop {
                                // '\n' is ASCII: the cut is on a character boundary.
                                let end = rest.bytes().position(|b| b == b'\n');
                                out.push_str("data: ");
                                out.push_str(rest.get(..end.unwrap_or(rest.len())).unwrap_or(""));
                                out.push('\n');
                                match end {
                                    Some(i) => rest = rest.get(i + 1..).unwrap_or(""),
                                    None => break,
                                }
                            }
                            out.push('\n');
                            *items += 1;
                        }
                        Mode::Text => {
                            if let Some(d) = delta {
                                let mut text = core::mem::take(carry);
                                text.push_str(d.raw());
                                let keep = held_surrogate(&text);
                                *carry = text.split_off(text.len() - keep);
                                if !text.is_empty() {
                                    push_text(out, items, &text);
                                }
                            }
                        }
                        Mode::Ndjson => {
                            // One line per chunk: a newline inside JSON is whitespace.
                            let mut rest = ev.data;
                            while let Some(i) = rest.bytes().position(|b| b == b'\n') {
                                out.push_str(rest.get(..i).unwrap_or(""));
                                out.push(' ');
                                rest = rest.get(i + 1..).unwrap_or("");
                            }
                            out.push_str(rest);
                            out.push('\n');
                            *items += 1;
                        }
                        Mode::Drain => {}
                    }
                }
                Err(e) => {
                    if error.is_none() {
                        *error = Some(e.redacted(api_key));
                    }
                    stop = true;
                }
            }
        });
        if result.is_err() {
            if error.is_none() {
                *error = Some(Error::Api {
                    status: *status,
                    message: "the stream is not valid Server-Sent Events: one event exceeds 16 MiB"
                        .into(),
                });
            }
            stop = true;
        }
        if stop {
            self.close(mode);
        }
    }

    /// The stream is over: what the last batch still needs when it ended without an error (the
    /// held-back surrogate of a text delta, the `[DONE]` of SSE).
    fn close(&mut self, mode: Mode) {
        if self.error.is_none() && !self.done {
            match mode {
                Mode::Text => self.flush_carry(),
                Mode::Sse => {
                    self.out.push_str(DONE);
                    self.items += 1;
                }
                _ => {}
            }
        }
        self.done = true;
    }

    fn push_text(&mut self, escaped: &str) {
        push_text(&mut self.out, &mut self.items, escaped);
    }

    fn batch(&mut self, mode: Mode) -> JsValue {
        self.items = 0;
        let batch = match mode {
            Mode::Sse | Mode::Ndjson => Uint8Array::from(self.out.as_bytes()).into(),
            Mode::Drain => JsValue::NULL,
            Mode::Objects | Mode::Text => {
                self.out.push(']');
                JsValue::from_str(&self.out)
            }
        };
        // The buffer is kept for the next batch (its size is bounded by one network read).
        self.out.clear();
        batch
    }
}

fn push_text(out: &mut String, items: &mut usize, escaped: &str) {
    out.push(if *items == 0 { '[' } else { ',' });
    out.push('"');
    out.push_str(escaped);
    out.push('"');
    *items += 1;
}

/// Length of a trailing `\uD800`-`\uDBFF` escape (a high surrogate waiting for its pair), or 0.
fn held_surrogate(escaped: &str) -> usize {
    let b = escaped.as_bytes();
    let Some(cut) = b.len().checked_sub(6) else {
        return 0;
    };
    let (head, tail) = b.split_at(cut);
    let is_high = matches!(
        tail,
        [
            b'\\',
            b'u',
            b'd' | b'D',
            b'8' | b'9' | b'a' | b'b' | b'A' | b'B',
            _,
            _
        ]
    );
    // The backslash must itself be unescaped: an even number of backslashes before it.
    let backslashes = head.iter().rev().take_while(|&&c| c == b'\\').count();
    if is_high && backslashes % 2 == 0 {
        6
    } else {
        0
    }
}
