//! The one way in for configuration: the command line and the environment, parsed by clap into
//! a typed [`Settings`]. Nothing else in the service reads the environment.

use std::ffi::OsString;
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
    about = "Scheme Portfolio API: GraphQL over donor grant schemes and grantee reports",
    override_usage = "portfolio-api [COMMAND] [OPTIONS]",
    after_help = "With no command it serves: `portfolio-api serve --help` lists what the server reads. \
                  Each command reads only its own settings, from its flags or the environment \
                  variables its --help names."
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

impl Cli {
    /// Parses the process's command line, `serve` when it names no subcommand (see
    /// [`Cli::try_parse_args`]); on an error prints it (or the help asked for) and exits.
    pub fn parse_args() -> Self {
        Self::try_parse_args(std::env::args_os()).unwrap_or_else(|err| err.exit())
    }

    /// Parses a command line; one that names no subcommand is `serve`'s, so `portfolio-api`
    /// and `portfolio-api --listen-addr 0.0.0.0:8080` serve. Each subcommand parses only the
    /// flags and environment variables it reads: a setting it does not use is not looked at,
    /// whatever its value.
    pub fn try_parse_args<I, T>(args: I) -> Result<Self, clap::Error>
    where
        I: IntoIterator<Item = T>,
        T: Into<OsString> + Clone,
    {
        let mut args: Vec<OsString> = args.into_iter().map(Into::into).collect();
        let names_no_subcommand = args.get(1).is_none_or(|arg| {
            let arg = arg.to_string_lossy();
            arg.starts_with('-') && !matches!(&*arg, "-h" | "--help" | "-V" | "--version")
        });
        if names_no_subcommand {
            if args.is_empty() {
                args.push(OsString::from("portfolio-api"));
            }
            args.insert(1, OsString::from("serve"));
        }
        Self::try_parse_from(args)
    }
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Serve the API (the default): applies pending migrations first unless AUTO_MIGRATE=false.
    Serve(ServeArgs),
    /// Apply pending migrations and exit.
    Migrate(MigrateArgs),
    /// Load the demo grant (`--demo`): migrates first unless AUTO_MIGRATE=false.
    #[command(long_about = SEED_ABOUT)]
    Seed(SeedArgs),
    /// Print a token signed with the configured JWT_SECRET, and nothing else.
    Token(TokenArgs),
    /// Print the GraphQL schema (SDL); it reads no configuration.
    Schema,
    /// Recompute the participation totals kept for the summary from the participation rows and
    /// joint groups (`--check` only compares, and exits 1 on any difference).
    RebuildTotals(RebuildTotalsArgs),
}

/// `rebuild-totals`: the database and the logs.
#[derive(Debug, Clone, Args)]
pub struct RebuildTotalsArgs {
    /// Compare what is kept with a recomputation, list the differences, change nothing.
    #[arg(long)]
    pub check: bool,
    #[command(flatten)]
    pub database: DatabaseArgs,
    #[command(flatten)]
    pub log: LogArgs,
}

const SEED_ABOUT: &str = "Load data into the database (migrating it first unless AUTO_MIGRATE=false).

`seed --demo` loads the demo portfolio: the DFAT-funded AUD 90,000.00 grant to the Advocacy and \
Policy Institute under the Cambodia Aid Advisory Services Grants Scheme, as its completion report \
(shared/seed) states it. That is the organisations (funder, scheme manager, grantee, co-organisers), \
the scheme, the grant CAAS-API-2024 and its tranche, Objective 2 with its indicator and result, the \
submitted completion report with its four activities, their participation and the ten outcomes they \
led to, its challenges, lessons learned and case studies, and the corrections that record what had \
to be inferred to store it. It is written in one transaction through the service's own checked \
writes, each with its audit event.

It is idempotent: when the demo grant is already there, `seed --demo` says so and loads nothing, \
so the database keeps one grant. Without --demo, `seed` loads nothing, says so and exits 1.";

/// `serve`: everything the server reads.
#[derive(Debug, Clone, Args)]
pub struct ServeArgs {
    #[command(flatten)]
    pub database: DatabaseArgs,
    #[command(flatten)]
    pub pool: PoolArgs,
    #[command(flatten)]
    pub migrations: AutoMigrateArgs,
    #[command(flatten)]
    pub server: ServerArgs,
    #[command(flatten)]
    pub auth: AuthArgs,
    #[command(flatten)]
    pub environment: EnvironmentArgs,
    #[command(flatten)]
    pub log: LogArgs,
}

/// `migrate`: the database and the logs.
#[derive(Debug, Clone, Args)]
pub struct MigrateArgs {
    #[command(flatten)]
    pub database: DatabaseArgs,
    #[command(flatten)]
    pub log: LogArgs,
}

