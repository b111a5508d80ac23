//! The one way in for configuration: the command line and the environment, parsed by clap into
//! a typed [`Settings`]. Nothing else in the service reads the environment.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

use clap::{Args, Parser, Subcommand, ValueEnum};
use secrecy::{ExposeSecret, SecretString};

use entity::enums::Role;

use crate::domain::actor::role_from_claim;

/// The SQLite file `cargo run` uses when no `DATABASE_URL` is given, in the working folder.
pub const DEFAULT_SQLITE_FILE: &str = "portfolio.sqlite";

#[derive(Debug, Parser)]
#[command(
    name = "portfolio-api",
    version,
    about = "Scheme Portfolio API: GraphQL over donor grant schemes and grantee reports"
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Option<Command>,
    #[command(flatten)]
    pub config: ConfigArgs,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Serve the API (the default): applies pending migrations first unless AUTO_MIGRATE=false.
    Serve,
    /// Apply pending migrations and exit.
    Migrate,
    /// Load data; `--demo` loads the grant of the completion report in shared/seed.
    Seed {
        #[arg(long)]
        demo: bool,
    },
    /// Print a token signed with the configured JWT_SECRET, and nothing else.
    Token {
        /// scheme_manager, grantee or analyst
        #[arg(long, value_parser = parse_role)]
        role: Role,
        /// The grantee's organisation id (required for --role grantee).
        #[arg(long)]
        org: Option<uuid::Uuid>,
        /// Lifetime, e.g. 30m, 1h, 7d.
        #[arg(long, default_value = "1h", value_parser = parse_ttl)]
        ttl: Duration,
        /// The token's subject.
        #[arg(long, default_value = "dev-user")]
        sub: String,
    },
    /// Print the GraphQL schema (SDL).
    Schema,
}

fn parse_role(text: &str) -> Result<Role, String> {
    role_from_claim(text.trim())
        .ok_or_else(|| format!("{text:?}: the role must be scheme_manager, grantee or analyst"))
}

/// A duration written as a number and a unit: `500ms`, `2s`, `30m`, `1h`, `7d` (a bare number
/// is seconds).
fn parse_duration(text: &str) -> Result<Duration, String> {
    let text = text.trim();
    let split = text
        .find(|c: char| !c.is_ascii_digit())
        .unwrap_or(text.len());
    let (number, unit) = text.split_at(split);
    let n: u64 = number
        .parse()
        .map_err(|_| format!("{text:?} is not a duration like 500ms, 2s, 30m, 1h or 7d"))?;
    let seconds = |factor: u64| {
        n.checked_mul(factor)
            .map(Duration::from_secs)
            .ok_or_else(|| format!("{text:?} is too long"))
    };
    match unit {
        "ms" => Ok(Duration::from_millis(n)),
        "s" | "" => seconds(1),
        "m" => seconds(60),
        "h" => seconds(3600),
        "d" => seconds(86_400),
        _ => Err(format!("{text:?}: the unit must be ms, s, m, h or d")),
    }
}

/// A duration that must be more than zero.
fn parse_positive_duration(text: &str) -> Result<Duration, String> {
    match parse_duration(text)? {
        d if d.is_zero() => Err("the duration must be more than zero".into()),
        d => Ok(d),
    }
}

/// A value that may hold a secret (a password in a database URL, a JWT secret): kept so that
/// printing the parsed command line never shows it.
fn parse_secret(text: &str) -> Result<SecretString, String> {
    Ok(SecretString::from(text))
}

