//! What IATI needs of the portfolio, checked: organisation and activity identifiers, recipient
//! countries, DAC sectors with their percentages, and policy markers with their significance.

use serde::{Deserialize, Serialize};

use super::optional_text;
use crate::error::{Error, Problems, Result};
use crate::iati::codelists::{dac_sector_name, is_country};

/// Characters IATI identifiers may hold: letters, digits and `-._:` (no spaces, and none of the
/// `/ ? # & |` that break the IATI Registry's URLs).
fn identifier_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || matches!(c, '-' | '.' | '_' | ':')
}

/// An IATI organisation identifier: a registration agency's prefix and the organisation's
/// number there, e.g. `AU-5` (DFAT), `GB-CHC-1234567`, `XM-DAC-41114`.
pub fn organisation_identifier(field: &str, value: Option<&str>) -> Result<Option<String>> {
    let Some(id) = optional_text(field, value, 100)? else {
        return Ok(None);
    };
    let prefix_ok = id.len() >= 4
        && id.as_bytes()[..2].iter().all(u8::is_ascii_uppercase)
        && id.as_bytes()[2] == b'-';
    if !prefix_ok || !id.chars().all(identifier_char) || id.ends_with('-') {
        return Err(Error::bad_input(
            field,
            format!(
                "{id:?} is not an IATI organisation identifier: a registration agency's prefix \
                 (two capital letters, a hyphen, e.g. \"AU-\" or \"GB-CHC-\") and the number \
                 there, in letters, digits and - . _ :, such as \"AU-5\""
            ),
        ));
    }
    Ok(Some(id))
}

/// An IATI activity identifier as set by hand: the reporting organisation's identifier, a
/// hyphen and the activity's own reference, e.g. `AU-5-CAAS-API-2024`. Whether it starts with
/// the reporting organisation's identifier is checked where both are known.
pub fn activity_identifier(field: &str, value: Option<&str>) -> Result<Option<String>> {
    let Some(id) = optional_text(field, value, 200)? else {
        return Ok(None);
    };
    if !id.chars().all(identifier_char) || id.starts_with('-') || id.ends_with('-') {
        return Err(Error::bad_input(
            field,
            format!(
                "{id:?} is not an IATI activity identifier: the reporting organisation's \
                 identifier, a hyphen and the activity's reference, in letters, digits and \
                 - . _ : only, such as \"AU-5-CAAS-API-2024\""
            ),
        ));
    }
    Ok(Some(id))
}

/// The activity identifier IATI gets when none is set: the reporting organisation's identifier,
/// a hyphen, and the grant's reference with every character IATI does not allow in
/// identifiers (spaces, `/` …) written as a hyphen.
pub fn derived_activity_identifier(organisation: &str, reference: &str) -> String {
    let reference: String = reference
        .chars()
        .map(|c| if identifier_char(c) { c } else { '-' })
        .collect();
    format!("{organisation}-{}", reference.trim_matches('-'))
}

/// Whether an activity identifier begins with its reporting organisation's identifier, as the
/// IATI rules ask.
pub fn identifier_belongs_to(activity: &str, organisation: &str) -> bool {
    activity
        .strip_prefix(organisation)
        .is_some_and(|rest| rest.starts_with('-') && rest.len() > 1)
}

/// A recipient country: an active ISO 3166-1 alpha-2 code of the IATI `Country` codelist.
pub fn recipient_country(field: &str, value: Option<&str>) -> Result<Option<String>> {
    let Some(code) = super::country_code(field, value)? else {
        return Ok(None);
    };
    if !is_country(&code) {
        return Err(Error::bad_input(
            field,
            format!(
                "{code:?} is not an ISO 3166-1 alpha-2 country code IATI knows, such as \"KH\""
            ),
        ));
    }
    Ok(Some(code))
}

/// A percentage in hundredths (10000 = 100%): what IATI's `percentage` attributes hold,
/// exact to two decimals.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct Percentage(u32);

impl Percentage {
    pub const WHOLE: Self = Self(10_000);

    /// From a decimal string such as "100", "33.33" or "12.5": above 0, at most 100, at most
    /// two decimals.
    pub fn parse(field: &str, text: &str) -> Result<Self> {
        let bad = || {
            Error::bad_input(
                field,
                format!(
                    "{text:?} is not a percentage above 0 and at most 100 with at most two \
                     decimals, such as \"100\" or \"33.33\""
                ),
            )
        };
        let text = text.trim();
        let (whole, fraction) = text.split_once('.').unwrap_or((text, ""));
        if whole.is_empty()
            || whole.len() > 3
            || fraction.len() > 2
            || (text.contains('.') && fraction.is_empty())
            || !whole
                .bytes()
                .chain(fraction.bytes())
                .all(|b| b.is_ascii_digit())
        {
            return Err(bad());
        }
        let whole: u32 = whole.parse().map_err(|_| bad())?;
        let fraction: u32 = format!("{fraction:0<2}").parse().map_err(|_| bad())?;
        let hundredths = whole * 100 + fraction;
        if hundredths == 0 || hundredths > Self::WHOLE.0 {
            return Err(bad());
        }
        Ok(Self(hundredths))
    }

