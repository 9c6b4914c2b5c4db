//! `resetdesk show USER [--json]`: details, roles and the eligibility verdict.

use clap::Args;
use serde_json::{Value, json};

use super::{Exit, Failure, GlobalArgs, Session};
use crate::graph::facts::{RoleState, TargetFacts, target_facts};
use crate::graph::model::lenient_time;
use crate::policy::authority::{describe, home_domain, home_issuer, source_of_authority};
use crate::sanitize::sanitize;

#[derive(Debug, Args)]
pub struct ShowArgs {
    /// The user's object id or user principal name.
    pub user: String,
    /// Print one JSON document.
    #[arg(long)]
    pub json: bool,
}

pub async fn run(global: &GlobalArgs, args: ShowArgs) -> Result<Exit, Failure> {
    if args.user.trim().is_empty() {
        return Err(Failure::new(Exit::Usage, "no user given"));
    }
    let session = Session::open(global).await?;
    let facts = match target_facts(session.graph.as_ref(), args.user.trim()).await {
        Ok(f) => f,
        Err(e) if e.is_not_found() => {
            return Err(Failure::new(
                Exit::Failed,
                format!(
                    "no user {:?} in this tenant ({}); search with `resetdesk search`",
                    sanitize(&args.user),
                    e.code().unwrap_or("not found")
                ),
            ));
        }
        Err(e) => return Err(e.into()),
    };
    let doc = document(&facts);
    if args.json {
        println!("{doc}");
    } else {
        print!("{}", human(&facts, &doc));
    }
    Ok(Exit::Ok)
}

fn time(t: Option<time::OffsetDateTime>) -> Value {
    t.map(|t| json!(lenient_time::format(t)))
        .unwrap_or(Value::Null)
}

/// The `show --json` document (DESIGN.md interface contract).
pub fn document(f: &TargetFacts) -> Value {
    let u = &f.user;
    let soa = source_of_authority(u);
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
            "sourceDetail": describe(u),
            "homeTenant": if soa == crate::policy::authority::SourceOfAuthority::External {
                json!({"issuer": home_issuer(u), "domain": home_domain(u)})
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
            "lastSignInDateTime": u.sign_in_activity.as_ref().map(|s| time(s.last_sign_in_date_time)).unwrap_or(Value::Null),
            "lastSuccessfulSignInDateTime": u.sign_in_activity.as_ref().map(|s| time(s.last_successful_sign_in_date_time)).unwrap_or(Value::Null),
            "isManagementRestricted": u.is_management_restricted,
            "roles": f.roles,
            "groups": f.groups,
            "ownedGroups": f.owned_groups,
            "administrativeUnits": f.administrative_units,
        },
        "eligibility": {
            "allowed": null,
            "method": null,
            "reasons": [{
                "code": "not-evaluated",
                "message": "The eligibility verdict is not evaluated by this version.",
                "fix": "Check the operator's role against the user's roles before resetting."
            }],
        },
        "unknown": f.unknown,
    })
}

fn human(f: &TargetFacts, doc: &Value) -> String {
    let u = &f.user;
    let mut s = String::new();
    let mut line = |k: &str, v: &str| s.push_str(&format!("{k:<22}{}\n", sanitize(v)));
    line("Name", u.label());
    line(
        "User principal name",
        u.user_principal_name.as_deref().unwrap_or("-"),
    );
    line("Object id", &u.id);
    line("Source of authority", &describe(u));
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
        &when(&doc["user"]["lastPasswordChangeDateTime"]),
    );
    if let Some(p) = &u.password_policies {
        line("Password policies", p);
    }
    if u.sign_in_activity.is_some() {
        line("Last sign-in", &when(&doc["user"]["lastSignInDateTime"]));
    } else {
        line(
            "Last sign-in",
            "not readable (needs AuditLog.Read.All and a reports role)",
        );
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
        line("Unknown", &format!("{}: {}", u.fact, u.reason));
    }
    line("Eligibility", "not evaluated by this version");
    s
}
