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
    for (file, part) in render::parts() {
        let text = read(file);
        let want = render::replaced(&text, &part)
            .unwrap_or_else(|| panic!("{file} has no generated part (its BEGIN/END lines)"));
        assert!(
            want == text,
            "{file} is stale: run `cargo run --example boundary` (the build does) and commit it"
        );
    }
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
