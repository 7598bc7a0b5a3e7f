//! Writes the generated parts of the JS files (the boundary's numbers, the error class table) from
//! `src/boundary.rs` and `src/error.rs`. The build runs it (`scripts/build.mjs`); run it by hand
//! after changing either file: `cargo run --example boundary`.

fn main() {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    match meingpt_wasm::boundary::render::write(root) {
        Ok(changed) if changed.is_empty() => println!("boundary: the JS files are current"),
        Ok(changed) => println!("boundary: wrote {}", changed.join(", ")),
        Err(e) => {
            eprintln!("boundary: {e}");
            std::process::exit(1);
        }
    }
}
