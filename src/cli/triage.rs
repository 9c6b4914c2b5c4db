//! `resetdesk triage USER [--json]`: why the user cannot sign in, what they have
//! registered, and whether a password reset is even the help (service::triage).

use clap::Args;
use serde_json::{Value, json};

use super::{Exit, Failure, GlobalArgs, Session};
use crate::graph::model::lenient_time;
use crate::sanitize::{sanitize, sanitize_line};
use crate::service::triage::{SSPR_URL, Section, Triage, triage};

#[derive(Debug, Args)]
pub struct TriageArgs {
    /// The user: object id, UPN, mail, or display name.
    pub user: String,
    /// Print one JSON document.
    #[arg(long)]
    pub json: bool,
}

pub async fn run(global: &GlobalArgs, args: TriageArgs) -> Result<Exit, Failure> {
    crate::graph::query::check_user_key(&args.user).map_err(|m| Failure::new(Exit::Usage, m))?;
    let session = Session::open(global).await?;
    let user = session.resolve(&args.user).await?;
    let t = triage(session.graph.as_ref(), &user).await?;
    if args.json {
        outln!("{}", document(&user, &t));
    } else {
        out!("{}", human(&user, &t));
    }
    Ok(Exit::Ok)
}

fn unreadable<T>(part: &str, s: &Section<T>) -> Option<Value> {
    match s {
        Section::Unreadable { reason, fix, .. } => {
            Some(json!({"part": part, "reason": reason, "fix": fix}))
        }
        Section::Read { .. } => None,
    }
}

/// The `triage --json` document (DESIGN.md interface contract).
pub fn document(u: &crate::graph::model::User, t: &Triage) -> Value {
    let sign_ins: Vec<Value> = t
        .sign_in_lines()
        .iter()
        .map(|l| {
            json!({
                "time": l.time.map(lenient_time::format),
                "app": l.app,
                "ipAddress": l.ip_address,
                "location": l.location,
                "result": if l.succeeded() { "success" } else { "failure" },
                "errorCode": l.error_code,
                "failureReason": l.failure_reason,
                "explanation": l.explanation,
                "problem": l.problem,
            })
        })
        .collect();
    let unreadable: Vec<Value> = [
        unreadable("signIns", &t.sign_ins),
        unreadable("registration", &t.registration),
    ]
    .into_iter()
    .flatten()
    .collect();
    json!({
        "user": {"id": u.id, "userPrincipalName": u.user_principal_name,
                 "displayName": u.display_name, "accountEnabled": u.account_enabled},
        "diagnosis": t.diagnosis,
        "signIns": sign_ins,
        "registration": t.registration.read(),
        "selfService": t.self_service,
        "ssprUrl": t.self_service.then_some(SSPR_URL),
        "temporaryAccessPassSuggested": t.offer_tap,
        "unreadable": unreadable,
    })
}

fn human(u: &crate::graph::model::User, t: &Triage) -> String {
    let who = sanitize(u.user_principal_name.as_deref().unwrap_or(&u.id));
    let mut s = format!("{} <{who}>\n", sanitize(u.label()));
    s.push_str(&format!("{}\n", t.diagnosis.message));
    if t.offer_tap {
        s.push_str(&format!(
            "  → a Temporary Access Pass: resetdesk tap {who}\n"
        ));
    }
    if t.self_service {
        s.push_str(&format!("  → can reset their own password at {SSPR_URL}\n"));
    }
    let todo = match t.diagnosis.kind {
        "policy" => Some(
            "look at the Conditional Access policy that applied (Entra admin center › sign-in logs › the sign-in › Conditional Access)",
        ),
        "disabled" => Some("enable the account first (if it should be enabled)"),
        _ => None,
    };
    if let Some(todo) = todo {
        s.push_str(&format!("  → {todo}\n"));
    }
    if t.diagnosis.kind == "password" {
        s.push_str(&format!("  → resetdesk reset {who}\n"));
    }
    if t.diagnosis.message.starts_with("an application problem") {
        s.push_str("  → the application's owner consents to it or registers it in this tenant\n");
    }
    s.push('\n');
    match &t.sign_ins {
        Section::Unreadable { reason, fix, .. } => {
            s.push_str(&format!("Recent sign-ins: {reason}\n  → {fix}\n"));
        }
        Section::Read { value } if value.is_empty() => {
            s.push_str("Recent sign-ins: none in the last 7 days\n");
        }
        Section::Read { value } => {
            s.push_str("Recent sign-ins (last 7 days, newest first)\n");
            for l in value {
                let when = l
                    .time
                    .map(|t| format!("{} UTC", lenient_time::minutes(t)))
                    .unwrap_or_else(|| "unknown time".into());
                s.push_str(&format!(
                    "  {when}  {}  {}  {}\n",
                    sanitize_line(l.app.as_deref().unwrap_or("-"), 40),
                    sanitize_line(l.ip_address.as_deref().unwrap_or("-"), 40),
                    sanitize_line(l.location.as_deref().unwrap_or(""), 60),
                ));
                if l.succeeded() {
                    s.push_str("    ✓ signed in\n");
                } else {
                    let meaning = l
                        .explanation
                        .clone()
                        .or_else(|| l.failure_reason.as_deref().map(|r| sanitize_line(r, 200)))
                        .unwrap_or_else(|| "no explanation known".into());
                    s.push_str(&format!("    ✗ {} {meaning}\n", l.error_code));
                }
            }
        }
    }
    match &t.registration {
        Section::Unreadable { reason, fix, .. } => {
            s.push_str(&format!("Registration: {reason}\n  → {fix}\n"));
        }
        Section::Read { value } => {
            s.push_str(&format!("Registration: {}\n", value.summary()));
            if !value.methods.is_empty() {
                let m: Vec<String> = value.methods.iter().map(|m| sanitize_line(m, 40)).collect();
                s.push_str(&format!("  Methods: {}\n", m.join(", ")));
            }
        }
    }
    s
}
