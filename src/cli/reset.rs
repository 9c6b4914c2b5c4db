//! `resetdesk reset USER`: one reset, checked first, confirmed, journaled.

use std::io::{BufRead, IsTerminal, Write};

use clap::Args;
use serde_json::{Value, json};

use super::{Exit, Failure, GlobalArgs, Session};
use crate::journal;
use crate::policy::eligibility::Method;
use crate::policy::password;
use crate::sanitize::sanitize;
use crate::secret::{ExposeSecret, SecretString, secret};
use crate::service::explain::Context;
use crate::service::facts::{Assessment, OperatorFacts};
use crate::service::reset::{ResetOutcome, ResetRequest, ResetStatus, reset};

#[derive(Debug, Args)]
pub struct ResetArgs {
    /// The user's object id or user principal name.
    pub user: String,
    /// Read the new password from the first line of standard input (never from argv).
    #[arg(long)]
    pub password_stdin: bool,
    #[command(flatten)]
    pub options: ResetOptions,
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

/// How a reset is made, for `reset` and `bulk` alike.
#[derive(Debug, Args)]
pub struct ResetOptions {
    /// Do not require a password change at next sign-in.
    #[arg(long)]
    pub no_force_change: bool,
    /// Require a change at next sign-in, after multi-factor authentication.
    #[arg(long, conflicts_with = "no_force_change")]
    pub force_change_with_mfa: bool,
    /// Revoke the user's sign-in sessions after the reset.
    #[arg(long)]
    pub revoke_sessions: bool,
    /// Set no new password: only require a change at next sign-in (cloud users; read
    /// back before it is called done).
    #[arg(long, conflicts_with = "no_force_change")]
    pub force_change_only: bool,
}

fn read_password_line() -> Result<SecretString, Failure> {
    let mut line = zeroize::Zeroizing::new(String::new());
    std::io::stdin().lock().read_line(&mut line).map_err(|e| {
        Failure::new(
            Exit::Usage,
            format!("cannot read the password from stdin: {e}"),
        )
    })?;
    let pw = line.trim_end_matches(['\r', '\n']);
    if pw.is_empty() {
        return Err(Failure::new(
            Exit::Usage,
            "--password-stdin: standard input held no password",
        ));
    }
    Ok(secret(pw.to_string()))
}

/// What a confirmation asks and says, for `confirm_on_terminal`.
pub(super) struct Asking<'a> {
    /// "Reset the password of": the question for an ordinary user.
    pub action: &'a str,
    /// " a Temporary Access Pass": after "Type their UPN to confirm" for an admin.
    pub admin_suffix: &'a str,
    /// "reset": in "pass --yes to … without asking".
    pub verb: &'a str,
    /// "changed": in "nothing was …".
    pub outcome: &'a str,
}

/// Asks on the terminal before a write: the UPN typed for a target with an admin role,
/// `yes` for anyone else. No terminal to ask on is a refusal (exit 3), as a wrong answer.
pub(super) fn confirm_on_terminal(a: &Assessment, ask: &Asking) -> Result<(), Failure> {
    let u = &a.target.user;
    let upn = u
        .user_principal_name
        .clone()
        .unwrap_or_else(|| u.id.clone());
    if !(std::io::stdin().is_terminal() && std::io::stderr().is_terminal()) {
        return Err(Failure::new(
            Exit::Refused,
            format!(
                "not confirmed: there is no terminal to ask on; pass --yes to {} without asking",
                ask.verb
            ),
        ));
    }
    let mut err = std::io::stderr();
    let expected = if a.privileged() {
        let _ = write!(
            err,
            "{} holds an admin role. Type their UPN to confirm{}: ",
            sanitize(u.label()),
            ask.admin_suffix
        );
        upn.clone()
    } else {
        let _ = write!(
            err,
            "{} {} <{}>? Type yes to confirm: ",
            ask.action,
            sanitize(u.label()),
            sanitize(&upn)
        );
        "yes".into()
    };
    let _ = err.flush();
    let mut answer = String::new();
    std::io::stdin().lock().read_line(&mut answer).ok();
    if answer.trim().eq_ignore_ascii_case(&expected) {
        Ok(())
    } else {
        Err(Failure::new(
            Exit::Refused,
            format!("not confirmed: nothing was {}", ask.outcome),
        ))
    }
}

