//! `resetdesk doctor [--json]`: what works and what does not, before a shift starts —
//! configuration, sign-in, roles, the Graph permissions each feature needs, the clipboard
//! path and the terminal.

use std::io::IsTerminal;

use clap::Args;
use serde::Serialize;
use serde_json::json;

use super::context::load_config;
use super::{Exit, Failure, GlobalArgs, Session};
use crate::graph::AuditPage;
use crate::policy::matrix::Matrix;
use crate::sanitize::sanitize;

#[derive(Debug, Args)]
pub struct DoctorArgs {
    /// Print one JSON document.
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
#[serde(rename_all = "lowercase")]
enum Status {
    Ok,
    Warn,
    Fail,
}

#[derive(Debug, Serialize)]
struct Check {
    check: &'static str,
    status: Status,
    detail: String,
    fix: String,
}

fn check(
    check: &'static str,
    status: Status,
    detail: impl Into<String>,
    fix: impl Into<String>,
) -> Check {
    Check {
        check,
        status,
        detail: detail.into(),
        fix: fix.into(),
    }
}

pub async fn run(global: &GlobalArgs, args: DoctorArgs) -> Result<Exit, Failure> {
    let mut checks = Vec::new();
    let config = load_config(global)?;
    let session = Session::open(global).await;
    // With --demo the Graph URL is the in-process simulator's.
    let graph_url = match &session {
        Ok(s) => s.config.graph_url.clone(),
        Err(_) => config.graph_url.clone(),
    };
    checks.push(check(
        "configuration",
        Status::Ok,
        format!(
            "{}; cloud {}; Graph {}; sign-in {}",
            config
                .source_file
                .as_ref()
                .map(|p| format!("file {}", p.display()))
                .unwrap_or_else(|| "no config file (defaults)".into()),
            config.cloud.name(),
            graph_url,
            if global.demo {
                "demo"
            } else {
                config.auth.name()
            }
        ),
        "",
    ));
    if let Some(missing) = config.cloud.missing_features() {
        checks.push(check(
            "cloud",
            Status::Warn,
            format!("{} cloud: {missing}", config.cloud.name()),
            "reset synced users in on-premises Active Directory",
        ));
    }
    match session {
        Err(f) => checks.push(check(
            "sign-in",
            Status::Fail,
            f.message,
            "fix the sign-in settings above, then run doctor again",
        )),
        Ok(session) => graph_checks(&session, &mut checks).await,
    }
    checks.push(clipboard_check(config.clipboard));
    checks.push(terminal_check());
    let failed = checks.iter().any(|c| c.status == Status::Fail);
    if args.json {
        outln!("{}", json!({"ok": !failed, "checks": checks}));
    } else {
        for c in &checks {
            let mark = match c.status {
                Status::Ok => "✓",
                Status::Warn => "!",
                Status::Fail => "✗",
            };
            outln!("{mark} {:<14} {}", c.check, sanitize(&c.detail));
            if !c.fix.is_empty() {
                outln!("  {:<14} → {}", "", sanitize(&c.fix));
            }
        }
    }
    Ok(if failed { Exit::Failed } else { Exit::Ok })
}

async fn graph_checks(session: &Session, checks: &mut Vec<Check>) {
    let op = match session.operator().await {
        Ok(op) => op,
        Err(f) => {
            checks.push(check(
                "sign-in",
                Status::Fail,
                f.message,
                "sign in again (resetdesk logout, then retry)",
            ));
            return;
        }
    };
    checks.push(check(
        "sign-in",
        Status::Ok,
        format!(
            "signed in as {} ({})",
            op.who(),
            if session.sim.is_some() {
                "demo"
            } else {
                session.config.auth.name()
            }
        ),
        "",
    ));
    checks.push(permissions_check(&op));
    let m = Matrix::get();
    let resetting = op
        .operator
        .active
        .iter()
        .any(|r| r.built_in && m.is_caller(&r.template_id));
    let eligible: Vec<String> = op
        .operator
        .eligible
        .iter()
        .filter(|r| r.built_in && m.is_caller(&r.template_id))
        .map(|r| r.short_label())
        .collect();
    checks.push(if resetting {
        check("roles", Status::Ok, format!("active: {}", op.active_roles_summary()), "")
    } else if !eligible.is_empty() {
        check(
            "roles",
            Status::Warn,
            format!("no active role resets passwords; eligible in PIM: {}", eligible.join(", ")),
            "activate one in Privileged Identity Management (https://aka.ms/pim), then press Ctrl-r in the console",
        )
    } else {
        check(
            "roles",
            Status::Warn,
            format!("no role that resets passwords (active: {})", op.active_roles_summary()),
            "ask for Helpdesk Administrator (non-admin users) or a higher reset role",
        )
    });
    if op.operator.roles_from_token {
        checks.push(check(
            "role reading",
            Status::Warn,
            "role assignments are unreadable; roles came from the token, and verdicts will say facts are unknown",
            "consent to RoleManagement.Read.Directory and Directory.Read.All",
        ));
    }
    let g = session.graph.as_ref();
    let found = g.search_users("a", 2).await;
    // Anyone may read their own sign-ins (signins-roles-for-ca-data.md): the probe reads
    // another user's, as triage does.
    let other = found.as_ref().ok().and_then(|r| {
        r.users
            .iter()
            .find(|u| u.id != op.user.id)
            .map(|u| u.id.clone())
    });
    checks.push(match found {
        Ok(_) => check("user search", Status::Ok, "users can be searched", ""),
        Err(e) => check(
            "user search",
            Status::Fail,
            e.to_string(),
            "consent to User.Read.All",
        ),
    });
    let audit_filter = "activityDisplayName eq 'Reset user password'";
    checks.push(match g.directory_audits_page(AuditPage::First { filter: audit_filter, top: 1 }).await {
        Ok(_) => check("audit log", Status::Ok, "password activity is readable", ""),
        Err(e) if e.is_forbidden() => check(
            "audit log",
            Status::Warn,
            "the audit pane will show no entries: reading the audit log is not permitted",
            "consent to AuditLog.Read.All and Directory.Read.All, and get Reports Reader, Security Reader or Global Reader",
        ),
        Err(e) => check("audit log", Status::Warn, e.to_string(), "try again later"),
    });
    // Triage reads the sign-in log (a reports role and Entra ID P1/P2).
    let since = time::OffsetDateTime::now_utc() - time::Duration::hours(1);
    let probe = other.unwrap_or_else(|| op.user.id.clone());
    checks.push(match g.sign_ins(&probe, since, 1).await {
        Ok(_) => check("sign-in logs", Status::Ok, "triage can read users' recent sign-ins", ""),
        Err(e) if e.code() == Some("Authentication_RequestFromNonPremiumTenantOrB2CTenant") => check(
            "sign-in logs",
            Status::Warn,
            "the tenant has no Entra ID P1/P2 licence: triage cannot read sign-ins",
            "license the tenant, or read them in the Entra admin center",
        ),
        Err(e) if e.is_forbidden() => check(
            "sign-in logs",
            Status::Warn,
            "triage cannot read sign-ins with your roles",
            "consent to AuditLog.Read.All and Directory.Read.All, and get Reports Reader (or Security Reader, Global Reader)",
        ),
        Err(e) => check("sign-in logs", Status::Warn, e.to_string(), "try again later"),
    });
    checks.push(pass_check(&op));
    checks.push(match g.on_premises_sync().await {
        Ok(Some(s)) => match s.features.and_then(|f| f.password_writeback_enabled) {
            Some(true) => check(
                "writeback",
                Status::Ok,
                "password writeback is on: synced users can be reset",
                "",
            ),
            Some(false) => check(
                "writeback",
                Status::Warn,
                "password writeback is off: synced users must be reset in on-premises AD",
                "ask a Hybrid Identity Administrator to enable password writeback in Entra Connect",
            ),
            None => check(
                "writeback",
                Status::Warn,
                "on-premises sync is configured; whether writeback is on is not reported",
                "",
            ),
        },
        Ok(None) => check("writeback", Status::Ok, "no on-premises sync in this tenant", ""),
        // A fact that could not be checked is not "fine" (issue 11): a warning.
        Err(_) => check(
            "writeback",
            Status::Warn,
            "not readable with your roles (needs Global or Hybrid Identity Administrator); verdicts warn for synced users",
            "",
        ),
    });
}

/// Whether the operator's active roles create Temporary Access Passes, and for whom
/// (policy::tap's rule: Authentication Administrator for members, Privileged
/// Authentication or Global Administrator for everyone).
fn pass_check(op: &crate::service::facts::OperatorFacts) -> Check {
    use crate::policy::tap::{AUTH_ADMIN, GLOBAL_ADMIN, PRIVILEGED_AUTH_ADMIN};
    let holds = |ids: &[&str]| {
        op.operator
            .active
            .iter()
            .any(|r| ids.iter().any(|i| r.template_id.eq_ignore_ascii_case(i)))
    };
    if holds(&[PRIVILEGED_AUTH_ADMIN, GLOBAL_ADMIN]) {
        check(
            "passes",
            Status::Ok,
            "you can create a Temporary Access Pass for any user but yourself",
            "",
        )
    } else if holds(&[AUTH_ADMIN]) {
        check(
            "passes",
            Status::Ok,
            "you can create a Temporary Access Pass for users without an admin role",
            "",
        )
    } else {
        check(
            "passes",
            Status::Warn,
            "your roles cannot create a Temporary Access Pass (t in the console, resetdesk tap)",
            "ask for Authentication Administrator if your helpdesk hands out passes",
        )
    }
}

/// What the token may do, per reset path, and what to consent to when it may not
/// (the documented permission of each path: `Method::permissions`).
fn permissions_check(op: &crate::service::facts::OperatorFacts) -> Check {
    use crate::policy::eligibility::{Grant, Method};
    let Some(grant) = &op.operator.grant else {
        return check(
            "permissions",
            Status::Warn,
            "the token's permissions cannot be read; Microsoft Graph will decide each call",
            "",
        );
    };
    let path = |m: Method| {
        let ok =
            grant.has_any(m.permissions()) && (m != Method::ResetPassword || grant.is_delegated());
        (m, ok)
    };
    let (cloud, synced) = (path(Method::PasswordProfile), path(Method::ResetPassword));
    let mut missing = Vec::new();
    let mut fixes = Vec::new();
    if !cloud.1 {
        missing.push("cloud-only users (passwordProfile)");
        fixes.push(format!(
            "consent to {} ({} permission) for resetting cloud-only users",
            Method::PasswordProfile.permissions()[0],
            if grant.is_delegated() {
                "delegated"
            } else {
                "application"
            }
        ));
    }
    if !synced.1 {
        missing.push("synced users (resetPassword)");
        fixes.push(if let Grant::Application(_) = grant {
            "resetPassword takes only a signed-in user: reset synced users with a delegated sign-in (device-code, browser-paste or azure-cli)".to_string()
        } else {
            format!(
                "consent to {} (delegated) for resetting synced users with writeback",
                Method::ResetPassword.permissions()[0]
            )
        });
    }
    let kind = if grant.is_delegated() {
        "delegated"
    } else {
        "application"
    };
    if missing.is_empty() {
        check(
            "permissions",
            Status::Ok,
            format!("{kind}: both reset paths are permitted"),
            "",
        )
    } else {
        check(
            "permissions",
            Status::Warn,
            format!("{kind}: this sign-in cannot reset {}", missing.join(" or ")),
            fixes.join("; "),
        )
    }
}

fn clipboard_check(mode: crate::config::ClipboardMode) -> Check {
    let ssh = ["SSH_CONNECTION", "SSH_TTY"]
        .iter()
        .any(|v| std::env::var_os(v).is_some());
    let display = ["DISPLAY", "WAYLAND_DISPLAY"]
        .iter()
        .any(|v| std::env::var_os(v).is_some());
    let tmux = std::env::var_os("TMUX").is_some();
    let path = match mode {
        crate::config::ClipboardMode::Off => {
            return check(
                "clipboard",
                Status::Warn,
                "off: passwords must be selected by hand",
                "set clipboard = \"auto\"",
            );
        }
        crate::config::ClipboardMode::Native => "the system clipboard",
        crate::config::ClipboardMode::Osc52 => "the terminal (OSC 52)",
        crate::config::ClipboardMode::Auto if !ssh && display => {
            "the system clipboard (a display is reachable)"
        }
        crate::config::ClipboardMode::Auto => "the terminal (OSC 52) to your own machine",
    };
    let mut detail = format!("copies go to {path}");
    if tmux {
        let setting = std::process::Command::new("tmux")
            .args(["show", "-sv", "set-clipboard"])
            .output()
            .ok()
            .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_string())
            .unwrap_or_default();
        detail.push_str(&format!(
            "; inside tmux (set-clipboard {setting}): also through the tmux buffer"
        ));
    }
    check(
        "clipboard",
        Status::Ok,
        detail,
        if ssh {
            "your terminal must allow OSC 52 (most do; in iTerm2 enable clipboard access)"
        } else {
            ""
        },
    )
}

fn terminal_check() -> Check {
    let tty = std::io::stdout().is_terminal();
    let size = ratatui::crossterm::terminal::size().ok();
    let no_color = crate::theme::no_color_env();
    let detail = format!(
        "{}; size {}; TERM {}; {}",
        if tty {
            "a terminal"
        } else {
            "not a terminal (the console needs one)"
        },
        size.map(|(w, h)| format!("{w}×{h}"))
            .unwrap_or_else(|| "unknown".into()),
        std::env::var("TERM").unwrap_or_else(|_| "unset".into()),
        if no_color {
            "NO_COLOR: monochrome"
        } else {
            "colour"
        }
    );
    match size {
        Some((w, h)) if tty && (w < crate::ui::MIN_WIDTH || h < crate::ui::MIN_HEIGHT) => check(
            "terminal",
            Status::Warn,
            detail,
            format!(
                "the console needs at least {}×{}",
                crate::ui::MIN_WIDTH,
                crate::ui::MIN_HEIGHT
            ),
        ),
        _ if !tty => check(
            "terminal",
            Status::Warn,
            detail,
            "run the console in a terminal; headless commands work anywhere",
        ),
        _ => check("terminal", Status::Ok, detail, ""),
    }
}
