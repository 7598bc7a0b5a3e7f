//! The request body of `POST /chat/completions`.

use serde::{Deserialize, Serialize};

use super::{keep_nulls, Extra, ToolCall};

/// A chat completion request.
///
/// ```
/// use meingpt::types::{ChatCompletionRequest, ChatMessage};
///
/// let request = ChatCompletionRequest::new(
///     "gpt-4o-mini",
///     vec![ChatMessage::system("Be brief."), ChatMessage::user("Hallo!")],
/// )
/// .temperature(0.2);
/// let json = serde_json::to_value(&request).unwrap();
/// assert_eq!(json["messages"][1], serde_json::json!({"role": "user", "content": "Hallo!"}));
/// assert!(json.get("tools").is_none());
/// ```
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(remote = "Self")]
pub struct ChatCompletionRequest {
    /// Model id, e.g. `gpt-4o-mini`.
    pub model: String,
    /// The conversation so far.
    pub messages: Vec<ChatMessage>,
    /// Plain text, any JSON object, or JSON that fits a schema.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub response_format: Option<ResponseFormat>,
    /// Stream the answer as server-sent events. The client sets it for you.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub stream: Option<bool>,
    /// Options of a streamed answer (`include_usage`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub stream_options: Option<StreamOptions>,
    /// Sampling temperature, 0 to 2.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        serialize_with = "super::js_number"
    )]
    pub temperature: Option<f64>,
    /// Functions the model may call.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tools: Option<Vec<Tool>>,
    /// Whether and which tool the model must call.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tool_choice: Option<ToolChoice>,
    /// Any other member (`max_tokens`, `top_p`, `seed`, `user`, a provider's own), sent as is.
    #[serde(flatten)]
    pub extra: Extra,
}
keep_nulls!(ChatCompletionRequest);

impl ChatCompletionRequest {
    /// A request for `model` with these messages.
    pub fn new(model: impl Into<String>, messages: Vec<ChatMessage>) -> Self {
        ChatCompletionRequest {
            model: model.into(),
            messages,
            ..Default::default()
        }
    }

    /// Sets the temperature.
    pub fn temperature(mut self, t: f64) -> Self {
        self.temperature = Some(t);
        self
    }

    /// Sets the tools.
    pub fn tools(mut self, tools: Vec<Tool>) -> Self {
        self.tools = Some(tools);
        self
    }

    /// Sets the tool choice.
    pub fn tool_choice(mut self, choice: ToolChoice) -> Self {
        self.tool_choice = Some(choice);
        self
    }

    /// Sets the response format.
    pub fn response_format(mut self, format: ResponseFormat) -> Self {
        self.response_format = Some(format);
        self
    }

    /// Sets any other member, e.g. `max_tokens`.
    pub fn with(mut self, key: impl Into<String>, value: serde_json::Value) -> Self {
        self.extra.insert(key.into(), value);
        self
    }
}

/// `stream_options` of a streamed request.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct StreamOptions {
    /// Send a last chunk with the token usage.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub include_usage: Option<bool>,
    /// Other members.
    #[serde(flatten)]
    pub extra: Extra,
}

/// One message of the conversation, tagged by its `role`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "role", rename_all = "lowercase")]
pub enum ChatMessage {
    /// `role: "system"`
    System(SystemMessage),
    /// `role: "developer"`
    Developer(SystemMessage),
    /// `role: "user"`
    User(UserMessage),
    /// `role: "assistant"`: an earlier answer, possibly with tool calls.
    Assistant(AssistantMessage),
    /// `role: "tool"`: a tool's result.
    Tool(ToolMessage),
}

impl ChatMessage {
    /// A system message with text.
    pub fn system(text: impl Into<String>) -> Self {
        ChatMessage::System(SystemMessage {
            content: MessageContent::Text(text.into()),
            name: None,
            extra: Extra::new(),
        })
    }

    /// A user message with text.
    pub fn user(text: impl Into<String>) -> Self {
        ChatMessage::User(UserMessage {
            content: MessageContent::Text(text.into()),
            name: None,
            extra: Extra::new(),
        })
    }

    /// A user message with parts (text and images).
    pub fn user_parts(parts: Vec<ContentPart>) -> Self {
        ChatMessage::User(UserMessage {
            content: MessageContent::Parts(parts),
            name: None,
            extra: Extra::new(),
        })
    }

    /// An assistant message with text.
    pub fn assistant(text: impl Into<String>) -> Self {
        ChatMessage::Assistant(AssistantMessage {
            content: Some(MessageContent::Text(text.into())),
            ..Default::default()
        })
    }

    /// A tool's result for the call `tool_call_id`.
    pub fn tool(tool_call_id: impl Into<String>, content: impl Into<String>) -> Self {
        ChatMessage::Tool(ToolMessage {
            tool_call_id: tool_call_id.into(),
            content: MessageContent::Text(content.into()),
            extra: Extra::new(),
        })
    }
}

/// A `system` or `developer` message.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SystemMessage {
    /// The instructions.
    pub content: MessageContent,
    /// An optional participant name.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// Other members.
    #[serde(flatten)]
    pub extra: Extra,
}

/// A `user` message.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct UserMessage {
    /// Text, or parts (text and images).
    pub content: MessageContent,
    /// An optional participant name.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// Other members.
    #[serde(flatten)]
    pub extra: Extra,
}

