//! Helpers for the queries many tests make. One-off queries stay in their tests, written with
//! `TestApp::data` or `TestApp::graphql`.

use serde::Deserialize;
use serde_json::{Value, json};
use uuid::Uuid;

use crate::TestApp;

#[derive(Clone, Debug, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AuditEvent {
    pub at: String,
    pub action: String,
    pub entity: String,
    pub entity_id: Uuid,
    pub actor: String,
    pub role: String,
    pub actor_organisation_id: Option<Uuid>,
    pub grant_id: Option<Uuid>,
    pub request_id: Option<String>,
    pub before: Value,
    pub after: Value,
}

/// A page of the audit trail.
#[derive(Clone, Debug, PartialEq)]
pub struct AuditTrail {
    pub total_count: i64,
    /// Newest first, at most 100.
    pub events: Vec<AuditEvent>,
}

impl AuditTrail {
    /// The actions, newest first.
    pub fn actions(&self) -> Vec<&str> {
        self.events.iter().map(|e| e.action.as_str()).collect()
    }
}

const AUDIT_EVENTS: &str = "query($filter: AuditFilter) { auditEvents(filter: $filter, first: 100) {
    totalCount edges { node { at action entity entityId actor role actorOrganisationId grantId requestId before after } } } }";

impl TestApp {
    /// The audit trail as `token` may read it, filtered by an `AuditFilter`.
    pub async fn audit_events(&self, token: &str, filter: Value) -> AuditTrail {
        let data = self
            .data(AUDIT_EVENTS, json!({ "filter": filter }), token)
            .await;
        let page = &data["auditEvents"];
        let events = page["edges"]
            .as_array()
            .unwrap()
            .iter()
            .map(|edge| serde_json::from_value(edge["node"].clone()).unwrap())
            .collect();
        AuditTrail {
            total_count: page["totalCount"].as_i64().unwrap(),
            events,
        }
    }
}
