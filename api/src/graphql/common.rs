//! What every area of the schema shares: error mapping, context access, enums, money,
//! connections.

use std::sync::Arc;

use async_graphql::dataloader::DataLoader;
use async_graphql::{Context, ErrorExtensions, SimpleObject};
use sea_orm::DatabaseConnection;

use super::loaders::Db;
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
    fn loader(&self) -> Result<&DataLoader<Db>, Error>;
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

    fn loader(&self) -> Result<&DataLoader<Db>, Error> {
        self.data_opt::<DataLoader<Db>>()
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
    ($(#[$meta:meta])* $name:ident = $db:ty { $($variant:ident),+ $(,)? }) => {
        $(#[$meta])*
        #[derive(async_graphql::Enum, Clone, Copy, Debug, PartialEq, Eq)]
        pub enum $name {
            $($variant),+
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
    /// What an organisation is to a scheme.
    OrganisationKind = entity::enums::OrganisationKind { Funder, SchemeManager, Grantee, Partner }
);
mirror_enum!(GrantStatus = entity::enums::GrantStatus { Active, Closed });
mirror_enum!(
    ReportKind = entity::enums::ReportKind {
        Progress,
        Completion
    }
);
mirror_enum!(
    /// DRAFT → SUBMITTED → ACCEPTED, or SUBMITTED → RETURNED → SUBMITTED.
    ReportStatus = entity::enums::ReportStatus { Draft, Submitted, Returned, Accepted }
);
mirror_enum!(
    ActivityKind = entity::enums::ActivityKind {
        PolicyDialogue,
        Forum,
        Workshop,
        Training,
        Campaign,
        Research,
        Other
    }
);
mirror_enum!(
    /// How participants attended; UNSPECIFIED when a report does not say.
    AttendanceMode = entity::enums::AttendanceMode { InPerson, Online, Unspecified }
);
mirror_enum!(
    OutcomeKind = entity::enums::OutcomeKind {
        PolicyCommitment,
        PolicyChange,
        PracticeChange,
        Capacity,
        Partnership,
        Other
    }
);
mirror_enum!(
    LessonKind = entity::enums::LessonKind {
        Challenge,
        LessonLearned
    }
);
mirror_enum!(
    Role = entity::enums::Role {
        SchemeManager,
        Grantee,
        Analyst
    }
);

#[derive(async_graphql::Enum, Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum SortDirection {
    #[default]
    Asc,
    Desc,
}

/// An exact amount of money with its currency.
#[derive(SimpleObject, Clone, Debug)]
pub struct Money {
    /// Exact decimal string with the currency's minor digits, e.g. "90000.00".
    pub amount: super::scalars::Decimal,
    /// ISO 4217 code, e.g. "AUD".
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

#[derive(SimpleObject, Clone, Debug)]
pub struct PageInfo {
    pub has_next_page: bool,
    pub has_previous_page: bool,
    pub start_cursor: Option<String>,
    pub end_cursor: Option<String>,
}

/// Declares a Relay connection and its edge for one node type.
macro_rules! connection {
    ($connection:ident, $edge:ident, $node:ty) => {
        #[derive(async_graphql::SimpleObject)]
        pub struct $edge {
            pub cursor: String,
            pub node: $node,
        }

        /// A page of a list: `first` defaults to 20 and is at most 100; pass
        /// `pageInfo.endCursor` as `after` for the next page.
        #[derive(async_graphql::SimpleObject)]
        pub struct $connection {
            pub edges: Vec<$edge>,
            pub page_info: $crate::graphql::common::PageInfo,
            /// How many items the whole list holds, across all pages.
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
