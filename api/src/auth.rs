//! Token verification, configured once at start-up. A verified token becomes an [`Actor`];
//! anything else is `UNAUTHENTICATED`, with the reason logged (never the token) and never told.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use chrono::Utc;
use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation, decode, encode};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use entity::enums::Role;

use actix_web::http::header::{AUTHORIZATION, HeaderMap};
use sea_orm::DatabaseConnection;

use crate::domain::actor::{Access, Actor, role_claim, role_from_claim};
use crate::domain::portfolio::organisations;
use crate::settings::{AuthSettings, JwtKey};

/// Why a token was refused. Logged for operators; clients only ever see `UNAUTHENTICATED`.
#[derive(Debug, thiserror::Error)]
pub enum AuthError {
    #[error("no bearer token")]
    Missing,
    #[error("the Authorization header is not a bearer token")]
    Malformed,
    #[error("more than one Authorization header")]
    MultipleHeaders,
    #[error("the token is longer than {MAX_TOKEN_BYTES} bytes")]
    TooLong,
    #[error("token rejected: {0}")]
    Invalid(#[from] jsonwebtoken::errors::Error),
    #[error("the role claim is not scheme_manager, grantee or analyst")]
    UnknownRole,
    #[error("a grantee token needs an org_id that is a UUID")]
    GranteeWithoutOrg,
    #[error("org_id does not name a grantee organisation")]
    NotAGrantee,
    #[error("the sub claim is empty")]
    EmptySubject,
    #[error("the {0} claim is longer than {1} characters")]
    ClaimTooLong(&'static str, usize),
    #[error("the sub claim contains control characters")]
    ControlCharacters,
}

impl AuthError {
    /// Why the request was refused, for the client: what was wrong with the token, in words
    /// that name no secret, echo nothing the token holds and never say whether an organisation
    /// exists.
    pub fn description(&self) -> String {
        use jsonwebtoken::errors::ErrorKind;
        let Self::Invalid(err) = self else {
            return self.to_string();
        };
        match err.kind() {
            ErrorKind::ExpiredSignature => "the token has expired".into(),
            ErrorKind::ImmatureSignature => "the token is not valid yet (nbf)".into(),
            ErrorKind::InvalidSignature => "the token's signature does not verify".into(),
            ErrorKind::InvalidAlgorithm | ErrorKind::InvalidAlgorithmName => {
                "the token is signed with an algorithm this service does not accept".into()
            }
            ErrorKind::InvalidAudience => "the token is meant for another audience (aud)".into(),
            ErrorKind::InvalidIssuer => "the token comes from another issuer (iss)".into(),
            ErrorKind::MissingRequiredClaim(claim) => match claim.as_str() {
                "exp" | "sub" | "iss" | "aud" => format!("the token has no {claim} claim"),
                _ => "the token lacks a required claim".into(),
            },
            ErrorKind::Json(_) => "the token's claims are incomplete or of the wrong type".into(),
            _ => "the token is malformed".into(),
        }
    }

    /// The `WWW-Authenticate` challenge of RFC 6750: `invalid_request` for a header that is not
    /// one bearer token, `invalid_token` with the reason for a token that was refused, and no
    /// error at all when no token was sent.
    pub fn challenge(&self) -> String {
        let error = match self {
            Self::Missing => return "Bearer".into(),
            Self::Malformed | Self::MultipleHeaders => "invalid_request",
            _ => "invalid_token",
        };
        let description = self.description().replace(['"', '\\'], "'");
        format!("Bearer error=\"{error}\", error_description=\"{description}\"")
    }
}

/// The longest token read, in bytes: far more than any real token's claims need, and a bound on
/// the work a forged one can cause.
pub const MAX_TOKEN_BYTES: usize = 8 * 1024;

/// The longest `sub` accepted, in characters: OpenID Connect's bound on a subject identifier.
/// The subject is stored with every write (`audit_events.actor`, 300 characters) and in the
/// owner of an idempotency key (`idempotency_keys.actor`, 300 characters, the subject after a
/// prefix of at most 45), so both columns fit the longest subject admitted here.
pub const MAX_SUB_CHARS: usize = 255;

/// The longest `iss` or `aud` value accepted, in characters.
pub const MAX_CLAIM_CHARS: usize = 1024;

/// The most audiences a token may list.
const MAX_AUDIENCES: usize = 16;

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
    #[error("--sub: {0}")]
    Subject(AuthError),
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
        if token.len() > MAX_TOKEN_BYTES {
            return Err(AuthError::TooLong);
        }
        let claims = decode::<Claims>(token, &self.key, &self.validation)?.claims;
        check_subject(&claims.sub)?;
        check_lengths(&claims)?;
        let role = role_from_claim(&claims.role).ok_or(AuthError::UnknownRole)?;
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

/// A subject this service can record: not blank, at most [`MAX_SUB_CHARS`] characters, and no
/// control characters (PostgreSQL cannot store a NUL, and a line break would forge log lines).
pub fn check_subject(sub: &str) -> Result<(), AuthError> {
    if sub.trim().is_empty() {
        return Err(AuthError::EmptySubject);
    }
    if sub.chars().count() > MAX_SUB_CHARS {
        return Err(AuthError::ClaimTooLong("sub", MAX_SUB_CHARS));
    }
    if sub.chars().any(char::is_control) {
        return Err(AuthError::ControlCharacters);
    }
    Ok(())
}

/// Bounds every claim this service reads, so that what verification admits fits wherever it is
/// stored or compared.
fn check_lengths(claims: &Claims) -> Result<(), AuthError> {
    let too_long = |text: &str, limit: usize| text.chars().count() > limit;
    // A role or organisation id longer than these is no role and no UUID.
    if too_long(&claims.role, 32) {
        return Err(AuthError::UnknownRole);
    }
    if claims
        .org_id
        .as_deref()
        .is_some_and(|org| too_long(org, 45))
    {
        return Err(AuthError::GranteeWithoutOrg);
    }
    if claims
        .iss
        .as_deref()
        .is_some_and(|iss| too_long(iss, MAX_CLAIM_CHARS))
    {
        return Err(AuthError::ClaimTooLong("iss", MAX_CLAIM_CHARS));
    }
    let audiences = match &claims.aud {
        Some(serde_json::Value::Array(list)) => list.iter().collect(),
        Some(one) => vec![one],
        None => vec![],
    };
    let long_audience = audiences.iter().any(|aud| {
        aud.as_str()
            .is_some_and(|aud| too_long(aud, MAX_CLAIM_CHARS))
    });
    if audiences.len() > MAX_AUDIENCES || long_audience {
        return Err(AuthError::ClaimTooLong("aud", MAX_CLAIM_CHARS));
    }
    Ok(())
}

/// A request refused before anything runs: its token is not good enough, or the database could
/// not be asked whether the token's organisation is a grantee.
#[derive(Debug, thiserror::Error)]
pub enum Refusal {
    #[error(transparent)]
    Unauthenticated(#[from] AuthError),
    #[error("checking the token's organisation: {0}")]
    Unavailable(#[source] crate::error::Error),
}

/// How long a grantee organisation, once found, is taken on trust. Organisations never change
/// kind or disappear through the API, so a remembered "yes" stays true; a "no" is never
/// remembered, so every replica accepts an organisation as soon as it exists.
pub const KNOWN_GRANTEE_TTL: Duration = Duration::from_secs(60);

/// The most organisations remembered at once.
const KNOWN_GRANTEES: usize = 10_000;

/// Authentication, once per request: the bearer token verified, and a grantee token's
/// organisation checked to be a grantee that exists.
pub struct Authenticator {
    verifier: Verifier,
    known_grantees: Mutex<HashMap<Uuid, Instant>>,
}

impl Authenticator {
    pub fn new(settings: &AuthSettings) -> Result<Self, KeyError> {
        Ok(Self {
            verifier: Verifier::new(settings)?,
            known_grantees: Mutex::default(),
        })
    }

    /// The actor a request's one `Authorization` header stands for. A request with two is
    /// refused whatever they hold: which one counts is exactly what a proxy and this service
    /// could disagree on.
    pub async fn authenticate(
        &self,
        db: &DatabaseConnection,
        headers: &HeaderMap,
    ) -> Result<Actor, Refusal> {
        let mut values = headers.get_all(AUTHORIZATION);
        let header = match (values.next(), values.next()) {
            (None, _) => None,
            (Some(value), None) => Some(value.to_str().map_err(|_| AuthError::Malformed)?),
            (Some(_), Some(_)) => return Err(AuthError::MultipleHeaders.into()),
        };
        let actor = self.verifier.verify_header(header)?;
        if let Some(org) = actor.grantee_org() {
            self.ensure_grantee(db, org).await?;
        }
        Ok(actor)
    }

    async fn ensure_grantee(&self, db: &DatabaseConnection, org: Uuid) -> Result<(), Refusal> {
        let now = Instant::now();
        if let Ok(known) = self.known_grantees.lock()
            && known
                .get(&org)
                .is_some_and(|since| now.duration_since(*since) < KNOWN_GRANTEE_TTL)
        {
            return Ok(());
        }
        let is_grantee = organisations::is_grantee(db, org)
            .await
            .map_err(|err| Refusal::Unavailable(err.into()))?;
        if !is_grantee {
            return Err(AuthError::NotAGrantee.into());
        }
        if let Ok(mut known) = self.known_grantees.lock() {
            if known.len() >= KNOWN_GRANTEES {
                known.retain(|_, since| now.duration_since(*since) < KNOWN_GRANTEE_TTL);
                if known.len() >= KNOWN_GRANTEES {
                    known.clear();
                }
            }
            known.insert(org, now);
        }
        Ok(())
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
        check_subject(sub).map_err(KeyError::Subject)?;
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_longest_subject_admitted_fits_the_columns_that_record_it() {
        // `audit_events.actor` and `idempotency_keys.actor` are 300 characters (see the
        // migration that creates them).
        const COLUMN_CHARS: usize = 300;
        let sub = "é".repeat(MAX_SUB_CHARS);
        assert!(check_subject(&sub).is_ok());
        for access in [
            Access::SchemeManager,
            Access::Analyst,
            Access::Grantee(Uuid::new_v4()),
        ] {
            let actor = Actor::new(sub.clone(), access);
            assert!(actor.sub.chars().count() <= COLUMN_CHARS);
            assert!(actor.idempotency_owner().chars().count() <= COLUMN_CHARS);
        }
        let longer = "é".repeat(MAX_SUB_CHARS + 1);
        assert!(matches!(
            check_subject(&longer),
            Err(AuthError::ClaimTooLong("sub", MAX_SUB_CHARS))
        ));
        assert!(matches!(
            check_subject("a\u{0}b"),
            Err(AuthError::ControlCharacters)
        ));
    }
}
