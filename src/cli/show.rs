//! `resetdesk show USER [--json]`: details, roles and the eligibility verdict.

use clap::Args;
use serde_json::{Value, json};

use super::{Exit, Failure, GlobalArgs, Session};
use crate::graph::model::lenient_time;
use crate::policy::authority::{
    SourceOfAuthority, describe, home_domain, home_issuer, source_of_authority,
};
use crate::policy::eligibility::{RoleState, Severity};
use crate::sanitize::sanitize;
use crate::service::facts::{Assessment, OperatorFacts};

#[derive(Debug, Args)]
pub struct ShowArgs {
    /// The user's object id or user principal name.
    pub user: String,
    /// Print one JSON document.
    #[arg(long)]
    pub json: bool,
}

pub async fn run(global: &GlobalArgs, args: ShowArgs) -> Result<Exit, Failure> {
    crate::graph::query::check_user_key(&args.user).map_err(|m| Failure::new(Exit::Usage, m))?;
    let session = Session::open(global).await?;
    let (operator, a) = session.assess(&args.user).await?;
    let doc = document(&a, &operator);
    if args.json {
        outln!("{doc}");
    } else {
        out!("{}", human(&a, &doc));
    }
    Ok(Exit::Ok)
}

fn time(t: Option<time::OffsetDateTime>) -> Value {
    t.map(|t| json!(lenient_time::format(t)))
        .unwrap_or(Value::Null)
}

/// The `show --json` document (DESIGN.md interface contract).
pub fn document(a: &Assessment, op: &OperatorFacts) -> Value {
    let f = &a.target;
    let u = &f.user;
    let acct = crate::service::account(u);
    let soa = source_of_authority(&acct);
    json!({
        "user": {
            "id": u.id,
            "userPrincipalName": u.user_principal_name,
            "displayName": u.display_name,
            "mail": u.mail,
            "jobTitle": u.job_title,
            "department": u.department,
            "userType": u.user_type,
            "accountEnabled": u.account_enabled,
            "sourceOfAuthority": soa.name(),
            "sourceDetail": describe(&acct),
            "homeTenant": if soa == SourceOfAuthority::External {
                json!({"issuer": home_issuer(&acct), "domain": home_domain(&acct)})
            } else { Value::Null },
            "onPremises": if u.on_premises_sync_enabled.is_some() || u.on_premises_distinguished_name.is_some() {
                json!({
                    "syncEnabled": u.on_premises_sync_enabled,
                    "distinguishedName": u.on_premises_distinguished_name,
                    "samAccountName": u.on_premises_sam_account_name,
                    "domainName": u.on_premises_domain_name,
                    "userPrincipalName": u.on_premises_user_principal_name,
                    "lastSyncDateTime": time(u.on_premises_last_sync_date_time),
                })
            } else { Value::Null },
            "externalUserState": u.external_user_state,
            "lastPasswordChangeDateTime": time(u.last_password_change_date_time),
            "passwordPolicies": u.password_policies,
            "forceChangePasswordNextSignIn": u.password_profile.as_ref().and_then(|p| p.force_change_password_next_sign_in),
            "forceChangePasswordNextSignInWithMfa": u.password_profile.as_ref().and_then(|p| p.force_change_password_next_sign_in_with_mfa),
            "lastSignInDateTime": u.sign_in_activity.as_ref().map(|s| time(s.last_sign_in_date_time)).unwrap_or(Value::Null),
            "lastSuccessfulSignInDateTime": u.sign_in_activity.as_ref().map(|s| time(s.last_successful_sign_in_date_time)).unwrap_or(Value::Null),
            "signInUnavailable": f.sign_in_unavailable,
            "isManagementRestricted": u.is_management_restricted,
            "roles": f.roles,
            "groups": f.groups,
            "ownedGroups": f.owned_groups,
            "administrativeUnits": f.administrative_units,
        },
        "eligibility": a.verdict,
        "operator": {
            "id": op.user.id,
            "userPrincipalName": op.user.user_principal_name,
            "displayName": op.user.display_name,
            "appId": op.app.as_ref().map(|a| &a.app_id),
            "activeRoles": op.operator.active,
            "eligibleRoles": op.operator.eligible,
            "rolesFromToken": op.operator.roles_from_token,
        },
        "tenant": {
            "domainFederated": a.tenant.domain_federated,
            "passwordWriteback": a.tenant.password_writeback,
        },
        "unknown": f.unknown,
    })
}

