//! The body reader behind a `ChatCompletionStream`: one async call per network read hands back
//! everything that read completed, already shaped for the way the stream is being consumed.

use std::cell::RefCell;
use std::rc::Rc;

use js_sys::{Promise, Reflect, Uint8Array};
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use wasm_bindgen_futures::{future_to_promise, JsFuture};
use web_sys::ReadableStreamDefaultReader;

use super::abort::Abort;
use super::errors::to_js;
use crate::accumulate::Accumulator;
use crate::error::Error;
use crate::sse::SseDecoder;
use crate::stream::{classify, Item};

/// Largest single event accepted (one chunk's JSON); larger is an error, not unbounded memory.
const MAX_EVENT_BYTES: usize = 16 * 1024 * 1024;

/// How a batch is shaped.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Mode {
    /// A JSON array text of the chunk objects: `JSON.parse` gives them all at once.
    Objects,
    /// Server-Sent Events bytes, `data: <json>\n\n` per chunk.
    Sse,
    /// A JSON array text of the content deltas of choice 0.
    Text,
    /// Nothing: read to the end for `finalCompletion()` alone.
    Drain,
    /// Newline-delimited JSON, one chunk per line (`toReadableStream({format: 'ndjson'})`).
    Ndjson,
}

impl Mode {
    fn from_u8(m: u8) -> Mode {
        match m {
            0 => Mode::Objects,
            1 => Mode::Sse,
            2 => Mode::Text,
            4 => Mode::Ndjson,
            _ => Mode::Drain,
        }
    }
}

struct Inner {
    reader: ReadableStreamDefaultReader,
    abort: Abort,
    idle_ms: f64,
    status: u16,
    api_key: String,
    decoder: SseDecoder,
    acc: Accumulator,
    /// What the last read completed, in the current mode's shape.
    out: Vec<u8>,
    items: usize,
    /// A high surrogate escape held back from the last text delta, to join with the next.
    carry: String,
    error: Option<Error>,
    done: bool,
}

/// The reading side of a streamed response (wrapped by `ChatCompletionStream` in JS).
#[wasm_bindgen]
pub struct StreamCore {
    inner: Rc<RefCell<Inner>>,
}

impl StreamCore {
    /// Starts reading `reader`; `abort` is the attempt's controller, `idle_ms` the longest wait
    /// for data between two reads.
    pub fn new(
        reader: ReadableStreamDefaultReader,
        abort: Abort,
        idle_ms: f64,
        status: u16,
        api_key: String,
    ) -> StreamCore {
        StreamCore {
            inner: Rc::new(RefCell::new(Inner {
                reader,
                abort,
                idle_ms,
                status,
                api_key,
                decoder: SseDecoder::new(MAX_EVENT_BYTES),
                acc: Accumulator::new(),
                out: Vec::new(),
                items: 0,
                carry: String::new(),
                error: None,
                done: false,
            })),
        }
    }
}

#[wasm_bindgen]
impl StreamCore {
    /// The next batch (a string, or bytes in SSE mode), or `undefined` at the end.
    pub fn next(&self, mode: u8) -> Promise {
        let inner = self.inner.clone();
        let mode = Mode::from_u8(mode);
        future_to_promise(async move { next(&inner, mode).await.map_err(to_js) })
    }

    /// Stops reading and closes the connection; a pending or later read rejects with
    /// `APIUserAbortError`.
    pub fn abort(&self) {
        match self.inner.try_borrow_mut() {
            Ok(mut s) => s.fail(Error::UserAbort),
            Err(_) => {
                if let Ok(s) = self.inner.try_borrow() {
                    s.abort.abort_by_user();
                }
            }
        }
    }

    /// The completion assembled from the chunks read so far (JSON text).
    #[wasm_bindgen(js_name = finalCompletion)]
    pub fn final_completion(&self) -> Result<String, JsValue> {
        let s = self.inner.try_borrow().map_err(|_| to_js(busy()))?;
        if let Some(e) = &s.error {
            return Err(to_js(e.clone()));
        }
        s.acc.finish().ok_or_else(|| {
            to_js(Error::Api {
                status: s.status,
                message: "the stream ended without sending any chunk".into(),
            })
        })
    }
}

fn busy() -> Error {
    Error::Connection {
        message: "the stream is busy".into(),
    }
}

async fn next(inner: &Rc<RefCell<Inner>>, mode: Mode) -> Result<JsValue, Error> {
    loop {
        let reader = {
            let mut s = inner.try_borrow_mut().map_err(|_| busy())?;
            if s.items > 0 {
                return Ok(s.take(mode));
            }
            if let Some(e) = &s.error {
                return Err(e.clone());
            }
            if s.done {
                return Ok(JsValue::UNDEFINED);
            }
            let idle = s.idle_ms;
            s.abort.arm(idle);
            s.reader.clone()
        };
        let read = JsFuture::from(reader.read()).await;
        let mut s = inner.try_borrow_mut().map_err(|_| busy())?;
        s.abort.disarm();
        if s.done {
            continue;
        }
        match read {
            Err(e) => {
                let err = s.abort.failure(&e, "the stream broke off");
                s.fail(err);
            }
            Ok(r) => {
                let done = Reflect::get(&r, &"done".into())
                    .map(|d| d.is_truthy())
                    .unwrap_or(true);
                if done {
                    s.end(mode);
                } else {
                    let value = Reflect::get(&r, &"value".into()).unwrap_or(JsValue::UNDEFINED);
                    match value.dyn_into::<Uint8Array>() {
                        Ok(bytes) => s.feed(&bytes.to_vec(), mode),
                        Err(_) => s.fail(Error::Connection {
                            message: "the response body yielded something that is not bytes".into(),
                        }),
                    }
                }
            }
        }
    }
}

