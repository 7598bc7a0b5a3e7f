//! A streamed answer: the body read through web-sys (`ReadableStreamDefaultReader`), decoded by
//! the core's SSE decoder, each chunk accumulated by the core's `Accumulator` (for the final
//! completion) and handed out typed.

use std::cell::RefCell;
use std::collections::VecDeque;
use std::pin::Pin;
use std::rc::Rc;
use std::task::{Context, Poll};

use futures::future::{select, Either};
use futures::stream::{LocalBoxStream, Stream, StreamExt};
use js_sys::{Reflect, Uint8Array};
use meingpt_wasm::accumulate::Accumulator;
use meingpt_wasm::sse::SseDecoder;
use meingpt_wasm::stream::{read_event, EventRead};
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;
use web_sys::{ReadableStream, ReadableStreamDefaultReader};

use super::http::connection;
use super::timer::{now_ms, sleep};
use crate::types::{ChatCompletion, ChatCompletionChunk};
use crate::{Error, Result};

/// Largest single event accepted (one chunk's JSON), as in the npm package: larger is an error,
/// not unbounded memory.
const MAX_EVENT_BYTES: usize = 16 * 1024 * 1024;

/// A streamed chat completion: a [`Stream`] of typed chunks, in order, ending at `data: [DONE]`
/// or at the clean end of the body. Dropping it before the end cancels the body, which closes the
/// connection; after `[DONE]` the body's end is read (for a second at most) so that the
/// connection serves the next request, as the npm package does.
///
/// ```no_run
/// # async fn run(client: meingpt::Client, request: meingpt::types::ChatCompletionRequest) -> meingpt::Result<()> {
/// use futures::StreamExt;
///
/// let mut stream = client.chat_completion_stream(&request).await?;
/// while let Some(chunk) = stream.next().await {
///     print!("{}", chunk?.content().unwrap_or_default());
/// }
/// let completion = stream.final_completion()?; // content joined, tool calls merged, usage
/// # Ok(()) }
/// ```
pub struct ChatCompletionStream {
    chunks: LocalBoxStream<'static, Result<ChatCompletionChunk>>,
    shared: Rc<RefCell<Shared>>,
    /// The body's reader (also held by the reading side), to cancel it when dropped early.
    reader: ReadableStreamDefaultReader,
}

impl std::fmt::Debug for ChatCompletionStream {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ChatCompletionStream")
            .finish_non_exhaustive()
    }
}

/// What the reading side and the final completion share.
struct Shared {
    acc: Accumulator,
    status: u16,
    error: Option<Error>,
    ended: bool,
    /// [`ChatCompletionStream::abort`] was called.
    aborted: bool,
}

/// The reading side's state.
struct Reader {
    reader: ReadableStreamDefaultReader,
    decoder: SseDecoder,
    shared: Rc<RefCell<Shared>>,
    queue: VecDeque<Result<ChatCompletionChunk>>,
    timeout_ms: f64,
    /// When the last event arrived (or the headers): the idle timeout counts from here, so
    /// comment lines and keep-alive bytes do not keep a stalled stream alive.
    last_event_ms: f64,
    api_key: String,
    /// Bytes of the body so far, and the most accepted.
    received: usize,
    max_bytes: usize,
    done: bool,
}

impl ChatCompletionStream {
    pub(crate) fn new(
        body: ReadableStream,
        status: u16,
        timeout_ms: f64,
        api_key: String,
        max_bytes: u32,
    ) -> Self {
        let shared = Rc::new(RefCell::new(Shared {
            acc: Accumulator::new(),
            status,
            error: None,
            ended: false,
            aborted: false,
        }));
        let body_reader: ReadableStreamDefaultReader = body.get_reader().unchecked_into();
        let reader = Reader {
            reader: body_reader.clone(),
            decoder: SseDecoder::new(MAX_EVENT_BYTES),
            shared: shared.clone(),
            queue: VecDeque::new(),
            timeout_ms,
            last_event_ms: now_ms(),
            api_key,
            received: 0,
            max_bytes: max_bytes as usize,
            done: false,
        };
        let chunks = futures::stream::unfold(reader, |mut r| async move {
            let item = r.next().await?;
            Some((item, r))
        })
        .boxed_local();
        ChatCompletionStream {
            chunks,
            shared,
            reader: body_reader,
        }
    }

