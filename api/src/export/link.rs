//! Export links and the export's audit event, as writes through the one write frame.
//!
//! A link is a random secret (244 random bits from the operating system's generator, as
//! URL-safe base64) that the caller receives once; only its SHA-256 is stored, beside who made
//! the link (token `sub`, role, grantee organisation), the export's format and filter, and when
//! it expires ([`LINK_LIFETIME`] after it was made). Using it is one conditional UPDATE (unused
//! and unexpired, for this format) in the same transaction as the export's audit event, so of
//! two requests racing with one link exactly one exports.

use std::time::Duration;

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use chrono::{DateTime, Utc};
use entity::export_link;
use sea_orm::ActiveValue::Set;
use sea_orm::sea_query::Expr;
use sea_orm::{ActiveModelTrait, ColumnTrait, EntityTrait, QueryFilter};
use serde_json::{Value, json};
use sha2::{Digest, Sha256};
use uuid::Uuid;

use super::filter::ensure_named_grants_visible;
use super::{ExportKind, Filters};
use crate::domain::actor::Actor;
use crate::domain::policy::ensure_can_export;
use crate::domain::write::{Change, Owner, Tx, Write};
use crate::error::{Error, Result};

/// How long an export link may be used after it was made.
pub const LINK_LIFETIME: Duration = Duration::from_secs(5 * 60);

/// The audit trail's action for an export (by header or by link).
pub const EXPORT_ACTION: &str = "EXPORT";

/// The longest link secret looked up; longer is refused without touching the database.
pub const MAX_SECRET_LEN: usize = 100;

/// The SHA-256 of a link's secret, in hex: what the database keeps.
pub fn hash_secret(secret: &str) -> String {
    let digest = Sha256::digest(secret.as_bytes());
    digest.iter().map(|b| format!("{b:02x}")).collect()
}

fn new_secret() -> String {
    let mut bytes = [0u8; 32];
    bytes[..16].copy_from_slice(Uuid::new_v4().as_bytes());
    bytes[16..].copy_from_slice(Uuid::new_v4().as_bytes());
    URL_SAFE_NO_PAD.encode(bytes)
}

/// Whose an export is in the audit trail: a grantee's own exports are its organisation's to
/// read; a portfolio-wide caller's belong to no grantee.
fn owner(actor: &Actor) -> Owner {
    Owner {
        org_id: actor.grantee_org(),
        grant_id: None,
    }
}

/// `createExportLink`: a single-use link to one export with one filter.
#[derive(Clone, Debug)]
pub struct CreateExportLink {
    pub kind: ExportKind,
    /// The filter as sent: a JSON object of strings, or null.
    pub filter: Option<Value>,
}

#[derive(Clone, Debug)]
pub struct NewExportLink {
    kind: ExportKind,
    filters: Filters,
}

/// A link just made: its secret is known only here and to the caller.
#[derive(Clone, Debug)]
pub struct MadeLink {
    pub kind: ExportKind,
    pub secret: String,
    pub expires_at: DateTime<Utc>,
}

impl MadeLink {
    /// The path (with its query) that exports through the link.
    pub fn path(&self) -> String {
        format!("{}?link={}", self.kind.path(), self.secret)
    }
}

impl Write for CreateExportLink {
    const ACTION: &'static str = "createExportLink";
    type Checked = NewExportLink;
    type Output = MadeLink;

    fn check(&self) -> Result<NewExportLink> {
        let pairs = match &self.filter {
            None | Some(Value::Null) => Vec::new(),
            Some(Value::Object(fields)) => {
                let mut pairs = Vec::new();
                let mut problems = crate::error::Problems::new();
                for (name, value) in fields {
                    match value {
                        Value::String(text) => pairs.push((name.clone(), text.clone())),
                        Value::Null => {}
                        _ => problems.push(
                            format!("filter.{name}"),
                            "must be a string, as its query parameter would be",
                        ),
                    }
                }
                problems.into_result()?;
                pairs
            }
            Some(_) => {
                return Err(Error::bad_input(
                    "filter",
                    "must be a JSON object of the export's query parameters, e.g. {\"status\": \"ACTIVE\"}",
                ));
            }
        };
        Ok(NewExportLink {
            kind: self.kind,
            filters: Filters::check(self.kind, pairs, "filter.")?,
        })
    }

