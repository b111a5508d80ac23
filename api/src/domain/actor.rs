//! Who is asking: built from a verified token, never from anything the client merely claims.

use entity::enums::Role;
use uuid::Uuid;

/// What a caller may reach, decided by its token's role.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Access {
    /// Reads and writes everything, across all grantees; accepts and returns reports.
    SchemeManager,
    /// Reads everything, writes nothing.
    Analyst,
    /// Reads only this organisation's grants and what lies under them; edits its own reports.
    Grantee(Uuid),
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Actor {
    /// The token's `sub`.
    pub sub: String,
    pub access: Access,
    /// The HTTP request's id, written into audit events.
    pub request_id: Option<String>,
    /// The service itself (demo seeding), never a token's bearer.
    system: bool,
}

/// The `role` claim's spellings: the one table of them.
const ROLE_CLAIMS: [(Role, &str); 3] = [
    (Role::SchemeManager, "scheme_manager"),
    (Role::Grantee, "grantee"),
    (Role::Analyst, "analyst"),
];

/// The role a token's `role` claim names, if it names one.
pub fn role_from_claim(claim: &str) -> Option<Role> {
    ROLE_CLAIMS
        .iter()
        .find(|(_, text)| *text == claim)
        .map(|(role, _)| *role)
}

/// How a token spells a role.
pub fn role_claim(role: Role) -> &'static str {
    ROLE_CLAIMS
        .iter()
        .find(|(r, _)| *r == role)
        .map_or("", |(_, text)| text)
}

impl Actor {
    pub fn new(sub: impl Into<String>, access: Access) -> Self {
        Self {
            sub: sub.into(),
            access,
            request_id: None,
            system: false,
        }
    }

    pub fn with_request_id(mut self, request_id: impl Into<String>) -> Self {
        self.request_id = Some(request_id.into());
        self
    }

    pub fn role(&self) -> Role {
        match self.access {
            Access::SchemeManager => Role::SchemeManager,
            Access::Analyst => Role::Analyst,
            Access::Grantee(_) => Role::Grantee,
        }
    }

    /// The organisation a grantee acts for; `None` for portfolio-wide roles.
    pub fn grantee_org(&self) -> Option<Uuid> {
        match self.access {
            Access::Grantee(org) => Some(org),
            _ => None,
        }
    }

    /// Whose idempotency keys these are: the same `sub` under another role or organisation is
    /// another caller.
    pub fn idempotency_owner(&self) -> String {
        match self.access {
            Access::Grantee(org) => format!("grantee:{org}:{}", self.sub),
            Access::SchemeManager => format!("scheme_manager:{}", self.sub),
            Access::Analyst => format!("analyst:{}", self.sub),
        }
    }

    /// The actor the service uses for its own writes (demo seeding): a scheme manager that no
    /// token can stand for.
    pub fn system() -> Self {
        Self {
            system: true,
            ..Self::new("system:seed", Access::SchemeManager)
        }
    }

    pub fn is_system(&self) -> bool {
        self.system
    }
}