    /// The completion assembled from the chunks (by the npm package's accumulator): content
    /// joined, tool calls merged by `index`, `finish_reason`, `usage` when sent. The same object a
    /// non-streamed call with the same output returns. Call it after the stream ended; before,
    /// it holds what arrived so far.
    pub fn final_completion(&self) -> Result<ChatCompletion> {
        let shared = self.shared.borrow();
        if let Some(e) = &shared.error {
            return Err(e.clone());
        }
        let text = shared.acc.finish().ok_or_else(|| Error::Api {
            status: shared.status,
            message: "the stream ended without sending any chunk".into(),
            body: None,
        })?;
        serde_json::from_str(&text).map_err(|e| Error::Api {
            status: shared.status,
            message: format!("the assembled completion does not fit ChatCompletion: {e}"),
            body: None,
        })
    }

    /// Reads the stream to its end and returns [`final_completion`](Self::final_completion).
    pub async fn into_final_completion(mut self) -> Result<ChatCompletion> {
        while let Some(chunk) = self.chunks.next().await {
            chunk?;
        }
        self.final_completion()
    }

    /// True once the stream ended (`[DONE]`, the end of the body, or an error).
    pub fn is_ended(&self) -> bool {
        self.shared.borrow().ended
    }

    /// Stops reading and closes the connection: the next item is [`Error::Aborted`] (unless the
    /// stream had ended), then the stream ends.
    pub fn abort(&mut self) {
        let mut shared = self.shared.borrow_mut();
        if !shared.ended {
            shared.aborted = true;
            cancel(&self.reader);
        }
    }
}

impl Drop for ChatCompletionStream {
    fn drop(&mut self) {
        if !self.shared.borrow().ended {
            cancel(&self.reader);
        }
    }
}

impl Stream for ChatCompletionStream {
    type Item = Result<ChatCompletionChunk>;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        self.chunks.poll_next_unpin(cx)
    }
}

impl Reader {
    /// The next chunk or error; `None` at the end.
    async fn next(&mut self) -> Option<Result<ChatCompletionChunk>> {
        loop {
            if let Some(item) = self.queue.pop_front() {
                return Some(item);
            }
            if self.done {
                return None;
            }
            let left = self.timeout_ms - (now_ms() - self.last_event_ms);
            let read = JsFuture::from(self.reader.read());
            match select(read, sleep(left)).await {
                Either::Right(_) => self.fail(Error::Timeout),
                Either::Left((Err(_), _)) if self.shared.borrow().aborted => {
                    self.fail(Error::Aborted)
                }
                Either::Left((Err(e), _)) => {
                    let cause = e.as_string().unwrap_or_else(|| describe(&e));
                    let error = connection("the stream broke off", cause, &self.api_key);
                    self.fail(error);
                }
                Either::Left((Ok(result), _)) => self.take(&result),
            }
        }
    }

    /// Handles one `reader.read()` result.
    fn take(&mut self, result: &JsValue) {
        if self.shared.borrow().aborted {
            // A cancelled body reads as done: it did not end, the caller stopped it.
            self.fail(Error::Aborted);
            return;
        }
        let done = Reflect::get(result, &JsValue::from_str("done"))
            .map(|d| d.is_truthy())
            .unwrap_or(true);
        if done {
            // The body ended (with or without `[DONE]`): nothing left to read.
            let _ = self.decoder.finish(|_| {});
            self.done = true;
            self.shared.borrow_mut().ended = true;
            return;
        }
        let bytes = Reflect::get(result, &JsValue::from_str("value"))
            .ok()
            .and_then(|v| v.dyn_into::<Uint8Array>().ok())
            .map(|a| a.to_vec())
            .unwrap_or_default();
        self.received += bytes.len();
        if self.received > self.max_bytes {
            let status = self.shared.borrow().status;
            self.fail(meingpt_wasm::Error::too_large(status, self.max_bytes as f64).into());
            return;
        }
        self.feed(&bytes);
    }

