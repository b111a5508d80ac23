use std::process::ExitCode;

use clap::Parser;

use api::cli;
use api::settings::Cli;

#[actix_web::main]
async fn main() -> ExitCode {
    cli::run(Cli::parse()).await
}
