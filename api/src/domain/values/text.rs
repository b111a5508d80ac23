//! Text as the service keeps it: trimmed, bounded, no control characters, Unicode NFC.

use unicode_normalization::UnicodeNormalization;

use crate::error::{Error, Problems, Result};

/// Optional text that an update may leave (`None`), clear (`Some(None)`) or set; yields `None`
/// only when the new text is bad (its problem recorded).
pub fn text_change(
    p: &mut Problems,
    field: &str,
    value: &Option<Option<String>>,
    max: usize,
) -> Option<Option<Option<String>>> {
    match value {
        None => Some(None),
        Some(None) => Some(Some(None)),
        Some(Some(v)) => p.take(optional_text(field, Some(v), max)).map(Some),
    }
}

/// An ISO 3166-1 alpha-2 country code, e.g. "KH".
pub fn country_code(field: &str, value: Option<&str>) -> Result<Option<String>> {
    let Some(code) = optional_text(field, value, 2)? else {
        return Ok(None);
    };
    if code.len() != 2 || !code.bytes().all(|b| b.is_ascii_uppercase()) {
        return Err(Error::bad_input(
            field,
            format!("{code:?} is not an ISO 3166-1 alpha-2 code such as \"KH\""),
        ));
    }
    Ok(Some(code))
}

/// Text limits, in characters.
pub mod limits {
    pub const NAME: usize = 300;
    /// A person's name, a tranche's label.
    pub const PERSON: usize = 200;
    pub const SHORT: usize = 100;
    pub const TITLE: usize = 500;
    pub const STATEMENT: usize = 5_000;
    pub const NARRATIVE: usize = 50_000;
    pub const REASON: usize = 5_000;
}

/// Required text: trimmed, not empty, at most `max` characters.
pub fn required_text(field: &str, value: &str, max: usize) -> Result<String> {
    let value = value.trim();
    if value.is_empty() {
        return Err(Error::bad_input(field, "must not be empty"));
    }
    bounded(field, value, max)
}

/// Optional text: trimmed; empty becomes absent; at most `max` characters.
pub fn optional_text(field: &str, value: Option<&str>, max: usize) -> Result<Option<String>> {
    match value.map(str::trim) {
        None | Some("") => Ok(None),
        Some(v) => bounded(field, v, max).map(Some),
    }
}

/// Every text the service stores or searches for passes here: control characters (NUL among
/// them) are refused, since PostgreSQL cannot store NUL and neither database should hold the
/// others; tabs and line breaks are kept. Text is stored in Unicode NFC, so the same words typed
/// on two systems (composed or decomposed accents) are the same text. Zero-width characters are
/// kept: Khmer and other scripts need them.
fn bounded(field: &str, value: &str, max: usize) -> Result<String> {
    if let Some(c) = value
        .chars()
        .find(|c| c.is_control() && !matches!(c, '\t' | '\n' | '\r'))
    {
        return Err(Error::bad_input(
            field,
            format!(
                "contains the control character U+{:04X}; text may hold tabs and line breaks but no other control characters",
                u32::from(c)
            ),
        ));
    }
    let value: String = value.nfc().collect();
    let count = value.chars().count();
    if count > max {
        return Err(Error::bad_input(
            field,
            format!("is {count} characters long; at most {max} are allowed"),
        ));
    }
    Ok(value)
}

/// Text a client searches by (a filter): checked like stored text, not trimmed.
pub fn search_text(field: &str, value: &str, max: usize) -> Result<String> {
    bounded(field, value, max)
}

/// A web address: an absolute `http` or `https` URL with a host, kept as given.
pub fn website(field: &str, value: Option<&str>) -> Result<Option<String>> {
    let Some(text) = optional_text(field, value, limits::NAME)? else {
        return Ok(None);
    };
    match url::Url::parse(&text) {
        Ok(url) if matches!(url.scheme(), "http" | "https") && url.host().is_some() => {
            Ok(Some(text))
        }
        _ => Err(Error::bad_input(
            field,
            format!("{text:?} is not a web address starting with https:// or http://"),
        )),
    }
}
