//! What a JS error carries besides its message, with the call's secrets taken out: the `cause`
//! (a custom fetch may throw `'boom ' + authorization`; a runtime may quote the URL) and the
//! response `headers` (a server may echo the key). Values that show no secret are passed on as
//! they are (the runtime's own error object, the response's own `Headers`).

#[allow(unused_imports)]
use crate::prelude::*;

use js_sys::{Array, Object, Reflect};
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use web_sys::Headers;

use crate::redact;

/// Deepest cause chain looked into (and rebuilt).
const MAX_DEPTH: u32 = 4;
/// Most properties looked at in one cause; past that it is treated as showing a secret.
const MAX_PROPERTIES: u32 = 256;

/// `cause` as it is when no string in it (its own properties, its causes) shows a secret, else a
/// plain `Error` copy with the secrets redacted from its name, message, stack and code.
pub fn cause(cause: JsValue, secrets: &str) -> JsValue {
    if secrets.is_empty() {
        return cause;
    }
    let mut budget = MAX_PROPERTIES;
    if shows(&cause, secrets, 0, &mut budget) {
        copy(&cause, secrets, 0)
    } else {
        cause
    }
}

fn shows(v: &JsValue, secrets: &str, depth: u32, budget: &mut u32) -> bool {
    if let Some(s) = v.as_string() {
        return redact::holds(&s, secrets);
    }
    if !v.is_object() {
        return false;
    }
    if depth > MAX_DEPTH {
        return true;
    }
    let Some(o) = v.dyn_ref::<Object>() else {
        return false;
    };
    for name in Object::get_own_property_names(o).iter() {
        if *budget == 0 {
            return true;
        }
        *budget -= 1;
        // A getter that throws hides nothing we could show.
        let value = Reflect::get(v, &name).unwrap_or(JsValue::UNDEFINED);
        if name.as_string().is_some_and(|n| redact::holds(&n, secrets))
            || shows(&value, secrets, depth + 1, budget)
        {
            return true;
        }
    }
    // `cause` set by the Error constructor is an own property; one inherited is looked at too.
    let inherited = Reflect::get(v, &JsValue::from_str("cause")).unwrap_or(JsValue::UNDEFINED);
    !inherited.is_undefined() && shows(&inherited, secrets, depth + 1, budget)
}

fn copy(v: &JsValue, secrets: &str, depth: u32) -> JsValue {
    if let Some(s) = v.as_string() {
        return JsValue::from_str(&redact::redact(s, secrets));
    }
    if !v.is_object() {
        return v.clone();
    }
    let text = |key: &str| {
        Reflect::get(v, &JsValue::from_str(key))
            .ok()
            .and_then(|s| s.as_string())
            .map(|s| JsValue::from_str(&redact::redact(s, secrets)))
    };
    let e = js_sys::Error::new("");
    for key in ["message", "name", "stack", "code"] {
        if let Some(s) = text(key) {
            let _ = Reflect::set(&e, &JsValue::from_str(key), &s);
        }
    }
    let inner = Reflect::get(v, &JsValue::from_str("cause")).unwrap_or(JsValue::UNDEFINED);
    if !inner.is_undefined() && depth < MAX_DEPTH {
        let _ = Reflect::set(
            &e,
            &JsValue::from_str("cause"),
            &copy(&inner, secrets, depth + 1),
        );
    }
    e.into()
}

/// `headers` as they are when no name or value shows a secret, else a copy with the values
/// redacted (and any header whose name shows one left out).
pub fn headers(headers: JsValue, secrets: &str) -> JsValue {
    let Some(h) = headers.dyn_ref::<Headers>() else {
        return headers;
    };
    if secrets.is_empty() {
        return headers;
    }
    let entries = Array::from(h);
    let pair = |e: JsValue| {
        let e = Array::from(&e);
        (e.get(0).as_string(), e.get(1).as_string())
    };
    let leaks = entries.iter().any(|e| match pair(e) {
        (Some(k), Some(v)) => redact::holds(&k, secrets) || redact::holds(&v, secrets),
        _ => false,
    });
    if !leaks {
        return headers;
    }
    let Ok(out) = Headers::new() else {
        return JsValue::UNDEFINED;
    };
    for e in entries.iter() {
        if let (Some(k), Some(v)) = pair(e) {
            if !redact::holds(&k, secrets) {
                let _ = out.append(&k, &redact::redact(v, secrets));
            }
        }
    }
    out.into()
}
