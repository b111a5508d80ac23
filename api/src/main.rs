use std::process::ExitCode;

use api::cli;
use api::settings::Cli;

#[actix_web::main]
async fn main() -> ExitCode {
    cli::run(Cli::parse_args()).await
}
