//! IATI 2.03 codes the service reads and writes. The DAC sector and country lists are the
//! active items of the IATI codelists `Sector` and `Country` as published with version 2.03
//! (generated from `iati/resources/standard/2-03/codelists/` of the PyPI package `pyiati` 0.4.1);
//! the small codelists are written out where they are used.

use entity::enums::{GrantStatus, OrganisationKind};

/// `OrganisationRole`: how an organisation takes part in an activity.
pub mod role {
    pub const FUNDING: &str = "1";
    pub const EXTENDING: &str = "3";
    pub const IMPLEMENTING: &str = "4";
}

/// `ActivityDateType`.
pub mod date_type {
    pub const PLANNED_START: &str = "1";
    pub const ACTUAL_START: &str = "2";
    pub const PLANNED_END: &str = "3";
    pub const ACTUAL_END: &str = "4";
}

/// `ResultType`.
pub mod result_type {
    pub const OUTPUT: &str = "1";
    pub const OUTCOME: &str = "2";
}

/// `IndicatorMeasure`.
pub mod measure {
    pub const UNIT: &str = "1";
    pub const QUALITATIVE: &str = "5";
}

/// `DescriptionType`.
pub mod description_type {
    pub const GENERAL: &str = "1";
    pub const OBJECTIVES: &str = "2";
}

/// `SectorVocabulary` 1: OECD DAC CRS purpose codes (5 digit).
pub const SECTOR_VOCABULARY_DAC: &str = "1";
/// `PolicyMarkerVocabulary` 1: OECD DAC CRS.
pub const POLICY_MARKER_VOCABULARY_DAC: &str = "1";
/// `BudgetType` 1: original; `BudgetStatus` 2: committed (a tranche is money awarded).
pub const BUDGET_TYPE_ORIGINAL: &str = "1";
pub const BUDGET_STATUS_COMMITTED: &str = "2";

/// `ActivityStatus` of a grant: a running grant is in implementation (2), a closed one
/// complete (3, "Completion"): the service records no final financial transactions, which
/// post-completion (4) would claim.
pub fn activity_status(status: GrantStatus) -> &'static str {
    match status {
        GrantStatus::Active => "2",
        GrantStatus::Closed => "3",
    }
}

/// Whether an organisation kind funds or runs schemes (and so may report their grants).
pub fn may_report(kind: OrganisationKind) -> bool {
    matches!(
        kind,
        OrganisationKind::Funder | OrganisationKind::SchemeManager
    )
}

/// The name of a DAC 5-digit purpose code, if it is an active one.
pub fn dac_sector_name(code: &str) -> Option<&'static str> {
    DAC_SECTORS
        .binary_search_by(|(c, _)| c.cmp(&code))
        .ok()
        .and_then(|i| DAC_SECTORS.get(i))
        .map(|(_, name)| *name)
}

/// Whether `code` is an active ISO 3166-1 alpha-2 code of the IATI `Country` codelist.
pub fn is_country(code: &str) -> bool {
    COUNTRIES.binary_search(&code).is_ok()
}

