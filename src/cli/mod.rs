//! The command line: global options, subcommands, exit codes. Headless commands print a
//! readable table, or with `--json` exactly one JSON document on stdout; human messages go
//! to stderr.

// A `Failure` carries the message, code, fix and candidates of the one JSON document a
// failing command prints; it is made once per run, so its size does not matter.
#![allow(clippy::result_large_err)]

/// Standard output for the headless commands. SIGPIPE is ignored (so that a write to a
/// closed socket is an error, not a silent death), which makes a closed stdout an `EPIPE`
/// here: `resetdesk audit | head` then ends quietly with the status a shell expects from a
/// closed pipe (141), instead of panicking in `println!`.
pub(crate) fn write_stdout(args: std::fmt::Arguments<'_>, newline: bool) {
    use std::io::Write;
    let mut out = std::io::stdout().lock();
    let r = out
        .write_fmt(args)
        .and_then(|_| {
            if newline {
                out.write_all(b"\n")
            } else {
                Ok(())
            }
        })
        .and_then(|_| out.flush());
    if let Err(e) = r {
        if e.kind() == std::io::ErrorKind::BrokenPipe {
            std::process::exit(141);
        }
        eprintln!("resetdesk: cannot write to standard output: {e}");
        std::process::exit(1);
    }
}

macro_rules! outln {
    ($($t:tt)*) => { $crate::cli::write_stdout(format_args!($($t)*), true) };
}

macro_rules! out {
    ($($t:tt)*) => { $crate::cli::write_stdout(format_args!($($t)*), false) };
}

mod audit;
mod bulk;
mod context;
pub(crate) mod csv_input;
mod doctor;
mod journal;
mod reset;
mod search;
mod show;
#[cfg(feature = "demo")]
mod sim;
mod table;
mod tap;
pub mod triage;

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Args, Parser, Subcommand};

pub use context::Session;

/// Exit codes (DESIGN.md): scripts depend on them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Exit {
    Ok = 0,
    Failed = 1,
    Usage = 2,
    Refused = 3,
    AuthFailed = 4,
    /// 128 + the signal: SIGHUP (the SSH connection dropped).
    Hangup = 129,
    /// SIGINT, or Ctrl-C in the console.
    Interrupted = 130,
    /// SIGTERM.
    Terminated = 143,
}

impl From<Exit> for ExitCode {
    fn from(e: Exit) -> ExitCode {
        ExitCode::from(e as u8)
    }
}

/// A failure with the exit code it maps to: a stable kebab-case `code` for scripts, a
/// one-line `message`, and the `fix` when there is one. With `--json` it is the document
/// `{"status", "exitCode", "error": {"code", "message", "fix"}}` (DESIGN.md).
#[derive(Debug)]
pub struct Failure {
    pub exit: Exit,
    pub code: String,
    pub message: String,
    pub fix: String,
    /// Graph's own error code, when Graph answered with one.
    pub graph_code: Option<String>,
    /// With `ambiguous-user`: the users that match.
    pub candidates: Vec<serde_json::Value>,
}

impl Failure {
    pub fn new(exit: Exit, message: impl Into<String>) -> Failure {
        let code = match exit {
            Exit::Ok | Exit::Failed => "failed",
            Exit::Usage => "usage",
            Exit::Refused => "refused",
            Exit::AuthFailed => "auth-failed",
            Exit::Hangup | Exit::Interrupted | Exit::Terminated => "interrupted",
        };
        Failure {
            exit,
            code: code.into(),
            message: message.into(),
            fix: String::new(),
            graph_code: None,
            candidates: Vec::new(),
        }
    }

    pub fn code(mut self, code: impl Into<String>) -> Failure {
        self.code = code.into();
        self
    }

    pub fn fix(mut self, fix: impl Into<String>) -> Failure {
        self.fix = fix.into();
        self
    }

    /// The JSON document of this failure.
    pub fn document(&self) -> serde_json::Value {
        let status = if self.exit == Exit::Refused {
            "refused"
        } else {
            "failed"
        };
        let mut error = serde_json::json!({
            "code": self.code,
            "message": self.message,
            // No fix is null, not "" (scripts test for it).
            "fix": (!self.fix.is_empty()).then_some(&self.fix),
        });
        if let Some(g) = &self.graph_code {
            error["graphCode"] = g.clone().into();
        }
        let mut doc =
            serde_json::json!({"status": status, "exitCode": self.exit as u8, "error": error});
        if !self.candidates.is_empty() {
            doc["candidates"] = self.candidates.clone().into();
            doc["error"]["candidates"] = self.candidates.clone().into();
        }
        doc
    }