impl Inner {
    fn fail(&mut self, e: Error) {
        if self.error.is_none() && !self.done {
            self.error = Some(e.redacted(&self.api_key));
        }
        self.finish_reading();
    }

    fn finish_reading(&mut self) {
        if !self.done {
            self.done = true;
            self.abort.disarm();
            // Cancelling the body closes the connection (and ends a pending read with `done`).
            // The controller is left alone: aborting a fetch whose body is cancelled makes workerd
            // report an unhandled rejection of its own.
            cancel_quietly(&self.reader);
        }
    }

    fn end(&mut self, mode: Mode) {
        let _ = self.decoder.finish(|_| {});
        if mode == Mode::Text && !self.carry.is_empty() {
            let carry = core::mem::take(&mut self.carry);
            self.push_text(&carry);
        }
        self.done = true;
        self.abort.disarm();
    }

    fn feed(&mut self, bytes: &[u8], mode: Mode) {
        let Inner {
            decoder,
            acc,
            out,
            items,
            carry,
            error,
            status,
            api_key,
            ..
        } = self;
        let mut stop = false;
        let result = decoder.feed(bytes, |ev| {
            if stop {
                return;
            }
            match classify(ev.event, ev.data, *status) {
                Ok(Item::Done) => stop = true,
                Ok(Item::Chunk(v)) => {
                    let delta = acc.add(&v);
                    match mode {
                        Mode::Objects => {
                            out.push(if *items == 0 { b'[' } else { b',' });
                            out.extend_from_slice(ev.data.as_bytes());
                            *items += 1;
                        }
                        Mode::Sse => {
                            for line in ev.data.split('\n') {
                                out.extend_from_slice(b"data: ");
                                out.extend_from_slice(line.as_bytes());
                                out.push(b'\n');
                            }
                            out.push(b'\n');
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
                            // A newline inside JSON text is whitespace between tokens.
                            out.extend(ev.data.bytes().map(|b| if b == b'\n' { b' ' } else { b }));
                            out.push(b'\n');
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
        if let Err(e) = result {
            let mut message = String::from("the stream is not valid Server-Sent Events: ");
            message.push_str(match e {
                crate::sse::SseError::EventTooLarge { .. } => "one event exceeds 16 MiB",
            });
            if error.is_none() {
                *error = Some(Error::Api {
                    status: *status,
                    message,
                });
            }
            stop = true;
        }
        if stop {
            if mode == Mode::Text && self.error.is_none() && !self.carry.is_empty() {
                let carry = core::mem::take(&mut self.carry);
                self.push_text(&carry);
            }
            // [DONE] or an error: stop reading and release the connection.
            let had_error = self.error.take();
            self.finish_reading();
            self.error = had_error;
        }
    }

    fn push_text(&mut self, escaped: &str) {
        push_text(&mut self.out, &mut self.items, escaped);
    }

    fn take(&mut self, mode: Mode) -> JsValue {
        self.items = 0;
        let out = core::mem::take(&mut self.out);
        match mode {
            Mode::Sse | Mode::Ndjson => Uint8Array::from(out.as_slice()).into(),
            Mode::Drain => JsValue::NULL,
            Mode::Objects | Mode::Text => {
                let mut out = out;
                out.push(b']');
                JsValue::from_str(core::str::from_utf8(&out).unwrap_or("[]"))
            }
        }
    }
}

/// Cancels the body reader, handling the rejection it gives when the body already failed (an
/// unhandled rejection would end a Node process).
fn cancel_quietly(reader: &ReadableStreamDefaultReader) {
    let cancelled = JsFuture::from(reader.cancel());
    wasm_bindgen_futures::spawn_local(async move {
        let _ = cancelled.await;
    });
}

fn push_text(out: &mut Vec<u8>, items: &mut usize, escaped: &str) {
    out.push(if *items == 0 { b'[' } else { b',' });
    out.push(b'"');
    out.extend_from_slice(escaped.as_bytes());
    out.push(b'"');
    *items += 1;
}

/// Length of a trailing `\uD800`-`\uDBFF` escape (a high surrogate waiting for its pair), or 0.
fn held_surrogate(escaped: &str) -> usize {
    let b = escaped.as_bytes();
    let n = b.len();
    if n < 6 {
        return 0;
    }
    let tail = &b[n - 6..];
    let is_high = tail[0] == b'\\'
        && tail[1] == b'u'
        && matches!(tail[2], b'd' | b'D')
        && matches!(tail[3], b'8' | b'9' | b'a' | b'b' | b'A' | b'B');
    // The backslash must itself be unescaped: an even number of backslashes before it.
    let backslashes = b[..n - 6].iter().rev().take_while(|&&c| c == b'\\').count();
    if is_high && backslashes % 2 == 0 {
        6
    } else {
        0
    }
}

impl Drop for Inner {
    fn drop(&mut self) {
        if !self.done {
            cancel_quietly(&self.reader);
            self.abort.close();
        }
    }
}
