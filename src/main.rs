use std::process::ExitCode;

use clap::Parser;

fn main() -> ExitCode {
    // SIGPIPE stays ignored (Rust's default): a write to a closed socket — say an https
    // URL pointed at a plain-http port — must surface as an error, not kill the process
    // with the terminal still raw. A closed stdout is handled where the CLI writes.
    let cli = match resetdesk::cli::Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => return resetdesk::cli::argument_error(e),
    };
    init_logging(cli.command.is_none());
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

/// Logs only when asked for (RESETDESK_LOG=debug): request ids and statuses, never bodies
/// or tokens. Headless commands log to stderr; the console, which owns the screen, to
/// `resetdesk.log` in the platform data directory.
fn init_logging(console: bool) {
    let Ok(filter) = tracing_subscriber::EnvFilter::try_from_env("RESETDESK_LOG") else {
        return;
    };
    if !console {
        tracing_subscriber::fmt()
            .with_env_filter(filter)
            .with_writer(std::io::stderr)
            .init();
        return;
    }
    let Some(dir) = directories::ProjectDirs::from("", "", "resetdesk")
        .map(|d| d.data_local_dir().to_path_buf())
    else {
        return;
    };
    let _ = std::fs::create_dir_all(&dir);
    let mut opts = std::fs::OpenOptions::new();
    opts.create(true).append(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        opts.mode(0o600);
    }
    let path = dir.join("resetdesk.log");
    // The log names users and request ids: its owner's only, like the journal. One that
    // others can read is not written to (and says so before the screen is taken).
    if let Err(e) = resetdesk::journal::refuse_loose(&path) {
        eprintln!("! no log: {e}");
        return;
    }
    if let Ok(file) = opts.open(&path) {
        tracing_subscriber::fmt()
            .with_env_filter(filter)
            .with_ansi(false)
            .with_writer(std::sync::Mutex::new(file))
            .init();
    }
}
