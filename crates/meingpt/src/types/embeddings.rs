//! `POST /embeddings` (MEINGPT-API.md): the request and the answer, vectors as floats or as
//! base64 text (little-endian float32 bytes, as OpenAI sends them).

use serde::{Deserialize, Serialize};

use super::{keep_nulls, Extra};

/// An embeddings request. `input` is required; the other fields are optional.
///
/// ```
/// use meingpt::types::{EmbeddingsRequest, EncodingFormat};
///
/// let r = EmbeddingsRequest::new(vec!["Hallo", "Welt"]).dimensions(256).encoding_format(EncodingFormat::Float);
/// assert_eq!(
///     serde_json::to_string(&r).unwrap(),
///     r#"{"input":["Hallo","Welt"],"encoding_format":"float","dimensions":256}"#
/// );
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EmbeddingsRequest {
    /// What to embed.
    pub input: EmbeddingInput,
    /// The model (meinGPT documents it as unused; OpenAI's is `text-embedding-3-large`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub model: Option<String>,
    /// How vectors come back (`float` is the server's default).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub encoding_format: Option<EncodingFormat>,
    /// The length of each vector (at least 1).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub dimensions: Option<u32>,
    /// An id of the end user.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub user: Option<String>,
    /// Other members, sent as they are.
    #[serde(flatten)]
    pub extra: Extra,
}

impl EmbeddingsRequest {
    /// A request for `input` (a string, strings, token ids or arrays of token ids).
    pub fn new(input: impl Into<EmbeddingInput>) -> Self {
        EmbeddingsRequest {
            input: input.into(),
            model: None,
            encoding_format: None,
            dimensions: None,
            user: None,
            extra: Extra::new(),
        }
    }

    /// Sets `model`.
    pub fn model(mut self, model: impl Into<String>) -> Self {
        self.model = Some(model.into());
        self
    }

    /// Sets `encoding_format`.
    pub fn encoding_format(mut self, format: EncodingFormat) -> Self {
        self.encoding_format = Some(format);
        self
    }

    /// Sets `dimensions`.
    pub fn dimensions(mut self, dimensions: u32) -> Self {
        self.dimensions = Some(dimensions);
        self
    }

    /// Sets `user`.
    pub fn user(mut self, user: impl Into<String>) -> Self {
        self.user = Some(user.into());
        self
    }
}

/// What to embed: OpenAI's four shapes. (An empty array reads as [`EmbeddingInput::Strings`]; the
/// server refuses it either way.)
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum EmbeddingInput {
    /// One text.
    String(String),
    /// Several texts, one vector each.
    Strings(Vec<String>),
    /// One text as token ids.
    Tokens(Vec<u32>),
    /// Several texts as token ids.
    TokenArrays(Vec<Vec<u32>>),
}

impl From<&str> for EmbeddingInput {
    fn from(s: &str) -> Self {
        EmbeddingInput::String(s.to_owned())
    }
}

impl From<String> for EmbeddingInput {
    fn from(s: String) -> Self {
        EmbeddingInput::String(s)
    }
}

impl From<Vec<&str>> for EmbeddingInput {
    fn from(v: Vec<&str>) -> Self {
        EmbeddingInput::Strings(v.into_iter().map(str::to_owned).collect())
    }
}

impl From<Vec<String>> for EmbeddingInput {
    fn from(v: Vec<String>) -> Self {
        EmbeddingInput::Strings(v)
    }
}

impl From<Vec<u32>> for EmbeddingInput {
    fn from(v: Vec<u32>) -> Self {
        EmbeddingInput::Tokens(v)
    }
}

impl From<Vec<Vec<u32>>> for EmbeddingInput {
    fn from(v: Vec<Vec<u32>>) -> Self {
        EmbeddingInput::TokenArrays(v)
    }
}

/// How vectors come back.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum EncodingFormat {
    /// JSON number arrays.
    Float,
    /// Base64 text of little-endian float32 bytes: a quarter of the bytes on the wire.
    Base64,
    /// Another value, kept as given (the check before sending refuses it).
    #[serde(untagged)]
    Other(String),
}

/// The answer: one [`Embedding`] per input, in order.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(remote = "Self")]
pub struct EmbeddingsResponse {
    /// `list`
    pub object: String,
    /// The vectors.
    pub data: Vec<Embedding>,
    /// The model that answered.
    pub model: String,
    /// Token counts.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub usage: Option<EmbeddingsUsage>,
    /// Other members.
    #[serde(flatten)]
    pub extra: Extra,
}
keep_nulls!(EmbeddingsResponse);

/// One vector of an [`EmbeddingsResponse`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(remote = "Self")]
pub struct Embedding {
    /// `embedding`
    pub object: String,
    /// The vector.
    pub embedding: EmbeddingVector,
    /// The position of its input.
    pub index: u32,
    /// Other members.
    #[serde(flatten)]
    pub extra: Extra,
}
keep_nulls!(Embedding);

/// A vector as the server sent it (the client turns base64 it asked for into floats).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum EmbeddingVector {
    /// Numbers. Written back as JavaScript writes a float32 widened to a double, so the JSON of a
    /// server that sends float32 values (OpenAI, meinGPT) round-trips unchanged.
    Float(#[serde(serialize_with = "f32s_as_f64")] Vec<f32>),
    /// Base64 text of little-endian float32 bytes.
    Base64(String),
}

fn f32s_as_f64<S: serde::Serializer>(v: &[f32], s: S) -> Result<S::Ok, S::Error> {
    s.collect_seq(v.iter().map(|&x| f64::from(x)))
}

impl EmbeddingVector {
    /// The numbers: as they are, or decoded from base64; `None` when the text is not base64 of
    /// whole float32 values.
    pub fn floats(&self) -> Option<Vec<f32>> {
        match self {
            EmbeddingVector::Float(v) => Some(v.clone()),
            EmbeddingVector::Base64(text) => {
                let mut out = Vec::new();
                meingpt_wasm::routes::base64_floats(text.as_bytes(), &mut out)?;
                Some(out)
            }
        }
    }
}

/// Token counts of an embeddings call.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(remote = "Self")]
pub struct EmbeddingsUsage {
    /// Tokens of the input.
    pub prompt_tokens: u64,
    /// The same (embeddings have no output tokens).
    pub total_tokens: u64,
    /// Other members.
    #[serde(flatten)]
    pub extra: Extra,
}
keep_nulls!(EmbeddingsUsage);
