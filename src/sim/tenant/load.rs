//! Reading a tenant file (the embedded demo tenant or `--tenant-file`): its JSON shape and
//! how its names (UPNs, group, role and administrative unit names) become ids.

use std::collections::{BTreeMap, HashMap};
use std::path::Path;

use anyhow::{Context, bail};
use serde::Deserialize;
use serde_json::{Map, Value};

use super::{Persona, SimApp, SimAssignment, SimAu, SimGroup, SimUser, Tenant};
use crate::policy::roles::{RoleCatalog, RoleDef};
use crate::sim::audit::ReportLimit;

/// The embedded demo tenant.
pub const DEMO_TENANT: &str = include_str!("../../../assets/demo-tenant.json");

#[derive(Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
struct TenantFile {
    #[serde(rename = "_comment", default)]
    _comment: Option<String>,
    organization: Map<String, Value>,
    domains: Vec<Map<String, Value>>,
    #[serde(default)]
    on_premises_synchronization: Option<Map<String, Value>>,
    #[serde(default)]
    custom_roles: Vec<CustomRoleFile>,
    #[serde(default)]
    groups: Vec<GroupFile>,
    #[serde(default)]
    administrative_units: Vec<AuFile>,
    #[serde(default)]
    roles: Vec<RoleFile>,
    personas: BTreeMap<String, PersonaFile>,
    users: Vec<Map<String, Value>>,
    #[serde(default)]
    applications: Vec<AppFile>,
    /// The Temporary Access Pass policy (default: enabled for all users, 60–480 minutes).
    #[serde(default)]
    temporary_access_pass_policy: Option<Map<String, Value>>,
    /// Entra ID P1/P2 (default true): sign-in logs and registration reports need it.
    #[serde(default = "yes")]
    premium_licence: bool,
}

fn yes() -> bool {
    true
}

/// The portal's defaults (howto-authentication-temporary-access-pass.md) in the shape of
/// the documented GET example.
fn default_tap_policy() -> Map<String, Value> {
    let v = serde_json::json!({
        "@odata.type": "#microsoft.graph.temporaryAccessPassAuthenticationMethodConfiguration",
        "id": "TemporaryAccessPass",
        "state": "enabled",
        "defaultLifetimeInMinutes": 60,
        "defaultLength": 8,
        "minimumLifetimeInMinutes": 60,
        "maximumLifetimeInMinutes": 480,
        "isUsableOnce": false,
        "includeTargets": [{"targetType": "group", "id": "all_users", "isRegistrationRequired": false}],
        "excludeTargets": []
    });
    match v {
        Value::Object(m) => m,
        _ => Map::new(),
    }
}

/// An app registration and its service principal (see `SimApp`).
#[derive(Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
struct AppFile {
    app_id: String,
    service_principal_id: String,
    display_name: String,
    #[serde(default)]
    permissions: Vec<String>,
    #[serde(default)]
    client_secret: Option<String>,
    /// PEM text of the certificate, or a path to it relative to the working directory.
    #[serde(default)]
    certificate: Option<String>,
    #[serde(default)]
    federated_subject: Option<String>,
    #[serde(default)]
    managed_identity: bool,
}

/// A persona: a user's UPN, or the UPN with the delegated scopes its token carries
/// (default: everything resetdesk asks for).
#[derive(Deserialize)]
#[serde(untagged)]
enum PersonaFile {
    Upn(String),
    Full { user: String, scopes: String },
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
struct CustomRoleFile {
    id: String,
    display_name: String,
    #[serde(default)]
    description: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
struct GroupFile {
    id: String,
    display_name: String,
    #[serde(default)]
    description: Option<String>,
    #[serde(default)]
    is_assignable_to_role: bool,
    #[serde(default)]
    members: Vec<String>,
    #[serde(default)]
    owners: Vec<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
struct AuFile {
    id: String,
    display_name: String,
    #[serde(default)]
    description: Option<String>,
    #[serde(default)]
    is_member_management_restricted: bool,
    #[serde(default)]
    members: Vec<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RoleFile {
    /// A user's UPN or a group's display name.
    principal: String,
    /// A role's display name (built-in or custom).
    role: String,
    /// An administrative unit's display name; absent for tenant scope.
    #[serde(default)]
    scope: Option<String>,
    /// `active` (default) or `eligible`.
    #[serde(default)]
    state: Option<String>,
}

impl Tenant {
    pub fn demo() -> anyhow::Result<Tenant> {
        Tenant::parse(DEMO_TENANT).context("the embedded demo tenant is invalid")
    }

