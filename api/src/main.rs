use std::process::ExitCode;

use api::cli;
use api::settings::Cli;

/// A request allocates many short-lived values (the GraphQL answer's tree, the rows): mimalloc
/// serves them faster than glibc's allocator and hands freed memory back to the system.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[actix_web::main]
async fn main() -> ExitCode {
    cli::run(Cli::parse_args()).await
}