/// OECD DAC 5-digit purpose codes (IATI `Sector`, vocabulary 1), active ones, with their names.
pub const DAC_SECTORS: &[(&str, &str)] = &[
    ("11110", "Education policy and administrative management"),
    ("11120", "Education facilities and training"),
    ("11130", "Teacher training"),
    ("11182", "Educational research"),
    ("11220", "Primary education"),
    ("11230", "Basic life skills for youth and adults"),
    ("11231", "Basic life skills for youth"),
    ("11232", "Primary education equivalent for adults"),
    ("11240", "Early childhood education"),
    ("11320", "Secondary education"),
    ("11321", "Lower secondary education"),
    ("11322", "Upper secondary education"),
    ("11330", "Vocational training"),
    ("11420", "Higher education"),
    ("11430", "Advanced technical and managerial training"),
    ("12110", "Health policy and administrative management"),
    ("12181", "Medical education/training"),
    ("12182", "Medical research"),
    ("12191", "Medical services"),
    ("12220", "Basic health care"),
    ("12230", "Basic health infrastructure"),
    ("12240", "Basic nutrition"),
    ("12250", "Infectious disease control"),
    ("12261", "Health education"),
    ("12262", "Malaria control"),
    ("12263", "Tuberculosis control"),
    ("12281", "Health personnel development"),
    ("13010", "Population policy and administrative management"),
    ("13020", "Reproductive health care"),
    ("13030", "Family planning"),
    ("13040", "STD control including HIV/AIDS"),
    (
        "13081",
        "Personnel development for population and reproductive health",
    ),
    ("14010", "Water sector policy and administrative management"),
    (
        "14015",
        "Water resources conservation (including data collection)",
    ),
    ("14020", "Water supply and sanitation - large systems"),
    ("14021", "Water supply - large systems"),
    ("14022", "Sanitation - large systems"),
    ("14030", "Basic drinking water supply and basic sanitation"),
    ("14031", "Basic drinking water supply"),
    ("14032", "Basic sanitation"),
    ("14040", "River basins’ development"),
    ("14050", "Waste management / disposal"),
    (
        "14081",
        "Education and training in water supply and sanitation",
    ),
    (
        "15110",
        "Public sector policy and administrative management",
    ),
    ("15111", "Public Finance Management (PFM)"),
    (
        "15112",
        "Decentralisation and support to subnational government",
    ),
    ("15113", "Anti-corruption organisations and institutions"),
    ("15114", "Domestic Revenue Mobilisation"),
    ("15116", "Tax collection"),
    ("15117", "Budget planning"),
    ("15118", "National audit"),
    ("15119", "Debt and aid management"),
    ("15121", "Foreign affairs"),
    ("15122", "Diplomatic missions"),
    (
        "15123",
        "Administration of developing countries' foreign aid",
    ),
    ("15124", "General personnel services"),
    ("15125", "Central procurement"),
    ("15126", "Other general public services"),
    ("15127", "National monitoring and evaluation"),
    ("15128", "Local government finance"),
    ("15129", "Other central transfers to institutions"),
    ("15130", "Legal and judicial development"),
    (
        "15131",
        "Justice, law and order policy, planning and administration",
    ),
    ("15132", "Police"),
    ("15133", "Fire and rescue services"),
    ("15134", "Judicial affairs"),
    ("15135", "Ombudsman"),
    ("15136", "Immigration"),
    ("15137", "Prisons"),
    ("15142", "Macroeconomic policy"),
    ("15143", "Meteorological services"),
    ("15144", "National standards development"),
    ("15150", "Democratic participation and civil society"),
    ("15151", "Elections"),
    ("15152", "Legislatures and political parties"),
    ("15153", "Media and free flow of information"),
    ("15154", "Executive office"),
    ("15155", "Tax policy and administration support"),
    ("15156", "Other non-tax revenue mobilisation"),
    ("15160", "Human rights"),
    ("15170", "Women’s equality organisations and institutions"),
    ("15180", "Ending violence against women and girls"),
    ("15185", "Local government administration"),
    ("15210", "Security system management and reform"),
    (
        "15220",
        "Civilian peace-building, conflict prevention and resolution",
    ),
    (
        "15230",
        "Participation in international peacekeeping operations",
    ),
    ("15240", "Reintegration and SALW control"),
    (
        "15250",
        "Removal of land mines and explosive remnants of war",
    ),
    ("15261", "Child soldiers (Prevention and demobilisation)"),
    ("16010", "Social/ welfare services"),
    (
        "16011",
        "Social protection and welfare services policy, planning and administration",
    ),
    ("16012", "Social security (excl pensions)"),
    ("16013", "General pensions"),
    ("16014", "Civil service pensions"),
    (
        "16015",
        "Social services (incl youth development and women+ children)",
    ),
    ("16020", "Employment policy and administrative management"),
    ("16030", "Housing policy and administrative management"),
    ("16040", "Low-cost housing"),
    ("16050", "Multisector aid for basic social services"),
    ("16061", "Culture and recreation"),
    ("16062", "Statistical capacity building"),
    ("16063", "Narcotics control"),
    ("16064", "Social mitigation of HIV/AIDS"),
    ("16065", "Recreation and sport"),
    ("16066", "Culture"),
    ("21010", "Transport policy and administrative management"),
    ("21011", "Transport policy, planning and administration"),
    ("21012", "Public transport services"),
    ("21013", "Transport regulation"),
    ("21020", "Road transport"),
    ("21021", "Feeder road construction"),
    ("21022", "Feeder road maintenance"),
    ("21023", "National road construction"),
    ("21024", "National road maintenance"),
    ("21030", "Rail transport"),
    ("21040", "Water transport"),
    ("21050", "Air transport"),
    ("21061", "Storage"),
    ("21081", "Education and training in transport and storage"),
    (
        "22010",
        "Communications policy and administrative management",
    ),
    (
        "22011",
        "Communications policy, planning and administration",
    ),
    ("22012", "Postal services"),
    ("22013", "Information services"),
    ("22020", "Telecommunications"),
    ("22030", "Radio/television/print media"),
    ("22040", "Information and communication technology (ICT)"),
    ("23110", "Energy policy and administrative management"),
    ("23111", "Energy sector policy, planning and administration"),
    ("23112", "Energy regulation"),
    ("23181", "Energy education/training"),
    ("23182", "Energy research"),
    ("23183", "Energy conservation and demand-side efficiency"),
    (
        "23210",
        "Energy generation, renewable sources – multiple technologies",
    ),
    ("23220", "Hydro-electric power plants"),
    ("23230", "Solar energy"),
    ("23240", "Wind energy"),
    ("23250", "Marine energy"),
    ("23260", "Geothermal energy"),
    ("23270", "Biofuel-fired power plants"),
    (
        "23310",
        "Energy generation, non-renewable sources – unspecified",
    ),
    ("23320", "Coal-fired electric power plants"),
    ("23330", "Oil-fired electric power plants"),
    ("23340", "Natural gas-fired electric power plants"),
    (
        "23350",
        "Fossil fuel electric power plants with carbon capture and storage (CCS)",
    ),
    ("23360", "Non-renewable waste-fired electric power plants"),
    ("23410", "Hybrid energy electric power plants"),
    ("23510", "Nuclear energy electric power plants"),
    ("23610", "Heat plants"),
    ("23620", "District heating and cooling"),
    ("23630", "Electric power transmission and distribution"),
    ("23640", "Gas distribution"),
    ("24010", "Financial policy and administrative management"),
    ("24020", "Monetary institutions"),
    ("24030", "Formal sector financial intermediaries"),
    ("24040", "Informal/semi-formal financial intermediaries"),
    (
        "24081",
        "Education/training in banking and financial services",
    ),
    ("25010", "Business support services and institutions"),
    ("25020", "Privatisation"),
    ("31110", "Agricultural policy and administrative management"),
    ("31120", "Agricultural development"),
    ("31130", "Agricultural land resources"),
    ("31140", "Agricultural water resources"),
    ("31150", "Agricultural inputs"),
    ("31161", "Food crop production"),
    ("31162", "Industrial crops/export crops"),
    ("31163", "Livestock"),
    ("31164", "Agrarian reform"),
    ("31165", "Agricultural alternative development"),
    ("31166", "Agricultural extension"),
    ("31181", "Agricultural education/training"),
    ("31182", "Agricultural research"),
    ("31191", "Agricultural services"),
    (
        "31192",
        "Plant and post-harvest protection and pest control",
    ),
    ("31193", "Agricultural financial services"),
    ("31194", "Agricultural co-operatives"),
    ("31195", "Livestock/veterinary services"),
    ("31210", "Forestry policy and administrative management"),
    ("31220", "Forestry development"),
    ("31261", "Fuelwood/charcoal"),
    ("31281", "Forestry education/training"),
    ("31282", "Forestry research"),
    ("31291", "Forestry services"),
    ("31310", "Fishing policy and administrative management"),
    ("31320", "Fishery development"),
    ("31381", "Fishery education/training"),
    ("31382", "Fishery research"),
    ("31391", "Fishery services"),
    ("32110", "Industrial policy and administrative management"),
    ("32120", "Industrial development"),
    (
        "32130",
        "Small and medium-sized enterprises (SME) development",
    ),
    ("32140", "Cottage industries and handicraft"),
    ("32161", "Agro-industries"),
    ("32162", "Forest industries"),
    ("32163", "Textiles, leather and substitutes"),
    ("32164", "Chemicals"),
    ("32165", "Fertilizer plants"),
    ("32166", "Cement/lime/plaster"),
    ("32167", "Energy manufacturing"),
    ("32168", "Pharmaceutical production"),
    ("32169", "Basic metal industries"),
    ("32170", "Non-ferrous metal industries"),
    ("32171", "Engineering"),
    ("32172", "Transport equipment industry"),
    ("32182", "Technological research and development"),
    (
        "32210",
        "Mineral/mining policy and administrative management",
    ),
    ("32220", "Mineral prospection and exploration"),
    ("32261", "Coal"),
    ("32262", "Oil and gas"),
    ("32263", "Ferrous metals"),
    ("32264", "Nonferrous metals"),
    ("32265", "Precious metals/materials"),
    ("32266", "Industrial minerals"),
    ("32267", "Fertilizer minerals"),
    ("32268", "Offshore minerals"),
    ("32310", "Construction policy and administrative management"),
    ("33110", "Trade policy and administrative Management"),
    ("33120", "Trade facilitation"),
    ("33130", "Regional trade agreements (RTAs)"),
    ("33140", "Multilateral trade negotiations"),
    ("33150", "Trade-related adjustment"),
    ("33181", "Trade education/training"),
    ("33210", "Tourism policy and administrative management"),
    (
        "41010",
        "Environmental policy and administrative management",
    ),
    ("41020", "Biosphere protection"),
    ("41030", "Bio-diversity"),
    ("41040", "Site preservation"),
    ("41050", "Flood prevention/control"),
    ("41081", "Environmental education/ training"),
    ("41082", "Environmental research"),
    ("43010", "Multisector aid"),
    ("43030", "Urban development and management"),
    ("43031", "Urban land policy and management"),
    ("43032", "Urban development"),
    ("43040", "Rural development"),
    ("43041", "Rural land policy and management"),
    ("43042", "Rural development"),
    ("43050", "Non-agricultural alternative development"),
    ("43081", "Multisector education/training"),
    ("43082", "Research/scientific institutions"),
    ("51010", "General budget support-related aid"),
    ("52010", "Food aid/Food security programmes"),
    ("53030", "Import support (capital goods)"),
    ("53040", "Import support (commodities)"),
    ("60010", "Action relating to debt"),
    ("60020", "Debt forgiveness"),
    ("60030", "Relief of multilateral debt"),
    ("60040", "Rescheduling and refinancing"),
    ("60061", "Debt for development swap"),
    ("60062", "Other debt swap"),
    ("60063", "Debt buy-back"),
    ("72010", "Material relief assistance and services"),
    ("72040", "Emergency food aid"),
    (
        "72050",
        "Relief co-ordination; protection and support services",
    ),
    ("73010", "Reconstruction relief and rehabilitation"),
    ("74010", "Disaster prevention and preparedness"),
    ("91010", "Administrative costs (non-sector allocable)"),
    (
        "93010",
        "Refugees in donor countries (non-sector allocable)",
    ),
    ("99810", "Sectors not specified"),
    (
        "99820",
        "Promotion of development awareness (non-sector allocable)",
    ),
];