pub async fn run(global: &GlobalArgs, args: ResetArgs) -> Result<Exit, Failure> {
    crate::graph::query::check_user_key(&args.user).map_err(|m| Failure::new(Exit::Usage, m))?;
    let change_only = args.options.force_change_only;
    if change_only && args.password_stdin {
        return Err(Failure::new(
            Exit::Usage,
            "--force-change-only sets no password: it does not take --password-stdin",
        ));
    }
    // Read stdin first: the password must not wait behind network calls.
    let typed = if args.password_stdin {
        Some(read_password_line()?)
    } else {
        None
    };
    let session = Session::open(global).await?;
    session.refuse_if_read_only()?;
    session.check_journal().await?;
    let (operator, a) = session.assess(&args.user).await?;
    let u = &a.target.user;
    if !a.verdict.allowed {
        let first = a.verdict.blocks().next();
        let message = match first {
            Some(r) => format!(
                "you cannot reset {}: {} → {}",
                sanitize(u.label()),
                sanitize(&r.message),
                sanitize(&r.fix)
            ),
            None => format!("you cannot reset {}", sanitize(u.label())),
        };
        if !args.json {
            return Err(Failure::new(Exit::Refused, message));
        }
        let error = json!({
            "code": first.map(|r| r.code.as_str()).unwrap_or("not-eligible"),
            "message": message,
            "fix": first.map(|r| r.fix.as_str()).filter(|f| !f.is_empty()),
        });
        outln!(
            "{}",
            json!({
                "status": "refused",
                "exitCode": Exit::Refused as u8,
                "error": error,
                "user": user_json(&a),
                "reasons": a.verdict.reasons,
                "leastPrivilegedRole": a.verdict.least_privileged_role,
            })
        );
        eprintln!("resetdesk: {message}");
        return Ok(Exit::Refused);
    }
    let method = a.verdict.method.unwrap_or(Method::PasswordProfile);
    if change_only && method == Method::ResetPassword {
        return refuse_change_only(&a, args.json);
    }
    let generated = typed.is_none() && !change_only;
    let password = match typed {
        Some(p) => {
            let names = password::user_names(
                u.given_name.as_deref(),
                u.surname.as_deref(),
                u.user_principal_name.as_deref(),
            );
            let problems = password::check(p.expose_secret(), &names);
            if !problems.is_empty() {
                let list: Vec<String> = problems.iter().map(|p| p.message()).collect();
                return Err(Failure::new(
                    Exit::Usage,
                    format!(
                        "the password does not meet the Entra policy: {}",
                        list.join("; ")
                    ),
                ));
            }
            Some(p)
        }
        None if change_only => None,
        None => Some(password::generate(session.config.password_length)),
    };
    for w in a.verdict.warnings() {
        eprintln!("! {}", sanitize(&w.message));
    }
    if method == Method::ResetPassword && args.options.no_force_change {
        eprintln!(
            "! the resetPassword path (synced users) always requires a change at next sign-in; --no-force-change does not apply"
        );
    }
    if !args.yes {
        confirm_on_terminal(
            &a,
            &Asking {
                action: if change_only {
                    "Require a password change at next sign-in of"
                } else {
                    "Reset the password of"
                },
                admin_suffix: "",
                verb: "reset",
                outcome: "changed",
            },
        )?;
    }
    let outcome = reset(
        session.graph.as_ref(),
        ResetRequest {
            user_id: u.id.clone(),
            method,
            password,
            generated,
            force_change: !args.options.no_force_change,
            force_change_with_mfa: args.options.force_change_with_mfa,
            revoke_sessions: args.options.revoke_sessions,
            operation_timeout: session.config.operation_timeout,
        },
    )
    .await;
    record(
        &session,
        &operator,
        &a,
        &outcome,
        args.ticket.as_deref(),
        args.options.revoke_sessions,
    )
    .await;
    let cx = Context {
        method,
        target_synced: u.on_premises_sync_enabled == Some(true),
        least_role: a.verdict.least_privileged_role.as_deref(),
    };
    let explanation = crate::service::explain::explain_outcome(&outcome, &cx);
    let revoke_failed = matches!(outcome.revoked, Some(Err(_)));
    let exit = match outcome.status {
        ResetStatus::Succeeded | ResetStatus::Accepted if !revoke_failed => Exit::Ok,
        // Graph refused the sign-in before doing anything: nothing was reset.
        ResetStatus::Failed
            if outcome
                .error
                .as_ref()
                .is_some_and(|e| e.is_unauthenticated()) =>
        {
            Exit::AuthFailed
        }
        _ => Exit::Failed,
    };
    if args.json {
        let mut doc = json!({
            "status": outcome.status,
            "exitCode": exit as u8,
            "method": method.name(),
            "user": user_json(&a),
            "forceChangeOnly": change_only,
            "forceChangePasswordNextSignIn": outcome.force_change,
            "forceChangePasswordNextSignInWithMfa": outcome.force_change_with_mfa,
            "sessionsRevoked": outcome.revoked.as_ref().map(|r| r.is_ok()),
            "detail": outcome.detail,
            // A stable code for scripts, Graph's own in graphCode.
            "error": outcome.error.as_ref().map(|e| json!({
                "code": super::graph_failure_kind(e).0,
                "graphCode": e.code().filter(|c| !c.is_empty()),
                "message": e.to_string(),
                "cause": explanation.as_ref().map(|x| x.cause.clone()),
                "fix": explanation.as_ref().map(|x| x.fix.clone()),
            })),
            "requestIds": outcome.request_ids,
        });
        if let (true, Some(x)) = (doc["error"].is_null(), &explanation) {
            // The operation failed on-premises: no Graph error, but a cause and a fix.
            doc["error"] = json!({
                "code": "writeback-refused",
                "message": x.cause,
                "cause": x.cause,
                "fix": x.fix,
            });
        }
        if let (true, Some(Err(e))) = (doc["error"].is_null(), &outcome.revoked) {
            doc["error"] = json!({
                "code": "revoke-failed",
                "graphCode": e.code().filter(|c| !c.is_empty()),
                "message": format!("the password was reset, but revoking sign-in sessions failed: {e}"),
                "fix": "revoke the sessions again (Entra admin center › user › Revoke sessions), or retry with --revoke-sessions",
            });
        }
        if doc["error"].is_null() && change_only && outcome.status == ResetStatus::Failed {
            // Graph answered 204 and the flag read back unchanged.
            doc["error"] = json!({
                "code": "change-not-applied",
                "message": outcome.detail,
                "fix": crate::service::reset::CHANGE_ONLY_ALTERNATIVE,
            });
        }
        if doc["error"].is_null() && outcome.status == ResetStatus::Unconfirmed {
            // Sent, outcome unknown: still a failure document with a fix.
            doc["error"] = json!({
                "code": "unconfirmed",
                "message": outcome.detail.clone().unwrap_or_else(|| "the outcome of the reset is not known".into()),
                "fix": format!(
                    "verify before handing the password out: `resetdesk show {}` (last password change) or `resetdesk audit`",
                    u.user_principal_name.as_deref().unwrap_or(&u.id)
                ),
            });
        }
        // The password appears only when resetdesk generated it (never echo what came in
        // on stdin), and never when the reset certainly failed.
        if let (true, Some(p)) = (outcome.generated, &outcome.password) {
            doc["temporaryPassword"] = Value::String(p.expose_secret().to_string());
        }
        if exit != Exit::Ok {
            super::say_json_failure(&doc);
        }
        outln!("{doc}");
    } else {
        human(&a, &outcome, explanation.as_ref());
    }
    Ok(exit)
}