/// `seed`: what to load, the database and the logs.
#[derive(Debug, Clone, Args)]
pub struct SeedArgs {
    /// Load the demo grant of the completion report in shared/seed (a no-op when it is there).
    #[arg(long)]
    pub demo: bool,
    #[command(flatten)]
    pub database: DatabaseArgs,
    #[command(flatten)]
    pub pool: PoolArgs,
    #[command(flatten)]
    pub migrations: AutoMigrateArgs,
    #[command(flatten)]
    pub log: LogArgs,
}

/// `token`: what to sign, and the JWT settings it is signed with.
#[derive(Debug, Clone, Args)]
pub struct TokenArgs {
    /// scheme_manager, grantee or analyst
    #[arg(long, value_parser = parse_role)]
    pub role: Role,
    /// The grantee's organisation id (required for --role grantee).
    #[arg(long)]
    pub org: Option<uuid::Uuid>,
    /// Lifetime, e.g. 30m, 1h, 7d.
    #[arg(long, default_value = "1h", value_parser = parse_ttl)]
    pub ttl: Duration,
    /// The token's subject.
    #[arg(long, default_value = "dev-user")]
    pub sub: String,
    #[command(flatten)]
    pub auth: AuthArgs,
    #[command(flatten)]
    pub environment: EnvironmentArgs,
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

/// The database a command connects to.
#[derive(Debug, Clone, Args)]
#[command(next_help_heading = "Database")]
pub struct DatabaseArgs {
    /// postgres://… or sqlite://…; default: portfolio.sqlite in the working folder (which
    /// `serve` demo-seeds when it creates it).
    #[arg(
        long,
        env = "DATABASE_URL",
        hide_env_values = true,
        value_parser = parse_secret
    )]
    pub database_url: Option<SecretString>,
    /// How long to wait for a database connection (opening one included) before giving up;
    /// while the database is down, `serve` answers requests UNAVAILABLE this fast.
    #[arg(
        long,
        env = "DATABASE_ACQUIRE_TIMEOUT",
        default_value = "2s",
        value_parser = parse_positive_duration
    )]
    pub database_acquire_timeout: Duration,
}

/// The pool of connections a command that reads and writes data works with.
#[derive(Debug, Clone, Args)]
#[command(next_help_heading = "Database")]
pub struct PoolArgs {
    /// The most connections this process opens.
    #[arg(long, env = "DATABASE_MAX_CONNECTIONS", default_value_t = 10)]
    pub database_max_connections: u32,
    /// PostgreSQL `statement_timeout`: the longest one statement may run (`0` for no limit).
    /// Migrations run without it.
    #[arg(
        long,
        env = "DATABASE_STATEMENT_TIMEOUT",
        default_value = "30s",
        value_parser = parse_duration
    )]
    pub database_statement_timeout: Duration,
}

/// Whether a command that uses the database applies pending migrations first.
#[derive(Debug, Clone, Args)]
#[command(next_help_heading = "Database")]
pub struct AutoMigrateArgs {
    /// Apply pending migrations first; `false` for deployments that run `migrate` apart.
    #[arg(long, env = "AUTO_MIGRATE", default_value_t = true, action = clap::ArgAction::Set)]
    pub auto_migrate: bool,
}

/// What only the HTTP server reads.
#[derive(Debug, Clone, Args)]
#[command(next_help_heading = "Server")]
pub struct ServerArgs {
    /// The address and port to serve on.
    #[arg(long, env = "LISTEN_ADDR", default_value = "127.0.0.1:8080")]
    pub listen_addr: SocketAddr,
    /// HTTP worker threads (default: one per core).
    #[arg(long, env = "HTTP_WORKERS")]
    pub http_workers: Option<usize>,
    /// On SIGTERM, how long requests in flight may take to finish before what is still open is
    /// rolled back and answered UNAVAILABLE.
    #[arg(
        long,
        env = "SHUTDOWN_DRAIN",
        default_value = "30s",
        value_parser = parse_duration
    )]
    pub shutdown_drain: Duration,
    /// How long an idempotency key is remembered, e.g. 30d; a retry after that creates anew.
    #[arg(long, env = "IDEMPOTENCY_RETENTION", default_value = "30d", value_parser = parse_ttl)]
    pub idempotency_retention: Duration,
    /// Cost a caller may spend at once (see README, Limits): at least one request's limit.
    #[arg(long, env = "RATE_LIMIT_BURST", default_value_t = 500_000)]
    pub rate_limit_burst: u64,
    /// Cost a caller's allowance regains each second, per replica; 0 turns the limit off.
    #[arg(long, env = "RATE_LIMIT_PER_SECOND", default_value_t = 10_000)]
    pub rate_limit_per_second: u64,
    /// A tracing span for every GraphQL field resolved, for profiling: thousands per dashboard
    /// request, so off by default (each request still has its one span).
    #[arg(long, env = "GRAPHQL_FIELD_TRACING", default_value_t = false, action = clap::ArgAction::Set)]
    pub graphql_field_tracing: bool,
}

