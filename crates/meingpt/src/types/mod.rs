//! Wire-exact serde types of meinGPT's OpenAI-compatible Chat Completions API.
//!
//! Laid out like async-openai's `types/chat`: [`request`] (what is sent), [`response`] (a
//! non-streamed answer), [`chunk`] (a streamed one) and [`error_body`] (what an HTTP error carries);
//! [`embeddings`] holds `POST /embeddings`' request and answer.
//!
//! Two rules make every type round-trip a server's JSON unchanged
//! (`serialize(deserialize(x)) == x`):
//! - every optional field has `skip_serializing_if`, so an absent field stays absent;
//! - every type a server may extend has a flattened `extra` map, so a field this crate does not
//!   name (Perplexity's `citations`, `system_fingerprint`, `logprobs`, a new provider field) is kept.
//!
//! The response types also keep a field the server sent as `null`: the typed field is `None` and
//! the `null` stays in `extra`, so it is sent back as it came. (Set the typed field and remove the
//! key from `extra` if you change such a value.)

pub mod chunk;
pub mod embeddings;
pub mod error_body;
pub mod request;
pub mod response;

pub use chunk::*;
pub use embeddings::*;
pub use error_body::*;
pub use request::*;
pub use response::*;

use serde::{Deserialize, Serialize};

/// Unknown members of a JSON object, kept in their order of arrival as far as `serde_json` keeps it.
pub type Extra = serde_json::Map<String, serde_json::Value>;

/// Who wrote a message.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    /// Instructions from the app.
    System,
    /// Instructions from the developer (OpenAI's newer name for `system`).
    Developer,
    /// The end user.
    User,
    /// The model.
    Assistant,
    /// A tool's result.
    Tool,
    /// A role this crate does not know, kept as sent.
    #[serde(untagged)]
    Other(String),
}

/// Implements `Serialize`/`Deserialize` for a struct that derives them with
/// `#[serde(remote = "Self")]` and has an `extra: Extra` field: members sent as `null` are kept in
/// `extra` (the typed field stays `None`), so a response round-trips exactly.
macro_rules! keep_nulls {
    ($t:ty) => {
        impl serde::Serialize for $t {
            fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                <$t>::serialize(self, s)
            }
        }

        impl<'de> serde::Deserialize<'de> for $t {
            fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                let mut map = $crate::types::Extra::deserialize(d)?;
                let mut nulls = $crate::types::Extra::new();
                map.retain(|k, v| {
                    if v.is_null() {
                        nulls.insert(k.clone(), serde_json::Value::Null);
                        false
                    } else {
                        true
                    }
                });
                let mut out = <$t>::deserialize(serde_json::Value::Object(map))
                    .map_err(serde::de::Error::custom)?;
                out.extra.extend(nulls);
                Ok(out)
            }
        }
    };
}
pub(crate) use keep_nulls;

/// Writes a number as JavaScript's `JSON.stringify` does: integral values without `.0`, so the
/// JSON text (and a validation message that quotes it) is the same as the npm package's.
pub(crate) fn js_number<S: serde::Serializer>(v: &Option<f64>, s: S) -> Result<S::Ok, S::Error> {
    match v {
        Some(n) if n.fract() == 0.0 && n.abs() < 9_007_199_254_740_992.0 => {
            s.serialize_i64(*n as i64)
        }
        Some(n) => s.serialize_f64(*n),
        None => s.serialize_none(),
    }
}