    fn authorize(actor: &Actor) -> Result<()> {
        ensure_can_export(actor)
    }

    async fn apply(new: &NewExportLink, tx: &Tx<'_>) -> Result<MadeLink> {
        let actor = tx.actor();
        ensure_named_grants_visible(tx.db(), actor, new.kind, &new.filters, "filter.").await?;
        let secret = new_secret();
        let now = Utc::now();
        let expires_at =
            now + chrono::Duration::from_std(LINK_LIFETIME).map_err(Error::internal)?;
        let row = export_link::ActiveModel {
            id: Set(Uuid::now_v7()),
            token_hash: Set(hash_secret(&secret)),
            format: Set(new.kind.as_str().to_owned()),
            filter: Set(new.filters.to_json()),
            actor: Set(actor.sub.clone()),
            role: Set(actor.role()),
            actor_org_id: Set(actor.grantee_org()),
            created_at: Set(now),
            expires_at: Set(expires_at),
            used_at: Set(None),
            request_id: Set(actor.request_id.clone()),
        };
        let model = row.insert(tx.db()).await?;
        tx.audit(Change::created(
            Self::ACTION,
            "ExportLink",
            model.id,
            owner(actor),
            &json!({
                "format": model.format,
                "filter": model.filter,
                "expiresAt": model.expires_at,
            }),
        )?)
        .await?;
        Ok(MadeLink {
            kind: new.kind,
            secret,
            expires_at,
        })
    }
}

/// How an export was allowed.
#[derive(Clone, Debug)]
pub enum Via {
    /// The caller's token in the `Authorization` header.
    Header,
    /// An export link: its id and the SHA-256 of its secret.
    Link { id: Uuid, token_hash: String },
}

/// An export about to be served: recorded in the audit trail (who, which export, with which
/// filter, by header or by link), and for a link, the link used up in the same transaction.
#[derive(Clone, Debug)]
pub struct RecordExport {
    pub kind: ExportKind,
    pub filters: Filters,
    pub via: Via,
}

impl Write for RecordExport {
    const ACTION: &'static str = EXPORT_ACTION;
    type Checked = RecordExport;
    type Output = Uuid;

    fn check(&self) -> Result<RecordExport> {
        Ok(self.clone())
    }

    fn authorize(actor: &Actor) -> Result<()> {
        ensure_can_export(actor)
    }

    async fn apply(export: &RecordExport, tx: &Tx<'_>) -> Result<Uuid> {
        let (id, via) = match &export.via {
            Via::Header => (Uuid::now_v7(), json!({ "via": "header" })),
            Via::Link { id, token_hash } => {
                let now = Utc::now();
                let used = export_link::Entity::update_many()
                    .col_expr(export_link::Column::UsedAt, Expr::value(now))
                    .filter(export_link::Column::TokenHash.eq(token_hash.clone()))
                    .filter(export_link::Column::Format.eq(export.kind.as_str()))
                    .filter(export_link::Column::UsedAt.is_null())
                    .filter(export_link::Column::ExpiresAt.gt(now))
                    .exec(tx.db())
                    .await?;
                if used.rows_affected != 1 {
                    return Err(Error::conflict(
                        "this export link has been used already or has expired",
                    ));
                }
                (*id, json!({ "via": "link", "linkId": id }))
            }
        };
        let mut after = json!({
            "format": export.kind.as_str(),
            "path": export.kind.path(),
            "filter": export.filters.to_json(),
        });
        if let (Some(after), Some(via)) = (after.as_object_mut(), via.as_object()) {
            after.extend(via.clone());
        }
        tx.audit(Change {
            action: EXPORT_ACTION,
            entity: "Export",
            entity_id: id,
            owner: owner(tx.actor()),
            before: None,
            after: Some(after),
        })
        .await?;
        Ok(id)
    }
}