    /// The one stderr line.
    /// The one line a person reads on stderr. A message can quote what it refused (a
    /// config value, a user key, a Graph error text): it is sanitized here, once for every
    /// failure, so no escape sequence reaches the terminal. `--json` keeps the exact text.
    pub fn line(&self) -> String {
        let text = if self.fix.is_empty() {
            format!("resetdesk: {}", self.message)
        } else {
            format!("resetdesk: {} — {}", self.message, self.fix)
        };
        crate::sanitize::sanitize(&text)
    }
}

/// With `--json`, a command whose outcome is a document (a reset, a pass, a bulk run)
/// still says on stderr, in one line, why it did not succeed: as every other failure does.
pub fn say_json_failure(doc: &serde_json::Value) {
    let status = doc["status"].as_str().unwrap_or("failed");
    let error = &doc["error"];
    let message = error["message"].as_str().unwrap_or("see the JSON document");
    let mut f = Failure::new(Exit::Failed, format!("{status}: {message}"));
    if let Some(fix) = error["fix"].as_str() {
        f = f.fix(fix);
    }
    eprintln!("{}", f.line().replace('\n', " "));
}

/// A command line clap could not take. `--help` and `--version` print as clap prints
/// them; a real error with `--json` among the arguments is the usual failure document on
/// stdout (exit 2, code `usage`), so that a script gets JSON from every failure.
pub fn argument_error(e: clap::Error) -> std::process::ExitCode {
    use clap::error::ErrorKind;
    // `--json` as an option, not as a value after `--`.
    let wants_json = std::env::args_os()
        .take_while(|a| a != "--")
        .any(|a| a == "--json" || a == "--json=true");
    if wants_json
        && !matches!(
            e.kind(),
            ErrorKind::DisplayHelp
                | ErrorKind::DisplayVersion
                | ErrorKind::DisplayHelpOnMissingArgumentOrSubcommand
        )
    {
        let text = e.render().to_string();
        // clap's first paragraph is the error; the rest is usage and a hint.
        let first = text
            .lines()
            .take_while(|l| !l.trim().is_empty())
            .map(str::trim)
            .collect::<Vec<_>>()
            .join(" ")
            .trim_start_matches("error: ")
            .to_string();
        let failure = Failure::new(Exit::Usage, crate::sanitize::sanitize_line(&first, 300))
            .fix("see resetdesk --help, or the command's --help");
        eprintln!("{}", failure.line());
        outln!("{}", failure.document());
        return std::process::ExitCode::from(Exit::Usage as u8);
    }
    e.exit()
}

/// The stable code of a Graph failure (`GraphError::kind`), and what to do about it.
pub(crate) fn graph_failure_kind(e: &crate::graph::GraphError) -> (&'static str, &'static str) {
    (e.kind(), crate::service::explain::read_fix(e))
}

/// Waits for SIGINT, SIGTERM or SIGHUP (the SSH connection dropped): the exit status
/// 128 + it that DESIGN.md asks of every command. The handlers are in place once this is
/// first polled; until then a signal ends the process as by default.
pub(crate) async fn signalled() -> Exit {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{SignalKind, signal};
        let mut term = signal(SignalKind::terminate()).ok();
        let mut hup = signal(SignalKind::hangup()).ok();
        tokio::select! {
            _ = tokio::signal::ctrl_c() => Exit::Interrupted,
            _ = async { match term.as_mut() { Some(s) => { s.recv().await; } None => std::future::pending().await } } => Exit::Terminated,
            _ = async { match hup.as_mut() { Some(s) => { s.recv().await; } None => std::future::pending().await } } => Exit::Hangup,
        }
    }
    #[cfg(not(unix))]
    {
        let _ = tokio::signal::ctrl_c().await;
        Exit::Interrupted
    }
}

impl From<crate::graph::GraphError> for Failure {
    fn from(e: crate::graph::GraphError) -> Failure {
        let exit = if e.is_unauthenticated() {
            Exit::AuthFailed
        } else {
            Exit::Failed
        };
        let (code, fix) = graph_failure_kind(&e);
        let mut f = Failure::new(exit, e.to_string()).code(code).fix(fix);
        f.graph_code = e.code().filter(|c| !c.is_empty()).map(str::to_string);
        f
    }
}