fn parse_ttl(text: &str) -> Result<Duration, String> {
    parse_positive_duration(text).map_err(|e| e.replace("duration", "lifetime"))
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum LogFormat {
    Text,
    Json,
}

#[derive(Debug, Clone, Args)]
pub struct ConfigArgs {
    /// postgres://… or sqlite://…; default: an SQLite file in the working folder, demo-seeded.
    #[arg(
        long,
        env = "DATABASE_URL",
        global = true,
        hide_env_values = true,
        value_parser = parse_secret
    )]
    pub database_url: Option<SecretString>,
    #[arg(
        long,
        env = "LISTEN_ADDR",
        global = true,
        default_value = "127.0.0.1:8080"
    )]
    pub listen_addr: SocketAddr,
    /// HS256 secret, at least 32 bytes. Set it in the environment, not on the command line.
    #[arg(
        long,
        env = "JWT_SECRET",
        global = true,
        hide = true,
        hide_env_values = true,
        value_parser = parse_secret
    )]
    pub jwt_secret: Option<SecretString>,
    #[arg(long, env = "JWT_ISSUER", global = true)]
    pub jwt_issuer: Option<String>,
    #[arg(long, env = "JWT_AUDIENCE", global = true)]
    pub jwt_audience: Option<String>,
    /// PEM public key (RSA for RS256, P-256 for ES256) of an identity provider.
    #[arg(long, env = "JWT_PUBLIC_KEY_FILE", global = true)]
    pub jwt_public_key_file: Option<PathBuf>,
    #[arg(long, env = "APP_ENV", global = true, default_value = "development")]
    pub app_env: String,
    #[arg(long, env = "AUTO_MIGRATE", global = true, default_value_t = true, action = clap::ArgAction::Set)]
    pub auto_migrate: bool,
    #[arg(
        long,
        env = "LOG_FORMAT",
        global = true,
        value_enum,
        default_value = "text"
    )]
    pub log_format: LogFormat,
    #[arg(
        long,
        env = "RUST_LOG",
        global = true,
        default_value = "info,sqlx=warn,sea_orm=warn"
    )]
    pub rust_log: String,
    #[arg(
        long,
        env = "DATABASE_MAX_CONNECTIONS",
        global = true,
        default_value_t = 10
    )]
    pub database_max_connections: u32,
    /// How long a request waits for a database connection (a new one included) before it is
    /// answered UNAVAILABLE: while the database is down, requests fail this fast.
    #[arg(
        long,
        env = "DATABASE_ACQUIRE_TIMEOUT",
        global = true,
        default_value = "2s",
        value_parser = parse_positive_duration
    )]
    pub database_acquire_timeout: Duration,
    /// PostgreSQL `statement_timeout`: the longest one statement may run (`0` for no limit).
    /// Migrations run without it.
    #[arg(
        long,
        env = "DATABASE_STATEMENT_TIMEOUT",
        global = true,
        default_value = "30s",
        value_parser = parse_duration
    )]
    pub database_statement_timeout: Duration,
    /// On SIGTERM, how long requests in flight may take to finish before what is still open is
    /// rolled back and answered UNAVAILABLE.
    #[arg(
        long,
        env = "SHUTDOWN_DRAIN",
        global = true,
        default_value = "30s",
        value_parser = parse_duration
    )]
    pub shutdown_drain: Duration,
    /// HTTP worker threads (default: one per core).
    #[arg(long, env = "HTTP_WORKERS", global = true)]
    pub http_workers: Option<usize>,
    /// How long an idempotency key is remembered, e.g. 30d; a retry after that creates anew.
    #[arg(long, env = "IDEMPOTENCY_RETENTION", global = true, default_value = "30d", value_parser = parse_ttl)]
    pub idempotency_retention: Duration,
    /// Cost a caller may spend at once (see README, Limits): at least one request's limit.
    #[arg(
        long,
        env = "RATE_LIMIT_BURST",
        global = true,
        default_value_t = 500_000
    )]
    pub rate_limit_burst: u64,
    /// Cost a caller's allowance regains each second, per replica; 0 turns the limit off.
    #[arg(
        long,
        env = "RATE_LIMIT_PER_SECOND",
        global = true,
        default_value_t = 10_000
    )]
    pub rate_limit_per_second: u64,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Environment {
    Development,
    Production,
}

/// A database URL: it may hold a password, so it prints (and is logged) with the password
/// replaced by `***`; only the connection reads it whole.
#[derive(Clone)]
pub struct DatabaseUrl(SecretString);

