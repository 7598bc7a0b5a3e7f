//! What an HTTP error response (or an error sent inside a stream) carries.

use serde::{Deserialize, Serialize};

use super::Extra;

/// An error body: meinGPT's `{"status":"error","message":...}` or OpenAI's
/// `{"error":{"message":...}}`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum ErrorBody {
    /// meinGPT's shape.
    MeinGpt(MeinGptErrorBody),
    /// OpenAI's shape.
    OpenAi(OpenAiErrorBody),
}

impl ErrorBody {
    /// The server's message.
    pub fn message(&self) -> &str {
        match self {
            ErrorBody::MeinGpt(b) => &b.message,
            ErrorBody::OpenAi(b) => &b.error.message,
        }
    }
}

/// meinGPT's error body: `{"status":"error","message":"..."}`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MeinGptErrorBody {
    /// Always `"error"`.
    pub status: String,
    /// What went wrong.
    pub message: String,
    /// Other members.
    #[serde(flatten)]
    pub extra: Extra,
}

/// OpenAI's error body: `{"error":{"message":"...","type":...,"code":...}}`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct OpenAiErrorBody {
    /// The error.
    pub error: OpenAiError,
    /// Other members.
    #[serde(flatten)]
    pub extra: Extra,
}

/// The `error` object of [`OpenAiErrorBody`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct OpenAiError {
    /// What went wrong.
    pub message: String,
    /// Other members (`type`, `code`, `param`, ...), as sent (they may be `null`).
    #[serde(flatten)]
    pub extra: Extra,
}