impl From<crate::config::ConfigError> for Failure {
    fn from(e: crate::config::ConfigError) -> Failure {
        Failure::new(Exit::Usage, e.to_string())
    }
}

impl From<crate::auth::AuthError> for Failure {
    fn from(e: crate::auth::AuthError) -> Failure {
        let exit = match e {
            crate::auth::AuthError::NeedsConfig(_) => Exit::Usage,
            _ => Exit::AuthFailed,
        };
        Failure::new(exit, e.to_string())
    }
}

#[derive(Debug, Parser)]
#[command(
    name = "resetdesk",
    version,
    about = "Keyboard-driven console for Microsoft Entra ID password resets",
    long_about = "Keyboard-driven console for Microsoft Entra ID password resets through Microsoft Graph.\n\
        Run without a command for the console; `--demo` uses the built-in simulated tenant."
)]
pub struct Cli {
    #[command(flatten)]
    pub global: GlobalArgs,
    #[command(subcommand)]
    pub command: Option<Command>,
}

#[derive(Debug, Args, Clone, Default)]
pub struct GlobalArgs {
    /// Configuration file (default: the platform config dir's resetdesk/config.toml).
    #[arg(long, global = true, value_name = "PATH")]
    pub config: Option<PathBuf>,
    /// Graph base URL, e.g. http://127.0.0.1:PORT/v1.0 for the simulator.
    #[arg(long, global = true, value_name = "URL")]
    pub graph_url: Option<String>,
    /// Sign-in method. As yourself: device-code (default), browser-paste (sign in in your
    /// own browser, paste back the address it ends on), azure-cli (reuses `az login`).
    /// As an application: client-secret (RESETDESK_CLIENT_SECRET or client_secret_file),
    /// client-certificate (client_certificate_file), managed-identity, workload-identity.
    /// Or access-token (from RESETDESK_ACCESS_TOKEN).
    #[arg(long, global = true, value_name = "METHOD")]
    pub auth: Option<String>,
    /// Tenant id or domain.
    #[arg(long, global = true, value_name = "ID")]
    pub tenant: Option<String>,
    /// global | usgov | usgov-dod | china
    #[arg(long, global = true, value_name = "CLOUD")]
    pub cloud: Option<String>,
    /// A `[profiles.NAME]` section of the config: one customer tenant (tenant, cloud, sign-in,
    /// client id, …) laid over the file's top level.
    #[arg(long, global = true, value_name = "NAME", env = "RESETDESK_PROFILE")]
    pub profile: Option<String>,
    /// Use the built-in simulated tenant (no credentials, nothing leaves this machine).
    #[arg(long, global = true)]
    pub demo: bool,
    /// With --demo: the operator persona to sign in as (default helpdesk): global-admin,
    /// privileged-auth-admin, user-admin, helpdesk, password-admin, auth-admin,
    /// au-helpdesk, rmau-helpdesk, no-role, pim-eligible-helpdesk, partner-tier2,
    /// global-reader, helpdesk-limited.
    #[arg(long = "as", global = true, value_name = "PERSONA")]
    pub persona: Option<String>,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Serve the Graph simulator on 127.0.0.1 (first stdout line: base URL; second: a token).
    #[cfg(feature = "demo")]
    Sim(sim::SimArgs),
    /// Find users by name, user principal name or mail prefix.
    Search(search::SearchArgs),
    /// Details, roles and the reset eligibility verdict for one user (id or UPN).
    Show(show::ShowArgs),
    /// Reset one user's password (checked first; asks unless --yes).
    Reset(reset::ResetArgs),
    /// Why the user cannot sign in: recent sign-ins explained, registration, a diagnosis.
    Triage(triage::TriageArgs),
    /// A Temporary Access Pass instead of a password (checked first; asks unless --yes).
    Tap(tap::TapArgs),
    /// Reset many users from a CSV: every row judged first (--dry-run stops there), then
    /// each allowed one reset with its own password, in Graph batches.
    Bulk(bulk::BulkArgs),
    /// Your own actions, from the local journal.
    Journal(journal::JournalArgs),
    /// Password activity from the directory audit log.
    Audit(audit::AuditArgs),
    /// Forget the cached sign-in (device code).
    Logout(LogoutArgs),
    /// Check configuration, sign-in, roles, permissions, clipboard and terminal.
    Doctor(doctor::DoctorArgs),
}