impl DatabaseUrl {
    /// The URL itself, password included: for connecting, never for printing.
    pub fn expose(&self) -> &str {
        self.0.expose_secret()
    }

    /// The password written in the URL, if any: between the user name and the last `@` of what
    /// follows the scheme.
    fn password(&self) -> Option<&str> {
        let url = self.expose();
        let rest = &url[url.find("://")? + 3..];
        let (_, password) = rest[..rest.rfind('@')?].split_once(':')?;
        Some(password).filter(|p| !p.is_empty())
    }

    /// `text` with the URL's password, wherever it appears, replaced by `***`: for messages
    /// that may quote the URL (a driver's connection error does).
    pub fn redact(&self, text: &str) -> String {
        let Some(password) = self.password() else {
            return text.to_owned();
        };
        // As written in the URL, and as the driver decodes it.
        text.replace(password, "***")
            .replace(&percent_decoded(password), "***")
    }
}

fn percent_decoded(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let hex = bytes
            .get(i + 1..i + 3)
            .and_then(|h| std::str::from_utf8(h).ok())
            .and_then(|h| u8::from_str_radix(h, 16).ok());
        match (bytes[i], hex) {
            (b'%', Some(byte)) => {
                out.push(byte);
                i += 3;
            }
            (byte, _) => {
                out.push(byte);
                i += 1;
            }
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

impl From<String> for DatabaseUrl {
    fn from(url: String) -> Self {
        Self(SecretString::from(url))
    }
}

impl std::fmt::Debug for DatabaseUrl {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{:?}", self.redact(self.expose()))
    }
}

impl std::fmt::Display for DatabaseUrl {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.redact(self.expose()))
    }
}

#[derive(Debug, Clone)]
pub struct DatabaseSettings {
    pub url: DatabaseUrl,
    /// True when no DATABASE_URL was given: the embedded SQLite file, demo-seeded on first start.
    pub is_default: bool,
    pub max_connections: u32,
    /// How long a request waits for a connection before it is answered UNAVAILABLE.
    pub acquire_timeout: Duration,
    /// PostgreSQL's `statement_timeout` for the service's connections; `None` for no limit.
    pub statement_timeout: Option<Duration>,
}

#[derive(Debug, Clone)]
pub enum JwtKey {
    Hmac(HmacSecret),
    PublicKeyFile(PathBuf),
}

/// The shortest HS256 secret accepted, in bytes.
pub const MIN_SECRET_BYTES: usize = 32;

/// An HS256 secret: the one place that decides which secrets are acceptable. It is at least
/// [`MIN_SECRET_BYTES`] long, and never printed.
#[derive(Debug, Clone)]
pub struct HmacSecret(SecretString);

impl HmacSecret {
    pub fn expose(&self) -> &[u8] {
        self.0.expose_secret().as_bytes()
    }

    /// The secret a development machine runs with when none is configured; production refuses
    /// it.
    pub fn development() -> Self {
        Self(SecretString::from(DEVELOPMENT_SECRET))
    }

    /// Whether this secret is written in the repository, and so known to everyone who can read
    /// it: see [`PUBLISHED_SECRETS`].
    pub fn is_published(&self) -> bool {
        let secret = self.0.expose_secret().trim();
        PUBLISHED_SECRETS.contains(&secret)
    }
}

impl TryFrom<String> for HmacSecret {
    type Error = ConfigError;

    fn try_from(secret: String) -> Result<Self, ConfigError> {
        if secret.len() < MIN_SECRET_BYTES {
            return Err(ConfigError::SecretTooShort(secret.len()));
        }
        Ok(Self(SecretString::from(secret)))
    }
}

const DEVELOPMENT_SECRET: &str = "development-only-secret-change-me-0123456789";

