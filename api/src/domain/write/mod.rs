//! The one write path. Every change to the portfolio is a [`Write`]: a named operation whose
//! input is checked into domain values, whose caller is authorised, and which then does its work
//! inside a transaction it never opens itself. The frame around it is written once, here:
//!
//! 1. check the input, listing every problem (`BAD_USER_INPUT`);
//! 2. retry the whole transaction while the database is busy (`UNAVAILABLE` after that);
//! 3. begin one transaction (SQLite: `BEGIN IMMEDIATE`);
//! 4. the role check, before anything is read;
//! 5. idempotency: the same key and input replays what was created, and writes nothing;
//! 6. the operation, which reads what it guards through `scope`, bumps `version` with the one
//!    compare-and-set ([`Tx::bump_version`]) and records its audit events ([`Tx::audit`]);
//! 7. the frame refuses a write that recorded no audit event, remembers the idempotency key,
//!    and commits.
//!
//! Writes compose: [`Tx::run`] runs one write inside a transaction that is already open (the
//! demo seed files a whole report in one), and [`Writer::transaction`] opens one for several.

mod change;

pub use change::{Audited, Change, Owner, Versioned, snapshot, unique_as};

use std::future::Future;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use chrono::Utc;
use entity::audit_event;
use futures_util::future::BoxFuture;
use sea_orm::ActiveValue::Set;
use sea_orm::sea_query::{Expr, ExprTrait};
use sea_orm::{
    ActiveModelBehavior, ActiveModelTrait, ColumnTrait, DatabaseConnection, DatabaseTransaction,
    DbErr, EntityTrait, IntoActiveModel, PaginatorTrait, QueryFilter, SqliteTransactionMode,
    TransactionOptions, TransactionTrait,
};
use serde::Serialize;
use serde_json::Value;
use uuid::Uuid;

use super::actor::Actor;
use super::idempotency::{self, Idempotency};
use super::scope::{GrantOwned, scoped};
use crate::error::{Error, Result};
use crate::shutdown;

/// One change to the portfolio, as the frame runs it.
pub trait Write: Sync {
    /// The audit trail's name for it, and the idempotency key's operation: the mutation's name.
    const ACTION: &'static str;
    /// The input once checked: domain values that cannot hold a bad value.
    type Checked: Send + Sync + 'static;
    type Output: Send + 'static;

    /// Turns the input into domain values, reporting every problem at once.
    fn check(&self) -> Result<Self::Checked>;

    /// The role check, run first inside the transaction (see `policy`).
    fn authorize(actor: &Actor) -> Result<()>;

    /// Does the work inside the frame's transaction.
    fn apply(
        checked: &Self::Checked,
        tx: &Tx<'_>,
    ) -> impl Future<Output = Result<Self::Output>> + Send;

    /// The caller's idempotency key, for creates that take one.
    fn idempotency_key(&self) -> Option<&str> {
        None
    }

    /// The canonical form of the checked input that an idempotency key is bound to: named
    /// fields, stable across releases (a test pins a known fingerprint). Only creates that take
    /// a key have one.
    fn canonical(_checked: &Self::Checked) -> Option<Value> {
        None
    }

    /// What an earlier request with the same key created, as this write returns it.
    fn replay(_tx: &Tx<'_>, _id: Uuid) -> impl Future<Output = Result<Self::Output>> + Send {
        async {
            Err(Error::internal(
                "this write does not take an idempotency key",
            ))
        }
    }

    /// The id an idempotency key remembers.
    fn created_id(_output: &Self::Output) -> Option<Uuid> {
        None
    }
}

/// Runs writes: the frame, with what it needs beyond each write (the database, and how long an
/// idempotency key is remembered). Cheap to clone; the GraphQL schema and the seed each hold one.
#[derive(Clone, Debug)]
pub struct Writer {
    db: DatabaseConnection,
    idempotency_retention: Duration,
}

impl Writer {
    pub fn new(db: DatabaseConnection, idempotency_retention: Duration) -> Self {
        Self {
            db,
            idempotency_retention,
        }
    }

