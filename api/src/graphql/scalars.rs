//! The API's scalars. `Date` and `Decimal` inputs are taken as text and checked at the edge,
//! where the input field's name is known, so an impossible date or a malformed amount is a
//! `BAD_USER_INPUT` that names the field rather than an anonymous parse failure.

use async_graphql::{InputValueError, InputValueResult, Scalar, ScalarType, Value};
use chrono::NaiveDate;

use crate::domain::values::{format_minor, parse_date};
use crate::error::Result;

/// A calendar date, `YYYY-MM-DD`, e.g. "2024-12-06".
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Date(String);

#[Scalar(name = "Date")]
impl ScalarType for Date {
    fn parse(value: Value) -> InputValueResult<Self> {
        match value {
            Value::String(s) => Ok(Self(s)),
            other => Err(InputValueError::expected_type(other)),
        }
    }

    fn to_value(&self) -> Value {
        Value::String(self.0.clone())
    }
}

impl From<NaiveDate> for Date {
    fn from(day: NaiveDate) -> Self {
        Self(day.format("%Y-%m-%d").to_string())
    }
}

impl Date {
    /// The calendar date, or `BAD_USER_INPUT` naming `field`.
    pub fn day(&self, field: &str) -> Result<NaiveDate> {
        parse_date(field, &self.0)
    }

    /// The text as sent, for the domain to check where it knows the field's name.
    pub fn into_text(self) -> String {
        self.0
    }
}

/// An exact decimal number as a string, e.g. "90000.00". Never a float.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Decimal(String);

#[Scalar(name = "Decimal")]
impl ScalarType for Decimal {
    fn parse(value: Value) -> InputValueResult<Self> {
        match value {
            Value::String(s) => Ok(Self(s)),
            Value::Number(_) => Err(InputValueError::custom(
                "a Decimal is sent as a string, e.g. \"90000.00\", so that no digit is lost",
            )),
            other => Err(InputValueError::expected_type(other)),
        }
    }

    fn to_value(&self) -> Value {
        Value::String(self.0.clone())
    }
}

impl Decimal {
    pub fn from_minor(minor: impl Into<i128>, digits: u32) -> Self {
        Self(format_minor(minor, digits))
    }

    pub fn from_text(text: impl Into<String>) -> Self {
        Self(text.into())
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    pub fn into_text(self) -> String {
        self.0
    }
}
