//! A non-streamed answer: `chat.completion`.

use serde::{Deserialize, Serialize};

use super::{keep_nulls, Extra, Role, ToolType};

/// A chat completion, as a non-streamed call returns it (and as
/// the client's `ChatCompletionStream::final_completion` assembles it from the chunks).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(remote = "Self")]
pub struct ChatCompletion {
    /// `chatcmpl-...`
    pub id: String,
    /// `chat.completion`
    pub object: String,
    /// Unix time in seconds.
    pub created: u64,
    /// The model that answered.
    pub model: String,
    /// The answers (one unless `n` was asked for).
    pub choices: Vec<Choice>,
    /// Token counts.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub usage: Option<Usage>,
    /// Other members (`system_fingerprint`, Perplexity's `citations`, ...).
    #[serde(flatten)]
    pub extra: Extra,
}
keep_nulls!(ChatCompletion);

impl ChatCompletion {
    /// The first choice's text, if any.
    pub fn content(&self) -> Option<&str> {
        self.choices.first()?.message.content.as_deref()
    }
}

/// One answer of a [`ChatCompletion`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(remote = "Self")]
pub struct Choice {
    /// Its position.
    pub index: u32,
    /// The answer.
    pub message: ChatCompletionMessage,
    /// Why the model stopped.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub finish_reason: Option<FinishReason>,
    /// Other members (`logprobs`, ...).
    #[serde(flatten)]
    pub extra: Extra,
}
keep_nulls!(Choice);

/// The assistant's answer.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(remote = "Self")]
pub struct ChatCompletionMessage {
    /// `assistant`
    pub role: Role,
    /// The text; `None` when the answer is tool calls (the server's `null` is kept).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub content: Option<String>,
    /// A refusal instead of an answer.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub refusal: Option<String>,
    /// The tool calls the model made.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tool_calls: Option<Vec<ToolCall>>,
    /// A reasoning model's reasoning.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reasoning_content: Option<String>,
    /// The same under the name some providers use.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reasoning: Option<String>,
    /// Other members (`annotations`, `audio`, ...).
    #[serde(flatten)]
    pub extra: Extra,
}
keep_nulls!(ChatCompletionMessage);

impl ChatCompletionMessage {
    /// This answer as a message for the next turn of the conversation (tool calls and reasoning
    /// kept, as some providers require).
    pub fn to_message(&self) -> super::ChatMessage {
        super::ChatMessage::Assistant(super::AssistantMessage {
            content: self.content.clone().map(super::MessageContent::Text),
            refusal: self.refusal.clone(),
            tool_calls: self.tool_calls.clone(),
            reasoning_content: self
                .reasoning_content
                .clone()
                .or_else(|| self.reasoning.clone()),
            name: None,
            extra: Extra::new(),
        })
    }
}

/// One tool call of an answer.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(remote = "Self")]
pub struct ToolCall {
    /// `call_...`: the `tool_call_id` of the tool's answer.
    pub id: String,
    /// Always `function`.
    #[serde(rename = "type")]
    pub kind: ToolType,
    /// The function and its arguments.
    pub function: FunctionCall,
    /// Other members.
    #[serde(flatten)]
    pub extra: Extra,
}
keep_nulls!(ToolCall);

/// A function call: its name and its arguments as JSON text.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(remote = "Self")]
pub struct FunctionCall {
    /// The function's name.
    pub name: String,
    /// The arguments, JSON text (parse it with `serde_json::from_str`).
    pub arguments: String,
    /// Other members.
    #[serde(flatten)]
    pub extra: Extra,
}
keep_nulls!(FunctionCall);

/// Why the model stopped.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FinishReason {
    /// A natural end.
    Stop,
    /// The token limit.
    Length,
    /// It called tools.
    ToolCalls,
    /// A content filter.
    ContentFilter,
    /// The old function-call form.
    FunctionCall,
    /// A reason this crate does not know, kept as sent.
    #[serde(untagged)]
    Other(String),
}

/// Token counts.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(remote = "Self")]
pub struct Usage {
    /// Tokens of the request.
    pub prompt_tokens: u64,
    /// Tokens of the answer.
    pub completion_tokens: u64,
    /// The sum.
    pub total_tokens: u64,
    /// Other members (`prompt_tokens_details`, ...).
    #[serde(flatten)]
    pub extra: Extra,
}
keep_nulls!(Usage);
