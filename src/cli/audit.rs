//! `resetdesk audit [--since DURATION] [--follow] [--json]`: password activity from the
//! directory audit log; entries that confirm a reset or a pass in your journal are marked.

use std::time::Duration;

use clap::Args;
use serde_json::json;

use super::table::Table;
use super::{Exit, Failure, GlobalArgs, Session};
use crate::graph::audit::{
    AUDIT_RETENTION, AuditPoller, PollerConfig, confirms, confirms_pass, parse_duration,
};
use crate::graph::model::{DirectoryAudit, lenient_time};
use crate::journal;

#[derive(Debug, Args)]
pub struct AuditArgs {
    /// How far back to look: 30m, 2h, 7d.
    #[arg(long, default_value = "24h", value_name = "DURATION")]
    pub since: String,
    /// Keep following the log (NDJSON with --json) until interrupted.
    #[arg(long)]
    pub follow: bool,
    /// One JSON document (an array), or one JSON object per line with --follow.
    #[arg(long)]
    pub json: bool,
}

/// Resets and passes in the journal, as (target id, time, is a pass).
fn my_resets(session: &Session, operator_id: &str) -> Vec<(String, time::OffsetDateTime, bool)> {
    let Some(j) = journal::open(
        session.config.journal_path.as_deref(),
        session.sim.is_some(),
    ) else {
        return vec![];
    };
    let Ok((entries, _)) = j.read() else {
        return vec![];
    };
    entries
        .into_iter()
        .filter(|e| {
            (e.action == "reset" || e.action == "tap")
                && e.operator.id == operator_id
                && e.outcome != "failed"
        })
        .filter_map(|e| {
            let pass = e.action == "tap";
            lenient_time::parse(&e.time).map(|t| (e.target.id, t, pass))
        })
        .collect()
}

fn who(e: &DirectoryAudit, me: &str) -> &'static str {
    if e.self_service() {
        "self"
    } else if e.initiator_id() == Some(me) {
        "you"
    } else {
        "admin"
    }
}

pub async fn run(global: &GlobalArgs, args: AuditArgs) -> Result<Exit, Failure> {
    let since = parse_duration(&args.since).ok_or_else(|| {
        Failure::new(
            Exit::Usage,
            format!(
                "--since {:?}: use a number and s, m, h or d, up to 30 days (e.g. 30m, 24h, 7d)",
                args.since
            ),
        )
    })?;
    if since > AUDIT_RETENTION {
        return Err(Failure::new(
            Exit::Usage,
            format!(
                "--since {}: Microsoft Entra keeps audit logs for 30 days at most (7 without P1/P2); use 30d or less",
                args.since
            ),
        ));
    }
    let session = Session::open(global).await?;
    let me_id = session.operator_id().await?;
    let resets = my_resets(&session, &me_id);
    let config = PollerConfig {
        activities: session.config.audit_activities.clone(),
        lookback: session.config.audit_lookback,
        ..Default::default()
    };
    let start = time::OffsetDateTime::now_utc() - time::Duration::seconds(since.as_secs() as i64);
    let mut poller = AuditPoller::new(config, start);
    let confirmed = |e: &DirectoryAudit| {
        resets.iter().any(|(t, at, pass)| {
            if *pass {
                confirms_pass(e, &me_id, t, *at)
            } else {
                confirms(e, &me_id, t, *at)
            }
        })
    };
    let interval = if global.demo {
        Duration::from_secs(3)
    } else {
        session.config.audit_poll
    };
    let mut first = true;
    let mut backoff = Duration::from_secs(5);
    loop {
        let batch = match poller.poll(session.graph.as_ref()).await {
            Ok(b) => {
                backoff = Duration::from_secs(5);
                b
            }
            // Following: a fault that outlasted the retries is waited out, not fatal.
            Err(e) if args.follow && e.is_transient() => {
                let wait = e.retry_after().unwrap_or(backoff).max(backoff);
                eprintln!(
                    "! audit log: {e}; still following, next try in {} s",
                    wait.as_secs()
                );
                backoff = (backoff * 2).min(Duration::from_secs(300));
                tokio::select! {
                    _ = tokio::time::sleep(wait) => continue,
                    _ = tokio::signal::ctrl_c() => return Ok(Exit::Interrupted),
                }
            }
            Err(e) if e.is_forbidden() => {
                return Err(Failure::new(
                    Exit::Failed,
                    format!(
                        "{e} — reading the audit log needs AuditLog.Read.All and Directory.Read.All (consent) and the Reports Reader, Security Reader or Global Reader role"
                    ),
                ));
            }
            Err(e) => return Err(e.into()),
        };
        if args.json && !args.follow {
            let doc: Vec<_> = batch
                .iter()
                .rev()
                .map(|e| {
                    let mut v = serde_json::to_value(e).unwrap_or_default();
                    v["who"] = json!(who(e, &me_id));
                    v["confirmsJournal"] = json!(confirmed(e));
                    v
                })
                .collect();
            outln!("{}", serde_json::Value::Array(doc));
        } else if args.json {
            for e in &batch {
                let mut v = serde_json::to_value(e).unwrap_or_default();
                v["who"] = json!(who(e, &me_id));
                v["confirmsJournal"] = json!(confirmed(e));
                outln!("{v}");
            }
        } else if !batch.is_empty() || first {
            let mut t = Table::new(&[
                ("TIME (UTC)", 19),
                ("WHO", 5),
                ("ACTIVITY", 32),
                ("INITIATOR", 36),
                ("TARGET", 40),
                ("RESULT", 10),
                ("IP", 15),
                ("JOURNAL", 9),
            ]);
            // Newest first for a one-off listing; in arrival order when following.
            let rows: Vec<&DirectoryAudit> = if args.follow {
                batch.iter().collect()
            } else {
                batch.iter().rev().collect()
            };
            for e in rows {
                t.row(vec![
                    e.activity_date_time
                        .map(lenient_time::format)
                        .unwrap_or_default()
                        .chars()
                        .take(19)
                        .collect(),
                    who(e, &me_id).into(),
                    e.activity_display_name.clone(),
                    e.initiator(),
                    e.target_user()
                        .and_then(|t| {
                            t.user_principal_name
                                .clone()
                                .or_else(|| t.display_name.clone())
                        })
                        .unwrap_or_default(),
                    e.result.clone().unwrap_or_default(),
                    e.ip_address().unwrap_or_default().to_string(),
                    if confirmed(e) {
                        "confirmed".into()
                    } else {
                        String::new()
                    },
                ]);
            }
            let text = t.render();
            // When following, print the header once.
            if first {
                out!("{text}");
            } else {
                out!(
                    "{}",
                    text.split_once('\n').map(|(_, rest)| rest).unwrap_or("")
                );
            }
            if first && batch.is_empty() {
                eprintln!("No password activity in the last {}.", args.since);
            }
        }
        use std::io::Write;
        let _ = std::io::stdout().flush();
        first = false;
        if !args.follow {
            return Ok(Exit::Ok);
        }
        tokio::select! {
            _ = tokio::time::sleep(interval) => {}
            _ = tokio::signal::ctrl_c() => return Ok(Exit::Interrupted),
        }
    }
}