    /// Runs one write in a transaction of its own: the whole frame.
    pub async fn run<W: Write>(&self, actor: &Actor, write: &W) -> Result<W::Output> {
        let checked = Arc::new(write.check()?);
        let key = idempotency_of(write, &checked)?;
        self.transaction(actor, move |tx| {
            let (checked, key) = (Arc::clone(&checked), key.clone());
            Box::pin(async move { tx.apply::<W>(&checked, key.as_ref()).await })
        })
        .await
    }

    /// Opens one transaction for `work`, which may run several writes through [`Tx::run`];
    /// retried whole while the database is busy, committed only if all of it succeeds.
    ///
    /// When the service is stopping and its drain period ends before the work does (see
    /// `shutdown`), the work is given a moment to return from the statement it is in (which the
    /// service cancels), then abandoned, and the transaction is rolled back here, by its owner,
    /// inside the runtime: nothing is written and the client is told to retry. Left to be
    /// dropped when the process stops, the transaction would be dropped outside any runtime.
    pub async fn transaction<T, F>(&self, actor: &Actor, work: F) -> Result<T>
    where
        T: Send,
        F: for<'t> Fn(&'t Tx<'t>) -> BoxFuture<'t, Result<T>> + Sync,
    {
        retrying(|| async {
            let txn = shutdown::unless_drained(begin(&self.db))
                .await
                .ok_or(Error::ShuttingDown)??;
            let tx = Tx {
                txn,
                actor,
                audited: AtomicUsize::new(0),
                idempotency_retention: self.idempotency_retention,
            };
            let finished = {
                let mut work = work(&tx);
                match shutdown::unless_drained(&mut work).await {
                    Some(result) => Some(result),
                    None => {
                        let _ = tokio::time::timeout(ABANDON_WAIT, &mut work).await;
                        None
                    }
                }
            };
            let Some(value) = finished else {
                roll_back_abandoned(tx.txn).await;
                return Err(Error::ShuttingDown);
            };
            let value = value?;
            tx.txn.commit().await?;
            Ok(value)
        })
        .await
    }
}

/// How long an abandoned write may take to return from its statement, and then to roll back.
const ABANDON_WAIT: Duration = Duration::from_secs(2);

async fn roll_back_abandoned(txn: DatabaseTransaction) {
    match tokio::time::timeout(ABANDON_WAIT, txn.rollback()).await {
        Ok(Ok(())) => tracing::info!("drain period over: the write in progress was rolled back"),
        // The rollback is then queued on the connection and runs before the pool hands it out
        // again, or the server ends the transaction when the pool closes: nothing is committed.
        Ok(Err(err)) => tracing::warn!(
            error = %err,
            "drain period over: the write in progress ends with its connection"
        ),
        Err(_) => tracing::warn!(
            "drain period over: the write in progress ends with its connection (no answer to the rollback)"
        ),
    }
}

fn idempotency_of<W: Write>(write: &W, checked: &W::Checked) -> Result<Option<Idempotency>> {
    let Some(key) = write.idempotency_key() else {
        return Ok(None);
    };
    let canonical = W::canonical(checked)
        .ok_or_else(|| Error::internal(format!("{} takes no idempotency key", W::ACTION)))?;
    Idempotency::new(key, W::ACTION, &canonical).map(Some)
}

/// An open write transaction and who is writing.
pub struct Tx<'a> {
    txn: DatabaseTransaction,
    actor: &'a Actor,
    audited: AtomicUsize,
    idempotency_retention: Duration,
}

