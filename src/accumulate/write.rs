//! The final completion's JSON text, written once from what the chunks left.

#[allow(unused_imports)]
use crate::prelude::*;

use super::{Accumulator, Choice};

impl Accumulator {
    /// The completion as JSON text: what a non-streaming call with the same output returns.
    /// `None` when no chunk arrived at all.
    pub fn finish(&self) -> Option<String> {
        if !self.seen {
            return None;
        }
        // Sized up front: the content may be megabytes, and doubling would leave copies behind.
        let opt = |s: &Option<String>| s.as_ref().map_or(0, String::len);
        let extras: usize = self.extras.iter().map(|(k, v)| k.len() + v.len() + 4).sum();
        let choices: usize = self
            .choices
            .iter()
            .map(|c| {
                let calls: usize = c
                    .tool_calls
                    .iter()
                    .map(|t| opt(&t.id) + opt(&t.kind) + t.name.len() + t.arguments.len() + 64)
                    .sum();
                let refusal = c.refusal.as_ref().map_or(0, opt);
                opt(&c.role)
                    + opt(&c.content)
                    + opt(&c.reasoning_content)
                    + opt(&c.reasoning)
                    + 48
                    + refusal
                    + opt(&c.finish_reason)
                    + calls
                    + 128
            })
            .sum();
        let cap = 128
            + opt(&self.id)
            + opt(&self.created)
            + opt(&self.model)
            + opt(&self.usage)
            + extras
            + choices;
        let mut o = String::with_capacity(cap);
        o.push_str("{\"id\":");
        o.push_str(self.id.as_deref().unwrap_or("\"\""));
        o.push_str(",\"object\":\"chat.completion\",\"created\":");
        o.push_str(self.created.as_deref().unwrap_or("0"));
        o.push_str(",\"model\":");
        o.push_str(self.model.as_deref().unwrap_or("\"\""));
        for (k, v) in &self.extras {
            o.push_str(",\"");
            o.push_str(k);
            o.push_str("\":");
            o.push_str(v);
        }
        o.push_str(",\"choices\":[");
        for (i, c) in self.choices.iter().enumerate() {
            if i > 0 {
                o.push(',');
            }
            c.write(&mut o);
        }
        o.push(']');
        if let Some(u) = &self.usage {
            o.push_str(",\"usage\":");
            o.push_str(u);
        }
        o.push('}');
        debug_assert!(o.capacity() == cap, "the size estimate was too small");
        Some(o)
    }
}

/// `,"name":"<text>"` (`open` holds all but the text and its closing quote) when there is text.
fn string_member(o: &mut String, open: &str, text: &Option<String>) {
    if let Some(t) = text {
        o.push_str(open);
        o.push_str(t);
        o.push('"');
    }
}

impl Choice {
    fn write(&self, o: &mut String) {
        o.push_str("{\"index\":");
        crate::text::push_u32(o, self.index);
        o.push_str(",\"message\":{\"role\":");
        o.push_str(self.role.as_deref().unwrap_or("\"assistant\""));
        o.push_str(",\"content\":");
        // A tool-call stream often opens with `content: ""`; the non-streamed answer says null.
        match &self.content {
            Some(c) if !c.is_empty() || self.tool_calls.is_empty() => {
                o.push('"');
                o.push_str(c);
                o.push('"');
            }
            _ => o.push_str("null"),
        }
        string_member(o, ",\"reasoning_content\":\"", &self.reasoning_content);
        string_member(o, ",\"reasoning\":\"", &self.reasoning);
        if let Some(r) = &self.refusal {
            o.push_str(",\"refusal\":");
            match r {
                Some(r) => {
                    o.push('"');
                    o.push_str(r);
                    o.push('"');
                }
                None => o.push_str("null"),
            }
        }
        if !self.tool_calls.is_empty() {
            o.push_str(",\"tool_calls\":[");
            for (i, t) in self.tool_calls.iter().enumerate() {
                if i > 0 {
                    o.push(',');
                }
                o.push_str("{\"id\":");
                o.push_str(t.id.as_deref().unwrap_or("\"\""));
                o.push_str(",\"type\":");
                o.push_str(t.kind.as_deref().unwrap_or("\"function\""));
                o.push_str(",\"function\":{\"name\":\"");
                o.push_str(&t.name);
                o.push_str("\",\"arguments\":\"");
                o.push_str(&t.arguments);
                o.push_str("\"}}");
            }
            o.push(']');
        }
        o.push_str("},\"finish_reason\":");
        o.push_str(self.finish_reason.as_deref().unwrap_or("null"));
        o.push('}');
    }
}

#[cfg(test)]
mod tests {
    use super::super::tests::run;

    #[test]
    fn empty_content_with_tool_calls_is_null_but_empty_text_reply_is_empty() {
        let tool = run(&[
            r#"{"id":"x","choices":[{"index":0,"delta":{"role":"assistant","content":"","tool_calls":[{"index":0,"id":"a","type":"function","function":{"name":"f","arguments":"{}"}}]}}]}"#,
        ]);
        assert!(tool.contains(r#""content":null"#), "{tool}");
        let text = run(&[
            r#"{"id":"x","choices":[{"index":0,"delta":{"role":"assistant","content":""}}]}"#,
        ]);
        assert!(text.contains(r#""content":"""#), "{text}");
    }
}
