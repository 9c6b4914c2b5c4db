//! Who may reset whom, as the service decides it on the write calls — the simulator's own
//! reading of the documented rules, from the matrix data (`assets/reset-permissions.csv`)
//! and the tenant's complete facts. It shares no code with the client's eligibility
//! engine (`policy/`): the client is checked against it, never mirrored by it.
//! Sources: privileged-roles-permissions.md#who-can-reset-passwords (the matrix),
//! admin-units-manage.md and admin-units-restricted-management.md (scopes),
//! groups-concept.md (role-assignable groups).

use std::collections::HashMap;
use std::sync::OnceLock;

use serde_json::Value;

use super::tenant::Tenant;

const MATRIX: &str = include_str!("../../assets/reset-permissions.csv");
const GLOBAL_ADMIN: &str = "62e90394-69f5-4237-9190-012177145e10";
const NO_ROLE: &str = "User (no admin role)";
const IN_ROLE_GROUP: &str = "User (no admin role, but member or owner of a role-assignable group)";
const RMAU_ROLE: &str = "User with a role scoped to a restricted management administrative unit";
const OTHER: &str = "All other built-in and custom roles";
/// Roles that reset passwords when scoped to an administrative unit.
const AU_ROLES: &[&str] = &[
    "966707d0-3269-4727-9be2-8c3a10f19b9d", // Password Administrator
    "729827e3-9c14-49f7-bb1b-9608f156bbb8", // Helpdesk Administrator
    "c4e39bd9-1100-46d3-8c65-fb160da0071f", // Authentication Administrator
    "fe930be7-5e62-47db-91af-98c3a49a38b1", // User Administrator
    "7be44c8a-adaf-4e2a-84d6-ab2649e08a13", // Privileged Authentication Administrator
];

/// What Graph answers a reset with.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Decision {
    Allowed {
        /// The password cannot be set here although the caller may: resetPassword's
        /// operation fails with this.
        hybrid_failure: Option<&'static str>,
    },
    /// 403 `Authorization_RequestDenied`.
    Denied,
    /// 400: the password of this account is not this tenant's to set.
    NotThisTenants,
}

/// (caller template id, target: a template id or a category name) → allowed.
struct Table {
    cells: HashMap<(String, String), bool>,
    /// Template ids named as rows.
    named: Vec<String>,
}

fn table() -> &'static Table {
    static T: OnceLock<Table> = OnceLock::new();
    T.get_or_init(|| {
        let mut cells = HashMap::new();
        let mut named = Vec::new();
        let mut reader = csv::Reader::from_reader(MATRIX.as_bytes());
        for rec in reader.records().flatten() {
            let (caller, target_name, target_id, allowed) = (&rec[1], &rec[2], &rec[3], &rec[4]);
            let key = if target_id.is_empty() {
                target_name.to_string()
            } else {
                named.push(target_id.to_lowercase());
                target_id.to_lowercase()
            };
            cells.insert((caller.to_lowercase(), key), allowed == "yes");
        }
        Table { cells, named }
    })
}

impl Table {
    fn allows(&self, caller: &str, target: &str) -> bool {
        self.cells
            .get(&(caller.to_lowercase(), target.to_string()))
            .copied()
            .unwrap_or(false)
    }
}

/// The roles (template id, scope, active) that reach a user, directly or through the
/// groups they are a member of.
fn roles(t: &Tenant, user_id: &str) -> Vec<(String, String, bool)> {
    let principals = t.principals_of(user_id);
    t.assignments
        .iter()
        .filter(|a| principals.contains(&a.principal_id))
        .filter_map(|a| {
            let def = t.roles.by_id(&a.role_definition_id)?;
            Some((
                def.template_id.to_lowercase(),
                a.directory_scope_id.clone(),
                !a.eligible,
            ))
        })
        .collect()
}

fn str_prop<'a>(props: &'a serde_json::Map<String, Value>, k: &str) -> Option<&'a str> {
    props.get(k).and_then(Value::as_str)
}

/// Homed in another directory or identity provider, or invited and not yet redeemed.
fn homed_elsewhere(props: &serde_json::Map<String, Value>) -> bool {
    if str_prop(props, "externalUserState") == Some("PendingAcceptance") {
        return true;
    }
    let external_issuer = |i: &Value| {
        let issuer = i.get("issuer").and_then(Value::as_str).unwrap_or_default();
        i.get("signInType").and_then(Value::as_str) == Some("federated")
            || [
                "externalazuread",
                "microsoftaccount",
                "google.com",
                "facebook.com",
                "mail",
            ]
            .contains(&issuer.to_ascii_lowercase().as_str())
    };
    props
        .get("identities")
        .and_then(Value::as_array)
        .is_some_and(|ids| ids.iter().any(external_issuer))
}

fn unit_of(scope: &str) -> Option<&str> {
    scope.strip_prefix("/administrativeUnits/")
}

