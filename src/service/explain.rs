//! What a failed reset means and what to do, for the console and the CLI alike. Decisions
//! use the Graph `code` and HTTP status (and which call was made), never the message text;
//! the message is shown as detail.

use crate::graph::GraphError;
use crate::policy::eligibility::Method;
use crate::sanitize::sanitize_line;

#[derive(Debug, Clone, PartialEq)]
pub struct Explanation {
    pub cause: String,
    pub fix: String,
}

/// Context the error alone does not carry.
pub struct Context<'a> {
    pub method: Method,
    pub target_synced: bool,
    /// The least-privileged role that would allow this reset, from the verdict.
    pub least_role: Option<&'a str>,
}

/// What to do when `resetPassword`'s operation ended `failed`: password writeback reached
/// on-premises AD and AD refused (most often a protected account — `adminCount=1`, a
/// member of Domain Admins or another protected group, event hr=80231367 — or AD's own
/// password policy). The operation gives only its `statusDetail` text, shown as the cause.
pub const WRITEBACK_REFUSED_FIX: &str = "reset it in on-premises Active Directory (Active Directory Users and Computers, or Set-ADAccountPassword); for a protected account (adminCount=1) ask the AD admins, who may also clear adminCount or grant the writeback account its permissions; if AD's password policy refused it, try another password";

pub fn explain_operation_failure(detail: Option<&str>) -> Explanation {
    Explanation {
        cause: format!(
            "on-premises AD refused the new password: {}",
            sanitize_line(detail.unwrap_or("no reason given"), 300)
        ),
        fix: WRITEBACK_REFUSED_FIX.into(),
    }
}

/// The explanation of a reset's outcome, if it went wrong.
pub fn explain_outcome(
    o: &crate::service::reset::ResetOutcome,
    cx: &Context,
) -> Option<Explanation> {
    use crate::service::reset::ResetStatus;
    match &o.error {
        Some(e) => Some(explain(e, cx)),
        None if o.status == ResetStatus::Failed && o.method == Method::ResetPassword => {
            Some(explain_operation_failure(o.detail.as_deref()))
        }
        None => None,
    }
}

/// What to do about a failed read (a search, a user's facts, the audit log), by the
/// error's stable kind (`GraphError::kind`). The CLI's `error.fix` and the console's
/// failed search and details say the same.
pub fn read_fix(e: &GraphError) -> &'static str {
    match e.kind() {
        "auth-failed" => "sign in again (the token is missing, expired or not for Microsoft Graph)",
        "network" => "check the connection to Microsoft Graph and try again",
        "malformed-response" => "try again; nothing was decided",
        "foreign-link" => "report this: Graph sent a link to another host",
        "throttled" => {
            "Microsoft Graph is throttling this tenant; try again after the wait it asks for (a minute unless it says)"
        }
        "service-unavailable" => "Microsoft Graph is unavailable for the moment; try again",
        _ => "",
    }
}

/// A failed read, for the console: what failed and what to do.
pub fn explain_read(e: &GraphError, what: &str) -> Explanation {
    let fix = match read_fix(e) {
        "" => "try again; if it persists, check the request id with Microsoft support",
        fix => fix,
    };
    Explanation {
        cause: format!("{what}: {}", sanitize_line(&e.to_string(), 300)),
        fix: fix.into(),
    }
}

