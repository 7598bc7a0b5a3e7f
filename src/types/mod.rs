//! The closed vocabularies of the wire format, and typed views of streamed chunks.
//!
//! Requests and responses stay JSON text end to end (see `crate::json` for why): these types name
//! what the code must recognise, and [`chunk`] reads the parts of a chunk that assembling a
//! completion needs, leaving everything else in the raw text.

#[allow(unused_imports)]
use crate::prelude::*;

pub mod chunk;

/// A message author.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Role {
    /// `system`
    System,
    /// `developer`
    Developer,
    /// `user`
    User,
    /// `assistant`
    Assistant,
    /// `tool`
    Tool,
}

impl Role {
    /// Reads a role name.
    pub fn parse(s: &str) -> Option<Role> {
        Some(match s {
            "system" => Role::System,
            "developer" => Role::Developer,
            "user" => Role::User,
            "assistant" => Role::Assistant,
            "tool" => Role::Tool,
            _ => return None,
        })
    }
}

/// `response_format.type`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ResponseFormatType {
    /// `text`
    Text,
    /// `json_object`
    JsonObject,
    /// `json_schema`
    JsonSchema,
}

impl ResponseFormatType {
    /// Reads a response format type.
    pub fn parse(s: &str) -> Option<Self> {
        Some(match s {
            "text" => Self::Text,
            "json_object" => Self::JsonObject,
            "json_schema" => Self::JsonSchema,
            _ => return None,
        })
    }
}
