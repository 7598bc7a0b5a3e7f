//! A stream's chunks as one batch for a JS reader that builds the chunk objects (`for await`):
//! a JSON array text, one `JSON.parse` per network read. A chunk that has the last chunk's shape
//! (see the accumulator's same-shape shortcut) is sent as the strings that differ, which its
//! reader puts into a template it parsed once: building a chunk that way costs a fraction of
//! parsing it (`js/stream.js`, `chunkReader`).
//!
//! The items of the array:
//! - an object: a chunk;
//! - `[0, value]`: a chunk that is not an object;
//! - `[template, mark, keys]`: not a chunk: the template of the chunks that follow, the place of
//!   their string marked by the string `mark`; `keys` (open templates only) names the members
//!   after `choices` that each of them brings;
//! - `"text"`: a chunk, the template with `text` in the marked place;
//! - `["text", v1, v2, ...]`: the same, with the members named by the template's `keys` set to
//!   `v1, v2, ...`, in that order (an open template: the members after `choices` change from
//!   chunk to chunk, as OpenAI's `obfuscation` does; the template has them, with the values of
//!   the chunk it was made from, so that setting them keeps their places and the object's shape).

#[allow(unused_imports)]
use crate::prelude::*;

use crate::accumulate::{Accumulator, Hole};
use crate::json::Cursor;

/// What marks the place of the string in a template (a JSON string's escaped text that no server
/// sends by chance). The reader takes every value equal to it in the template as that place: a
/// server that sent this very string as another member of a shaped chunk would see it replaced.
pub const MARK: &str = "\\u0000meingpt-wasm\\u0000hole";

/// What the reader holds: the template last sent (its shape's number, and whether open) and, for
/// an open one, the keys it names (as written: `"a","b"`); and two buffers for the chunk at hand.
#[derive(Debug, Default)]
pub struct ObjectBatch {
    sent: Option<(u32, bool)>,
    keys: String,
    now: String,
    values: String,
}

impl ObjectBatch {
    /// Writes the chunk `data`, just added to `acc`, as one item, after the template it needs
    /// when the reader does not hold it yet.
    pub fn write(&mut self, out: &mut String, acc: &Accumulator, data: &str) {
        if let Some(hole) = acc.hole(data) {
            if self.write_hole(out, acc, hole) {
                return;
            }
        }
        // The first byte that is not JSON's whitespace (a byte loop: a `str` pattern would bring
        // core's searchers into the wasm).
        let first = data
            .bytes()
            .find(|b| !matches!(b, b' ' | b'\t' | b'\n' | b'\r'));
        if first == Some(b'{') {
            out.push_str(data);
        } else {
            put(out, &["[0,", data, "]"]);
        }
    }

    fn write_hole(&mut self, out: &mut String, acc: &Accumulator, hole: Hole<'_>) -> bool {
        let shape = (acc.shape_id(), hole.trailer.is_some());
        let ObjectBatch {
            sent,
            keys,
            now,
            values,
        } = self;
        now.clear();
        values.clear();
        if let Some(t) = hole.trailer {
            for_members(t, |key, value| {
                if !now.is_empty() {
                    now.push(',');
                }
                put(now, &["\"", key, "\""]);
                put(values, &[",", value]);
            });
        }
        if *sent != Some(shape) || now != keys {
            if !acc.write_template(out, MARK, hole.trailer) {
                return false;
            }
            if shape.1 {
                // The keys as a JSON array after the template's closing `]`.
                out.pop();
                put(out, &[",[", now, "]]"]);
            }
            out.push(',');
            *sent = Some(shape);
            core::mem::swap(keys, now);
        }
        if shape.1 {
            put(out, &["[\"", hole.text, "\"", values, "]"]);
        } else {
            put(out, &["\"", hole.text, "\""]);
        }
        true
    }
}

/// Appends `parts` to `out`.
fn put(out: &mut String, parts: &[&str]) {
    for p in parts {
        out.push_str(p);
    }
}

/// Calls `f` with each member's raw key and raw value of `trailer`, the members after a chunk's
/// `choices` (`,"a":1,"b":"x"}`), which the accumulator has read without error.
fn for_members<'a>(trailer: &'a str, mut f: impl FnMut(&'a str, &'a str)) {
    let mut cursor = Cursor::at(trailer, 0);
    while let Ok(Some(key)) = cursor.next_key(false) {
        match cursor.skip() {
            Ok(value) => f(key.raw(), value),
            Err(_) => return,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The batch items written for `chunks`, read one after the other into one accumulator.
    fn items(chunks: &[&str]) -> Vec<String> {
        let mut acc = Accumulator::new();
        let mut batch = ObjectBatch::default();
        chunks
            .iter()
            .map(|c| {
                acc.add_text(c).unwrap();
                let mut out = String::new();
                batch.write(&mut out, &acc, c);
                out.replace(MARK, "M")
            })
            .collect()
    }

    #[test]
    fn same_shape_chunks_are_their_strings_after_one_template() {
        let c = |t: &str| format!(r#"{{"id":"a","choices":[{{"delta":{{"content":"{t}"}}}}]}}"#);
        let (a, b, d) = (c("x"), c("y\\n"), c("z"));
        assert_eq!(
            items(&[&a, &b, &d, "5", " [1]"]),
            [
                a.clone(),
                format!(r#"[{},"M"],"y\n""#, c("M")),
                String::from(r#""z""#),
                String::from("[0,5]"),
                String::from("[0, [1]]"),
            ]
        );
    }

    #[test]
    fn open_templates_name_the_members_after_choices_and_holes_bring_their_values() {
        let c = |t: &str, tail: &str| {
            format!(r#"{{"id":"a","choices":[{{"delta":{{"content":"{t}"}}}}]{tail}}}"#)
        };
        let open = |tail: &str| c("M", tail);
        assert_eq!(
            items(&[
                &c("a", ""),
                &c("b", r#","o":"1""#),
                &c("c", r#", "o" : {"p":[2]} "#),
                &c("d", r#","o":null,"q":true"#),
                &c("e", ""),
                &c("f", r#","q":1,"o":2"#),
                &c("g", r#","q":3,"o":4"#),
                &c("h", r#","q":5"#),
                &c("i", r#","q":6,"o":7,"r":8"#),
                &c("j", r#","qq":9,"o":0"#),
            ]),
            [
                c("a", ""),
                format!(r#"[{},"M",["o"]],["b","1"]"#, open(r#","o":"1""#)),
                String::from(r#"["c",{"p":[2]}]"#),
                format!(
                    r#"[{},"M",["o","q"]],["d",null,true]"#,
                    open(r#","o":null,"q":true"#)
                ),
                format!(r#"[{},"M",[]],["e"]"#, open("")),
                format!(r#"[{},"M",["q","o"]],["f",1,2]"#, open(r#","q":1,"o":2"#)),
                String::from(r#"["g",3,4]"#),
                format!(r#"[{},"M",["q"]],["h",5]"#, open(r#","q":5"#)),
                format!(
                    r#"[{},"M",["q","o","r"]],["i",6,7,8]"#,
                    open(r#","q":6,"o":7,"r":8"#)
                ),
                format!(r#"[{},"M",["qq","o"]],["j",9,0]"#, open(r#","qq":9,"o":0"#)),
            ]
        );
    }
}
