//! The facts of the JavaScript boundary, declared once: the slots of the plan `prepare()` returns,
//! how a stream's batches are shaped, what `StreamCore.feed()` answers, why a call failed, and the
//! option defaults the JS side needs. With the error classes of [`crate::error::Class`], they are
//! written into the JS files by [`render`] (`cargo run --example boundary`, which the build runs):
//! the JS side never spells a number of this file by hand, and `tests/boundary.rs` fails when a
//! generated part is stale.
//!
//! Numbers rather than wasm-bindgen's exported enums and structs with getters: a marked number
//! costs no byte of glue or bundle (measured in DESIGN.md, "One declared boundary").

/// Declares a `#[repr(u8)]` enum whose values the JS side reads under the given constant names.
macro_rules! codes {
    (
        $(#[$meta:meta])*
        pub enum $name:ident {
            $( $(#[$vmeta:meta])* $variant:ident = $value:literal => $js:literal, )*
        }
    ) => {
        $(#[$meta])*
        #[repr(u8)]
        #[derive(Debug, Clone, Copy, PartialEq, Eq)]
        pub enum $name {
            $( $(#[$vmeta])* $variant = $value, )*
        }

        impl $name {
            /// Each value with the name of its constant on the JS side.
            pub const JS: &'static [(&'static str, u8)] = &[$(($js, $value)),*];
        }
    };
}

codes! {
    /// A slot of the plan `prepare()` returns (one JS array: a single crossing of the boundary).
    pub enum Slot {
        /// The URL to fetch.
        Url = 0 => "PLAN_URL",
        /// The request `Headers`.
        Headers = 1 => "PLAN_HEADERS",
        /// The body text (undefined: none).
        Body = 2 => "PLAN_BODY",
        /// Whether the answer is a stream.
        Stream = 3 => "PLAN_STREAM",
        /// Per-attempt timeout, and the longest wait for a stream's next event (ms).
        TimeoutMs = 4 => "PLAN_TIMEOUT_MS",
        /// Extra attempts after retryable failures.
        MaxRetries = 5 => "PLAN_MAX_RETRIES",
        /// The caller's `AbortSignal` (undefined: none).
        Signal = 6 => "PLAN_SIGNAL",
        /// The caller's fetch (undefined: the global one).
        Fetch = 7 => "PLAN_FETCH",
        /// What the errors of this call must never show, handed back to the error exports.
        Secrets = 8 => "PLAN_SECRETS",
        /// Whether 3xx answers are followed.
        FollowRedirects = 9 => "PLAN_FOLLOW_REDIRECTS",
        /// Largest response body accepted, streams included.
        MaxResponseBytes = 10 => "PLAN_MAX_RESPONSE_BYTES",
    }
}

impl Slot {
    /// How many slots a plan has.
    pub const COUNT: u32 = 11;
}

codes! {
    /// How a stream's batches are shaped (`StreamCore.take()` / `feed()`).
    pub enum Mode {
        /// A JSON array text of the chunk objects: `JSON.parse` gives them all at once.
        Objects = 0 => "MODE_OBJECTS",
        /// Server-Sent Events bytes, `data: <json>\n\n` per chunk, `data: [DONE]\n\n` at the end.
        Sse = 1 => "MODE_SSE",
        /// A JSON array text of the content deltas of choice 0.
        Text = 2 => "MODE_TEXT",
        /// Nothing: read to the end for `finalCompletion()` alone.
        Drain = 3 => "MODE_DRAIN",
        /// Newline-delimited JSON, one chunk per line (`toReadableStream({format: 'ndjson'})`).
        Ndjson = 4 => "MODE_NDJSON",
    }
}

impl Mode {
    /// The mode numbered `m` (an unknown number drains).
    pub fn from_u8(m: u8) -> Mode {
        match m {
            0 => Mode::Objects,
            1 => Mode::Sse,
            2 => Mode::Text,
            4 => Mode::Ndjson,
            _ => Mode::Drain,
        }
    }
}

codes! {
    /// What `StreamCore.feed()` answers about one network read (the low two bits), with
    /// [`FEED_EVENT`] added when the read completed at least one event.
    pub enum Feed {
        /// Read on.
        More = 0 => "FEED_MORE",
        /// `[DONE]` came: what is left of the body is only read to its end (the connection is reused).
        Done = 1 => "FEED_DONE",
        /// Stop now: the stream failed.
        Failed = 2 => "FEED_FAILED",
    }
}

/// Added to a [`Feed`] answer when the read completed an event (comments and keep-alive bytes do
/// not): the idle timer starts again.
pub const FEED_EVENT: u8 = 4;

codes! {
    /// Why a fetch, a body read or a wait failed (the JS side's abort linker knows who fired).
    pub enum Why {
        /// The network failed or the body broke off.
        Connection = 0 => "WHY_CONNECTION",
        /// The caller aborted (its signal, or `abort()` of a stream).
        UserAbort = 1 => "WHY_USER_ABORT",
        /// The timeout fired.
        Timeout = 2 => "WHY_TIMEOUT",
    }
}

impl Why {
    /// The reason numbered `w` (an unknown number is a connection error).
    pub fn from_u8(w: u8) -> Why {
        match w {
            1 => Why::UserAbort,
            2 => Why::Timeout,
            _ => Why::Connection,
        }
    }
}

codes! {
    /// What `retryDelay()` is told in place of an HTTP status when the failure had none.
    pub enum NoStatus {
        /// A connection error or a timeout: retried like a 5xx.
        Connection = 0 => "RETRY_CONNECTION",
        /// Never retried: an abort, a body past `maxResponseBytes`, a browser's opaque redirect.
        Never = 1 => "RETRY_NEVER",
    }
}

/// Where meinGPT's OpenAI-compatible API lives.
pub const DEFAULT_BASE_URL: &str = "https://app.meingpt.com/api/openai/v1";
/// Default `timeoutMs`: per attempt, and the longest wait for a stream's next event.
pub const DEFAULT_TIMEOUT_MS: u32 = 600_000;
/// Default `maxRetries`.
pub const DEFAULT_MAX_RETRIES: u32 = 2;
/// Default `maxResponseBytes`: far above any real answer, far below what would hurt a process.
pub const DEFAULT_MAX_RESPONSE_BYTES: u32 = 64 * 1024 * 1024;

/// The generated parts of the JS files, and the check that they are current (host only).
///
/// Two kinds: a number the JS code marks with its name, `/* MODE_SSE */ 1`, whose digits are
/// rewritten from this file (the minifier drops the comment: no constant survives into the bundle,
/// where the driver's modules are lazily initialized and esbuild would keep each as a variable);
/// and the error class parts between a `BEGIN generated` and an `END generated` line.
#[cfg(not(target_arch = "wasm32"))]
pub mod render {
    use super::{Feed, Mode, NoStatus, Slot, Why, DEFAULT_TIMEOUT_MS, FEED_EVENT};
    use crate::error::Class;
    use std::fmt::Write as _;
    use std::path::Path;

    /// The JS files that hold generated parts (relative to the repository).
    pub const FILES: [&str; 9] = [
        "js/client.js",
        "js/stream.js",
        "js/rehydrate.js",
        "js/tools.js",
        "js/routes.js",
        "js/errors.js",
        "js/index.d.ts",
        "bench/feed.mjs",
        "examples/many_keys_wasm.mjs",
    ];

    /// The line that opens a generated part.
    pub const BEGIN: &str =
        "// BEGIN generated by `cargo run --example boundary` from src/error.rs: do not edit\n";
    /// The line that closes a generated part.
    pub const END: &str = "// END generated\n";

    /// Every number the JS side may mark, by name.
    pub fn numbers() -> Vec<(&'static str, u32)> {
        let mut all: Vec<(&'static str, u32)> =
            [Slot::JS, Mode::JS, Feed::JS, Why::JS, NoStatus::JS]
                .into_iter()
                .flatten()
                .map(|&(name, value)| (name, u32::from(value)))
                .collect();
        all.push(("FEED_EVENT", u32::from(FEED_EVENT)));
        all.push(("DEFAULT_TIMEOUT_MS", DEFAULT_TIMEOUT_MS));
        all
    }

    /// `text` of `file` with its generated parts current; an error names a marked number whose name
    /// is unknown, or a generated part whose end is missing.
    pub fn render(file: &str, text: &str) -> Result<String, String> {
        let numbers = numbers();
        let mut out = String::with_capacity(text.len());
        let mut rest = text;
        while let Some(i) = rest.find("/* ") {
            let (head, tail) = rest.split_at(i);
            out.push_str(head);
            let name_len = tail
                .get(3..)
                .unwrap_or("")
                .find(|c: char| !(c.is_ascii_uppercase() || c == '_'))
                .unwrap_or(0);
            let name = tail.get(3..3 + name_len).unwrap_or("");
            let after = tail.get(3 + name_len..).unwrap_or("");
            let digits = after
                .strip_prefix(" */ ")
                .map(|a| a.len() - a.trim_start_matches(|c: char| c.is_ascii_digit()).len())
                .unwrap_or(0);
            if name.is_empty() || digits == 0 {
                out.push_str("/* ");
                rest = tail.get(3..).unwrap_or("");
                continue;
            }
            let value = numbers
                .iter()
                .find(|(n, _)| *n == name)
                .map(|&(_, v)| v)
                .ok_or_else(|| {
                    format!("{file}: `/* {name} */` names no number of src/boundary.rs")
                })?;
            let _ = write!(out, "/* {name} */ {value}");
            rest = after.get(4 + digits..).unwrap_or("");
        }
        out.push_str(rest);
        let part = match file {
            "js/errors.js" => error_classes(),
            "js/index.d.ts" => error_types(),
            _ => return Ok(out),
        };
        replaced(&out, &part)
            .ok_or_else(|| format!("{file}: no generated part (its BEGIN/END lines)"))
    }

    /// The `APIError` subclasses chosen by status, and every class the core makes, by number.
    pub fn error_classes() -> String {
        let mut out = String::new();
        for c in Class::ALL {
            if let Some(s) = c.statuses() {
                let _ = writeln!(
                    out,
                    "/** HTTP {}. */\nexport class {} extends APIError {{}}",
                    statuses(s),
                    c.name()
                );
            }
        }
        out.push_str(
            "/** The classes the core makes, by their number (`Class` in src/error.rs). */\n",
        );
        out.push_str("const core = {\n");
        for c in Class::ALL {
            let _ = writeln!(out, "  {},", c.name());
        }
        out.push_str("};\n");
        out
    }

    /// The declarations of the classes chosen by status.
    pub fn error_types() -> String {
        let mut out = String::new();
        for c in Class::ALL {
            if let Some((first, last)) = c.statuses() {
                let status = if first == last {
                    first.to_string()
                } else {
                    "number".into()
                };
                let _ = writeln!(
                    out,
                    "/** HTTP {}. */\nexport declare class {} extends APIError {{\n  readonly status: {status};\n}}",
                    statuses((first, last)),
                    c.name()
                );
            }
        }
        out
    }

    fn statuses((first, last): (u16, u16)) -> String {
        match (first, last) {
            (f, l) if f == l => f.to_string(),
            (f, u16::MAX) => format!("{f} and above"),
            (f, l) => format!("{f} to {l}"),
        }
    }

    /// `text` with its generated part replaced by `part`; `None` when the markers are missing.
    pub fn replaced(text: &str, part: &str) -> Option<String> {
        let start = text.find(BEGIN)? + BEGIN.len();
        let end = start + text.get(start..)?.find(END)?;
        Some(format!("{}{part}{}", text.get(..start)?, text.get(end..)?))
    }

    /// Writes the generated parts into the JS files under `root`; returns the files it changed.
    pub fn write(root: &Path) -> Result<Vec<&'static str>, String> {
        let mut changed = Vec::new();
        for file in FILES {
            let path = root.join(file);
            let text = std::fs::read_to_string(&path).map_err(|e| format!("{file}: {e}"))?;
            let new = render(file, &text)?;
            if new != text {
                std::fs::write(&path, new).map_err(|e| format!("{file}: {e}"))?;
                changed.push(file);
            }
        }
        Ok(changed)
    }
}