pub async fn run(cli: Cli) -> ExitCode {
    let json = match &cli.command {
        Some(Command::Search(a)) => a.json,
        Some(Command::Show(a)) => a.json,
        Some(Command::Reset(a)) => a.json,
        Some(Command::Triage(a)) => a.json,
        Some(Command::Tap(a)) => a.json,
        Some(Command::Bulk(a)) => a.json,
        Some(Command::Journal(a)) => a.json,
        Some(Command::Audit(a)) => a.json && !a.follow,
        Some(Command::Doctor(a)) => a.json,
        _ => false,
    };
    let result = match cli.command {
        #[cfg(feature = "demo")]
        Some(Command::Sim(args)) => sim::run(&cli.global, args).await,
        Some(Command::Search(args)) => search::run(&cli.global, args).await,
        Some(Command::Show(args)) => show::run(&cli.global, args).await,
        Some(Command::Reset(args)) => reset::run(&cli.global, args).await,
        Some(Command::Triage(args)) => triage::run(&cli.global, args).await,
        Some(Command::Tap(args)) => tap::run(&cli.global, args).await,
        Some(Command::Bulk(args)) => bulk::run(&cli.global, args).await,
        Some(Command::Journal(args)) => journal::run(&cli.global, args).await,
        Some(Command::Audit(args)) => audit::run(&cli.global, args).await,
        Some(Command::Logout(args)) => logout(&cli.global, args),
        Some(Command::Doctor(args)) => doctor::run(&cli.global, args).await,
        None => console(&cli.global).await,
    };
    match result {
        Ok(exit) => exit.into(),
        Err(f) => {
            if json {
                // Scripts get the failure as the one JSON document too.
                outln!("{}", f.document());
            }
            eprintln!("{}", f.line());
            f.exit.into()
        }
    }
}

#[derive(Debug, Args)]
pub struct LogoutArgs {
    /// Forget the cached sign-ins of every tenant and cloud, not only the current one.
    #[arg(long)]
    pub all: bool,
}

fn remove(path: &std::path::Path, removed: &mut Vec<String>) -> Result<(), Failure> {
    let r = if path.is_dir() {
        std::fs::remove_dir_all(path)
    } else {
        std::fs::remove_file(path)
    };
    match r {
        Ok(()) => {
            removed.push(path.display().to_string());
            Ok(())
        }
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
        Err(e) => Err(Failure::new(
            Exit::Failed,
            format!("cannot remove {}: {e}", path.display()),
        )),
    }
}

/// Forgets the cached device-code sign-in of the configured cloud, tenant and client id
/// (`--all`: of every one), and the single shared cache of earlier versions.
fn logout(global: &GlobalArgs, args: LogoutArgs) -> Result<Exit, Failure> {
    use crate::auth::delegated::{CacheKey, default_cache_dir, legacy_cache_path};
    let mut removed = Vec::new();
    if let Some(legacy) = legacy_cache_path() {
        remove(&legacy, &mut removed)?;
    }
    let Some(dir) = default_cache_dir() else {
        return Ok(Exit::Ok);
    };
    if args.all {
        remove(&dir, &mut removed)?;
    } else {
        let config = context::load_config(global)?;
        let Some(client_id) = config.client_id.as_deref() else {
            return Err(Failure::new(
                Exit::Usage,
                "no client_id configured, so there is no current sign-in to forget",
            )
            .fix("`resetdesk logout --all` forgets every cached sign-in"));
        };
        let key = CacheKey::new(
            &config.authority_url,
            config.tenant.as_deref().unwrap_or("organizations"),
            client_id,
        );
        remove(&key.file_in(&dir), &mut removed)?;
    }
    if removed.is_empty() {
        eprintln!("No cached sign-in.");
    } else {
        for r in removed {
            eprintln!("Signed out: removed {r}.");
        }
    }
    Ok(Exit::Ok)
}

fn auth_name(global: &GlobalArgs, cfg: &crate::config::Config) -> String {
    if global.demo {
        "demo".into()
    } else {
        cfg.auth.name().into()
    }
}

