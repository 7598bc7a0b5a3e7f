//! Request checks before anything is sent: the npm package's own code
//! (`meingpt_wasm::validate`), run on the request's JSON text.

use crate::types::ChatCompletionRequest;
use crate::Error;

/// Checks a request as the npm package checks it, and returns its JSON text (what is sent).
///
/// ```
/// use meingpt::types::{ChatCompletionRequest, ChatMessage};
///
/// let bad = ChatCompletionRequest::new("gpt-4o-mini", vec![ChatMessage::user("hi")]).temperature(3.0);
/// match meingpt::validate::validate(&bad) {
///     Err(meingpt::Error::Validation { param, message }) => {
///         assert_eq!(param, "temperature");
///         assert_eq!(message, "temperature must be a number from 0 to 2 (got 3)");
///     }
///     other => panic!("{other:?}"),
/// }
/// ```
pub fn validate(request: &ChatCompletionRequest) -> Result<String, Error> {
    let text = serde_json::to_string(request).map_err(|e| Error::Validation {
        param: "request".into(),
        message: format!("request must be JSON-serializable: {e}"),
    })?;
    validate_json(&text)?;
    Ok(text)
}

/// Checks a request given as JSON text (e.g. a body a Worker received), as the npm package does.
pub fn validate_json(text: &str) -> Result<(), Error> {
    meingpt_wasm::validate::validate_request(text)
        .map(|_| ())
        .map_err(Error::from)
}
