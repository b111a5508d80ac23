//! The one error type of the domain, and the codes clients see.

use std::fmt;

use sea_orm::{DbErr, RuntimeErr, SqlErr};

/// `extensions.code` values. Clients branch on these, so they are public API.
pub mod code {
    pub const UNAUTHENTICATED: &str = "UNAUTHENTICATED";
    pub const FORBIDDEN: &str = "FORBIDDEN";
    pub const NOT_FOUND: &str = "NOT_FOUND";
    pub const BAD_USER_INPUT: &str = "BAD_USER_INPUT";
    pub const CONFLICT: &str = "CONFLICT";
    /// The database was too busy to take the write even after retries, could not be reached, or
    /// took too long to answer; `extensions.retryable` says whether the same request may
    /// simply be sent again.
    pub const UNAVAILABLE: &str = "UNAVAILABLE";
    pub const INTERNAL: &str = "INTERNAL";
    /// The request would cost more than one request may (`extensions.cost` says how much).
    pub const COST_LIMIT_EXCEEDED: &str = "COST_LIMIT_EXCEEDED";
    /// The caller has spent its allowance of cost for now; HTTP 429 with `Retry-After`.
    pub const RATE_LIMITED: &str = "RATE_LIMITED";
    /// The request is not valid GraphQL for this schema (unknown field, wrong argument type).
    pub const GRAPHQL_VALIDATION_FAILED: &str = "GRAPHQL_VALIDATION_FAILED";
    /// An automatic persisted query's hash the service does not know (yet): send the query
    /// with its hash once (Apollo's `PersistedQueryLink` does so by itself).
    pub const PERSISTED_QUERY_NOT_FOUND: &str = "PERSISTED_QUERY_NOT_FOUND";
    /// A persisted query of a version other than 1.
    pub const PERSISTED_QUERY_NOT_SUPPORTED: &str = "PERSISTED_QUERY_NOT_SUPPORTED";
    /// A mutation sent with GET: mutations are sent with POST only (HTTP 405).
    pub const METHOD_NOT_ALLOWED: &str = "METHOD_NOT_ALLOWED";
}

/// One problem with one input field. `field` is the path of the field in the mutation's
/// `input` (or the query argument), e.g. `periodEnd` or `participation[1].female`.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct FieldProblem {
    pub field: String,
    pub message: String,
}

impl FieldProblem {
    pub fn new(field: impl Into<String>, message: impl Into<String>) -> Self {
        Self {
            field: field.into(),
            message: message.into(),
        }
    }
}

impl fmt::Display for FieldProblem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.field, self.message)
    }
}