/// `--force-change-only` for a synced user: Graph has no way to do it; say so, and what
/// to do instead.
fn refuse_change_only(a: &Assessment, json: bool) -> Result<Exit, Failure> {
    let message = format!(
        "cannot only require a change for {}: {}",
        sanitize(a.target.user.label()),
        crate::service::reset::CHANGE_ONLY_SYNCED
    );
    if !json {
        return Err(Failure::new(Exit::Refused, message));
    }
    outln!(
        "{}",
        json!({
            "status": "refused",
            "exitCode": Exit::Refused as u8,
            "error": {
                "code": "change-only-synced",
                "message": message,
                "fix": "require it in Active Directory, or run `resetdesk reset` without --force-change-only (a generated password, changed at next sign-in)",
            },
            "user": user_json(a),
        })
    );
    eprintln!("resetdesk: {message}");
    Ok(Exit::Refused)
}

fn user_json(a: &Assessment) -> Value {
    let u = &a.target.user;
    json!({"id": u.id, "userPrincipalName": u.user_principal_name, "displayName": u.display_name})
}

fn human(a: &Assessment, o: &ResetOutcome, why: Option<&crate::service::explain::Explanation>) {
    let u = &a.target.user;
    let who = format!(
        "{} <{}>",
        sanitize(u.label()),
        sanitize(u.user_principal_name.as_deref().unwrap_or(&u.id))
    );
    match o.status {
        ResetStatus::Succeeded if o.change_only => outln!(
            "✓ {who} must now change their password at next sign-in (read back; the password is unchanged)."
        ),
        ResetStatus::Unconfirmed if o.change_only => outln!(
            "? Sent, NOT verified: {who} may or may not have to change their password at next sign-in."
        ),
        ResetStatus::Failed if o.change_only => {
            outln!("✗ {who} is NOT required to change their password.")
        }
        ResetStatus::Succeeded => outln!("✓ Password reset for {who} ({}).", o.method.name()),
        ResetStatus::Unconfirmed => {
            outln!("? Reset of {who} is UNCONFIRMED — verify before handing the password out.")
        }
        ResetStatus::Failed => outln!("✗ Reset of {who} failed."),
        ResetStatus::Accepted => outln!(
            "✓ Reset of {who} accepted ({}); the audit log will confirm it (`resetdesk audit`).",
            o.method.name()
        ),
    }
    if let (true, Some(p)) = (o.generated, &o.password) {
        outln!("  Temporary password: {}", p.expose_secret());
    }
    if o.status != ResetStatus::Failed && !o.change_only {
        if o.force_change_with_mfa {
            outln!("  The user must complete MFA, then change it at next sign-in.");
        } else if o.force_change {
            outln!("  The user must change it at next sign-in.");
        }
    }
    if let Some(d) = &o.detail {
        outln!("  {}", sanitize(d));
    }
    if let Some(x) = why {
        outln!("  Cause: {}", sanitize(&x.cause));
        outln!("  Do: {}", sanitize(&x.fix));
    }
    if o.status == ResetStatus::Unconfirmed {
        outln!(
            "  Verify: `resetdesk show {}` (last password change) or the audit log.",
            sanitize(u.user_principal_name.as_deref().unwrap_or(&u.id))
        );
    }
    match &o.revoked {
        Some(Ok(())) => outln!("  Sign-in sessions revoked."),
        Some(Err(e)) => outln!("  ! Revoking sessions failed: {}", sanitize(&e.to_string())),
        None => {}
    }
}

/// Appends to the journal; a journal that cannot be written is reported, and does not
/// undo or hide the reset.
pub async fn record(
    session: &Session,
    op: &OperatorFacts,
    a: &Assessment,
    o: &ResetOutcome,
    ticket: Option<&str>,
    revoke: bool,
) {
    let Some(j) = session.journal().await else {
        eprintln!("! no data directory for the journal; this reset is not journaled");
        return;
    };
    let u = &a.target.user;
    let entry = journal::reset_entry(
        &op.person(),
        &u.id,
        u.user_principal_name.as_deref(),
        o,
        ticket,
        revoke,
    );
    if let Err(e) = j.append(&entry) {
        eprintln!("! could not write the journal {}: {e}", j.path().display());
    }
}
