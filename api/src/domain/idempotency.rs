//! Safe retries for integrations on flaky networks. A create that carries an idempotency key
//! remembers, in its own transaction, what it created. The same key with the same input
//! returns that first result and writes nothing; the same key with different input is
//! `CONFLICT`. Keys belong to the caller (role, organisation and `sub`), so one client's keys
//! never collide with another's.

use chrono::Utc;
use entity::idempotency_key;
use sea_orm::ActiveValue::Set;
use sea_orm::{ActiveModelTrait, ColumnTrait, ConnectionTrait, QueryFilter};
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
    /// `input` is the validated input, whose debug form is fingerprinted.
    pub fn new(
        key: Option<&str>,
        operation: &'static str,
        input: &impl std::fmt::Debug,
    ) -> Result<Option<Self>> {
        let Some(key) = key else { return Ok(None) };
        let key = required_text("idempotencyKey", key, 200)?;
        let fingerprint = format!(
            "{:x}",
            Sha256::digest(format!("{operation}:{input:?}").as_bytes())
        );
        Ok(Some(Self {
            key,
            operation,
            fingerprint,
        }))
    }
}

/// The id of what an earlier request with this key created, if there was one.
pub async fn replay<C: ConnectionTrait>(
    db: &C,
    actor: &Actor,
    key: Option<&Idempotency>,
) -> Result<Option<Uuid>> {
    let Some(key) = key else { return Ok(None) };
    let Some(row) = scope::idempotency_keys(actor)
        .filter(idempotency_key::Column::Key.eq(key.key.clone()))
        .one(db)
        .await?
    else {
        return Ok(None);
    };
    if row.operation != key.operation || row.request_hash != key.fingerprint {
        return Err(Error::conflict(format!(
            "the idempotency key {:?} was already used for a different request ({}); use a new key for a new request",
            key.key, row.operation
        )));
    }
    Ok(Some(row.entity_id))
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