pub fn explain(e: &GraphError, cx: &Context) -> Explanation {
    let permission = cx.method.permissions()[0];
    let (cause, fix) = match e {
        GraphError::Request(why) => (
            format!("the request could not be built ({why}); nothing was sent"),
            "report this with the command you ran; nothing was changed".to_string(),
        ),
        GraphError::Auth(_) => (
            "signing in failed".to_string(),
            "sign in again (resetdesk logout, then retry)".to_string(),
        ),
        _ if e.is_unauthenticated() => (
            "your sign-in expired or is not valid for Microsoft Graph (401)".into(),
            "sign in again, then retry".into(),
        ),
        GraphError::Api { status: 429, retry_after, .. } => (
            "Microsoft Graph is throttling requests (429)".into(),
            match retry_after {
                Some(d) => format!("wait {} s, then retry; the reset was not made", d.as_secs().max(1)),
                None => "wait a minute, then retry; the reset was not made".into(),
            },
        ),
        _ if e.code() == Some("Authorization_RequestDenied") || e.status() == Some(403) => (
            "Graph refused: insufficient privileges (403 Authorization_RequestDenied)".into(),
            format!(
                "either your role does not cover this user ({}), or resetdesk lacks consent for {permission}: ask an admin to grant it",
                cx.least_role
                    .map(|r| format!("ask a {r}"))
                    .unwrap_or_else(|| "ask a Privileged Authentication Administrator".into())
            ),
        ),
        _ if e.is_not_found() => (
            "the user no longer exists (deleted, or the id/UPN changed) (404 Request_ResourceNotFound)".into(),
            "search for the user again".into(),
        ),
        GraphError::Api { status: 400, .. } if cx.method == Method::PasswordProfile && cx.target_synced => (
            "this user is mastered on-premises: a passwordProfile update cannot change it (400)".into(),
            "use the resetPassword path (password writeback), or reset in on-premises AD; enable writeback if it is off".into(),
        ),
        GraphError::Api { status: 400, .. } => (
            "Graph rejected the password (400): it fails the complexity rules or is on the banned list".into(),
            "generate a new one (or choose another: 8–256 characters, 3 of 4 character classes, no name, no common words)".into(),
        ),
        GraphError::Transport { maybe_sent: false, .. } => (
            "Microsoft Graph could not be reached; nothing was sent".into(),
            "check the network and retry".into(),
        ),
        GraphError::Transport { .. } => (
            "the connection failed after the request was sent; the outcome is unknown".into(),
            "verify before handing the password out: watch the audit pane, or `resetdesk show` the user (last password change)".into(),
        ),
        GraphError::ForeignLink(_) | GraphError::Decode { .. } | GraphError::Api { .. } => (
            format!("Microsoft Graph returned an error: {}", sanitize_line(&e.to_string(), 200)),
            "retry; if it persists, check the request id with Microsoft support".into(),
        ),
    };
    Explanation { cause, fix }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    fn api(status: u16, code: &str) -> GraphError {
        GraphError::Api {
            status,
            code: code.into(),
            message: "whatever the service says".into(),
            request_id: None,
            retry_after: Some(Duration::from_secs(7)),
        }
    }

    fn cx(method: Method, synced: bool) -> Context<'static> {
        Context {
            method,
            target_synced: synced,
            least_role: Some("Privileged Authentication Administrator"),
        }
    }

    #[test]
    fn each_error_has_a_cause_and_a_fix() {
        let e = explain(
            &api(403, "Authorization_RequestDenied"),
            &cx(Method::PasswordProfile, false),
        );
        assert!(
            e.fix.contains("Privileged Authentication Administrator")
                && e.fix.contains("User-PasswordProfile.ReadWrite.All")
        );
        let e = explain(
            &api(403, "Authorization_RequestDenied"),
            &cx(Method::ResetPassword, true),
        );
        assert!(e.fix.contains("UserAuthenticationMethod.ReadWrite.All"));
        assert!(
            explain(
                &api(400, "Request_BadRequest"),
                &cx(Method::PasswordProfile, false)
            )
            .cause
            .contains("complexity")
        );
        assert!(
            explain(
                &api(400, "Request_BadRequest"),
                &cx(Method::PasswordProfile, true)
            )
            .cause
            .contains("on-premises")
        );
        assert!(
            explain(
                &api(404, "Request_ResourceNotFound"),
                &cx(Method::PasswordProfile, false)
            )
            .fix
            .contains("search")
        );
        assert!(
            explain(
                &api(401, "InvalidAuthenticationToken"),
                &cx(Method::PasswordProfile, false)
            )
            .fix
            .contains("sign in")
        );
        assert!(
            explain(
                &api(429, "TooManyRequests"),
                &cx(Method::PasswordProfile, false)
            )
            .fix
            .contains("wait 7 s")
        );
        let lost = GraphError::Transport {
            message: "reset".into(),
            maybe_sent: true,
        };
        assert!(
            explain(&lost, &cx(Method::PasswordProfile, false))
                .fix
                .contains("verify")
        );
    }
}
