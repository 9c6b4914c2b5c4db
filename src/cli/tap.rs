//! `resetdesk tap USER [--lifetime MINUTES] [--one-time] [--yes] [--json]`: a Temporary
//! Access Pass instead of a password, for a user whose problem is MFA — judged first
//! (policy::tap), confirmed, created once, journaled without its code.

use clap::Args;
use serde_json::json;

use super::{Exit, Failure, GlobalArgs, Session};
use crate::graph::model::lenient_time;
use crate::journal;
use crate::policy::tap::{TapAsk, Weight};
use crate::sanitize::sanitize;
use crate::secret::ExposeSecret;
use crate::service::tap::{TapStatus, create, judge, read_policy};

#[derive(Debug, Args)]
pub struct TapArgs {
    /// The user: object id, UPN, mail, or display name.
    pub user: String,
    /// How long the pass lasts (within the tenant's policy; default: the policy's).
    #[arg(long, value_name = "MINUTES")]
    pub lifetime: Option<u32>,
    /// The pass works for one sign-in only.
    #[arg(long)]
    pub one_time: bool,
    /// Do not ask for confirmation (needed when there is no terminal to ask on).
    #[arg(long)]
    pub yes: bool,
    /// A ticket reference recorded in the journal.
    #[arg(long, value_name = "REF")]
    pub ticket: Option<String>,
    /// Print one JSON document.
    #[arg(long)]
    pub json: bool,
}

