//! Safe retries for integrations on flaky networks. A create that carries an idempotency key
//! remembers, in its own transaction, what it created. The same key with the same input
//! returns that first result and writes nothing; the same key with different input is
//! `CONFLICT`. Keys belong to the caller (role, organisation and `sub`), so one client's keys
//! never collide with another's.

use chrono::Utc;
use entity::idempotency_key;
use sea_orm::ActiveValue::Set;
use sea_orm::{ActiveModelTrait, ColumnTrait, ConnectionTrait, QueryFilter};
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