/// An `assistant` message sent back in the conversation: text, or tool calls with no content.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(remote = "Self")]
pub struct AssistantMessage {
    /// The answer's text; `None` (sent as absent) when the answer was tool calls.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub content: Option<MessageContent>,
    /// A refusal the model gave instead of an answer.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub refusal: Option<String>,
    /// The tool calls the model made.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tool_calls: Option<Vec<ToolCall>>,
    /// A reasoning model's reasoning (some providers refuse a follow-up turn without it).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reasoning_content: Option<String>,
    /// An optional participant name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// Other members (a `null` content sent by a caller stays here, as `null`).
    #[serde(flatten)]
    pub extra: Extra,
}
keep_nulls!(AssistantMessage);

/// A `tool` message: the result of one tool call.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ToolMessage {
    /// The `id` of the tool call this answers.
    pub tool_call_id: String,
    /// The result, usually JSON text.
    pub content: MessageContent,
    /// Other members.
    #[serde(flatten)]
    pub extra: Extra,
}

/// A message's content: text, or a list of parts.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum MessageContent {
    /// Plain text.
    Text(String),
    /// Parts: text, images, or parts this crate does not name.
    Parts(Vec<ContentPart>),
}

impl From<&str> for MessageContent {
    fn from(s: &str) -> Self {
        MessageContent::Text(s.into())
    }
}

impl From<String> for MessageContent {
    fn from(s: String) -> Self {
        MessageContent::Text(s)
    }
}

/// One part of a message's content, tagged by its `type`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum ContentPart {
    /// `{"type":"text","text":...}`
    Text {
        /// The text.
        text: String,
    },
    /// `{"type":"image_url","image_url":{"url":...}}`
    ImageUrl {
        /// The image.
        image_url: ImageUrl,
    },
    /// Any other part (`input_audio`, `file`, ...), kept as sent (its `type` included).
    #[serde(untagged)]
    Other(Extra),
}

/// The image of an `image_url` part.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ImageUrl {
    /// An `https:` URL or a `data:` URL.
    pub url: String,
    /// `auto`, `low` or `high`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub detail: Option<String>,
    /// Other members.
    #[serde(flatten)]
    pub extra: Extra,
}

/// A function the model may call: `{"type":"function","function":{...}}`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Tool {
    /// Always `function`.
    #[serde(rename = "type")]
    pub kind: ToolType,
    /// The function.
    pub function: FunctionObject,
    /// Other members.
    #[serde(flatten)]
    pub extra: Extra,
}

impl Tool {
    /// A function tool with a JSON Schema for its arguments.
    pub fn function(
        name: impl Into<String>,
        description: impl Into<String>,
        parameters: serde_json::Value,
    ) -> Self {
        Tool {
            kind: ToolType::Function,
            function: FunctionObject {
                name: name.into(),
                description: Some(description.into()),
                parameters: Some(parameters),
                strict: None,
                extra: Extra::new(),
            },
            extra: Extra::new(),
        }
    }
}

/// The kind of a tool or tool call.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ToolType {
    /// A function.
    #[default]
    Function,
}

/// A function's name, description and argument schema.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FunctionObject {
    /// `^[A-Za-z0-9_-]{1,64}$`
    pub name: String,
    /// What it does, for the model.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// JSON Schema of the arguments.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub parameters: Option<serde_json::Value>,
    /// Ask for arguments that fit the schema exactly.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub strict: Option<bool>,
    /// Other members.
    #[serde(flatten)]
    pub extra: Extra,
}

/// `tool_choice`: `"auto"`, `"none"`, `"required"`, or one named function.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum ToolChoice {
    /// `"auto"`, `"none"` or `"required"`.
    Mode(ToolChoiceMode),
    /// `{"type":"function","function":{"name":...}}`
    Named(NamedToolChoice),
}

impl ToolChoice {
    /// The model must call the function `name`.
    pub fn function(name: impl Into<String>) -> Self {
        ToolChoice::Named(NamedToolChoice {
            kind: ToolType::Function,
            function: FunctionName { name: name.into() },
        })
    }
}

/// The string forms of `tool_choice`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ToolChoiceMode {
    /// The model decides.
    Auto,
    /// No tool calls.
    None,
    /// At least one tool call.
    Required,
}

/// `{"type":"function","function":{"name":...}}`
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct NamedToolChoice {
    /// Always `function`.
    #[serde(rename = "type")]
    pub kind: ToolType,
    /// The function to call.
    pub function: FunctionName,
}

/// A function's name.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FunctionName {
    /// The name.
    pub name: String,
}

/// `response_format`, tagged by its `type`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum ResponseFormat {
    /// Plain text (the default).
    Text,
    /// Any JSON object.
    JsonObject,
    /// JSON that fits a schema.
    JsonSchema {
        /// The schema and its name.
        json_schema: JsonSchemaFormat,
    },
}

/// The `json_schema` of a [`ResponseFormat::JsonSchema`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct JsonSchemaFormat {
    /// A name for the schema.
    pub name: String,
    /// What the schema is for.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// The JSON Schema.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub schema: Option<serde_json::Value>,
    /// Ask for JSON that fits the schema exactly.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub strict: Option<bool>,
    /// Other members.
    #[serde(flatten)]
    pub extra: Extra,
}