pub async fn run(global: &GlobalArgs, args: TapArgs) -> Result<Exit, Failure> {
    crate::graph::query::check_user_key(&args.user).map_err(|m| Failure::new(Exit::Usage, m))?;
    let session = Session::open(global).await?;
    session.refuse_if_read_only()?;
    session.check_journal().await?;
    let (operator, a) = session.assess(&args.user).await?;
    let u = &a.target.user;
    let user = json!({"id": u.id, "userPrincipalName": u.user_principal_name, "displayName": u.display_name});
    let policy = read_policy(session.graph.as_ref()).await?;
    let ask = TapAsk {
        lifetime: args.lifetime,
        one_time: args.one_time,
    };
    let verdict = judge(session.graph.as_ref(), &operator, &a, &policy, ask);
    if let Some(r) = verdict.refusal() {
        let message = format!(
            "you cannot create a Temporary Access Pass for {}: {}",
            sanitize(u.label()),
            sanitize(&r.message)
        );
        if !args.json {
            return Err(Failure::new(Exit::Refused, message)
                .code(r.code)
                .fix(r.fix.clone()));
        }
        outln!(
            "{}",
            json!({
                "status": "refused",
                "exitCode": Exit::Refused as u8,
                "error": {"code": r.code, "message": message, "fix": r.fix},
                "user": user,
                "reasons": verdict.reasons,
                "leastPrivilegedRole": verdict.least_role,
            })
        );
        eprintln!("resetdesk: {message}");
        return Ok(Exit::Refused);
    }
    for r in verdict.reasons.iter().filter(|r| r.weight != Weight::Block) {
        eprintln!("! {}", sanitize(&r.message));
    }
    if !args.yes {
        super::reset::confirm_on_terminal(
            &a,
            &super::reset::Asking {
                action: "Create a Temporary Access Pass (it replaces any they have) for",
                admin_suffix: " a Temporary Access Pass",
                verb: "create the pass",
                outcome: "created",
            },
        )?;
    }
    let outcome = create(session.graph.as_ref(), &u.id, &verdict).await;
    match session.journal().await {
        Some(j) => {
            let entry = journal::tap_entry(
                &operator.person(),
                &u.id,
                u.user_principal_name.as_deref(),
                &outcome,
                args.ticket.as_deref(),
            );
            if let Err(e) = j.append(&entry) {
                eprintln!("! could not write the journal {}: {e}", j.path().display());
            }
        }
        None => eprintln!("! no data directory for the journal; this pass is not journaled"),
    }
    let exit = match outcome.status {
        TapStatus::Succeeded => Exit::Ok,
        // Refused before anything was done: the sign-in, not the pass, failed.
        _ if outcome
            .error
            .as_ref()
            .is_some_and(|e| e.is_unauthenticated()) =>
        {
            Exit::AuthFailed
        }
        _ => Exit::Failed,
    };
    let m = outcome.method.as_ref();
    let start = m.and_then(|m| m.start_date_time);
    let lifetime = m.and_then(|m| m.lifetime_in_minutes);
    let expires = start
        .zip(lifetime)
        .and_then(|(s, l)| lenient_time::after_minutes(s, l));
    if args.json {
        let mut doc = json!({
            "status": outcome.status,
            "exitCode": exit as u8,
            "user": user,
            "lifetimeInMinutes": lifetime,
            "isUsableOnce": m.and_then(|m| m.is_usable_once),
            "startDateTime": start.map(lenient_time::format),
            "expiresDateTime": expires.map(lenient_time::format),
            "methodUsabilityReason": m.and_then(|m| m.method_usability_reason.clone()),
            "detail": outcome.detail,
            "error": outcome.error.as_ref().map(|e| {
                // Graph enforces the policy's lifetime range itself (observed 400:
                // "Invalid LifetimeInMinutes specified. The valid range between 60 and 480.").
                let lifetime = e.status() == Some(400) && e.to_string().contains("LifetimeInMinutes");
                json!({
                    "code": if lifetime { "tap-lifetime-out-of-range" } else { super::graph_failure_kind(e).0 },
                    "graphCode": e.code().filter(|c| !c.is_empty()),
                    "message": outcome.detail.clone().unwrap_or_else(|| e.to_string()),
                    "fix": if lifetime {
                        "choose a --lifetime within the range Graph gave (the tenant's pass policy)"
                    } else if e.is_forbidden() || e.status() == Some(400) {
                        "check the roles and the tenant's Temporary Access Pass policy, then try again"
                    } else {
                        super::graph_failure_kind(e).1
                    },
                })
            }),
            "requestIds": outcome.request_id.iter().collect::<Vec<_>>(),
        });
        if doc["error"].is_null() && outcome.status == TapStatus::Unconfirmed {
            doc["error"] = json!({
                "code": "unconfirmed",
                "message": outcome.detail,
                "fix": format!("create another pass (it replaces this one): resetdesk tap {}", u.user_principal_name.as_deref().unwrap_or(&u.id)),
            });
        }
        if let Some(p) = &outcome.pass {
            doc["temporaryAccessPass"] = json!(p.expose_secret());
        }
        if exit != Exit::Ok {
            super::say_json_failure(&doc);
        }
        outln!("{doc}");
    } else {
        let who = format!(
            "{} <{}>",
            sanitize(u.label()),
            sanitize(u.user_principal_name.as_deref().unwrap_or(&u.id))
        );
        match (&outcome.status, &outcome.pass) {
            (TapStatus::Succeeded, Some(p)) => {
                outln!("✓ Temporary Access Pass for {who}");
                outln!("  Pass: {}", p.expose_secret());
                let once = if m.and_then(|m| m.is_usable_once) == Some(true) {
                    "one sign-in only"
                } else {
                    "any number of sign-ins"
                };
                let until = expires
                    .map(|e| format!(" until {} UTC", lenient_time::minutes(e)))
                    .unwrap_or_default();
                outln!(
                    "  Valid {} minutes{until}, {once}. Graph shows it only now: hand it over, then forget it.",
                    lifetime
                        .map(|l| l.to_string())
                        .unwrap_or_else(|| "?".into())
                );
                outln!(
                    "  The user signs in with it at https://aka.ms/mysecurityinfo and registers a new method."
                );
            }
            (TapStatus::Unconfirmed, _) => {
                outln!("? The pass for {who} may exist, but its code did not arrive.");
                if let Some(d) = &outcome.detail {
                    outln!("  {}", sanitize(d));
                }
            }
            _ => {
                outln!("✗ No pass was created for {who}.");
                if let Some(d) = &outcome.detail {
                    outln!("  {}", sanitize(d));
                }
            }
        }
    }
    Ok(exit)
}
