//! `resetdesk search QUERY [--top N] [--json]`

use clap::Args;
use serde_json::json;

use super::table::Table;
use super::{Exit, Failure, GlobalArgs, Session};
use crate::policy::authority::source_of_authority;

#[derive(Debug, Args)]
pub struct SearchArgs {
    /// Name, user principal name or mail prefix.
    pub query: String,
    /// Most users to return (pages are followed as needed; default from config, 25).
    #[arg(long, value_name = "N")]
    pub top: Option<u32>,
    /// Print one JSON document instead of a table.
    #[arg(long)]
    pub json: bool,
}

pub async fn run(global: &GlobalArgs, args: SearchArgs) -> Result<Exit, Failure> {
    if args.query.trim().is_empty() {
        return Err(Failure::new(Exit::Usage, "the search query is empty"));
    }
    if args.top == Some(0) {
        return Err(Failure::new(Exit::Usage, "--top must be at least 1"));
    }
    let session = Session::open(global).await?;
    let top = args.top.unwrap_or(session.config.search_top);
    let result = session.graph.search_users(&args.query, top).await?;
    if args.json {
        let users: Vec<_> = result
            .users
            .iter()
            .map(|u| {
                json!({
                    "id": u.id,
                    "displayName": u.display_name,
                    "userPrincipalName": u.user_principal_name,
                    "mail": u.mail,
                    "jobTitle": u.job_title,
                    "department": u.department,
                    "accountEnabled": u.account_enabled,
                    "userType": u.user_type,
                    "sourceOfAuthority": source_of_authority(&crate::service::account(u)).name(),
                })
            })
            .collect();
        let doc = json!({
            "query": args.query,
            "count": result.count,
            "returned": users.len(),
            "users": users,
        });
        outln!("{doc}");
        return Ok(Exit::Ok);
    }
    if result.users.is_empty() {
        eprintln!(
            "No users match {:?}. Search matches the start of words in the name, or the start of the UPN or mail.",
            crate::sanitize::sanitize(&args.query)
        );
        return Ok(Exit::Ok);
    }
    let mut t = Table::new(&[
        ("NAME", 36),
        ("USER PRINCIPAL NAME", 48),
        ("SOURCE", 14),
        ("STATE", 8),
        ("TITLE", 28),
    ]);
    for u in &result.users {
        t.row(vec![
            u.label().to_string(),
            u.user_principal_name.clone().unwrap_or_default(),
            source_of_authority(&crate::service::account(u))
                .name()
                .to_string(),
            match u.account_enabled {
                Some(false) => "disabled".into(),
                Some(true) => "enabled".into(),
                None => "?".into(),
            },
            u.job_title.clone().unwrap_or_default(),
        ]);
    }
    out!("{}", t.render());
    match result.count {
        Some(c) if c as usize > result.users.len() => eprintln!(
            "{} of {c} users shown; narrow the search or raise --top.",
            result.users.len()
        ),
        _ if result.users.len() == 1 => eprintln!("1 user."),
        _ => eprintln!("{} users.", result.users.len()),
    }
    Ok(Exit::Ok)
}
