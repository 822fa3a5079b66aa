//! The `lookout` command line (see `lookout::cli`).
#[tokio::main]
async fn main() -> std::process::ExitCode {
    lookout::cli::main().await
}