#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("authentication required")]
    Unauthenticated,
    #[error("{0}")]
    Forbidden(String),
    /// Also what a caller gets for an object outside its scope: never a hint that it exists.
    #[error("{0} not found")]
    NotFound(&'static str),
    /// An id in the input that names nothing the caller can see.
    #[error("{field}: {message}")]
    NotFoundAt { field: String, message: String },
    /// One or more bad input fields; the first one is `extensions.field`, all are listed.
    #[error("{}", .0.iter().map(ToString::to_string).collect::<Vec<_>>().join("; "))]
    BadInput(Vec<FieldProblem>),
    /// A stale `version`, a report in the wrong state, a duplicate.
    #[error("{0}")]
    Conflict(String),
    #[error("the database is busy; retry the request")]
    Unavailable(#[source] DbErr),
    /// No connection to the database within the acquire timeout, or the connection was lost
    /// in the middle of a statement.
    #[error("the database is unreachable; retry the request shortly")]
    Unreachable(#[source] DbErr),
    /// The service is stopping and the drain period ran out before this request finished;
    /// whatever it had begun to write was rolled back.
    #[error(
        "the service is restarting and could not finish this request; nothing was written, retry it"
    )]
    ShuttingDown,
    /// A statement ran past the database's statement (or lock) timeout and was cancelled.
    #[error("the database took too long to answer; retry the request later")]
    TimedOut(#[source] DbErr),
    #[error("internal error")]
    Internal(#[source] Box<dyn std::error::Error + Send + Sync>),
}

pub type Result<T, E = Error> = std::result::Result<T, E>;

impl Error {
    pub fn bad_input(field: impl Into<String>, message: impl Into<String>) -> Self {
        Self::BadInput(vec![FieldProblem::new(field, message)])
    }

    pub fn conflict(message: impl Into<String>) -> Self {
        Self::Conflict(message.into())
    }

    pub fn forbidden(message: impl Into<String>) -> Self {
        Self::Forbidden(message.into())
    }

    pub fn internal(error: impl Into<Box<dyn std::error::Error + Send + Sync>>) -> Self {
        Self::Internal(error.into())
    }

    pub fn code(&self) -> &'static str {
        match self {
            Self::Unauthenticated => code::UNAUTHENTICATED,
            Self::Forbidden(_) => code::FORBIDDEN,
            Self::NotFound(_) | Self::NotFoundAt { .. } => code::NOT_FOUND,
            Self::BadInput(_) => code::BAD_USER_INPUT,
            Self::Conflict(_) => code::CONFLICT,
            Self::Unavailable(_)
            | Self::Unreachable(_)
            | Self::TimedOut(_)
            | Self::ShuttingDown => code::UNAVAILABLE,
            Self::Internal(_) => code::INTERNAL,
        }
    }

    /// Whether the same request may succeed if simply sent again.
    pub fn is_retryable(&self) -> bool {
        matches!(
            self,
            Self::Unavailable(_) | Self::Unreachable(_) | Self::TimedOut(_) | Self::ShuttingDown
        )
    }
}

/// The driver's error inside a database error, when there is one.
fn sqlx_error(err: &DbErr) -> Option<&sea_orm::sqlx::Error> {
    match err {
        DbErr::Exec(RuntimeErr::SqlxError(e))
        | DbErr::Query(RuntimeErr::SqlxError(e))
        | DbErr::Conn(RuntimeErr::SqlxError(e)) => Some(e),
        _ => None,
    }
}

/// The SQLSTATE (PostgreSQL) or result code (SQLite) of an error the database returned.
fn database_code(err: &DbErr) -> Option<String> {
    let db = sqlx_error(err)?.as_database_error()?;
    db.code().map(|code| code.into_owned())
}

/// Whether a database error means "busy, try again": SQLite's lock errors, PostgreSQL's
/// serialization failures and deadlocks.
pub fn is_busy(err: &DbErr) -> bool {
    let Some(sqlx) = sqlx_error(err) else {
        return false;
    };
    match sqlx.as_database_error() {
        Some(db) => {
            let code = db.code().unwrap_or_default();
            // SQLite: 5 SQLITE_BUSY, 6 SQLITE_LOCKED (and their extended codes, e.g. 517).
            // PostgreSQL: 40001 serialization_failure, 40P01 deadlock_detected.
            matches!(
                code.as_ref(),
                "5" | "6" | "517" | "261" | "262" | "40001" | "40P01"
            ) || db.message().contains("database is locked")
        }
        None => false,
    }
}

/// Whether a database error means the database could not be reached: no connection within
/// the acquire timeout (the server is down or unreachable), or a connection lost in the middle
/// of a statement (reset, closed, or ended by the server's shutdown).
pub fn is_unreachable(err: &DbErr) -> bool {
    use sea_orm::sqlx::Error as Sqlx;
    if matches!(err, DbErr::ConnectionAcquire(_)) {
        return true;
    }
    match sqlx_error(err) {
        Some(Sqlx::Io(_) | Sqlx::Tls(_) | Sqlx::PoolTimedOut | Sqlx::PoolClosed) => true,
        Some(Sqlx::WorkerCrashed) => true,
        // PostgreSQL: class 08 connection exceptions; 57P01..57P03 the server shutting down,
        // crashed or starting up.
        Some(_) => database_code(err).is_some_and(|code| {
            code.starts_with("08") || matches!(code.as_str(), "57P01" | "57P02" | "57P03")
        }),
        None => false,
    }
}

/// Whether a statement was cancelled for running too long: PostgreSQL's `statement_timeout`
/// (57014 query_canceled) or `lock_timeout` (55P03 lock_not_available).
pub fn is_timed_out(err: &DbErr) -> bool {
    database_code(err).is_some_and(|code| matches!(code.as_str(), "57014" | "55P03"))
}

impl From<DbErr> for Error {
    fn from(err: DbErr) -> Self {
        if is_busy(&err) {
            return Self::Unavailable(err);
        }
        if is_unreachable(&err) {
            return Self::Unreachable(err);
        }
        if is_timed_out(&err) {
            return Self::TimedOut(err);
        }
        match err.sql_err() {
            Some(SqlErr::UniqueConstraintViolation(_)) => {
                Self::Conflict("an object with the same identifying fields already exists".into())
            }
            Some(SqlErr::ForeignKeyConstraintViolation(_)) => Self::bad_input(
                "input",
                "refers to an object that does not exist or does not belong with the others",
            ),
            _ => Self::Internal(Box::new(err)),
        }
    }
}

/// Collects every problem of an input before answering, so a client fixes them in one go.
#[derive(Debug, Default)]
pub struct Problems(Vec<FieldProblem>);

impl Problems {
    pub fn new() -> Self {
        Self::default()
    }

    pub fn push(&mut self, field: impl Into<String>, message: impl Into<String>) {
        self.0.push(FieldProblem::new(field, message));
    }

    /// Keeps the value of a check, or records its problems and yields `None`.
    pub fn take<T>(&mut self, result: Result<T>) -> Option<T> {
        match result {
            Ok(value) => Some(value),
            Err(Error::BadInput(problems)) => {
                self.0.extend(problems);
                None
            }
            Err(other) => {
                // Non-input errors are not expected from validators; keep them visible.
                self.0.push(FieldProblem::new("input", other.to_string()));
                None
            }
        }
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// A value `take` kept. Once `into_result` has passed, every value taken is there; a missing
    /// one is a bug in the caller, not bad input.
    pub fn checked<T>(value: Option<T>) -> Result<T> {
        value.ok_or_else(|| Error::internal("a validated input value went missing"))
    }

    pub fn into_result(self) -> Result<()> {
        if self.0.is_empty() {
            Ok(())
        } else {
            Err(Error::BadInput(self.0))
        }
    }
}

/// An error with all its causes, for logs and operator messages (never for clients).
pub fn chain(err: &(dyn std::error::Error + 'static)) -> String {
    let mut text = err.to_string();
    let mut source = err.source();
    while let Some(cause) = source {
        text.push_str(": ");
        text.push_str(&cause.to_string());
        source = cause.source();
    }
    text
}
