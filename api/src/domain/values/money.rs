//! Money: exact amounts of one currency in integer minor units, bounded so no sum overflows.

use crate::error::{Error, Result};

/// ISO 4217 currencies the service accepts, with their number of minor-unit digits.
const CURRENCIES: &[(&str, u32)] = &[
    ("AUD", 2),
    ("CAD", 2),
    ("CHF", 2),
    ("CNY", 2),
    ("EUR", 2),
    ("GBP", 2),
    ("IDR", 2),
    ("INR", 2),
    ("JPY", 0),
    ("KHR", 2),
    ("KRW", 0),
    ("LAK", 2),
    ("MMK", 2),
    ("MYR", 2),
    ("NZD", 2),
    ("PGK", 2),
    ("PHP", 2),
    ("SBD", 2),
    ("SGD", 2),
    ("THB", 2),
    ("TLS", 2),
    ("TOP", 2),
    ("USD", 2),
    ("VND", 0),
    ("VUV", 0),
    ("WST", 2),
];

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Currency {
    code: &'static str,
    minor_digits: u32,
}

impl Currency {
    pub fn parse(field: &str, code: &str) -> Result<Self> {
        let upper = code.trim().to_ascii_uppercase();
        CURRENCIES
            .iter()
            .find(|(c, _)| *c == upper)
            .map(|&(code, minor_digits)| Self { code, minor_digits })
            .ok_or_else(|| {
                Error::bad_input(
                    field,
                    format!("{code:?} is not a supported ISO 4217 currency code (e.g. \"AUD\")"),
                )
            })
    }

    pub fn code(self) -> &'static str {
        self.code
    }

    pub fn minor_digits(self) -> u32 {
        self.minor_digits
    }
}

/// The largest amount accepted, in a currency's major units: a trillion, far beyond any grant,
/// and small enough that no sum of amounts the service adds up can overflow (sums are taken in
/// 128-bit integers; see `summary`).
pub const MAX_MAJOR_UNITS: i64 = 1_000_000_000_000;

/// An exact, non-negative amount of one currency, held in integer minor units.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Money {
    minor: i64,
    currency: Currency,
}

impl Money {
    /// Parses a decimal string such as `"90000.00"`: no sign, no exponent, no more decimals
    /// than the currency has.
    pub fn parse(field: &str, amount: &str, currency: Currency) -> Result<Self> {
        let minor = parse_minor(field, amount, currency.minor_digits)?;
        Ok(Self { minor, currency })
    }

    pub fn from_minor(minor: i64, currency: Currency) -> Self {
        Self { minor, currency }
    }

    pub fn minor(self) -> i64 {
        self.minor
    }

    pub fn currency(self) -> Currency {
        self.currency
    }
}

fn parse_minor(field: &str, amount: &str, digits: u32) -> Result<i64> {
    let text = amount.trim();
    let bad = |why: &str| Error::bad_input(field, format!("{amount:?} {why}"));
    if text.starts_with('-') {
        return Err(bad("is negative; amounts must be zero or more"));
    }
    let (whole, fraction) = match text.split_once('.') {
        Some((w, f)) => (w, f),
        None => (text, ""),
    };
    let digits_only = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
    if !digits_only(whole) || (text.contains('.') && !digits_only(fraction)) {
        return Err(bad("is not a decimal amount like \"90000.00\""));
    }
    let significant = fraction.trim_end_matches('0');
    if significant.len() > digits as usize {
        return Err(bad(&format!(
            "has more decimal places than the currency's {digits}"
        )));
    }
    let scale = 10_i64.pow(digits);
    let too_large = || {
        bad(&format!(
            "is more than the largest amount accepted, {MAX_MAJOR_UNITS}"
        ))
    };
    let whole: i64 = whole.parse().map_err(|_| too_large())?;
    if whole > MAX_MAJOR_UNITS || (whole == MAX_MAJOR_UNITS && !significant.is_empty()) {
        return Err(too_large());
    }
    let mut frac: i64 = 0;
    for (i, b) in significant.bytes().enumerate() {
        frac += i64::from(b - b'0') * 10_i64.pow(digits - 1 - i as u32);
    }
    whole
        .checked_mul(scale)
        .and_then(|w| w.checked_add(frac))
        .ok_or_else(too_large)
}

/// Formats integer minor units as a decimal string with the currency's digits: `"90000.00"`.
/// Takes sums too, which are 128-bit.
pub fn format_minor(minor: impl Into<i128>, digits: u32) -> String {
    let minor: i128 = minor.into();
    if digits == 0 {
        return minor.to_string();
    }
    let sign = if minor < 0 { "-" } else { "" };
    let abs = minor.unsigned_abs();
    let scale = 10_u128.pow(digits);
    format!(
        "{sign}{}.{:0width$}",
        abs / scale,
        abs % scale,
        width = digits as usize
    )
}

/// The number of minor digits of a stored currency code (2 when unknown).
pub fn minor_digits_of(code: &str) -> u32 {
    CURRENCIES
        .iter()
        .find(|(c, _)| *c == code)
        .map_or(2, |&(_, d)| d)
}

/// Money as a client sends it: a decimal string and an ISO 4217 code.
#[derive(Clone, Debug, PartialEq, Eq, serde::Deserialize)]
pub struct MoneyText {
    pub amount: String,
    pub currency: String,
}

impl MoneyText {
    /// `field` is the input field holding the money, e.g. `totalFunding`.
    pub fn check(&self, field: &str) -> Result<Money> {
        let currency = Currency::parse(&format!("{field}.currency"), &self.currency)?;
        Money::parse(&format!("{field}.amount"), &self.amount, currency)
    }
}
