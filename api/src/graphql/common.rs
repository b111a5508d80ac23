//! What every area of the schema shares: error mapping, context access, enums, money,
//! connections.

use std::sync::Arc;

use async_graphql::{Context, ErrorExtensions, SimpleObject};
use sea_orm::DatabaseConnection;

use super::loaders::Loaders;
use crate::domain::actor::Actor;
use crate::domain::page::{Page, PageRequest};
use crate::domain::write::Writer;
use crate::error::{Error, code};

impl From<Error> for async_graphql::Error {
    fn from(err: Error) -> Self {
        err.extend()
    }
}

/// A domain error shared between the callers a data loader answers at once.
#[derive(Clone, Debug)]
pub struct SharedError(pub Arc<Error>);

impl From<SharedError> for async_graphql::Error {
    fn from(err: SharedError) -> Self {
        err.0.extend()
    }
}

impl ErrorExtensions for Error {
    fn extend(&self) -> async_graphql::Error {
        let message = match self {
            Error::Internal(source) => {
                tracing::error!(error = %source, chain = ?source, "internal error");
                "internal error".to_owned()
            }
            Error::Unavailable(source) | Error::Unreachable(source) | Error::TimedOut(source) => {
                tracing::warn!(error = %source, "{self}");
                self.to_string()
            }
            other => other.to_string(),
        };
        async_graphql::Error::new(message).extend_with(|_, e| {
            e.set("code", self.code());
            match self {
                Error::BadInput(problems) => {
                    if let Some(first) = problems.first() {
                        e.set("field", first.field.clone());
                    }
                    let list: Vec<async_graphql::Value> = problems
                        .iter()
                        .map(|p| {
                            let mut m = async_graphql::indexmap::IndexMap::new();
                            m.insert(async_graphql::Name::new("field"), p.field.clone().into());
                            m.insert(
                                async_graphql::Name::new("message"),
                                p.message.clone().into(),
                            );
                            async_graphql::Value::Object(m)
                        })
                        .collect();
                    e.set("problems", list);
                }
                Error::NotFoundAt { field, .. } => e.set("field", field.clone()),
                _ if self.is_retryable() => e.set("retryable", true),
                _ => {}
            }
        })
    }
}

/// Request data every resolver reads, without panicking when something is missing.
pub trait ContextExt {
    fn actor(&self) -> Result<&Actor, Error>;
    fn db(&self) -> Result<&DatabaseConnection, Error>;
    fn loader(&self) -> Result<&Loaders, Error>;
    fn writer(&self) -> Result<&Writer, Error>;
    /// `first`/`after` of a connection field, counting only when `totalCount` is selected.
    fn page(&self, first: Option<i32>, after: Option<String>) -> Result<PageRequest, Error>;
}

impl ContextExt for Context<'_> {
    fn actor(&self) -> Result<&Actor, Error> {
        self.data_opt::<Actor>().ok_or(Error::Unauthenticated)
    }

    fn db(&self) -> Result<&DatabaseConnection, Error> {
        self.data_opt::<DatabaseConnection>()
            .ok_or_else(|| Error::internal("database connection missing from the schema data"))
    }

    fn loader(&self) -> Result<&Loaders, Error> {
        self.data_opt::<Loaders>()
            .ok_or_else(|| Error::internal("data loader missing from the request data"))
    }

    fn writer(&self) -> Result<&Writer, Error> {
        self.data_opt::<Writer>()
            .ok_or_else(|| Error::internal("writer missing from the schema data"))
    }

    fn page(&self, first: Option<i32>, after: Option<String>) -> Result<PageRequest, Error> {
        let want_total = self.look_ahead().field("totalCount").exists();
        PageRequest::new(first, after, want_total)
    }
}

pub type GqlResult<T> = async_graphql::Result<T>;