fn human(a: &Assessment, doc: &Value) -> String {
    let f = &a.target;
    let u = &f.user;
    let v = &a.verdict;
    let mut s = String::new();
    if v.allowed {
        s.push_str(&format!(
            "✓ You can reset {} (method: {}).\n",
            sanitize(u.label()),
            v.method.map(|m| m.name()).unwrap_or("-")
        ));
    } else {
        s.push_str(&format!("✗ You cannot reset {}.\n", sanitize(u.label())));
    }
    for r in &v.reasons {
        let mark = match r.severity {
            Severity::Block => "✗",
            Severity::Warn => "!",
            Severity::Info => "·",
        };
        s.push_str(&format!("  {mark} {}\n", sanitize(&r.message)));
        if !r.fix.is_empty() {
            s.push_str(&format!("    → {}\n", sanitize(&r.fix)));
        }
    }
    if let (false, Some(least)) = (v.allowed, &v.least_privileged_role) {
        s.push_str(&format!("  Least-privileged role that can: {least}\n"));
    }
    s.push('\n');
    let mut line = |k: &str, v: &str| s.push_str(&format!("{k:<22}{}\n", sanitize(v)));
    line("Name", u.label());
    line(
        "User principal name",
        u.user_principal_name.as_deref().unwrap_or("-"),
    );
    line("Object id", &u.id);
    line(
        "Source of authority",
        &describe(&crate::service::account(u)),
    );
    line(
        "Account",
        match u.account_enabled {
            Some(true) => "enabled",
            Some(false) => "DISABLED",
            None => "unknown",
        },
    );
    if let Some(t) = &u.job_title {
        line("Job title", t);
    }
    let when = |v: &Value| v.as_str().unwrap_or("unknown").to_string();
    line(
        "Last password change",
        &format!(
            "{}{}",
            when(&doc["user"]["lastPasswordChangeDateTime"]),
            u.pending_change()
                .map(|p| format!(" · {p}"))
                .unwrap_or_default()
        ),
    );
    if let Some(p) = &u.password_policies {
        line("Password policies", p);
    }
    match (&u.sign_in_activity, &f.sign_in_unavailable) {
        (Some(_), _) => line("Last sign-in", &when(&doc["user"]["lastSignInDateTime"])),
        (None, Some(why)) => line("Last sign-in", why),
        (None, None) => line("Last sign-in", "never"),
    }
    if f.roles.is_empty() {
        line("Roles", "none");
    }
    for (i, r) in f.roles.iter().enumerate() {
        let mut text = format!(
            "{} ({}{})",
            r.name,
            if r.state == RoleState::Eligible {
                "PIM-eligible, "
            } else {
                ""
            },
            if r.scope == "/" {
                "tenant".to_string()
            } else {
                format!("AU {}", r.scope_name)
            }
        );
        if let Some(g) = &r.via_group {
            text.push_str(&format!(" via group {g}"));
        }
        line(if i == 0 { "Roles" } else { "" }, &text);
    }
    for (i, a) in f.administrative_units.iter().enumerate() {
        let text = format!(
            "{}{}",
            a.display_name,
            if a.protected {
                " (restricted management)"
            } else {
                ""
            }
        );
        line(if i == 0 { "Administrative units" } else { "" }, &text);
    }
    let protected: Vec<String> = f
        .groups
        .iter()
        .filter(|g| g.protected)
        .map(|g| format!("member of {}", g.display_name))
        .chain(
            f.owned_groups
                .iter()
                .filter(|g| g.protected)
                .map(|g| format!("owner of {}", g.display_name)),
        )
        .collect();
    for (i, g) in protected.iter().enumerate() {
        line(if i == 0 { "Role-assignable groups" } else { "" }, g);
    }
    for u in &f.unknown {
        line("Not readable", &format!("{}: {}", u.fact, u.reason));
    }
    s
}
