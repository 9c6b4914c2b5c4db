use std::process::ExitCode;

use clap::Parser;

fn main() -> ExitCode {
    let cli = resetdesk::cli::Cli::parse();
    // Logs go to stderr and only when asked for (RESETDESK_LOG=debug): request ids and
    // statuses, never bodies or tokens.
    let filter = tracing_subscriber::EnvFilter::try_from_env("RESETDESK_LOG")
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("off"));
    tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .init();
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
    {
        Ok(r) => r,
        Err(e) => {
            eprintln!("resetdesk: cannot start the async runtime: {e}");
            return ExitCode::from(1);
        }
    };
    runtime.block_on(resetdesk::cli::run(cli))
}
