//! A streamed answer: `chat.completion.chunk` objects.

use serde::{Deserialize, Serialize};

use super::{keep_nulls, Extra, FinishReason, Role, ToolType, Usage};

/// One event of a streamed answer.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(remote = "Self")]
pub struct ChatCompletionChunk {
    /// The same id in every chunk of the answer.
    pub id: String,
    /// `chat.completion.chunk`
    pub object: String,
    /// Unix time in seconds.
    pub created: u64,
    /// The model that answers.
    pub model: String,
    /// What this chunk adds to each choice (empty in the last chunk with `usage`).
    pub choices: Vec<ChunkChoice>,
    /// Token counts (the last chunk, with `stream_options.include_usage`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub usage: Option<Usage>,
    /// Other members (`system_fingerprint`, `citations`, ...).
    #[serde(flatten)]
    pub extra: Extra,
}
keep_nulls!(ChatCompletionChunk);

impl ChatCompletionChunk {
    /// The first choice's content delta, if any.
    pub fn content(&self) -> Option<&str> {
        self.choices.first()?.delta.content.as_deref()
    }
}

/// What a chunk adds to one choice.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(remote = "Self")]
pub struct ChunkChoice {
    /// Which choice.
    pub index: u32,
    /// The new pieces.
    pub delta: ChatCompletionDelta,
    /// Set in the choice's last chunk.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub finish_reason: Option<FinishReason>,
    /// Other members (`logprobs`, ...).
    #[serde(flatten)]
    pub extra: Extra,
}
keep_nulls!(ChunkChoice);

/// The pieces of one chunk.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(remote = "Self")]
pub struct ChatCompletionDelta {
    /// Sent in the first chunk.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub role: Option<Role>,
    /// A piece of the text.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub content: Option<String>,
    /// A piece of a refusal.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub refusal: Option<String>,
    /// Pieces of tool calls, by `index`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tool_calls: Option<Vec<ToolCallDelta>>,
    /// A piece of a reasoning model's reasoning.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reasoning_content: Option<String>,
    /// The same under the name some providers use.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reasoning: Option<String>,
    /// Other members.
    #[serde(flatten)]
    pub extra: Extra,
}
keep_nulls!(ChatCompletionDelta);

/// A piece of one tool call: the first piece has `id`, `type` and the name, later ones append to
/// the arguments.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(remote = "Self")]
pub struct ToolCallDelta {
    /// Which tool call.
    pub index: u32,
    /// The call's id (first piece).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    /// `function` (first piece).
    #[serde(default, rename = "type", skip_serializing_if = "Option::is_none")]
    pub kind: Option<ToolType>,
    /// The name and a piece of the arguments.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub function: Option<FunctionCallDelta>,
    /// Other members.
    #[serde(flatten)]
    pub extra: Extra,
}
keep_nulls!(ToolCallDelta);

/// The function part of a [`ToolCallDelta`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(remote = "Self")]
pub struct FunctionCallDelta {
    /// The name (first piece).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// A piece of the arguments' JSON text.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub arguments: Option<String>,
    /// Other members.
    #[serde(flatten)]
    pub extra: Extra,
}
keep_nulls!(FunctionCallDelta);