/// Whether a caller role's column of the matrix covers this user: each of their roles
/// (active or eligible) and a role-assignable group among their memberships. (For a
/// Temporary Access Pass, an Authentication Administrator's "members".)
pub fn column_covers(t: &Tenant, caller_template: &str, target_index: usize) -> bool {
    let target = &t.users[target_index];
    let table = table();
    let role_group = t
        .groups_of(&target.id)
        .chain(t.groups_owned_by(&target.id))
        .any(|g| g.is_assignable_to_role);
    if role_group && !table.allows(caller_template, IN_ROLE_GROUP) {
        return false;
    }
    roles(t, &target.id).iter().all(|(id, _, _)| {
        let category = if table.named.contains(id) {
            id.clone()
        } else {
            OTHER.to_string()
        };
        table.allows(caller_template, &category)
    })
}

pub fn decide(t: &Tenant, operator_id: &str, target_index: usize) -> Decision {
    let target = &t.users[target_index];
    if target.id == operator_id {
        return Decision::Denied;
    }
    if homed_elsewhere(&target.props()) {
        return Decision::NotThisTenants;
    }
    let table = table();
    let restricted_units: Vec<&str> = t
        .aus_of(&target.id)
        .filter(|u| u.restricted)
        .map(|u| u.id.as_str())
        .collect();
    let in_rmau = !restricted_units.is_empty() || target.is("isManagementRestricted");
    // The target's roles protect it whether active or PIM-eligible.
    let target_roles = roles(t, &target.id);
    let mut categories: Vec<String> = target_roles
        .iter()
        .map(|(id, _, _)| {
            if table.named.contains(id) {
                id.clone()
            } else {
                OTHER.to_string()
            }
        })
        .collect();
    let role_group = t
        .groups_of(&target.id)
        .chain(t.groups_owned_by(&target.id))
        .any(|g| g.is_assignable_to_role);
    if role_group {
        categories.push(IN_ROLE_GROUP.into());
    }
    if target_roles.iter().any(|(_, scope, _)| {
        unit_of(scope).is_some_and(|u| t.aus.iter().any(|a| a.id == u && a.restricted))
    }) {
        categories.push(RMAU_ROLE.into());
    }
    if categories.is_empty() {
        categories.push(NO_ROLE.into());
    }
    if in_rmau && target_roles.iter().any(|(id, _, _)| id == GLOBAL_ADMIN) {
        return Decision::Denied;
    }
    let caller_roles: Vec<(String, String)> = roles(t, operator_id)
        .into_iter()
        .filter(|(_, _, active)| *active)
        .map(|(id, scope, _)| (id, scope))
        .collect();
    let direct_member = |unit: &str| {
        t.aus
            .iter()
            .any(|a| a.id == unit && a.members.contains(&target.id))
    };
    let passes = caller_roles
        .iter()
        .any(|(role, scope)| match unit_of(scope) {
            // A restricted-management unit's target is managed only from its own scope.
            None => !in_rmau && categories.iter().all(|c| table.allows(role, c)),
            Some(unit) => {
                let unit_ok = if in_rmau {
                    restricted_units.contains(&unit)
                } else {
                    true
                };
                unit_ok
                    && direct_member(unit)
                    && AU_ROLES.contains(&role.as_str())
                    && target_roles.is_empty()
                    && !role_group
            }
        });
    if !passes {
        return Decision::Denied;
    }
    // Authorized; can the password be set here? Synced users need writeback, and a
    // federated domain's password lives with its identity provider.
    let synced = target.is("onPremisesSyncEnabled");
    let hybrid_failure = if !synced {
        None
    } else if federated(t, &target.upn_lower) {
        Some(
            "The user's domain is federated: the password is managed by the on-premises identity provider.",
        )
    } else if !t.password_writeback() {
        Some("Password writeback is not enabled for this tenant.")
    } else {
        None
    };
    Decision::Allowed { hybrid_failure }
}

fn federated(t: &Tenant, upn_lower: &str) -> bool {
    let domain = upn_lower.rsplit('@').next().unwrap_or_default();
    t.domains.iter().any(|d| {
        d.get("id")
            .and_then(Value::as_str)
            .is_some_and(|i| i.eq_ignore_ascii_case(domain))
            && d.get("authenticationType").and_then(Value::as_str) == Some("Federated")
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_table_reads_every_row_of_the_matrix() {
        let t = table();
        assert_eq!(t.cells.len(), 144);
        let helpdesk = "729827e3-9c14-49f7-bb1b-9608f156bbb8";
        assert!(t.allows(helpdesk, NO_ROLE));
        assert!(!t.allows(helpdesk, GLOBAL_ADMIN));
        assert!(!t.allows(helpdesk, OTHER));
        assert!(!t.allows("not-a-role", NO_ROLE));
    }
}