/// The JWT settings: what `serve` verifies tokens with and `token` signs them with.
#[derive(Debug, Clone, Args)]
#[command(next_help_heading = "Tokens (JWT)")]
pub struct AuthArgs {
    /// HS256 secret, at least 32 bytes; default: a development secret, refused in production.
    /// Set it in the environment: a flag's value is visible to every user of the machine.
    #[arg(
        long,
        env = "JWT_SECRET",
        hide_env_values = true,
        value_parser = parse_secret
    )]
    pub jwt_secret: Option<SecretString>,
    /// The `iss` tokens carry (checked when set).
    #[arg(long, env = "JWT_ISSUER")]
    pub jwt_issuer: Option<String>,
    /// The `aud` tokens carry (checked when set).
    #[arg(long, env = "JWT_AUDIENCE")]
    pub jwt_audience: Option<String>,
    /// PEM public key (RSA for RS256, P-256 for ES256) of an identity provider; `token` cannot
    /// sign with it, and says so.
    #[arg(long, env = "JWT_PUBLIC_KEY_FILE")]
    pub jwt_public_key_file: Option<PathBuf>,
}

/// Development or production.
#[derive(Debug, Clone, Args)]
#[command(next_help_heading = "Environment")]
pub struct EnvironmentArgs {
    /// development or production: production refuses a missing JWT secret and one published in
    /// the repository.
    #[arg(long, env = "APP_ENV", default_value = "development")]
    pub app_env: String,
}

/// Where logs go and how they read.
#[derive(Debug, Clone, Args)]
#[command(next_help_heading = "Logging")]
pub struct LogArgs {
    /// `json` for one JSON object per line.
    #[arg(long, env = "LOG_FORMAT", value_enum, default_value = "text")]
    pub log_format: LogFormat,
    /// Which logs to write (a `tracing` filter).
    #[arg(long, env = "RUST_LOG", default_value = "info,sqlx=warn,sea_orm=warn")]
    pub rust_log: String,
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
    /// A span per resolved GraphQL field (profiling only).
    pub graphql_field_tracing: bool,
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

impl Environment {
    pub fn from_args(args: &EnvironmentArgs) -> Result<Self, ConfigError> {
        match args.app_env.trim().to_ascii_lowercase().as_str() {
            "development" | "dev" | "test" | "" => Ok(Environment::Development),
            "production" | "prod" => Ok(Environment::Production),
            _ => Err(ConfigError::UnknownEnvironment(args.app_env.clone())),
        }
    }
}

impl DatabaseSettings {
    /// The database and the pool a command that reads and writes data works with.
    pub fn from_args(database: &DatabaseArgs, pool: &PoolArgs) -> Self {
        let mut settings = Self::for_migrations(database);
        settings.max_connections = pool.database_max_connections.max(1);
        settings.statement_timeout =
            Some(pool.database_statement_timeout).filter(|timeout| !timeout.is_zero());
        settings
    }

