//! The JS side of the boundary is generated from the Rust declarations (`src/boundary.rs`, the
//! error classes of `src/error.rs`): these tests fail when a generated part is stale, or when a
//! class the core can make has no JS class (or no declaration) to become.

use meingpt_wasm::boundary::render;
use meingpt_wasm::error::Class;

fn read(file: &str) -> String {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join(file);
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{file}: {e}"))
}

#[test]
fn generated_parts_are_current() {
    for file in render::FILES {
        let text = read(file);
        let want = render::render(file, &text).unwrap_or_else(|e| panic!("{e}"));
        assert!(
            want == text,
            "{file} is stale: run `cargo run --example boundary` (the build does) and commit it"
        );
    }
}

#[test]
fn a_marked_number_is_rewritten_and_an_unknown_name_refused() {
    let js = "core.take(/* MODE_TEXT */ 7); x(/* not a mark */ 1); /* WHY_TIMEOUT */ 22;";
    assert_eq!(
        render::render("x.js", js).as_deref(),
        Ok("core.take(/* MODE_TEXT */ 2); x(/* not a mark */ 1); /* WHY_TIMEOUT */ 2;")
    );
    assert!(render::render("x.js", "f(/* MODE_TXT */ 2)").is_err());
}

#[test]
fn every_class_has_a_js_class_and_a_declaration() {
    let errors = read("js/errors.js");
    let types = read("js/index.d.ts");
    for c in Class::ALL {
        let name = c.name();
        let extends = |text: &str, decl: &str| {
            text.lines().any(|l| {
                l.strip_prefix(decl)
                    .and_then(|l| l.strip_prefix(name))
                    .is_some_and(|l| l.starts_with(" extends "))
            })
        };
        assert!(
            extends(&errors, "export class "),
            "js/errors.js has no `export class {name}`"
        );
        assert!(
            extends(&types, "export declare class "),
            "js/index.d.ts has no `export declare class {name}`"
        );
    }
}

#[test]
fn class_numbers_follow_the_table() {
    for (i, c) in Class::ALL.into_iter().enumerate() {
        assert_eq!(
            c as usize, i,
            "{c:?}: Class::ALL is in the order of the numbers"
        );
    }
    // Each class has its own name, and each status class its own statuses.
    for (i, a) in Class::ALL.iter().enumerate() {
        for b in Class::ALL.iter().skip(i + 1) {
            assert_ne!(a.name(), b.name());
        }
    }
}

#[test]
fn codes_are_distinct_and_slots_dense() {
    use meingpt_wasm::boundary::{Feed, Mode, Slot, Why, FEED_EVENT};
    let mut names: Vec<&str> = Vec::new();
    for table in [Slot::JS, Mode::JS, Feed::JS, Why::JS] {
        for (i, (name, value)) in table.iter().enumerate() {
            assert!(!names.contains(name), "{name} twice");
            names.push(name);
            assert!(
                table.iter().skip(i + 1).all(|(_, v)| v != value),
                "{name}: its value {value} is taken"
            );
        }
    }
    let mut slots: Vec<u8> = Slot::JS.iter().map(|&(_, v)| v).collect();
    slots.sort_unstable();
    assert_eq!(slots, (0..Slot::COUNT as u8).collect::<Vec<_>>());
    assert!(Feed::JS.iter().all(|&(_, v)| v & FEED_EVENT == 0));
}

/// The driver passes the boundary's numbers by their generated names, never as literals.
#[test]
fn the_js_driver_spells_no_code_by_hand() {
    for file in [
        "js/client.js",
        "js/stream.js",
        "js/rehydrate.js",
        "js/tools.js",
        "js/routes.js",
    ] {
        let text = read(file);
        for call in [
            "connectionError(",
            ".fail(",
            ".take(",
            ".feed(",
            ".#next(",
            "#next(",
            "plan[",
            "fed & ",
            "why === ",
        ] {
            for (i, _) in text.match_indices(call) {
                let after = text.get(i + call.len()..).unwrap_or("");
                assert!(
                    !after.starts_with(|c: char| c.is_ascii_digit()),
                    "{file}: `{call}` with a number: use the generated constant"
                );
            }
        }
    }
}