/// Every HS256 secret written in this repository: the development default, the example the
/// compose file once defaulted to, and the ones the tests sign with. Anyone who can read the
/// repository can forge tokens with them, so production refuses them all. A test
/// (`api/tests/secrets.rs`) scans the repository and fails when it finds a secret that is not
/// listed here.
pub const PUBLISHED_SECRETS: &[&str] = &[
    DEVELOPMENT_SECRET,
    "compose-local-secret-change-me-0123456789",
    "end-to-end-test-secret-0123456789abcdef",
    "cli-test-secret-0123456789abcdef0123",
    "a-different-secret-of-sufficient-length!!",
    "a-jwt-secret-that-must-never-print-0123",
];

#[derive(Debug, Clone)]
pub struct AuthSettings {
    pub key: JwtKey,
    pub issuer: Option<String>,
    pub audience: Option<String>,
}

#[derive(Debug, Clone)]
pub struct LogSettings {
    pub format: LogFormat,
    pub filter: String,
}

#[derive(Debug, Clone)]
pub struct Settings {
    pub database: DatabaseSettings,
    pub listen_addr: SocketAddr,
    pub auth: AuthSettings,
    pub environment: Environment,
    pub auto_migrate: bool,
    pub log: LogSettings,
    pub http_workers: Option<usize>,
    pub idempotency_retention: Duration,
    pub rate_limit: RateLimitSettings,
    /// On SIGTERM, how long requests in flight may take to finish.
    pub shutdown_drain: Duration,
}

/// Each caller's token bucket of request cost.
#[derive(Debug, Clone, Copy)]
pub struct RateLimitSettings {
    pub burst: u64,
    pub per_second: u64,
}

#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("APP_ENV={0:?}: expected development or production")]
    UnknownEnvironment(String),
    #[error("APP_ENV=production needs JWT_SECRET (at least 32 bytes) or JWT_PUBLIC_KEY_FILE")]
    MissingSecret,
    #[error(
        "APP_ENV=production refuses a JWT_SECRET that is published in the repository (the development default, the compose example, a test's); set a secret of your own"
    )]
    PublishedSecret,
    #[error("JWT_SECRET must be at least 32 bytes (it has {0})")]
    SecretTooShort(usize),
}

