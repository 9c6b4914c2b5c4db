use std::process::ExitCode;

use clap::Parser;

fn main() -> ExitCode {
    // `resetdesk audit | head` must end quietly, as command-line tools do, not panic on
    // a closed pipe.
    #[cfg(unix)]
    // SAFETY: restoring the default disposition of SIGPIPE before any thread starts.
    unsafe {
        libc::signal(libc::SIGPIPE, libc::SIG_DFL);
    }
    let cli = resetdesk::cli::Cli::parse();
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
    if let Ok(file) = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(dir.join("resetdesk.log"))
    {
        tracing_subscriber::fmt()
            .with_env_filter(filter)
            .with_ansi(false)
            .with_writer(std::sync::Mutex::new(file))
            .init();
    }
}