    /// Decodes bytes: every event is read into the accumulator and, when it is a chunk, queued
    /// typed; `[DONE]` ends the stream, an error object sent by the server fails it.
    fn feed(&mut self, bytes: &[u8]) {
        let Reader {
            decoder,
            shared,
            queue,
            api_key,
            last_event_ms,
            ..
        } = self;
        let mut shared = shared.borrow_mut();
        let Shared { acc, status, .. } = &mut *shared;
        let status = *status;
        let mut stop: Option<Option<Error>> = None;
        let fed = decoder.feed(bytes, |ev| {
            if stop.is_some() {
                return;
            }
            *last_event_ms = now_ms();
            match read_event(ev.event, ev.data, status, acc) {
                Ok(EventRead::Done) => stop = Some(None),
                Ok(EventRead::Chunk { .. }) => queue.push_back(
                    serde_json::from_str::<ChatCompletionChunk>(ev.data).map_err(|e| Error::Api {
                        status,
                        message: format!("the server sent an event that is not a chunk: {e}"),
                        body: None,
                    }),
                ),
                Err(e) => stop = Some(Some(Error::from(e).redacted(api_key))),
            }
        });
        drop(shared);
        match (stop, fed) {
            (Some(None), _) => self.end(),
            (Some(Some(e)), _) => self.fail(e),
            (None, Err(e)) => self.fail(Error::Connection {
                message: format!("the stream is not valid Server-Sent Events: {e}"),
            }),
            (None, Ok(())) => {}
        }
    }

    /// The stream ended cleanly: the body's end is read in the background (see [`release`]).
    fn end(&mut self) {
        self.done = true;
        self.shared.borrow_mut().ended = true;
        release(self.reader.clone());
    }

    /// The stream failed: the error is the last item, and the final completion's error.
    fn fail(&mut self, error: Error) {
        self.queue.push_back(Err(error.clone()));
        let mut shared = self.shared.borrow_mut();
        shared.error = Some(error);
        shared.ended = true;
        drop(shared);
        self.done = true;
        cancel(&self.reader);
    }
}

/// Cancels the body (closing the connection); the promise's outcome is awaited and dropped, so a
/// rejection is never unhandled.
fn cancel(reader: &ReadableStreamDefaultReader) {
    let promise = reader.cancel();
    wasm_bindgen_futures::spawn_local(async move {
        let _ = JsFuture::from(promise).await;
    });
}

/// After `[DONE]` a server ends the body: reading that end, instead of cancelling, leaves the
/// connection to the next request (a cancelled body closes it, and each call pays a new TCP and
/// TLS handshake). A body that goes on, or has not ended within a second, is cancelled.
fn release(reader: ReadableStreamDefaultReader) {
    wasm_bindgen_futures::spawn_local(async move {
        let read = JsFuture::from(reader.read());
        let ended = match select(read, sleep(1000.0)).await {
            Either::Left((Ok(r), _)) => Reflect::get(&r, &JsValue::from_str("done"))
                .map(|d| d.is_truthy())
                .unwrap_or(false),
            _ => false,
        };
        if !ended {
            cancel(&reader);
        }
    });
}

/// A JS error's `message`, or its string form.
fn describe(e: &JsValue) -> String {
    Reflect::get(e, &JsValue::from_str("message"))
        .ok()
        .and_then(|m| m.as_string())
        .or_else(|| e.as_string())
        .unwrap_or_else(|| "unknown error".into())
}