impl Settings {
    pub fn from_args(args: &ConfigArgs) -> Result<Self, ConfigError> {
        let environment = match args.app_env.trim().to_ascii_lowercase().as_str() {
            "development" | "dev" | "test" | "" => Environment::Development,
            "production" | "prod" => Environment::Production,
            _ => return Err(ConfigError::UnknownEnvironment(args.app_env.clone())),
        };
        let key = match (&args.jwt_public_key_file, &args.jwt_secret) {
            (Some(path), _) => JwtKey::PublicKeyFile(path.clone()),
            (None, Some(secret)) => {
                let secret = HmacSecret::try_from(secret.expose_secret().to_owned())?;
                if environment == Environment::Production && secret.is_published() {
                    return Err(ConfigError::PublishedSecret);
                }
                JwtKey::Hmac(secret)
            }
            (None, None) if environment == Environment::Production => {
                return Err(ConfigError::MissingSecret);
            }
            (None, None) => JwtKey::Hmac(HmacSecret::development()),
        };
        let url = args
            .database_url
            .as_ref()
            .map(|url| url.expose_secret().trim());
        let (url, is_default) = match url {
            Some(url) if !url.is_empty() => (url.to_owned(), false),
            _ => (format!("sqlite://{DEFAULT_SQLITE_FILE}?mode=rwc"), true),
        };
        Ok(Self {
            database: DatabaseSettings {
                url: url.into(),
                is_default,
                max_connections: args.database_max_connections.max(1),
                acquire_timeout: args.database_acquire_timeout,
                statement_timeout: Some(args.database_statement_timeout)
                    .filter(|timeout| !timeout.is_zero()),
            },
            listen_addr: args.listen_addr,
            auth: AuthSettings {
                key,
                issuer: args.jwt_issuer.clone().filter(|s| !s.is_empty()),
                audience: args.jwt_audience.clone().filter(|s| !s.is_empty()),
            },
            environment,
            auto_migrate: args.auto_migrate,
            log: LogSettings {
                format: args.log_format,
                filter: args.rust_log.clone(),
            },
            http_workers: args.http_workers,
            idempotency_retention: args.idempotency_retention,
            rate_limit: RateLimitSettings {
                burst: args.rate_limit_burst,
                per_second: args.rate_limit_per_second,
            },
            shutdown_drain: args.shutdown_drain,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(extra: &[&str]) -> ConfigArgs {
        let mut argv = vec!["portfolio-api"];
        argv.extend_from_slice(extra);
        Cli::try_parse_from(argv).unwrap().config
    }

    #[test]
    fn production_refuses_to_start_without_a_real_secret() {
        let a = args(&["--app-env", "production"]);
        assert!(matches!(
            Settings::from_args(&a),
            Err(ConfigError::MissingSecret)
        ));
        let dev = DEVELOPMENT_SECRET.to_owned();
        let a = args(&["--app-env", "production", "--jwt-secret", &dev]);
        assert!(matches!(
            Settings::from_args(&a),
            Err(ConfigError::PublishedSecret)
        ));
        for published in PUBLISHED_SECRETS {
            let a = args(&["--app-env", "production", "--jwt-secret", published]);
            assert!(
                matches!(Settings::from_args(&a), Err(ConfigError::PublishedSecret)),
                "{published}"
            );
            let a = args(&["--jwt-secret", published]);
            assert!(
                Settings::from_args(&a).is_ok(),
                "development takes {published}"
            );
        }
    }

    #[test]
    fn short_secrets_are_refused() {
        let a = args(&["--jwt-secret", "too-short"]);
        assert!(matches!(
            Settings::from_args(&a),
            Err(ConfigError::SecretTooShort(9))
        ));
    }

    #[test]
    fn neither_a_database_password_nor_a_jwt_secret_ever_prints() {
        let a = args(&[
            "--database-url",
            "postgres://portfolio:s3cr%2Ft@db:5432/portfolio?sslmode=require",
            "--jwt-secret",
            "a-jwt-secret-that-must-never-print-0123",
        ]);
        let s = Settings::from_args(&a).unwrap();
        let printed = format!("{} {:?} {s:?} {a:?}", s.database.url, s.database.url);
        assert!(!printed.contains("s3cr"), "{printed}");
        assert!(!printed.contains("never-print"), "{printed}");
        assert!(printed.contains("postgres://portfolio:***@db:5432/portfolio?sslmode=require"));
        assert_eq!(
            s.database
                .url
                .redact("cannot parse 'postgres://portfolio:s3cr%2Ft@db'"),
            "cannot parse 'postgres://portfolio:***@db'"
        );
        assert_eq!(
            s.database.url.redact("password s3cr/t refused"),
            "password *** refused"
        );
        let no_password: DatabaseUrl = "postgres://postgres@127.0.0.1/db".to_owned().into();
        assert_eq!(no_password.to_string(), "postgres://postgres@127.0.0.1/db");
    }

    #[test]
    fn ttl_accepts_units() {
        assert_eq!(parse_ttl("1h"), Ok(Duration::from_secs(3600)));
        assert_eq!(parse_ttl("7d"), Ok(Duration::from_secs(7 * 86_400)));
        assert!(parse_ttl("1w").is_err());
        assert!(parse_ttl("0s").is_err());
    }

    #[test]
    fn database_timeouts_have_short_defaults_and_zero_turns_the_statement_timeout_off() {
        let s = Settings::from_args(&args(&[])).unwrap();
        assert_eq!(s.database.acquire_timeout, Duration::from_secs(2));
        assert_eq!(s.database.statement_timeout, Some(Duration::from_secs(30)));
        assert_eq!(s.shutdown_drain, Duration::from_secs(30));
        let s = Settings::from_args(&args(&[
            "--database-acquire-timeout",
            "500ms",
            "--database-statement-timeout",
            "0",
        ]))
        .unwrap();
        assert_eq!(s.database.acquire_timeout, Duration::from_millis(500));
        assert_eq!(s.database.statement_timeout, None);
        assert!(
            Cli::try_parse_from(["portfolio-api", "--database-acquire-timeout", "0s"]).is_err()
        );
    }
}