/// Mirrors a database enum as a GraphQL enum, so the public schema is declared here and not by
/// the entity crate.
macro_rules! mirror_enum {
    ($(#[$meta:meta])* $name:ident = $db:ty { $($(#[$vmeta:meta])* $variant:ident),+ $(,)? }) => {
        $(#[$meta])*
        #[derive(async_graphql::Enum, Clone, Copy, Debug, PartialEq, Eq)]
        pub enum $name {
            $($(#[$vmeta])* $variant),+
        }

        impl From<$db> for $name {
            fn from(value: $db) -> Self {
                match value {
                    $(<$db>::$variant => Self::$variant),+
                }
            }
        }

        impl From<$name> for $db {
            fn from(value: $name) -> Self {
                match value {
                    $($name::$variant => <$db>::$variant),+
                }
            }
        }
    };
}

mirror_enum!(
    /// What an organisation is to a grants scheme; given when it is registered
    /// (`createOrganisation`).
    OrganisationKind = entity::enums::OrganisationKind {
        /// Funds a scheme, e.g. Australia's Department of Foreign Affairs and Trade (DFAT);
        /// named as a scheme's `funder`.
        Funder,
        /// Runs a scheme for its funder and reviews the grantees' reports, e.g. Tetra Tech
        /// International Development; named as a scheme's `manager`.
        SchemeManager,
        /// Receives grants and reports on them, e.g. the Advocacy and Policy Institute. A
        /// grantee token acts for one such organisation and never sees another grantee.
        Grantee,
        /// Works with grantees without a grant of its own, e.g. a university or ministry named
        /// as co-organiser of an activity. Every caller may see partners.
        Partner,
    }
);
mirror_enum!(
    /// An organisation's type in the IATI 2.03 `OrganisationType` codelist, which IATI files
    /// state for the organisations they name (the code in brackets).
    IatiOrganisationType = entity::enums::IatiOrganisationType {
        /// 10: a national government or one of its departments, e.g. DFAT.
        Government,
        /// 11: a local government.
        LocalGovernment,
        /// 15: a public body other than a government.
        OtherPublicSector,
        /// 21: an international non-governmental organisation.
        InternationalNgo,
        /// 22: a national non-governmental organisation.
        NationalNgo,
        /// 23: a regional non-governmental organisation.
        RegionalNgo,
        /// 24: a non-governmental organisation based in the country that receives the aid.
        PartnerCountryBasedNgo,
        /// 30: a public-private partnership.
        PublicPrivatePartnership,
        /// 40: a multilateral organisation.
        Multilateral,
        /// 60: a foundation.
        Foundation,
        /// 70: a private company.
        PrivateSector,
        /// 71: a private company in the country that provides the aid.
        PrivateSectorInProviderCountry,
        /// 72: a private company in the country that receives the aid.
        PrivateSectorInAidRecipientCountry,
        /// 73: a private company in a third country.
        PrivateSectorInThirdCountry,
        /// 80: a university, training or research institution.
        AcademicTrainingAndResearch,
        /// 90: any other kind.
        Other,
    }
);
mirror_enum!(
    /// A policy objective of the IATI `PolicyMarker` codelist (OECD DAC vocabulary): what a
    /// grant's `policyMarkers` score (the code in brackets).
    PolicyMarkerCode = crate::domain::values::iati::PolicyMarkerCode {
        /// 1: gender equality.
        GenderEquality,
        /// 2: aid to environment.
        AidToEnvironment,
        /// 3: participatory development and good governance.
        ParticipatoryDevelopmentGoodGovernance,
        /// 4: trade development.
        TradeDevelopment,
        /// 5: the objectives of the Convention on Biological Diversity.
        Biodiversity,
        /// 6: climate change mitigation.
        ClimateChangeMitigation,
        /// 7: climate change adaptation.
        ClimateChangeAdaptation,
        /// 8: the objectives of the Convention to Combat Desertification (the only marker
        /// scored up to 3).
        Desertification,
        /// 9: reproductive, maternal, newborn and child health (the only marker scored up to 4).
        Rmnch,
        /// 10: disaster risk reduction.
        DisasterRiskReduction,
        /// 11: inclusion and empowerment of persons with disabilities.
        Disability,
        /// 12: nutrition.
        Nutrition,
    }
);
mirror_enum!(
    /// Whether a grant is still running: a label the scheme manager sets with `createGrant`
    /// and `updateGrant`. It changes no rule: the reports of a CLOSED grant can still be filed
    /// and reviewed.
    GrantStatus = entity::enums::GrantStatus {
        /// The grant is running; what a new grant is unless `status` says otherwise.
        Active,
        /// Closed by the scheme manager, typically once its funding period is over.
        Closed,
    }
);
mirror_enum!(
    /// Which report of a grant this is.
    ReportKind = entity::enums::ReportKind {
        /// An interim report on part of the grant's period.
        Progress,
        /// The final report on the grant. It is submitted only with a result
        /// (`indicatorResults`) for every indicator of the grant's objectives.
        Completion,
    }
);
mirror_enum!(
    /// Where a report is in its review: DRAFT → SUBMITTED → ACCEPTED, or SUBMITTED → RETURNED →
    /// SUBMITTED. Only the workflow mutations (`submitReport`, `acceptReport`, `returnReport`)
    /// move it.
    ReportStatus = entity::enums::ReportStatus {
        /// Opened with `createReport` and not yet submitted: its grantee and the scheme
        /// manager may edit it and everything in it.
        Draft,
        /// Sent for review with `submitReport`. Read-only to its grantee (`CONFLICT`) until the
        /// scheme manager accepts or returns it; the scheme manager may still edit it.
        Submitted,
        /// Sent back to its grantee with `returnReport` and a reason (`Report.returnReason`);
        /// the grantee edits it and submits it again.
        Returned,
        /// Accepted by the scheme manager with `acceptReport`. Final: nobody may change it or
        /// anything in it (`CONFLICT`).
        Accepted,
    }
);
mirror_enum!(
    /// What kind of event an activity was.
    ActivityKind = entity::enums::ActivityKind {
        /// A dialogue with government and other actors on a policy or a draft law, e.g. "A
        /// Policy Dialogue on Draft A2I law".
        PolicyDialogue,
        /// A public or multi-stakeholder forum, e.g. the Phnom Penh Internet Forum.
        Forum,
        /// A workshop, including a celebration or launch run as one, e.g. "Celebrate
        /// International Day on Right to Information".
        Workshop,
        /// Training or coaching that builds a group's skills.
        Training,
        /// An awareness or advocacy campaign.
        Campaign,
        /// Research or analysis, e.g. a budget analysis report. The one kind that may be
        /// submitted without participation rows.
        Research,
        /// Any other kind of event; say what it was in `title` and `narrative`.
        Other,
    }
);
mirror_enum!(
    /// How participants attended; UNSPECIFIED when a report does not say.
    AttendanceMode = entity::enums::AttendanceMode {
        /// Attended in person ("direct participants").
        InPerson,
        /// Attended online, e.g. by livestream or video call.
        Online,
        /// The report gives a number without saying how people attended, e.g. "201 participants
        /// (55 females)". Counted in `ParticipationSummary.unspecified`, never split into the
        /// other modes by guesswork.
        Unspecified,
    }
);
mirror_enum!(
    /// What kind of result an activity led to.
    OutcomeKind = entity::enums::OutcomeKind {
        /// An official or institution committed to act, e.g. a ministry official promising to
        /// take a recommendation into a draft law.
        PolicyCommitment,
        /// A policy, law, regulation or budget was adopted or changed.
        PolicyChange,
        /// An institution changed how it works in practice.
        PracticeChange,
        /// Participants or institutions gained skills or knowledge.
        Capacity,
        /// Organisations began or deepened working together.
        Partnership,
        /// Any other result; say what it was in `statement`.
        Other,
    }
);
mirror_enum!(
    /// Whether a lesson is a difficulty met or a lesson drawn.
    LessonKind = entity::enums::LessonKind {
        /// A difficulty the grantee met (the report's "Challenge" section).
        Challenge,
        /// A lesson the grantee drew for the future (the report's "Lessons learned" section).
        LessonLearned,
    }
);
mirror_enum!(
    /// What a caller's token allows: its `role` claim.
    Role = entity::enums::Role {
        /// Token role `scheme_manager`: the scheme manager's staff and dashboards. Read and
        /// write everything across all grantees; accept and return reports.
        SchemeManager,
        /// Token role `grantee` (with `org_id`): a grantee organisation's own systems. Read its
        /// own organisation's grants and everything under them; edit its reports while DRAFT
        /// or RETURNED, and submit them.
        Grantee,
        /// Token role `analyst`: the funder's portfolio analysts. Read everything across all
        /// grantees; write nothing (`FORBIDDEN`).
        Analyst,
    }
);

/// Which way a list is ordered. Ties are broken by id, so the order is stable from page to
/// page.
#[derive(async_graphql::Enum, Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum SortDirection {
    /// Smallest first: the earliest date, the lowest amount, text from A to Z. The default.
    #[default]
    Asc,
    /// Largest first: the latest date, the highest amount, text from Z to A.
    Desc,
}

/// An exact amount of money with its currency. Amounts of different currencies are never
/// added together.
#[derive(SimpleObject, Clone, Debug)]
pub struct Money {
    /// Exact decimal string with exactly the currency's minor digits, e.g. "90000.00" (AUD)
    /// or "15000" (JPY). Never negative.
    pub amount: super::scalars::Decimal,
    /// Upper-case ISO 4217 code of the amount's currency, e.g. "AUD".
    pub currency: String,
}

impl Money {
    pub fn new(minor: impl Into<i128>, currency: &str) -> Self {
        let digits = crate::domain::values::minor_digits_of(currency);
        Self {
            amount: super::scalars::Decimal::from_minor(minor, digits),
            currency: currency.to_owned(),
        }
    }
}

/// Where a page sits in its list. Lists page forward: pass `endCursor` as `after` for the
/// next page.
#[derive(SimpleObject, Clone, Debug)]
pub struct PageInfo {
    /// True when more items follow this page; fetch them with `after: endCursor`.
    pub has_next_page: bool,
    /// True when the page was asked for with `after`, so items come before it.
    pub has_previous_page: bool,
    /// The cursor of the page's first item; null when the page is empty.
    pub start_cursor: Option<String>,
    /// The cursor of the page's last item, to pass as `after` for the next page; null when
    /// the page is empty.
    pub end_cursor: Option<String>,
}

/// Declares a Relay connection and its edge for one node type.
macro_rules! connection {
    ($connection:ident, $edge:ident, $node:ty) => {
        /// One item of a page, with the cursor that marks its place in the list.
        #[derive(async_graphql::SimpleObject)]
        pub struct $edge {
            /// Opaque position of this item in the list's order: pass it as `after` to read on
            /// from here. Valid only for the same list and order; an edited cursor is
            /// `BAD_USER_INPUT` on `after`.
            pub cursor: String,
            /// The item at this position of the list.
            pub node: $node,
        }

        /// A page of a list: `first` defaults to 20 and is at most 100; pass
        /// `pageInfo.endCursor` as `after` for the next page.
        #[derive(async_graphql::SimpleObject)]
        pub struct $connection {
            /// The items of this page, in the list's order, each with its cursor.
            pub edges: Vec<$edge>,
            /// Whether more items follow, and the cursors to page on with.
            pub page_info: $crate::graphql::common::PageInfo,
            /// How many items the whole list holds across all pages, with the same filter.
            /// Counted only when selected.
            pub total_count: i64,
        }

        impl $connection {
            pub fn from_page<M>(
                page: $crate::domain::page::Page<M>,
                node: impl Fn(M) -> $node,
            ) -> Self {
                let page_info = $crate::graphql::common::PageInfo::of(&page);
                Self {
                    page_info,
                    // Counted only when selected (see `ContextExt::page`).
                    total_count: page.total.map_or(0, |t| t as i64),
                    edges: page
                        .edges
                        .into_iter()
                        .map(|(cursor, m)| $edge {
                            cursor,
                            node: node(m),
                        })
                        .collect(),
                }
            }
        }
    };
}

pub(crate) use connection;

impl PageInfo {
    pub fn of<M>(page: &Page<M>) -> Self {
        Self {
            has_next_page: page.has_next_page,
            has_previous_page: page.has_previous_page,
            start_cursor: page.edges.first().map(|(c, _)| c.clone()),
            end_cursor: page.edges.last().map(|(c, _)| c.clone()),
        }
    }
}

/// The error code of a GraphQL error that did not come from the domain.
pub fn default_code(err: &async_graphql::ServerError) -> &'static str {
    if err.path.is_empty() {
        code::GRAPHQL_VALIDATION_FAILED
    } else {
        code::BAD_USER_INPUT
    }
}
