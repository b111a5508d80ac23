//! The API's scalars. `Date` and `Decimal` inputs are taken as text and checked at the edge,
//! where the input field's name is known, so an impossible date or a malformed amount is a
//! `BAD_USER_INPUT` that names the field rather than an anonymous parse failure.
//!
//! Every custom scalar states its format with `@specifiedBy`, so generated client types and
//! GraphiQL can tell a reader what the string holds. `UUID`, `DateTime` and `JSON` are
//! async-graphql's own scalars, kept as they are (their Rust types appear on every id); their
//! descriptions and specification URLs are set once on the schema by [`LibraryScalars`].

use std::borrow::Cow;

use async_graphql::registry::{MetaType, Registry};
use async_graphql::{InputType, InputValueError, InputValueResult, Scalar, ScalarType, Value};
use chrono::NaiveDate;

use crate::domain::values::{format_minor, parse_date};
use crate::error::Result;

/// A calendar date, `YYYY-MM-DD`, e.g. "2024-12-06".
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Date(String);

/// A calendar date written exactly `YYYY-MM-DD` (ISO 8601 / RFC 3339 `full-date`), e.g.
/// "2024-12-06", with a year from 1900 to 2200. Sent as a string. A looser form ("2025-1-5"),
/// an impossible day ("2025-02-30") or a year outside 1900–2200 is refused with
/// `BAD_USER_INPUT`, `extensions.field` naming the input field. Dates carry no time zone:
/// they are the days the report states.
#[Scalar(
    name = "Date",
    specified_by_url = "https://www.rfc-editor.org/rfc/rfc3339#section-5.6"
)]
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

/// An exact decimal number written as a string of digits with an optional `.` and fraction,
/// e.g. "90000.00" or "12.5" (the XML Schema `decimal` form: no exponent, no grouping).
/// Never a float: a JSON number is refused, so no digit is lost on the way. As an amount of
/// money it is never negative, has at most the currency's decimals (2 for AUD, 0 for JPY),
/// is at most 1,000,000,000,000 in the currency's units, and is shown with exactly the
/// currency's decimals ("90000.00"). As an indicator's baseline, target or actual it may be
/// negative, has at most 40 characters, and is kept without needless zeros ("003" is stored
/// as "3", "12.50" as "12.5").
#[Scalar(
    name = "Decimal",
    specified_by_url = "https://www.w3.org/TR/xmlschema11-2/#decimal"
)]
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

/// The scalars the schema takes from async-graphql, with what this API says about them:
/// (name, description, specification URL).
const LIBRARY_SCALARS: [(&str, &str, &str); 3] = [
    (
        "UUID",
        "A UUID (RFC 9562) in its 36-character hyphenated form, sent as a string, e.g.\n\
         \"01927c4e-8a4b-7c2d-9e1f-0a1b2c3d4e5f\". The ids the service gives its objects are\n\
         UUIDv7. A string that is not a UUID is refused with `BAD_USER_INPUT`; a well-formed one\n\
         that names nothing the caller may see is `NOT_FOUND` (or null from `grant(id:)` and\n\
         `report(id:)`), exactly as if it did not exist.",
        "https://www.rfc-editor.org/rfc/rfc9562",
    ),
    (
        "DateTime",
        "An instant, as an RFC 3339 date-time string with its offset, e.g.\n\
         \"2025-01-31T09:30:00+00:00\". The service answers in UTC (offset `+00:00`, with\n\
         fractions of a second when there are any). It accepts any offset, e.g.\n\
         \"2025-01-31T16:30:00+07:00\" or \"2025-01-31T09:30:00Z\", and compares instants.",
        "https://www.rfc-editor.org/rfc/rfc3339",
    ),
    (
        "JSON",
        "Any JSON value (RFC 8259), given as is: an object, array, string, number, boolean or\n\
         null, e.g. `{\"status\": \"SUBMITTED\", \"version\": 2}`. Used for the before and after\n\
         images of an audit event.",
        "https://www.rfc-editor.org/rfc/rfc8259",
    ),
];

/// Sets the description and specification URL of the scalars async-graphql provides. It is
/// registered on the schema builder after the query and mutation types, so the scalars are
/// already in the registry; it adds no type of its own. async-graphql offers
/// `override_output_type_description` for descriptions but nothing for `@specifiedBy`, so this
/// one hook does both.
pub(super) struct LibraryScalars;

impl InputType for LibraryScalars {
    type RawValueType = Self;

    fn type_name() -> Cow<'static, str> {
        Cow::Borrowed(LIBRARY_SCALARS[0].0)
    }

    fn create_type_info(registry: &mut Registry) -> String {
        for (name, text, url) in LIBRARY_SCALARS {
            if let Some(MetaType::Scalar {
                description,
                specified_by_url,
                ..
            }) = registry.types.get_mut(name)
            {
                *description = Some(text.to_owned());
                *specified_by_url = Some(url.to_owned());
            }
        }
        Self::type_name().into_owned()
    }

    fn parse(value: Option<Value>) -> InputValueResult<Self> {
        Err(InputValueError::expected_type(value.unwrap_or_default()))
    }

    fn to_value(&self) -> Value {
        Value::Null
    }

    fn as_raw_value(&self) -> Option<&Self::RawValueType> {
        None
    }
}