    pub fn hundredths(self) -> u32 {
        self.0
    }
}

impl std::fmt::Display for Percentage {
    /// "100", "33.33", "12.5": no trailing zeros.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let (whole, fraction) = (self.0 / 100, self.0 % 100);
        match fraction {
            0 => write!(f, "{whole}"),
            f10 if f10 % 10 == 0 => write!(f, "{whole}.{}", f10 / 10),
            _ => write!(f, "{whole}.{fraction:02}"),
        }
    }
}

impl Serialize for Percentage {
    fn serialize<S: serde::Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for Percentage {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> std::result::Result<Self, D::Error> {
        let text = String::deserialize(d)?;
        Self::parse("percentage", &text).map_err(serde::de::Error::custom)
    }
}

/// A share of a grant in one DAC 5-digit purpose code.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SectorShare {
    pub code: String,
    pub percentage: Percentage,
}

/// A sector as a client sends it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SectorText {
    pub code: String,
    pub percentage: String,
}

/// The most sectors a grant may name.
pub const MAX_SECTORS: usize = 20;

/// A grant's sectors: active DAC 5-digit purpose codes, each once, with percentages that add
/// up to exactly 100. `field` is the list's name, e.g. `sectors`; each problem names its item
/// (`sectors[1].code`). An empty list is no sectors.
pub fn sectors(field: &str, items: &[SectorText]) -> Result<Vec<SectorShare>> {
    if items.len() > MAX_SECTORS {
        return Err(Error::bad_input(
            field,
            format!(
                "names {} sectors; at most {MAX_SECTORS} are allowed",
                items.len()
            ),
        ));
    }
    let mut p = Problems::new();
    let mut shares = Vec::with_capacity(items.len());
    for (i, item) in items.iter().enumerate() {
        let code = item.code.trim();
        if dac_sector_name(code).is_none() {
            p.push(
                format!("{field}[{i}].code"),
                format!(
                    "{code:?} is not an active OECD DAC 5-digit purpose code (IATI Sector \
                     vocabulary 1), such as \"15150\""
                ),
            );
        } else if shares.iter().any(|s: &SectorShare| s.code == code) {
            p.push(
                format!("{field}[{i}].code"),
                format!("{code} is named twice; give each sector once with its whole share"),
            );
        }
        let percentage = p.take(Percentage::parse(
            &format!("{field}[{i}].percentage"),
            &item.percentage,
        ));
        if let Some(percentage) = percentage {
            shares.push(SectorShare {
                code: code.to_owned(),
                percentage,
            });
        }
    }
    p.into_result()?;
    let sum: u32 = shares.iter().map(|s| s.percentage.hundredths()).sum();
    if !shares.is_empty() && sum != Percentage::WHOLE.hundredths() {
        return Err(Error::bad_input(
            field,
            format!(
                "the percentages add up to {}; a grant's sectors must add up to exactly 100",
                Percentage(sum)
            ),
        ));
    }
    Ok(shares)
}

/// The IATI `PolicyMarker` codelist (OECD DAC vocabulary), stored as its code.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum PolicyMarkerCode {
    #[serde(rename = "1")]
    GenderEquality,
    #[serde(rename = "2")]
    AidToEnvironment,
    #[serde(rename = "3")]
    ParticipatoryDevelopmentGoodGovernance,
    #[serde(rename = "4")]
    TradeDevelopment,
    #[serde(rename = "5")]
    Biodiversity,
    #[serde(rename = "6")]
    ClimateChangeMitigation,
    #[serde(rename = "7")]
    ClimateChangeAdaptation,
    #[serde(rename = "8")]
    Desertification,
    #[serde(rename = "9")]
    Rmnch,
    #[serde(rename = "10")]
    DisasterRiskReduction,
    #[serde(rename = "11")]
    Disability,
    #[serde(rename = "12")]
    Nutrition,
}

