//! The subcommands of `portfolio-api`.

use std::process::ExitCode;

use crate::auth::Signer;
use crate::metrics::Metrics;
use crate::seed::{self, Seeded};
use entity::enums::Role;

use crate::settings::{Cli, Command, LogFormat, Settings};
use crate::startup::Application;
use crate::{db, graphql, telemetry};

pub async fn run(cli: Cli) -> ExitCode {
    // `schema` needs no configuration at all.
    if let Some(Command::Schema) = cli.command {
        print!("{}", graphql::sdl());
        return ExitCode::SUCCESS;
    }
    let settings = match Settings::from_args(&cli.config) {
        Ok(s) => s,
        Err(err) => {
            // Logging is not set up yet (its settings are what failed): write the one line
            // in the format asked for.
            let message = format!("configuration: {err}");
            match cli.config.log_format {
                LogFormat::Json => eprintln!(
                    "{}",
                    serde_json::json!({ "level": "ERROR", "message": message, "target": "api::cli" })
                ),
                LogFormat::Text => eprintln!("portfolio-api: {message}"),
            }
            return ExitCode::from(2);
        }
    };
    telemetry::init(&settings.log);
    let result = match cli.command.unwrap_or(Command::Serve) {
        Command::Serve => serve(&settings).await,
        Command::Migrate => migrate(&settings).await,
        Command::Seed { demo } => seed(&settings, demo).await,
        Command::Token {
            role,
            org,
            ttl,
            sub,
        } => token(&settings, role, org, ttl, &sub),
        Command::Schema => Ok(()),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            telemetry::fatal(settings.log.format, &message);
            ExitCode::FAILURE
        }
    }
}

async fn serve(settings: &Settings) -> Result<(), String> {
    let app = Application::build(settings)
        .await
        .map_err(|e| e.to_string())?;
    app.run_until_stopped()
        .await
        .map_err(|e| format!("server: {e}"))
}

async fn migrate(settings: &Settings) -> Result<(), String> {
    db::migrate(&settings.database)
        .await
        .map_err(|e| format!("migrating: {e}"))?;
    tracing::info!("migrations applied");
    Ok(())
}

async fn seed(settings: &Settings, demo: bool) -> Result<(), String> {
    if !demo {
        return Err("say what to load: `seed --demo` loads the completion report's grant".into());
    }
    if settings.auto_migrate {
        db::migrate(&settings.database)
            .await
            .map_err(|e| format!("migrating: {e}"))?;
    }
    let db = db::connect(
        &settings.database,
        std::sync::Arc::new(Metrics::new()),
        "portfolio-api seed",
    )
    .await
    .map_err(|e| format!("database: {e}"))?;
    match seed::load_demo(&db)
        .await
        .map_err(|e| format!("seeding: {e}"))?
    {
        Seeded::Loaded { grant_id } => eprintln!("loaded the demo grant {grant_id}"),
        Seeded::AlreadyPresent { grant_id } => {
            eprintln!("the demo grant {grant_id} is already there")
        }
    }
    Ok(())
}

fn token(
    settings: &Settings,
    role: Role,
    org: Option<uuid::Uuid>,
    ttl: std::time::Duration,
    sub: &str,
) -> Result<(), String> {
    if role == Role::Grantee && org.is_none() {
        return Err("--role grantee needs --org <organisation id>".into());
    }
    let signer = Signer::new(&settings.auth).map_err(|e| e.to_string())?;
    let token = signer
        .sign(sub, role, org, ttl)
        .map_err(|e| e.to_string())?;
    println!("{token}");
    Ok(())
}
