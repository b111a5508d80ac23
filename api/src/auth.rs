//! Token verification, configured once at start-up. A verified token becomes an [`Actor`];
//! anything else is `UNAUTHENTICATED`, with the reason logged (never the token) and never told.

use std::time::Duration;

use chrono::Utc;
use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation, decode, encode};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use entity::enums::Role;

use crate::domain::actor::{Access, Actor, role_claim, role_from_claim};
use crate::settings::{AuthSettings, JwtKey};

/// Why a token was refused. Logged for operators; clients only ever see `UNAUTHENTICATED`.
#[derive(Debug, thiserror::Error)]
pub enum AuthError {
    #[error("no bearer token")]
    Missing,
    #[error("the Authorization header is not a bearer token")]
    Malformed,
    #[error("token rejected: {0}")]
    Invalid(#[from] jsonwebtoken::errors::Error),
    #[error("unknown role {0:?}")]
    UnknownRole(String),
    #[error("a grantee token needs an org_id that is a UUID")]
    GranteeWithoutOrg,
    #[error("empty sub")]
    EmptySubject,
}

#[derive(Debug, thiserror::Error)]
pub enum KeyError {
    #[error("reading JWT_PUBLIC_KEY_FILE {path}: {source}")]
    Read {
        path: String,
        source: std::io::Error,
    },
    #[error("JWT_PUBLIC_KEY_FILE {0} holds neither an RSA nor an EC (P-256) public key in PEM")]
    NotAPublicKey(String),
    #[error("building the key: {0}")]
    Jwt(#[from] jsonwebtoken::errors::Error),
    #[error("tokens can only be issued here with an HS256 JWT_SECRET, not with a public key")]
    CannotSign,
}

/// The claims this service reads.
#[derive(Debug, Serialize, Deserialize)]
pub struct Claims {
    pub sub: String,
    pub role: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub org_id: Option<String>,
    pub exp: i64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub iat: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub nbf: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub iss: Option<String>,
    /// A string or an array of strings.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub aud: Option<serde_json::Value>,
}

/// Seconds of clock skew tolerated on `exp` and `nbf`.
pub const LEEWAY_SECS: u64 = 30;

pub struct Verifier {
    key: DecodingKey,
    validation: Validation,
}

impl Verifier {
    pub fn new(settings: &AuthSettings) -> Result<Self, KeyError> {
        let (key, algorithm) = match &settings.key {
            JwtKey::Hmac(secret) => (DecodingKey::from_secret(secret.expose())?, Algorithm::HS256),
            JwtKey::PublicKeyFile(path) => {
                let pem = std::fs::read(path).map_err(|source| KeyError::Read {
                    path: path.display().to_string(),
                    source,
                })?;
                if let Ok(key) = DecodingKey::from_rsa_pem(&pem) {
                    (key, Algorithm::RS256)
                } else if let Ok(key) = DecodingKey::from_ec_pem(&pem) {
                    (key, Algorithm::ES256)
                } else {
                    return Err(KeyError::NotAPublicKey(path.display().to_string()));
                }
            }
        };
        // Exactly one algorithm, the key's own: no `none`, no HS/RS confusion.
        let mut validation = Validation::new(algorithm);
        validation.algorithms = vec![algorithm];
        // What is configured is also required: a token without `iss`/`aud` is refused then.
        let mut required = vec!["exp", "sub"];
        if settings.issuer.is_some() {
            required.push("iss");
        }
        if settings.audience.is_some() {
            required.push("aud");
        }
        validation.set_required_spec_claims(&required);
        validation.validate_exp = true;
        validation.validate_nbf = true;
        validation.leeway = LEEWAY_SECS;
        match &settings.issuer {
            Some(iss) => validation.set_issuer(&[iss]),
            None => validation.iss = None,
        }
        match &settings.audience {
            Some(aud) => validation.set_audience(&[aud]),
            None => validation.validate_aud = false,
        }
        Ok(Self { key, validation })
    }

    /// Verifies a bearer token and turns its claims into an actor.
    pub fn verify(&self, token: &str) -> Result<Actor, AuthError> {
        let claims = decode::<Claims>(token, &self.key, &self.validation)?.claims;
        if claims.sub.trim().is_empty() {
            return Err(AuthError::EmptySubject);
        }
        let role = role_from_claim(&claims.role)
            .ok_or_else(|| AuthError::UnknownRole(claims.role.clone()))?;
        let access = match role {
            Role::SchemeManager => Access::SchemeManager,
            Role::Analyst => Access::Analyst,
            Role::Grantee => {
                let org = claims
                    .org_id
                    .as_deref()
                    .and_then(|id| Uuid::parse_str(id).ok())
                    .ok_or(AuthError::GranteeWithoutOrg)?;
                Access::Grantee(org)
            }
        };
        Ok(Actor::new(claims.sub, access))
    }

    /// Reads the `Authorization: Bearer …` header. Tokens in query strings or cookies are
    /// never looked at.
    pub fn verify_header(&self, header: Option<&str>) -> Result<Actor, AuthError> {
        let value = header.ok_or(AuthError::Missing)?;
        let (scheme, token) = value.trim().split_once(' ').ok_or(AuthError::Malformed)?;
        if !scheme.eq_ignore_ascii_case("bearer") || token.trim().is_empty() {
            return Err(AuthError::Malformed);
        }
        self.verify(token.trim())
    }
}

/// Issues HS256 tokens with the configured secret (the `token` command, local development).
pub struct Signer {
    key: EncodingKey,
    issuer: Option<String>,
    audience: Option<String>,
}

impl Signer {
    pub fn new(settings: &AuthSettings) -> Result<Self, KeyError> {
        match &settings.key {
            JwtKey::Hmac(secret) => Ok(Self {
                key: EncodingKey::from_secret(secret.expose())?,
                issuer: settings.issuer.clone(),
                audience: settings.audience.clone(),
            }),
            JwtKey::PublicKeyFile(_) => Err(KeyError::CannotSign),
        }
    }

    pub fn sign(
        &self,
        sub: &str,
        role: Role,
        org_id: Option<Uuid>,
        ttl: Duration,
    ) -> Result<String, KeyError> {
        let now = Utc::now().timestamp();
        let claims = Claims {
            sub: sub.to_owned(),
            role: role_claim(role).to_owned(),
            org_id: org_id.map(|id| id.to_string()),
            exp: now + i64::try_from(ttl.as_secs()).unwrap_or(i64::MAX / 2),
            iat: Some(now),
            nbf: None,
            iss: self.issuer.clone(),
            aud: self.audience.clone().map(serde_json::Value::String),
        };
        Ok(encode(&Header::new(Algorithm::HS256), &claims, &self.key)?)
    }
}