impl PolicyMarkerCode {
    pub const fn code(self) -> &'static str {
        match self {
            Self::GenderEquality => "1",
            Self::AidToEnvironment => "2",
            Self::ParticipatoryDevelopmentGoodGovernance => "3",
            Self::TradeDevelopment => "4",
            Self::Biodiversity => "5",
            Self::ClimateChangeMitigation => "6",
            Self::ClimateChangeAdaptation => "7",
            Self::Desertification => "8",
            Self::Rmnch => "9",
            Self::DisasterRiskReduction => "10",
            Self::Disability => "11",
            Self::Nutrition => "12",
        }
    }

    /// The highest `PolicySignificance` the marker takes: 3 ("principal objective and in
    /// support of an action programme") exists for desertification only, 4 ("explicit primary
    /// objective") for RMNCH only; every other marker is scored 0 to 2.
    pub const fn max_significance(self) -> u8 {
        match self {
            Self::Desertification => 3,
            Self::Rmnch => 4,
            _ => 2,
        }
    }
}

/// A policy marker of a grant: which policy objective, and how much the grant targets it
/// (`PolicySignificance` 0 to 4).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PolicyMarker {
    pub code: PolicyMarkerCode,
    pub significance: u8,
}

/// A grant's policy markers: each marker once, with a significance it can take.
pub fn policy_markers(field: &str, items: &[(PolicyMarkerCode, i32)]) -> Result<Vec<PolicyMarker>> {
    let mut p = Problems::new();
    let mut markers: Vec<PolicyMarker> = Vec::with_capacity(items.len());
    for (i, &(code, significance)) in items.iter().enumerate() {
        if markers.iter().any(|m| m.code == code) {
            p.push(
                format!("{field}[{i}].marker"),
                "is named twice; give each policy marker once",
            );
            continue;
        }
        let max = code.max_significance();
        match u8::try_from(significance) {
            Ok(s) if s <= max => markers.push(PolicyMarker {
                code,
                significance: s,
            }),
            _ => p.push(
                format!("{field}[{i}].significance"),
                format!(
                    "is {significance}; this marker's significance is 0 (not targeted) to {max} \
                     (IATI PolicySignificance)"
                ),
            ),
        }
    }
    p.into_result()?;
    Ok(markers)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sector(code: &str, percentage: &str) -> SectorText {
        SectorText {
            code: code.to_owned(),
            percentage: percentage.to_owned(),
        }
    }

    #[test]
    fn sectors_must_be_dac_codes_adding_up_to_exactly_100() {
        let ok = sectors(
            "sectors",
            &[sector("15150", "66.67"), sector("15110", "33.33")],
        );
        assert_eq!(ok.map(|s| s.len()).ok(), Some(2));
        let short = sectors(
            "sectors",
            &[sector("15150", "50"), sector("15110", "49.99")],
        );
        assert!(matches!(short, Err(Error::BadInput(p)) if p[0].field == "sectors"));
        let unknown = sectors("sectors", &[sector("99999", "100")]);
        assert!(matches!(unknown, Err(Error::BadInput(p)) if p[0].field == "sectors[0].code"));
        for bad in ["0", "100.01", "-5", "1e2", "33.333", "", "."] {
            let result = sectors("sectors", &[sector("15150", bad)]);
            assert!(
                matches!(&result, Err(Error::BadInput(p)) if p[0].field == "sectors[0].percentage"),
                "{bad:?} gave {result:?}"
            );
        }
    }

    #[test]
    fn percentages_print_without_trailing_zeros() {
        let p = |t: &str| Percentage::parse("p", t).map(|p| p.to_string()).ok();
        assert_eq!(p("100.00").as_deref(), Some("100"));
        assert_eq!(p("12.50").as_deref(), Some("12.5"));
        assert_eq!(p("0.05").as_deref(), Some("0.05"));
    }

    #[test]
    fn identifiers_follow_the_iati_pattern() {
        assert!(organisation_identifier("identifier", Some("AU-5")).is_ok());
        assert!(organisation_identifier("identifier", Some("XM-DAC-41114")).is_ok());
        for bad in ["AU5", "au-5", "AU-", "AU-5 6", "AU-5/6"] {
            assert!(
                organisation_identifier("identifier", Some(bad)).is_err(),
                "{bad:?}"
            );
        }
        assert_eq!(
            derived_activity_identifier("AU-5", "CAAS/API 2024"),
            "AU-5-CAAS-API-2024"
        );
        assert!(identifier_belongs_to("AU-5-X", "AU-5"));
        assert!(!identifier_belongs_to("AU-51-X", "AU-5"));
    }

    #[test]
    fn significance_three_and_four_belong_to_their_own_markers() {
        assert!(policy_markers("m", &[(PolicyMarkerCode::Rmnch, 4)]).is_ok());
        assert!(policy_markers("m", &[(PolicyMarkerCode::GenderEquality, 3)]).is_err());
        assert!(policy_markers("m", &[(PolicyMarkerCode::Disability, -1)]).is_err());
    }
}