    pub fn from_file(path: &Path) -> anyhow::Result<Tenant> {
        let text = std::fs::read_to_string(path)
            .with_context(|| format!("cannot read tenant file {}", path.display()))?;
        Tenant::parse(&text).with_context(|| format!("tenant file {}", path.display()))
    }

    pub fn parse(text: &str) -> anyhow::Result<Tenant> {
        let file: TenantFile = serde_json::from_str(text)?;
        let mut roles = RoleCatalog::builtin();
        for c in file.custom_roles {
            roles.add(RoleDef {
                id: c.id.clone(),
                template_id: c.id,
                display_name: c.display_name,
                description: c.description,
                built_in: false,
                privileged: false,
            });
        }
        let mut t = Tenant {
            organization: file.organization,
            domains: file.domains,
            on_premises_sync: file.on_premises_synchronization,
            users: Vec::new(),
            by_id: HashMap::new(),
            by_upn: HashMap::new(),
            search_index: std::sync::OnceLock::new(),
            groups: Vec::new(),
            aus: Vec::new(),
            roles,
            assignments: Vec::new(),
            personas: BTreeMap::new(),
            apps: Vec::new(),
            operations: HashMap::new(),
            operation_delay: std::time::Duration::from_millis(1200),
            signin_limit: ReportLimit::new(10, std::time::Duration::from_secs(10)),
            audit: Vec::new(),
            audit_delay: std::time::Duration::ZERO,
            tap_policy: {
                let mut p = default_tap_policy();
                p.extend(file.temporary_access_pass_policy.unwrap_or_default());
                p
            },
            premium: file.premium_licence,
        };
        for u in file.users {
            t.push_user(SimUser::new(u)?)?;
        }
        let resolve = |t: &Tenant, upn: &str| -> anyhow::Result<String> {
            t.user_by_key(upn)
                .map(|u| u.id.clone())
                .with_context(|| format!("no user {upn}"))
        };
        for g in file.groups {
            let members = g
                .members
                .iter()
                .map(|m| resolve(&t, m))
                .collect::<Result<_, _>>()?;
            let owners = g
                .owners
                .iter()
                .map(|m| resolve(&t, m))
                .collect::<Result<_, _>>()?;
            t.groups.push(SimGroup {
                id: g.id,
                display_name: g.display_name,
                description: g.description,
                is_assignable_to_role: g.is_assignable_to_role,
                members,
                owners,
            });
        }
        for a in file.administrative_units {
            let members = a
                .members
                .iter()
                .map(|m| resolve(&t, m))
                .collect::<Result<_, _>>()?;
            t.aus.push(SimAu {
                id: a.id,
                display_name: a.display_name,
                description: a.description,
                restricted: a.is_member_management_restricted,
                members,
            });
        }
        for a in file.applications {
            let certificate_pem = match a.certificate {
                Some(c) if c.contains("-----BEGIN") => Some(c),
                Some(path) => Some(
                    std::fs::read_to_string(&path)
                        .with_context(|| format!("certificate of {}: {path}", a.display_name))?,
                ),
                None => None,
            };
            t.apps.push(SimApp {
                app_id: a.app_id,
                sp_id: a.service_principal_id,
                display_name: a.display_name,
                permissions: a.permissions,
                secret: a.client_secret,
                certificate_pem,
                federated_subject: a.federated_subject,
                managed_identity: a.managed_identity,
            });
        }
        for (n, r) in file.roles.into_iter().enumerate() {
            let group = t.groups.iter().find(|g| g.display_name == r.principal);
            let app = t.apps.iter().find(|a| a.display_name == r.principal);
            let principal_id = match (t.user_by_key(&r.principal), group, app) {
                (Some(u), _, _) => u.id.clone(),
                (None, Some(g), _) => g.id.clone(),
                (None, None, Some(a)) => a.sp_id.clone(),
                (None, None, None) => bail!(
                    "role holder {} is neither user, group nor application",
                    r.principal
                ),
            };
            let def = t
                .roles
                .by_name(&r.role)
                .with_context(|| format!("unknown role {}", r.role))?;
            let scope = match &r.scope {
                None => "/".to_string(),
                Some(name) => {
                    let au = t
                        .aus
                        .iter()
                        .find(|a| &a.display_name == name)
                        .with_context(|| format!("unknown administrative unit {name}"))?;
                    format!("/administrativeUnits/{}", au.id)
                }
            };
            let eligible = match r.state.as_deref() {
                None | Some("active") => false,
                Some("eligible") => true,
                Some(other) => bail!("role state `{other}` is neither active nor eligible"),
            };
            t.assignments.push(SimAssignment {
                id: format!("sim-assignment-{n}-{}", &principal_id[..8]),
                principal_id,
                role_definition_id: def.id.clone(),
                directory_scope_id: scope,
                eligible,
            });
        }
        for (name, p) in file.personas {
            let (upn, scopes) = match p {
                PersonaFile::Upn(u) => (u, None),
                PersonaFile::Full { user, scopes } => (user, Some(scopes)),
            };
            let user_id = resolve(&t, &upn)?;
            t.personas.insert(name, Persona { user_id, scopes });
        }
        Ok(t)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn demo_tenant_covers_what_the_issue_asks_for() {
        let t = Tenant::demo().unwrap();
        assert!(t.users.len() >= 60, "{}", t.users.len());
        let any = |f: &dyn Fn(&SimUser) -> bool| t.users.iter().any(f);
        assert!(any(&|u| u.props()["onPremisesSyncEnabled"] == json!(true)));
        assert!(any(&|u| u.props()["onPremisesSyncEnabled"] == json!(false)));
        assert!(any(
            &|u| u.text("externalUserState").as_deref() == Some("PendingAcceptance")
        ));
        assert!(any(&|u| u.props()["accountEnabled"] == json!(false)));
        assert!(any(&|u| u.display_name().contains('\u{1b}')));
        assert!(any(&|u| u.display_name().chars().count() >= 300));
        assert!(any(&|u| u.props()["identities"]
            .to_string()
            .contains("MicrosoftAccount")));
        for persona in [
            "global-admin",
            "privileged-auth-admin",
            "user-admin",
            "helpdesk",
            "password-admin",
            "au-helpdesk",
            "no-role",
            "pim-eligible-helpdesk",
        ] {
            assert!(t.personas.contains_key(persona), "{persona}");
        }
        assert!(t.aus.iter().any(|a| a.restricted && !a.members.is_empty()));
        assert!(t.assignments.iter().any(|a| a.eligible));
        assert!(
            t.assignments
                .iter()
                .any(|a| a.directory_scope_id.starts_with("/administrativeUnits/"))
        );
    }

    #[test]
    fn every_role_in_the_matrix_has_a_holder() {
        let t = Tenant::demo().unwrap();
        let matrix = include_str!("../../../assets/reset-permissions.csv");
        let mut names: Vec<&str> = Vec::new();
        for line in matrix.lines().skip(1) {
            let cols: Vec<&str> = line.splitn(4, ',').collect();
            names.push(cols[0]);
            names.push(cols[2]);
        }
        for name in names {
            let Some(def) = t.roles.by_name(name) else {
                continue; // a category such as "User (no admin role)", not a role
            };
            assert!(
                t.assignments.iter().any(|a| a.role_definition_id == def.id),
                "nobody holds {name}"
            );
        }
    }
}