impl Tx<'_> {
    /// The connection to read and write through.
    pub fn db(&self) -> &DatabaseTransaction {
        &self.txn
    }

    pub fn actor(&self) -> &Actor {
        self.actor
    }

    /// Runs another write inside this transaction: its input check, role check, idempotency and
    /// audit, but no transaction of its own.
    pub async fn run<W: Write>(&self, write: &W) -> Result<W::Output> {
        let checked = write.check()?;
        let key = idempotency_of(write, &checked)?;
        self.apply::<W>(&checked, key.as_ref()).await
    }

    async fn apply<W: Write>(
        &self,
        checked: &W::Checked,
        key: Option<&Idempotency>,
    ) -> Result<W::Output> {
        W::authorize(self.actor)?;
        let replayed =
            idempotency::replay(&self.txn, self.actor, key, self.idempotency_retention).await?;
        if let Some(id) = replayed {
            return W::replay(self, id).await;
        }
        let before = self.audited.load(Ordering::SeqCst);
        let output = W::apply(checked, self).await?;
        if self.audited.load(Ordering::SeqCst) == before {
            return Err(Error::internal(format!(
                "{} wrote without an audit event",
                W::ACTION
            )));
        }
        if let Some(key) = key {
            let id = W::created_id(&output).ok_or_else(|| {
                Error::internal(format!("{} returned no id to remember", W::ACTION))
            })?;
            idempotency::remember(&self.txn, self.actor, Some(key), id).await?;
        }
        Ok(output)
    }

    /// Appends one event to the audit trail, in this transaction: a write that fails leaves no
    /// event, and an event never describes a write that did not happen.
    pub async fn audit(&self, change: Change) -> Result<()> {
        let actor = self.actor;
        audit_event::ActiveModel {
            id: Set(Uuid::now_v7()),
            at: Set(Utc::now()),
            actor: Set(actor.sub.clone()),
            role: Set(actor.role()),
            actor_org_id: Set(actor.grantee_org()),
            action: Set(change.action.to_owned()),
            entity: Set(change.entity.to_owned()),
            entity_id: Set(change.entity_id),
            owner_org_id: Set(change.owner.org_id),
            grant_id: Set(change.owner.grant_id),
            before: Set(change.before),
            after: Set(change.after),
            request_id: Set(actor.request_id.clone()),
        }
        .insert(&self.txn)
        .await?;
        self.audited.fetch_add(1, Ordering::SeqCst);
        Ok(())
    }

    /// Inserts a new row and records its creation.
    pub async fn insert<A>(
        &self,
        action: &'static str,
        owner: Owner,
        row: A,
    ) -> Result<<A::Entity as EntityTrait>::Model>
    where
        A: ActiveModelTrait + ActiveModelBehavior + Send,
        A::Entity: Audited,
        <A::Entity as EntityTrait>::Model: IntoActiveModel<A> + Serialize,
    {
        let model = row.insert(&self.txn).await?;
        self.record_created::<A::Entity>(action, owner, &model)
            .await?;
        Ok(model)
    }

    /// Inserts a new row that must be unique (a name, a number): a duplicate is `BAD_USER_INPUT`
    /// on `field`, with `message`.
    pub async fn insert_unique<A>(
        &self,
        action: &'static str,
        owner: Owner,
        row: A,
        field: &str,
        message: &str,
    ) -> Result<<A::Entity as EntityTrait>::Model>
    where
        A: ActiveModelTrait + ActiveModelBehavior + Send,
        A::Entity: Audited,
        <A::Entity as EntityTrait>::Model: IntoActiveModel<A> + Serialize,
    {
        let model = row
            .insert(&self.txn)
            .await
            .map_err(|err| unique_as(err, field, message))?;
        self.record_created::<A::Entity>(action, owner, &model)
            .await?;
        Ok(model)
    }

    async fn record_created<E>(
        &self,
        action: &'static str,
        owner: Owner,
        model: &E::Model,
    ) -> Result<()>
    where
        E: Audited,
        E::Model: Serialize,
    {
        self.audit(Change::created(
            action,
            E::NAME,
            E::id(model),
            owner,
            model,
        )?)
        .await
    }

    /// Saves a changed row (its version already moved by `bump_version`) and records the change
    /// from `before`.
    pub async fn update<A>(
        &self,
        action: &'static str,
        owner: Owner,
        before: &<A::Entity as EntityTrait>::Model,
        row: A,
    ) -> Result<<A::Entity as EntityTrait>::Model>
    where
        A: ActiveModelTrait + ActiveModelBehavior + Send,
        A::Entity: Audited,
        <A::Entity as EntityTrait>::Model: IntoActiveModel<A> + Serialize,
    {
        let after = row.update(&self.txn).await?;
        let id = <A::Entity as Audited>::id(&after);
        self.audit(Change::updated(
            action,
            <A::Entity as Audited>::NAME,
            id,
            owner,
            before,
            &after,
        )?)
        .await?;
        Ok(after)
    }

    /// The one compare-and-set on `version`: moves the row from the version the caller based
    /// its change on to the next, or answers `CONFLICT` when someone else got there first.
    /// Exactly one of several writers based on one version wins.
    pub async fn bump_version<E: Versioned>(&self, id: Uuid, version: i32) -> Result<()> {
        let result = E::update_many()
            .col_expr(E::version_column(), Expr::col(E::version_column()).add(1))
            .filter(E::id_column().eq(id))
            .filter(E::version_column().eq(version))
            .exec(&self.txn)
            .await?;
        match result.rows_affected {
            1 => Ok(()),
            _ => Err(stale(E::WHAT, version)),
        }
    }

    /// Refuses to add one more to a list that already holds `cap` items (rows of `E` whose
    /// `column` is `parent`), naming the input field that chose the parent.
    pub async fn ensure_room<E>(
        &self,
        column: E::Column,
        parent: Uuid,
        cap: u64,
        field: &str,
        what: &str,
    ) -> Result<()>
    where
        E: GrantOwned,
        E::Model: Sync,
    {
        let count = scoped::<E>(self.actor)
            .filter(column.eq(parent))
            .count(&self.txn)
            .await?;
        if count >= cap {
            return Err(Error::bad_input(
                field,
                format!("already holds {count} {what}, the most it may hold ({cap})"),
            ));
        }
        Ok(())
    }

    /// Deletes a row at the version the caller saw, or answers `CONFLICT`.
    pub async fn delete_at_version<E: Versioned>(&self, id: Uuid, version: i32) -> Result<()> {
        let result = E::delete_many()
            .filter(E::id_column().eq(id))
            .filter(E::version_column().eq(version))
            .exec(&self.txn)
            .await?;
        match result.rows_affected {
            1 => Ok(()),
            _ => Err(stale(E::WHAT, version)),
        }
    }
}

