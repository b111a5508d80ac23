//! What a GraphQL response holds for a test: data of a known shape, or the server's error as a
//! client branches on it (`extensions.code`, `extensions.field`, `extensions.problems`).

use std::fmt;

use serde::Deserialize;
use serde::de::DeserializeOwned;
use serde_json::Value;

/// The first error of a response.
#[derive(Clone, PartialEq)]
pub struct GqlError {
    /// `extensions.code`, e.g. `"FORBIDDEN"`; empty only if the server gave none.
    pub code: String,
    /// `extensions.field`: the input the error is about, e.g. `"periodEnd"`.
    pub field: Option<String>,
    /// `extensions.problems`: every problem of a refused input, in order.
    pub problems: Vec<Problem>,
    pub message: String,
    /// The whole response, for anything the fields above do not say (boxed to keep
    /// `Result<_, GqlError>` small).
    pub response: Box<Value>,
}

/// One problem of a refused input.
#[derive(Clone, Debug, PartialEq, Eq, Deserialize)]
pub struct Problem {
    pub field: String,
    pub message: String,
}

impl GqlError {
    /// The first error of `response`, if it has any.
    pub fn of(response: &Value) -> Option<Self> {
        let error = response.get("errors")?.get(0)?;
        let extensions = &error["extensions"];
        Some(Self {
            code: extensions["code"].as_str().unwrap_or_default().to_owned(),
            field: extensions["field"].as_str().map(str::to_owned),
            problems: serde_json::from_value(extensions["problems"].clone()).unwrap_or_default(),
            message: error["message"].as_str().unwrap_or_default().to_owned(),
            response: Box::new(response.clone()),
        })
    }

    /// The fields the problems name, in order.
    pub fn problem_fields(&self) -> Vec<&str> {
        self.problems.iter().map(|p| p.field.as_str()).collect()
    }
}

impl fmt::Debug for GqlError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} on {:?}: {} in {:#}",
            self.code, self.field, self.message, self.response
        )
    }
}

impl fmt::Display for GqlError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(self, f)
    }
}

/// `data.<field>` of a response as a `T`, or the response's error.
pub fn result<T: DeserializeOwned>(response: Value, field: &str) -> Result<T, GqlError> {
    if let Some(error) = GqlError::of(&response) {
        return Err(error);
    }
    let data = response["data"][field].clone();
    Ok(serde_json::from_value(data).unwrap_or_else(|err| {
        panic!("data.{field} is not what the test expects ({err}): {response:#}")
    }))
}

/// The `extensions.code` of the first error, if any.
pub fn error_code(response: &Value) -> Option<&str> {
    response["errors"][0]["extensions"]["code"].as_str()
}

/// The `extensions.field` of the first error, if any.
pub fn error_field(response: &Value) -> Option<&str> {
    response["errors"][0]["extensions"]["field"].as_str()
}
