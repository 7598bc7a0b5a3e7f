//! One server-sent event to what it means: a chunk, the end, or an error sent by the server.

#[allow(unused_imports)]
use crate::prelude::*;

use crate::accumulate::{Accumulator, ChunkRead};
use crate::error::{error_body_message, Error};
use crate::json::{self, JsonStr, Value};

/// What one event's data says.
#[derive(Debug, PartialEq)]
pub enum Item<'a> {
    /// A `chat.completion.chunk` (or any other JSON value the server sent).
    Chunk(Value<'a>),
    /// `data: [DONE]`
    Done,
}

/// Reads one event. `status` is the HTTP status of the stream, used for errors the server sends
/// inside it (`{"status":"error",...}`, `{"error":{...}}`, or an `event: error`).
pub fn classify<'a>(event: &str, data: &'a str, status: u16) -> Result<Item<'a>, Error> {
    if data == "[DONE]" {
        return Ok(Item::Done);
    }
    let parsed = json::parse(data);
    if let Ok(v) = &parsed {
        if let Some(message) = error_body_message(v) {
            return Err(Error::Api { status, message });
        }
    }
    if event == "error" {
        let message = match &parsed {
            Ok(v) => v
                .get("message")
                .and_then(Value::as_str)
                .map_or_else(|| data.into(), |m| m.decode()),
            Err(_) => data.into(),
        };
        return Err(Error::Api { status, message });
    }
    match parsed {
        Ok(v) => Ok(Item::Chunk(v)),
        Err(e) => {
            let mut message = String::from("the server sent an event that is not JSON: ");
            message.push_str(e.reason);
            Err(Error::Api { status, message })
        }
    }
}

/// What [`read_event`] found in an event that is not an error.
#[derive(Debug, PartialEq)]
pub enum EventRead<'a> {
    /// `data: [DONE]`: the stream is over.
    Done,
    /// A chunk (or another JSON value), added to the accumulator.
    Chunk {
        /// Choice 0's content delta, if the chunk has one.
        delta: Option<JsonStr<'a>>,
    },
}

/// The stream's hot path: reads one event straight into `acc` (see
/// [`Accumulator::add_text`]), with the same outcome as [`classify`] followed by
/// [`Accumulator::add`].
pub fn read_event<'a>(
    event: &str,
    data: &'a str,
    status: u16,
    acc: &mut Accumulator,
) -> Result<EventRead<'a>, Error> {
    if data == "[DONE]" {
        return Ok(EventRead::Done);
    }
    let message = match acc.add_text(data) {
        Ok(ChunkRead { error: Some(m), .. }) => m,
        Ok(r) if event == "error" => r.message.map_or_else(|| data.into(), |m| m.decode()),
        Ok(r) => return Ok(EventRead::Chunk { delta: r.delta }),
        Err(_) if event == "error" => data.into(),
        Err(e) => {
            let mut message = String::from("the server sent an event that is not JSON: ");
            message.push_str(e.reason);
            message
        }
    };
    Err(Error::Api { status, message })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn read_event_agrees_with_classify() {
        let cases = [
            ("", "[DONE]"),
            (
                "",
                r#"{"id":"a","choices":[{"index":0,"delta":{"content":"Grüße"}}]}"#,
            ),
            (
                "",
                r#"{"status":"error","message":"Simulated upstream failure"}"#,
            ),
            ("", r#"{"status":"error"}"#),
            (
                "",
                r#"{"error":{"message":"overloaded","type":"server_error"}}"#,
            ),
            ("", r#"{"error":"plain"}"#),
            ("", r#"{"error":{}}"#),
            ("", r#"{"error":5,"choices":[]}"#),
            (
                "",
                r#"{"choices":[{"delta":{"content":"x"}}],"status":"ok","message":"m"}"#,
            ),
            ("error", "upstream went away"),
            ("error", r#"{"message":"gone"}"#),
            ("error", r#"{"id":1}"#),
            ("", r#"{"id":"#),
            ("", r#"{"id":1,}"#),
            ("", r#"[1,2]"#),
            ("", r#"5"#),
            ("", r#"{"choices":{"a":1},"x":[1,{"y":null}],"z":"ü"}"#),
            (
                "",
                r#"{"choices":[1,null,{"delta":7},{"index":-3,"delta":{"tool_calls":[5]}}]}"#,
            ),
            ("", r#"{"a":1} x"#),
            ("", " "),
        ];
        for (event, data) in cases {
            let mut a = Accumulator::new();
            let lean = read_event(event, data, 200, &mut a);
            let mut b = Accumulator::new();
            let tree = classify(event, data, 200).map(|item| match item {
                Item::Done => EventRead::Done,
                Item::Chunk(v) => EventRead::Chunk { delta: b.add(&v) },
            });
            if tree.is_ok() {
                // After an error the stream ends: what was accumulated no longer matters.
                assert_eq!(a.finish(), b.finish(), "{data:?}");
            }
            assert_eq!(lean, tree, "{event:?} {data:?}");
        }
    }

    #[test]
    fn done_chunk_and_errors() {
        assert_eq!(classify("", "[DONE]", 200), Ok(Item::Done));
        assert!(matches!(
            classify("", r#"{"id":"a","choices":[]}"#, 200),
            Ok(Item::Chunk(_))
        ));
        assert_eq!(
            classify(
                "",
                r#"{"status":"error","message":"Simulated upstream failure"}"#,
                200
            ),
            Err(Error::Api {
                status: 200,
                message: "Simulated upstream failure".into()
            })
        );
        assert_eq!(
            classify(
                "",
                r#"{"error":{"message":"overloaded","type":"server_error"}}"#,
                200
            ),
            Err(Error::Api {
                status: 200,
                message: "overloaded".into()
            })
        );
        assert_eq!(
            classify("error", "upstream went away", 200),
            Err(Error::Api {
                status: 200,
                message: "upstream went away".into()
            })
        );
        let broken = classify("", r#"{"id":"#, 200).unwrap_err();
        assert_eq!(broken.class_name(), "APIError");
        assert!(broken.message().contains("not JSON"));
    }

    #[test]
    fn a_chunk_that_merely_mentions_error_is_a_chunk() {
        assert!(matches!(
            classify(
                "",
                r#"{"choices":[{"delta":{"content":"error"}}],"status":"ok"}"#,
                200
            ),
            Ok(Item::Chunk(_))
        ));
    }
}