    /// The database alone, for `migrate`: migrations run over one connection of their own,
    /// without a statement timeout.
    pub fn for_migrations(args: &DatabaseArgs) -> Self {
        let url = args
            .database_url
            .as_ref()
            .map(|url| url.expose_secret().trim());
        let (url, is_default) = match url {
            Some(url) if !url.is_empty() => (url.to_owned(), false),
            _ => (format!("sqlite://{DEFAULT_SQLITE_FILE}?mode=rwc"), true),
        };
        Self {
            url: url.into(),
            is_default,
            max_connections: 1,
            acquire_timeout: args.database_acquire_timeout,
            statement_timeout: None,
        }
    }
}

impl AuthSettings {
    /// The key tokens are verified (or signed) with, refusing in production a missing secret
    /// and one published in the repository.
    pub fn from_args(args: &AuthArgs, environment: Environment) -> Result<Self, ConfigError> {
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
        Ok(Self {
            key,
            issuer: args.jwt_issuer.clone().filter(|s| !s.is_empty()),
            audience: args.jwt_audience.clone().filter(|s| !s.is_empty()),
        })
    }
}

impl From<&LogArgs> for LogSettings {
    fn from(args: &LogArgs) -> Self {
        Self {
            format: args.log_format,
            filter: args.rust_log.clone(),
        }
    }
}

impl Settings {
    /// Everything `serve` reads.
    pub fn from_args(args: &ServeArgs) -> Result<Self, ConfigError> {
        let environment = Environment::from_args(&args.environment)?;
        let server = &args.server;
        Ok(Self {
            database: DatabaseSettings::from_args(&args.database, &args.pool),
            listen_addr: server.listen_addr,
            auth: AuthSettings::from_args(&args.auth, environment)?,
            environment,
            auto_migrate: args.migrations.auto_migrate,
            log: LogSettings::from(&args.log),
            http_workers: server.http_workers,
            idempotency_retention: server.idempotency_retention,
            rate_limit: RateLimitSettings {
                burst: server.rate_limit_burst,
                per_second: server.rate_limit_per_second,
            },
            shutdown_drain: server.shutdown_drain,
            graphql_field_tracing: server.graphql_field_tracing,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(extra: &[&str]) -> ServeArgs {
        let mut argv = vec!["portfolio-api"];
        argv.extend_from_slice(extra);
        match Cli::try_parse_args(argv).unwrap().command {
            Command::Serve(args) => args,
            other => panic!("not serve: {other:?}"),
        }
    }

    fn parse(argv: &[&str]) -> Result<Command, clap::Error> {
        Cli::try_parse_args(argv).map(|cli| cli.command)
    }

    #[test]
    fn with_no_command_it_serves_and_takes_the_servers_flags() {
        assert!(matches!(parse(&["portfolio-api"]), Ok(Command::Serve(_))));
        let a = args(&["--listen-addr", "0.0.0.0:9000", "--shutdown-drain", "5s"]);
        let s = Settings::from_args(&a).unwrap();
        assert_eq!(s.listen_addr.port(), 9000);
        assert_eq!(s.shutdown_drain, Duration::from_secs(5));
        // A misspelt command is not taken for the server's arguments.
        assert!(parse(&["portfolio-api", "migrat"]).is_err());
    }

    #[test]
    fn each_command_takes_only_the_flags_it_reads() {
        for refused in [
            &[
                "portfolio-api",
                "token",
                "--role",
                "analyst",
                "--database-url",
                "x",
            ][..],
            &[
                "portfolio-api",
                "token",
                "--role",
                "analyst",
                "--rate-limit-burst",
                "1",
            ],
            &[
                "portfolio-api",
                "token",
                "--role",
                "analyst",
                "--log-format",
                "json",
            ],
            &["portfolio-api", "migrate", "--jwt-issuer", "x"],
            &["portfolio-api", "migrate", "--listen-addr", "127.0.0.1:1"],
            &[
                "portfolio-api",
                "migrate",
                "--database-max-connections",
                "3",
            ],
            &["portfolio-api", "seed", "--demo", "--shutdown-drain", "1s"],
            &["portfolio-api", "schema", "--log-format", "json"],
            // Flags before a command are the server's.
            &["portfolio-api", "--database-url", "x", "migrate"],
        ] {
            assert!(parse(refused).is_err(), "{refused:?}");
        }
        let Ok(Command::Migrate(migrate)) = parse(&[
            "portfolio-api",
            "migrate",
            "--database-url",
            "postgres://db/portfolio",
            "--database-acquire-timeout",
            "5s",
        ]) else {
            panic!("migrate");
        };
        let database = DatabaseSettings::for_migrations(&migrate.database);
        assert_eq!(database.url.expose(), "postgres://db/portfolio");
        assert_eq!(database.acquire_timeout, Duration::from_secs(5));
        assert!(!database.is_default);
        let Ok(Command::Seed(seed)) = parse(&[
            "portfolio-api",
            "seed",
            "--demo",
            "--auto-migrate",
            "false",
            "--database-max-connections",
            "3",
        ]) else {
            panic!("seed");
        };
        assert!(seed.demo && !seed.migrations.auto_migrate);
        let database = DatabaseSettings::from_args(&seed.database, &seed.pool);
        assert_eq!(database.max_connections, 3);
        assert!(database.is_default);
        let Ok(Command::Token(token)) = parse(&[
            "portfolio-api",
            "token",
            "--role",
            "analyst",
            "--jwt-audience",
            "portfolio",
            "--app-env",
            "production",
        ]) else {
            panic!("token");
        };
        let environment = Environment::from_args(&token.environment).unwrap();
        assert_eq!(environment, Environment::Production);
        assert!(matches!(
            AuthSettings::from_args(&token.auth, environment),
            Err(ConfigError::MissingSecret)
        ));
        let auth = AuthSettings::from_args(&token.auth, Environment::Development).unwrap();
        assert_eq!(auth.audience.as_deref(), Some("portfolio"));
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
            Cli::try_parse_args(["portfolio-api", "--database-acquire-timeout", "0s"]).is_err()
        );
    }
}