/// The version a client based its change on must still be the current one; checked early so
/// that a stale edit is refused before its other checks run.
pub fn ensure_current_version(what: &str, current: i32, given: i32) -> Result<()> {
    if current == given {
        Ok(())
    } else {
        Err(Error::conflict(format!(
            "the {what} was changed by someone else (version {given} is stale; the current version is {current}); reload and retry"
        )))
    }
}

fn stale(what: &str, version: i32) -> Error {
    Error::conflict(format!(
        "the {what} was changed by someone else since version {version}; reload and retry"
    ))
}

/// Begins a write transaction. On SQLite it takes the write lock at once (`BEGIN IMMEDIATE`), so
/// writers queue on the busy timeout instead of failing when their snapshot goes stale;
/// PostgreSQL ignores the mode.
async fn begin(db: &DatabaseConnection) -> Result<DatabaseTransaction, DbErr> {
    db.begin_with_options(TransactionOptions {
        sqlite_transaction_mode: Some(SqliteTransactionMode::Immediate),
        ..Default::default()
    })
    .await
}

const ATTEMPTS: u32 = 6;

/// A transaction that hits a lock (SQLite) or a serialization failure or deadlock (PostgreSQL)
/// is rolled back and run again, a few times, before the client is told `UNAVAILABLE`.
async fn retrying<T, F, Fut>(mut work: F) -> Result<T>
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Result<T>>,
{
    let mut attempt = 0;
    loop {
        attempt += 1;
        match work().await {
            // An exhausted pool already waited its acquire timeout: answer now, retrying adds load.
            Err(Error::Unavailable(err))
                if attempt < ATTEMPTS && !matches!(err, DbErr::ConnectionAcquire(_)) =>
            {
                let backoff = Duration::from_millis(10 * 2_u64.pow(attempt) + jitter_ms());
                tracing::debug!(attempt, ?backoff, error = %err, "database busy; retrying the transaction");
                tokio::time::sleep(backoff).await;
            }
            other => return other,
        }
    }
}

fn jitter_ms() -> u64 {
    u64::from(uuid::Uuid::new_v4().as_bytes()[0] % 16)
}
