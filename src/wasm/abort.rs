//! One attempt's AbortController: linked to the caller's signal, armed with a timer, and able to
//! tell afterwards *why* it fired (the caller, or the timeout).

#[allow(unused_imports)]
use crate::prelude::*;

use alloc::rc::Rc;
use core::cell::Cell;

use js_sys::{Function, Promise};
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use wasm_bindgen_futures::JsFuture;
use web_sys::{AbortController, AbortSignal};

use crate::error::Error;

#[wasm_bindgen]
extern "C" {
    #[wasm_bindgen(js_name = setTimeout)]
    fn set_timeout(handler: &Function, ms: f64) -> JsValue;
    #[wasm_bindgen(js_name = clearTimeout)]
    fn clear_timeout(id: &JsValue);
}

const NONE: u8 = 0;
const BY_USER: u8 = 1;
const BY_TIMER: u8 = 2;

/// An AbortController that knows who aborted it.
pub struct Abort {
    controller: AbortController,
    why: Rc<Cell<u8>>,
    user: Option<(AbortSignal, Closure<dyn FnMut()>)>,
    timer: Option<(JsValue, Closure<dyn FnMut()>)>,
}

fn fire(controller: &AbortController, why: &Cell<u8>, reason: u8) {
    if why.get() == NONE {
        why.set(reason);
    }
    controller.abort();
}

impl Abort {
    /// A controller following `user` (the caller's signal). Fails at once if it already fired.
    pub fn new(user: Option<&AbortSignal>) -> Result<Abort, Error> {
        let controller = AbortController::new().map_err(|_| Error::Connection {
            message: "AbortController is not available in this runtime".into(),
        })?;
        let why = Rc::new(Cell::new(NONE));
        let mut abort = Abort {
            controller,
            why,
            user: None,
            timer: None,
        };
        if let Some(signal) = user {
            if signal.aborted() {
                return Err(Error::UserAbort);
            }
            let (c, w) = (abort.controller.clone(), abort.why.clone());
            let cb = Closure::<dyn FnMut()>::new(move || fire(&c, &w, BY_USER));
            let _ = signal.add_event_listener_with_callback("abort", cb.as_ref().unchecked_ref());
            abort.user = Some((signal.clone(), cb));
        }
        Ok(abort)
    }

    /// The signal to hand to fetch.
    pub fn signal(&self) -> AbortSignal {
        self.controller.signal()
    }

    /// Aborts after `ms` unless cleared first; replaces a running timer.
    pub fn arm(&mut self, ms: f64) {
        self.disarm();
        let (c, w) = (self.controller.clone(), self.why.clone());
        let cb = Closure::<dyn FnMut()>::new(move || fire(&c, &w, BY_TIMER));
        // Timers take at most 2^31 - 1 ms; a larger delay would fire at once.
        let id = set_timeout(cb.as_ref().unchecked_ref(), ms.min(2_147_483_647.0));
        self.timer = Some((id, cb));
    }

    /// Stops the timer.
    pub fn disarm(&mut self) {
        if let Some((id, _cb)) = self.timer.take() {
            clear_timeout(&id);
        }
    }

    /// Aborts now, on the caller's behalf.
    pub fn abort_by_user(&self) {
        fire(&self.controller, &self.why, BY_USER);
    }

    /// Aborts now without a reason of its own (cleanup after an error or at drop).
    pub fn close(&self) {
        self.controller.abort();
    }

    /// The error an aborted operation stands for, if this controller fired.
    pub fn fired(&self) -> Option<Error> {
        match self.why.get() {
            BY_USER => Some(Error::UserAbort),
            BY_TIMER => Some(Error::Timeout),
            _ => None,
        }
    }

    /// What a rejection from fetch or a body read means: the abort reason if this controller
    /// fired, else a connection error carrying the runtime's message.
    pub fn failure(&self, js: &JsValue, what: &str) -> Error {
        if let Some(e) = self.fired() {
            return e;
        }
        let mut message = String::from(what);
        if let Some(m) = js_message(js) {
            message.push_str(": ");
            message.push_str(&m);
        }
        Error::Connection { message }
    }

    /// Waits `ms` (a retry backoff); the caller's signal cuts it short with `UserAbort`.
    pub async fn sleep(mut self, ms: f64) -> Result<(), Error> {
        let signal = self.signal();
        let fired = Promise::new(&mut |resolve, _| {
            let _ = signal.add_event_listener_with_callback("abort", &resolve);
        });
        self.arm(ms);
        let _ = JsFuture::from(fired).await;
        match self.fired() {
            Some(Error::Timeout) => Ok(()),
            _ => Err(Error::UserAbort),
        }
    }
}

/// `error.message` of a thrown JS value (or its string form).
pub fn js_message(js: &JsValue) -> Option<String> {
    if let Some(s) = js.as_string() {
        return Some(s);
    }
    js_sys::Reflect::get(js, &JsValue::from_str("message"))
        .ok()
        .and_then(|m| m.as_string())
}

impl Drop for Abort {
    fn drop(&mut self) {
        self.disarm();
        if let Some((signal, cb)) = self.user.take() {
            let _ =
                signal.remove_event_listener_with_callback("abort", cb.as_ref().unchecked_ref());
        }
    }
}
