//! The shared request fixtures (tests/fixtures/requests.json) against the package's own check:
//! each case's verdict (valid, or the field its error names, and text the message holds) is what
//! `validate_request` gives. simulator/test/fixtures.test.mjs holds the simulator to the same file,
//! so the two rules cannot drift apart unnoticed.
use meingpt_wasm::json::{self, Kind, Value};
use meingpt_wasm::validate::{is_tool_name, validate_request, TOOL_NAME_PATTERN};
use meingpt_wasm::Error;

const FIXTURES: &str = include_str!("fixtures/requests.json");

fn fixtures() -> Value<'static> {
    json::parse(FIXTURES).expect("tests/fixtures/requests.json is JSON")
}

fn text(v: &Value<'_>, key: &str) -> Option<String> {
    v.get(key).and_then(Value::as_str).map(|s| s.decode())
}

fn strings(v: &Value<'_>) -> Vec<String> {
    v.as_array()
        .expect("an array of strings")
        .iter()
        .map(|s| s.as_str().expect("a string").decode())
        .collect()
}

#[test]
fn every_case_gets_the_verdict_it_names() {
    let doc = fixtures();
    let cases = doc.get("cases").and_then(Value::as_array).expect("cases");
    assert!(cases.len() >= 90, "only {} cases", cases.len());
    let mut wrong = Vec::new();
    for case in cases {
        let name = text(case, "name").expect("every case has a name");
        let request = case.get("request").expect("every case has a request").raw;
        let valid = match case.get("valid").map(|v| &v.kind) {
            Some(Kind::Bool(b)) => *b,
            _ => panic!("{name}: valid must be true or false"),
        };
        match (validate_request(request), valid) {
            (Ok(_), true) => {}
            (Ok(_), false) => wrong.push(format!("{name}: accepted, the fixture says invalid")),
            (Err(Error::Validation { param, message }), false) => {
                let want = text(case, "param").unwrap_or_else(|| panic!("{name}: no param"));
                if param != want {
                    wrong.push(format!("{name}: names {param}, the fixture {want}"));
                }
                if let Some(says) = text(case, "says") {
                    if !message.contains(&says) {
                        wrong.push(format!("{name}: message {message:?} lacks {says:?}"));
                    }
                }
            }
            (Err(e), _) => wrong.push(format!("{name}: {e:?}")),
        }
    }
    assert!(
        wrong.is_empty(),
        "{} cases disagree:\n{}",
        wrong.len(),
        wrong.join("\n")
    );
}

#[test]
fn the_tool_name_pattern_is_the_fixtures_and_is_tool_name_checks_it() {
    let doc = fixtures();
    assert_eq!(
        Some(TOOL_NAME_PATTERN.to_string()),
        text(&doc, "toolNamePattern")
    );
    let names = doc.get("toolNames").expect("toolNames");
    let accepted = strings(names.get("accepted").expect("accepted"));
    let refused = strings(names.get("refused").expect("refused"));
    assert!(accepted.iter().any(|n| n.len() == 64) && refused.iter().any(|n| n.len() == 65));
    for n in &accepted {
        assert!(is_tool_name(n), "{n:?} should match {TOOL_NAME_PATTERN}");
    }
    for n in &refused {
        assert!(
            !is_tool_name(n),
            "{n:?} should not match {TOOL_NAME_PATTERN}"
        );
    }
}
