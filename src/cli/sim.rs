//! `resetdesk sim`: serve the simulator until interrupted.

use std::io::Write;
use std::path::PathBuf;
use std::time::Duration;

use clap::Args;

use super::{Exit, Failure, GlobalArgs};
use crate::secret::ExposeSecret;
use crate::sim::{self, Faults, SimOptions, Tenant};

#[derive(Debug, Args)]
pub struct SimArgs {
    /// Port on 127.0.0.1 (default: any free port).
    #[arg(long, default_value_t = 0)]
    pub port: u16,
    /// Tenant file (JSON, same format as assets/demo-tenant.json); default: the demo tenant.
    /// (Not `--tenant`: that global option names the tenant to sign in to.)
    #[arg(long = "tenant-file", value_name = "FILE")]
    pub tenant_file: Option<PathBuf>,
    /// Add N generated users (up to 1000000) for scale tests.
    #[arg(long, default_value_t = 0, value_name = "N")]
    pub users: usize,
    /// Faults per request, e.g. 429:0.1,503:0.05,reset:0.02,slow:0.1:2000,malformed:0.01
    #[arg(long, value_name = "SPEC")]
    pub faults: Option<String>,
    /// Added to every Graph response.
    #[arg(long, default_value_t = 0, value_name = "N")]
    pub latency_ms: u64,
    /// How long a resetPassword operation takes (notStarted, running, then done).
    #[arg(long, default_value_t = 1200, value_name = "N")]
    pub op_delay_ms: u64,
    /// How late audit entries appear (real tenants: minutes).
    #[arg(long, default_value_t = 2000, value_name = "N")]
    pub audit_delay_ms: u64,
    /// A self-service password event every N seconds (0: none).
    #[arg(long, default_value_t = 15, value_name = "N")]
    pub audit_every_secs: u64,
    /// Audit entries of history at start.
    #[arg(long, default_value_t = 30, value_name = "N")]
    pub audit_history: usize,
    /// How long the tokens it issues last, in seconds (Entra's: about an hour).
    #[arg(long, default_value_t = 3599, value_name = "N", value_parser = clap::value_parser!(u64).range(1..=86400))]
    pub token_lifetime_secs: u64,
    /// Writes allowed per 150 s before 429 (Graph's directory quota per app and tenant:
    /// 3000).
    #[arg(long, default_value_t = 3000, value_name = "N")]
    pub write_quota: usize,
}

pub async fn run(global: &GlobalArgs, args: SimArgs) -> Result<Exit, Failure> {
    let usage = |m: String| Failure::new(Exit::Usage, m);
    let faults = Faults::parse(args.faults.as_deref().unwrap_or(""))
        .map_err(|e| usage(format!("--faults: {e}")))?;
    let mut tenant = match &args.tenant_file {
        Some(p) => Tenant::from_file(p).map_err(|e| usage(format!("{e:#}")))?,
        None => Tenant::demo().map_err(|e| Failure::new(Exit::Failed, e.to_string()))?,
    };
    tenant
        .add_generated_users(args.users)
        .map_err(|e| usage(e.to_string()))?;
    let users = tenant.users.len();
    let cloud = match &global.cloud {
        Some(c) => crate::cloud::Cloud::parse(c).ok_or_else(|| {
            usage(format!(
                "--cloud {c}: expected one of {}",
                crate::cloud::Cloud::NAMES.join(", ")
            ))
        })?,
        None => crate::cloud::Cloud::Global,
    };
    let running = sim::start(SimOptions {
        operation_delay: Duration::from_millis(args.op_delay_ms),
        port: args.port,
        tenant,
        persona: global.persona.clone().unwrap_or_else(|| "helpdesk".into()),
        faults,
        latency: Duration::from_millis(args.latency_ms),
        cloud,
        token_lifetime: Duration::from_secs(args.token_lifetime_secs),
        write_limit: (args.write_quota, Duration::from_secs(150)),
        audit: sim::AuditOptions {
            delay: Duration::from_millis(args.audit_delay_ms),
            activity_every: (args.audit_every_secs > 0)
                .then(|| Duration::from_secs(args.audit_every_secs)),
            history: args.audit_history,
            ..sim::AuditOptions::default()
        },
    })
    .await
    .map_err(|e| usage(e.to_string()))?;
    {
        // The contract: line 1 the base URL, line 2 the token, flushed at once so a
        // script reading the pipe can go on.
        let mut out = std::io::stdout().lock();
        let _ = writeln!(out, "{}", running.base_url);
        let _ = writeln!(
            out,
            "{}={}",
            crate::auth::ACCESS_TOKEN_VAR,
            running.token.expose_secret()
        );
        let _ = out.flush();
    }
    let root = running.base_url.trim_end_matches("/v1.0");
    eprintln!(
        "resetdesk sim: serving {users} users on {} as persona `{}` ({} cloud); sign-in at {root} (authority_url), managed identity at IDENTITY_ENDPOINT={root}{} with IDENTITY_HEADER={}. Ctrl-C stops.",
        running.base_url,
        running.state.persona,
        cloud.name(),
        sim::login::IDENTITY_PATH,
        sim::login::IDENTITY_HEADER_VALUE,
    );
    Ok(super::signalled().await)
}
