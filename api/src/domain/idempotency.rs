//! Safe retries for integrations on flaky networks. A create that carries an idempotency key
//! remembers, in its own transaction, what it created. The same key with the same input
//! returns that first result and writes nothing; the same key with different input is
//! `CONFLICT`. Keys belong to the caller (role, organisation and `sub`), so one client's keys
//! never collide with another's.

use chrono::Utc;
use entity::idempotency_key;
use sea_orm::ActiveValue::Set;
use std::time::Duration;

use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait, QueryFilter,
};
use serde_json::Value;
use sha2::{Digest, Sha256};
use uuid::Uuid;

use super::actor::Actor;
use super::scope;
use super::values::required_text;
use crate::error::{Error, Result};

/// A checked idempotency key and the fingerprint of the request it came with.
#[derive(Clone, Debug)]
pub struct Idempotency {
    key: String,
    operation: &'static str,
    fingerprint: String,
}

impl Idempotency {
    /// `canonical` is the checked input in its canonical form (see `Write::canonical`).
    pub fn new(key: &str, operation: &'static str, canonical: &Value) -> Result<Self> {
        let key = required_text("idempotencyKey", key, 200)?;
        Ok(Self {
            key,
            operation,
            fingerprint: fingerprint(operation, canonical),
        })
    }
}

/// SHA-256 over the operation's name and the input as JSON with its object keys sorted, so the
/// same input gives the same fingerprint in every release, whatever the order of fields in code.
pub fn fingerprint(operation: &str, canonical: &Value) -> String {
    let mut text = String::from(operation);
    text.push('\n');
    write_sorted(&mut text, canonical);
    format!("{:x}", Sha256::digest(text.as_bytes()))
}

fn write_sorted(out: &mut String, value: &Value) {
    match value {
        Value::Object(map) => {
            let mut keys: Vec<&String> = map.keys().collect();
            keys.sort();
            out.push('{');
            for (i, key) in keys.into_iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                out.push_str(&Value::String(key.clone()).to_string());
                out.push(':');
                if let Some(v) = map.get(key) {
                    write_sorted(out, v);
                }
            }
            out.push('}');
        }
        Value::Array(items) => {
            out.push('[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                write_sorted(out, item);
            }
            out.push(']');
        }
        scalar => out.push_str(&scalar.to_string()),
    }
}

/// The id of what an earlier request with this key created, if there was one.
/// A key older than `retention` is forgotten: the request counts as new and creates again.
pub async fn replay<C: ConnectionTrait>(
    db: &C,
    actor: &Actor,
    key: Option<&Idempotency>,
    retention: Duration,
) -> Result<Option<Uuid>> {
    let Some(key) = key else { return Ok(None) };
    let Some(row) = scope::idempotency_keys(actor)
        .filter(idempotency_key::Column::Key.eq(key.key.clone()))
        .one(db)
        .await?
    else {
        return Ok(None);
    };
    if row.created_at < expiry(retention) {
        idempotency_key::Entity::delete_many()
            .filter(idempotency_key::Column::Actor.eq(row.actor))
            .filter(idempotency_key::Column::Key.eq(row.key))
            .exec(db)
            .await?;
        return Ok(None);
    }
    if row.operation != key.operation || row.request_hash != key.fingerprint {
        return Err(Error::conflict(format!(
            "the idempotency key {:?} was already used for a different request ({}); use a new key for a new request",
            key.key, row.operation
        )));
    }
    Ok(Some(row.entity_id))
}

/// How long a key is remembered unless configured otherwise (`IDEMPOTENCY_RETENTION`): 30 days.
pub const DEFAULT_RETENTION: Duration = Duration::from_secs(30 * 86_400);

/// Keys remembered before this instant have expired.
fn expiry(retention: Duration) -> chrono::DateTime<Utc> {
    let retention = chrono::TimeDelta::from_std(retention).unwrap_or(chrono::TimeDelta::MAX);
    Utc::now()
        .checked_sub_signed(retention)
        .unwrap_or(chrono::DateTime::<Utc>::MIN_UTC)
}

/// Deletes every key older than `retention`; returns how many. Safe to run on every replica at
/// once: each deletes what has expired, and a key that is already gone is simply not there.
pub async fn purge_expired(db: &DatabaseConnection, retention: Duration) -> Result<u64> {
    let deleted = idempotency_key::Entity::delete_many()
        .filter(idempotency_key::Column::CreatedAt.lt(expiry(retention)))
        .exec(db)
        .await?;
    Ok(deleted.rows_affected)
}

/// Runs `purge_expired` every hour (and once at start) for as long as the process lives.
pub fn spawn_purge(db: DatabaseConnection, retention: Duration) {
    tokio::spawn(async move {
        let mut every = tokio::time::interval(Duration::from_secs(3600));
        loop {
            every.tick().await;
            match purge_expired(&db, retention).await {
                Ok(0) => {}
                Ok(n) => tracing::info!(deleted = n, "expired idempotency keys deleted"),
                Err(err) => {
                    tracing::warn!(error = %err, "deleting expired idempotency keys failed")
                }
            }
        }
    });
}

/// What a replayed key answers when the object its first request created has since been
/// deleted.
pub fn created_object_gone() -> Error {
    Error::conflict(
        "what this idempotency key created has since been deleted; send a new key to create it again",
    )
}

/// Remembers what this request created, in the same transaction as the creation.
pub async fn remember<C: ConnectionTrait>(
    db: &C,
    actor: &Actor,
    key: Option<&Idempotency>,
    entity_id: Uuid,
) -> Result<()> {
    let Some(key) = key else { return Ok(()) };
    idempotency_key::ActiveModel {
        actor: Set(actor.idempotency_owner()),
        key: Set(key.key.clone()),
        operation: Set(key.operation.to_owned()),
        request_hash: Set(key.fingerprint.clone()),
        entity_id: Set(entity_id),
        created_at: Set(Utc::now()),
    }
    .insert(db)
    .await
    .map_err(|err| match err.sql_err() {
        // A concurrent request with the same key won; retrying replays its result.
        Some(sea_orm::SqlErr::UniqueConstraintViolation(_)) => Error::Unavailable(err),
        _ => err.into(),
    })?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::fingerprint;

    #[test]
    fn a_fingerprint_ignores_the_order_of_fields() {
        let a =
            json!({ "title": "Forum", "dates": { "start": "2024-10-17", "end": "2024-10-18" } });
        let b =
            json!({ "dates": { "end": "2024-10-18", "start": "2024-10-17" }, "title": "Forum" });
        assert_eq!(
            fingerprint("createActivity", &a),
            fingerprint("createActivity", &b)
        );
        assert_ne!(
            fingerprint("createActivity", &a),
            fingerprint("addLesson", &a)
        );
    }
}
