//! The subcommands of `portfolio-api`. Each builds the settings it reads, and no others.

use std::process::ExitCode;
use std::sync::Arc;

use crate::auth::Signer;
use crate::domain::totals;
use crate::metrics::Metrics;
use crate::seed::{self, Seeded};

use crate::settings::{
    AuthSettings, Cli, Command, ConfigError, DatabaseSettings, Environment, LogFormat, LogSettings,
    MigrateArgs, RebuildTotalsArgs, SeedArgs, ServeArgs, Settings, TokenArgs,
};
use crate::startup::Application;
use crate::{db, graphql, telemetry};

pub async fn run(cli: Cli) -> ExitCode {
    match cli.command {
        Command::Serve(args) => serve(&args).await,
        Command::Migrate(args) => migrate(&args).await,
        Command::Seed(args) => seed(&args).await,
        Command::Token(args) => token(&args),
        Command::Schema => {
            print!("{}", graphql::sdl());
            ExitCode::SUCCESS
        }
        Command::RebuildTotals(args) => rebuild_totals(&args).await,
    }
}

async fn rebuild_totals(args: &RebuildTotalsArgs) -> ExitCode {
    let log = LogSettings::from(&args.log);
    telemetry::init(&log);
    let database = DatabaseSettings::for_migrations(&args.database);
    let result = async {
        let db = db::connect(
            &database,
            Arc::new(Metrics::new()),
            "portfolio-api rebuild-totals",
        )
        .await
        .map_err(|e| e.to_string())?;
        let outcome = if args.check {
            match totals::verify(&db).await {
                Ok(differences) if differences.is_empty() => {
                    eprintln!("the kept totals equal a recomputation");
                    Ok(())
                }
                Ok(differences) => {
                    for line in &differences {
                        eprintln!("{line}");
                    }
                    Err(format!(
                        "{} differences; `rebuild-totals` without --check recomputes them",
                        differences.len()
                    ))
                }
                Err(err) => Err(err.to_string()),
            }
        } else {
            totals::rebuild(&db)
                .await
                .map(|n| eprintln!("recomputed the totals of {n} activities"))
                .map_err(|e| e.to_string())
        };
        let _ = db.close().await;
        outcome
    }
    .await;
    finish(log.format, result)
}

async fn serve(args: &ServeArgs) -> ExitCode {
    let settings = match Settings::from_args(args) {
        Ok(settings) => settings,
        Err(err) => return configuration_error(args.log.log_format, &err),
    };
    telemetry::init(&settings.log);
    let result = match Application::build(&settings).await {
        Ok(app) => app
            .run_until_stopped()
            .await
            .map_err(|e| format!("server: {e}")),
        Err(err) => Err(err.to_string()),
    };
    finish(settings.log.format, result)
}

async fn migrate(args: &MigrateArgs) -> ExitCode {
    let log = LogSettings::from(&args.log);
    telemetry::init(&log);
    let database = DatabaseSettings::for_migrations(&args.database);
    let result = db::migrate(&database).await.map_err(|e| e.to_string());
    if result.is_ok() {
        tracing::info!("migrations applied");
    }
    finish(log.format, result)
}

async fn seed(args: &SeedArgs) -> ExitCode {
    let log = LogSettings::from(&args.log);
    telemetry::init(&log);
    if !args.demo {
        return finish(
            log.format,
            Err("nothing loaded: say what to load (`seed --demo` loads the completion report's grant)".into()),
        );
    }
    let database = DatabaseSettings::from_args(&args.database, &args.pool);
    let result = load_demo(&database, args.migrations.auto_migrate).await;
    finish(log.format, result)
}

async fn load_demo(database: &DatabaseSettings, auto_migrate: bool) -> Result<(), String> {
    if auto_migrate {
        db::migrate(database).await.map_err(|e| e.to_string())?;
    }
    let db = db::connect(database, Arc::new(Metrics::new()), "portfolio-api seed")
        .await
        .map_err(|e| e.to_string())?;
    let seeded = seed::load_demo(&db).await;
    let _ = db.close().await;
    match seeded.map_err(|e| format!("seeding: {e}"))? {
        Seeded::Loaded { grant_id } => eprintln!("loaded the demo grant {grant_id}"),
        Seeded::AlreadyPresent { grant_id } => {
            eprintln!("the demo grant {grant_id} is already there: nothing loaded")
        }
    }
    Ok(())
}

/// Signs and prints a token. It sets up no logging: its only output is the token on stdout, or
/// one line saying why not on stderr.
fn token(args: &TokenArgs) -> ExitCode {
    let auth = match Environment::from_args(&args.environment)
        .and_then(|environment| AuthSettings::from_args(&args.auth, environment))
    {
        Ok(auth) => auth,
        Err(err) => return configuration_error(LogFormat::Text, &err),
    };
    let signed = if args.org.is_none() && args.role == entity::enums::Role::Grantee {
        Err("--role grantee needs --org <organisation id>".to_owned())
    } else {
        Signer::new(&auth)
            .and_then(|signer| signer.sign(&args.sub, args.role, args.org, args.ttl))
            .map_err(|e| e.to_string())
    };
    match signed {
        Ok(token) => {
            println!("{token}");
            ExitCode::SUCCESS
        }
        Err(message) => {
            eprintln!("portfolio-api: {message}");
            ExitCode::FAILURE
        }
    }
}

/// Settings that cannot be used: exit 2, the one line written in the format asked for (logging
/// is not set up yet, as its settings come with the ones that failed).
fn configuration_error(format: LogFormat, err: &ConfigError) -> ExitCode {
    let message = format!("configuration: {err}");
    match format {
        LogFormat::Json => eprintln!(
            "{}",
            serde_json::json!({ "level": "ERROR", "message": message, "target": "api::cli" })
        ),
        LogFormat::Text => eprintln!("portfolio-api: {message}"),
    }
    ExitCode::from(2)
}

fn finish(format: LogFormat, result: Result<(), String>) -> ExitCode {
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            telemetry::fatal(format, &message);
            ExitCode::FAILURE
        }
    }
}
