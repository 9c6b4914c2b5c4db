//! The simulator enforces who may reset whom on its write calls with the same engine the
//! client uses, fed from the tenant's complete facts, so a client that skipped the check
//! gets the real 403 `Authorization_RequestDenied`.

use serde_json::Value;

use super::tenant::{SimAssignment, Tenant};
use crate::graph::model::User;
use crate::policy::eligibility::{
    self, Membership, Operator, RoleHolding, RoleState, Target, TenantFacts, Verdict,
};

fn holding(t: &Tenant, a: &SimAssignment) -> Option<RoleHolding> {
    let def = t.roles.by_id(&a.role_definition_id)?;
    let unit = a
        .directory_scope_id
        .strip_prefix("/administrativeUnits/")
        .and_then(|id| t.aus.iter().find(|u| u.id == id));
    Some(RoleHolding {
        name: def.display_name.clone(),
        template_id: def.template_id.clone(),
        scope: a.directory_scope_id.clone(),
        scope_name: unit.map_or("tenant".into(), |u| u.display_name.clone()),
        scope_restricted: unit.is_some_and(|u| u.restricted),
        state: if a.eligible {
            RoleState::Eligible
        } else {
            RoleState::Active
        },
        via_group: t
            .groups
            .iter()
            .find(|g| g.id == a.principal_id)
            .map(|g| g.display_name.clone()),
        built_in: def.built_in,
    })
}

fn roles_of(t: &Tenant, user_id: &str) -> Vec<RoleHolding> {
    let principals = t.principals_of(user_id);
    t.assignments
        .iter()
        .filter(|a| principals.contains(&a.principal_id))
        .filter_map(|a| holding(t, a))
        .collect()
}

pub fn user_model(props: &serde_json::Map<String, Value>) -> User {
    serde_json::from_value(Value::Object(props.clone())).unwrap_or_default()
}

/// The verdict for `operator_id` resetting the user at `target_index`.
pub fn verdict(t: &Tenant, operator_id: &str, target_index: usize) -> Verdict {
    let target = &t.users[target_index];
    let all = roles_of(t, operator_id);
    let (active, eligible): (Vec<_>, Vec<_>) =
        all.into_iter().partition(|r| r.state == RoleState::Active);
    let operator = Operator {
        id: operator_id.to_string(),
        active,
        eligible,
        roles_from_token: false,
    };
    let user = user_model(&target.props);
    let roles = roles_of(t, &target.id);
    let member = |protected: bool, id: &str, name: &str| Membership {
        id: id.to_string(),
        display_name: name.to_string(),
        protected,
    };
    let groups: Vec<Membership> = t
        .groups_of(&target.id)
        .map(|g| member(g.is_assignable_to_role, &g.id, &g.display_name))
        .collect();
    let owned: Vec<Membership> = t
        .groups_owned_by(&target.id)
        .map(|g| member(g.is_assignable_to_role, &g.id, &g.display_name))
        .collect();
    let units: Vec<Membership> = t
        .aus_of(&target.id)
        .map(|a| member(a.restricted, &a.id, &a.display_name))
        .collect();
    let domain = target.upn_lower.rsplit('@').next().unwrap_or_default();
    let tenant = TenantFacts {
        domain_federated: t
            .domains
            .iter()
            .find(|d| {
                d.get("id")
                    .and_then(Value::as_str)
                    .is_some_and(|i| i.eq_ignore_ascii_case(domain))
            })
            .map(|d| d.get("authenticationType").and_then(Value::as_str) == Some("Federated")),
        password_writeback: Some(t.password_writeback()),
    };
    eligibility::evaluate(
        &operator,
        &Target {
            user: &user,
            roles: &roles,
            groups: &groups,
            owned_groups: &owned,
            units: &units,
            unknown: &[],
        },
        &tenant,
    )
}