/// `:profile NAME`: a session opened as `--profile NAME` would open it, its sign-in
/// talking to the admin through the console's sign-in window.
fn switcher(global: &GlobalArgs) -> crate::runtime::Switcher {
    let global = global.clone();
    std::sync::Arc::new(move |name: String, interaction| {
        let global = global.clone();
        Box::pin(async move {
            // An option or variable would win over the profile's own value and act in
            // the same tenant under another profile's name.
            for (what, set) in [
                ("--tenant", global.tenant.is_some()),
                ("--auth", global.auth.is_some()),
                ("--graph-url", global.graph_url.is_some()),
                (
                    "RESETDESK_TENANT",
                    std::env::var_os("RESETDESK_TENANT").is_some(),
                ),
                (
                    "RESETDESK_AUTH",
                    std::env::var_os("RESETDESK_AUTH").is_some(),
                ),
                (
                    "RESETDESK_CLIENT_ID",
                    std::env::var_os("RESETDESK_CLIENT_ID").is_some(),
                ),
                (
                    "RESETDESK_GRAPH_URL",
                    std::env::var_os("RESETDESK_GRAPH_URL").is_some(),
                ),
            ] {
                if set {
                    return Err(format!(
                        "{what} is set and would override profile {name}'s own setting; start the console without it to switch profiles"
                    ));
                }
            }
            let session = Session::open_with(&global, Some(&name), Some(interaction))
                .await
                .map_err(|f| f.message)?;
            let cfg = &session.config;
            Ok(crate::runtime::SessionIo {
                info: crate::app::ProfileInfo {
                    name,
                    read_only: cfg.read_only,
                    cloud: cfg.cloud,
                    auth: auth_name(&global, cfg),
                },
                journal: crate::journal::open(cfg.journal_path.as_deref(), global.demo),
                tenant: cfg.tenant.clone(),
                clipboard: Some(crate::clipboard::Clipboard::new(cfg.clipboard)),
                audit: crate::graph::audit::PollerConfig {
                    activities: cfg.audit_activities.clone(),
                    lookback: cfg.audit_lookback,
                    ..Default::default()
                },
                graph: session.graph,
                tokens: session.tokens,
                keep: session.sim,
            })
        })
    })
}

/// The console. It needs a terminal on stdin and stdout.
async fn console(global: &GlobalArgs) -> Result<Exit, Failure> {
    use std::io::IsTerminal;
    if !std::io::stdout().is_terminal() || !std::io::stdin().is_terminal() {
        return Err(Failure::new(
            Exit::Usage,
            "the console needs a terminal; for scripts use `resetdesk search` and `resetdesk show` (with --json)",
        ));
    }
    let session = Session::open(global).await?;
    let cfg = &session.config;
    let keymap = crate::keymap::Keymap::with_overrides(&cfg.keys)
        .map_err(|e| Failure::new(Exit::Usage, e))?;
    let theme = crate::theme::Theme::select(cfg.theme, &cfg.colors, crate::theme::no_color_env());
    let app = crate::app::App::new(
        crate::app::Options {
            read_only: cfg.read_only,
            search_top: cfg.search_top,
            cloud: cfg.cloud,
            demo: global.demo,
            password_length: cfg.password_length,
            clipboard_clear: cfg.clipboard_clear,
            operation_timeout: cfg.operation_timeout,
            profile: cfg.profile.clone(),
            profiles: cfg.profiles.clone(),
            auth: auth_name(global, cfg),
        },
        keymap,
    );
    let io = crate::runtime::Io {
        graph: session.graph.clone(),
        tokens: session.tokens.clone(),
        clipboard: crate::clipboard::Clipboard::new(cfg.clipboard),
        journal: crate::journal::open(cfg.journal_path.as_deref(), global.demo),
        tenant: cfg.tenant.clone(),
        audit: crate::graph::audit::PollerConfig {
            activities: cfg.audit_activities.clone(),
            lookback: cfg.audit_lookback,
            ..Default::default()
        },
        audit_timing: crate::runtime::audit_stream::StreamTiming {
            // The demo's log is seconds behind, not minutes: poll it often.
            interval: if global.demo {
                std::time::Duration::from_secs(3)
            } else {
                cfg.audit_poll
            },
            ..Default::default()
        },
        switcher: (!cfg.profiles.is_empty()).then(|| switcher(global)),
    };
    let status = crate::runtime::run(app, theme, io)
        .await
        .map_err(|e| Failure::new(Exit::Failed, format!("terminal error: {e}")))?;
    Ok(match status {
        0 => Exit::Ok,
        129 => Exit::Hangup,
        130 => Exit::Interrupted,
        143 => Exit::Terminated,
        _ => Exit::Failed,
    })
}
