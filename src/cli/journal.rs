//! `resetdesk journal [--json]`: this operator's own actions, from the local journal.

use clap::Args;

use super::context::load_config;
use super::table::Table;
use super::{Exit, Failure, GlobalArgs};
use crate::journal::Journal;

#[derive(Debug, Args)]
pub struct JournalArgs {
    /// Print one JSON document (an array of entries).
    #[arg(long)]
    pub json: bool,
}

pub async fn run(global: &GlobalArgs, args: JournalArgs) -> Result<Exit, Failure> {
    let config = load_config(global)?;
    let path = config
        .journal_path
        .or_else(Journal::default_path)
        .ok_or_else(|| Failure::new(Exit::Failed, "no data directory for the journal"))?;
    let (entries, bad) = Journal::at(path.clone())
        .read()
        .map_err(|e| Failure::new(Exit::Failed, format!("cannot read {}: {e}", path.display())))?;
    for b in &bad {
        eprintln!("! {}: {b} (skipped)", path.display());
    }
    if args.json {
        println!(
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
            e.action.clone(),
            e.target
                .user_principal_name
                .clone()
                .unwrap_or_else(|| e.target.id.clone()),
            e.method.clone(),
            e.outcome.clone(),
            e.ticket.clone().unwrap_or_default(),
            e.error.clone().unwrap_or_default(),
        ]);
    }
    print!("{}", t.render());
    eprintln!("{} entries in {}", entries.len(), path.display());
    Ok(Exit::Ok)
}
