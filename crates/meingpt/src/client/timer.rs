//! Real timers: `setTimeout` and `clearTimeout` of the global object (`globalThis`), never
//! `window`, so the same code waits in browsers, Web Workers, Node and workerd.

use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};

use js_sys::{Function, Promise, Reflect};
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;

/// Longest delay `setTimeout` takes (a larger one would fire at once).
const MAX_TIMER_MS: f64 = 2_147_483_647.0;

/// `globalThis[name]` as a function.
fn global_fn(name: &str) -> Option<Function> {
    Reflect::get(&js_sys::global(), &JsValue::from_str(name))
        .ok()?
        .dyn_into::<Function>()
        .ok()
}

/// A future that is ready after `ms` milliseconds; dropping it clears the timer.
pub(crate) struct Sleep {
    wait: JsFuture,
    id: JsValue,
}

/// Waits `ms` milliseconds (0 to about 24.8 days; NaN and negatives wait 0).
pub(crate) fn sleep(ms: f64) -> Sleep {
    let ms = if ms.is_nan() {
        0.0
    } else {
        ms.clamp(0.0, MAX_TIMER_MS)
    };
    let mut id = JsValue::UNDEFINED;
    let promise = Promise::new(&mut |resolve, _reject| {
        // Node returns a Timeout object, browsers and workerd a number: kept as a JsValue.
        id = match global_fn("setTimeout") {
            Some(set) => set
                .call2(&JsValue::UNDEFINED, &resolve, &JsValue::from_f64(ms))
                .unwrap_or(JsValue::UNDEFINED),
            // No timers at all: resolve at once rather than hang.
            None => resolve
                .call0(&JsValue::UNDEFINED)
                .map_or(JsValue::UNDEFINED, |_| JsValue::UNDEFINED),
        };
    });
    Sleep {
        wait: JsFuture::from(promise),
        id,
    }
}

impl Future for Sleep {
    type Output = ();

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        Pin::new(&mut self.wait).poll(cx).map(|_| ())
    }
}

impl Drop for Sleep {
    fn drop(&mut self) {
        if !self.id.is_undefined() {
            if let Some(clear) = global_fn("clearTimeout") {
                let _ = clear.call1(&JsValue::UNDEFINED, &self.id);
            }
        }
    }
}

/// Milliseconds since the Unix epoch (`Date.now()`).
pub(crate) fn now_ms() -> f64 {
    js_sys::Date::now()
}