/// ISO 3166-1 alpha-2 codes (IATI `Country`), active ones.
pub const COUNTRIES: &[&str] = &[
    "AD", "AE", "AF", "AG", "AI", "AL", "AM", "AO", "AQ", "AR", "AS", "AT", "AU", "AW", "AX", "AZ",
    "BA", "BB", "BD", "BE", "BF", "BG", "BH", "BI", "BJ", "BL", "BM", "BN", "BO", "BQ", "BR", "BS",
    "BT", "BV", "BW", "BY", "BZ", "CA", "CC", "CD", "CF", "CG", "CH", "CI", "CK", "CL", "CM", "CN",
    "CO", "CR", "CU", "CV", "CW", "CX", "CY", "CZ", "DE", "DJ", "DK", "DM", "DO", "DZ", "EC", "EE",
    "EG", "EH", "ER", "ES", "ET", "FI", "FJ", "FK", "FM", "FO", "FR", "GA", "GB", "GD", "GE", "GF",
    "GG", "GH", "GI", "GL", "GM", "GN", "GP", "GQ", "GR", "GS", "GT", "GU", "GW", "GY", "HK", "HM",
    "HN", "HR", "HT", "HU", "ID", "IE", "IL", "IM", "IN", "IO", "IQ", "IR", "IS", "IT", "JE", "JM",
    "JO", "JP", "KE", "KG", "KH", "KI", "KM", "KN", "KP", "KR", "KW", "KY", "KZ", "LA", "LB", "LC",
    "LI", "LK", "LR", "LS", "LT", "LU", "LV", "LY", "MA", "MC", "MD", "ME", "MF", "MG", "MH", "MK",
    "ML", "MM", "MN", "MO", "MP", "MQ", "MR", "MS", "MT", "MU", "MV", "MW", "MX", "MY", "MZ", "NA",
    "NC", "NE", "NF", "NG", "NI", "NL", "NO", "NP", "NR", "NU", "NZ", "OM", "PA", "PE", "PF", "PG",
    "PH", "PK", "PL", "PM", "PN", "PR", "PS", "PT", "PW", "PY", "QA", "RE", "RO", "RS", "RU", "RW",
    "SA", "SB", "SC", "SD", "SE", "SG", "SH", "SI", "SJ", "SK", "SL", "SM", "SN", "SO", "SR", "SS",
    "ST", "SV", "SX", "SY", "SZ", "TC", "TD", "TF", "TG", "TH", "TJ", "TK", "TL", "TM", "TN", "TO",
    "TR", "TT", "TV", "TW", "TZ", "UA", "UG", "UM", "US", "UY", "UZ", "VA", "VC", "VE", "VG", "VI",
    "VN", "VU", "WF", "WS", "XK", "YE", "YT", "ZA", "ZM", "ZW",
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_code_tables_are_sorted_for_binary_search() {
        assert!(DAC_SECTORS.windows(2).all(|w| w[0].0 < w[1].0));
        assert!(COUNTRIES.windows(2).all(|w| w[0] < w[1]));
        assert_eq!(
            dac_sector_name("15150"),
            Some("Democratic participation and civil society")
        );
        assert!(is_country("KH") && is_country("AU") && !is_country("XX"));
    }
}
