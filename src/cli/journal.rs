//! `resetdesk journal [--json]`: this operator's own actions, from the local journal.

use clap::Args;

use super::context::load_config;
use super::table::Table;
use super::{Exit, Failure, GlobalArgs};

#[derive(Debug, Args)]
pub struct JournalArgs {
    /// Every tenant's entries, not only the current tenant's.
    #[arg(long)]
    pub all: bool,
    /// Print one JSON document (an array of entries).
    #[arg(long)]
    pub json: bool,
}

/// The tenant the configuration points at, known without signing in: `--tenant` or the
/// config's `tenant`, else the `tid` of the access token in the environment.
fn current_tenant(config: &crate::config::Config) -> Option<String> {
    config.tenant.clone().or_else(|| {
        (config.auth == crate::auth::AuthMethod::AccessToken)
            .then(|| std::env::var(crate::auth::ACCESS_TOKEN_VAR).ok())
            .flatten()
            .and_then(|t| crate::auth::token_claim(t.trim(), "tid"))
    })
}

pub async fn run(global: &GlobalArgs, args: JournalArgs) -> Result<Exit, Failure> {
    let config = load_config(global)?;
    let journal = crate::journal::open(config.journal_path.as_deref(), global.demo)
        .ok_or_else(|| Failure::new(Exit::Failed, "no data directory for the journal"))?;
    let path = journal.path().to_path_buf();
    let (mut entries, bad) = journal
        .read()
        .map_err(|e| Failure::new(Exit::Failed, format!("cannot read {}: {e}", path.display())))?;
    for b in &bad {
        eprintln!("! {}: {b} (skipped)", path.display());
    }
    // The demo's journal is the demo tenant's alone; a real one is narrowed to the
    // current tenant unless --all.
    let scope = if args.all || global.demo {
        None
    } else {
        match current_tenant(&config) {
            Some(t) => Some(t),
            None => {
                eprintln!(
                    "! no tenant configured (--tenant or `tenant` in the config): showing every tenant's entries"
                );
                None
            }
        }
    };
    if let Some(t) = &scope {
        let before = entries.len();
        entries.retain(|e| e.tenant.as_ref().is_some_and(|x| x.is(t)));
        let hidden = before - entries.len();
        if hidden > 0 {
            eprintln!("{hidden} entries of other tenants not shown (--all shows them)",);
        }
    }
    if args.json {
        outln!(
            "{}",
            serde_json::to_string(&entries).unwrap_or_else(|_| "[]".into())
        );
        return Ok(Exit::Ok);
    }
    if entries.is_empty() {
        eprintln!("The journal is empty ({}).", path.display());
        return Ok(Exit::Ok);
    }
    let mut t = Table::new(&[
        ("TIME", 20),
        ("TENANT", 24),
        ("ACTION", 9),
        ("TARGET", 44),
        ("METHOD", 15),
        ("OUTCOME", 11),
        ("TICKET", 16),
        ("ERROR", 30),
    ]);
    for e in &entries {
        t.row(vec![
            e.time.chars().take(19).collect(),
            match (&e.tenant, e.demo) {
                (_, true) => "demo".into(),
                (Some(t), _) => t
                    .name
                    .clone()
                    .or_else(|| t.requested.clone())
                    .or_else(|| t.id.clone())
                    .unwrap_or_default(),
                (None, _) => "?".into(),
            },
            e.action.clone(),
            e.target
                .user_principal_name
                .clone()
                .unwrap_or_else(|| e.target.id.clone()),
            e.method.clone(),
            e.outcome.clone(),
            e.ticket.clone().unwrap_or_default(),
            e.error_code
                .clone()
                .or_else(|| e.error.clone())
                .unwrap_or_default(),
        ]);
    }
    out!("{}", t.render());
    eprintln!("{} entries in {}", entries.len(), path.display());
    Ok(Exit::Ok)
}
