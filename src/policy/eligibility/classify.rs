//! Classifying the target into the matrix's categories, and judging one operator role
//! against it (research/eligibility.md §11 steps 4–7).

use std::collections::BTreeSet;

use super::types::{Membership, RoleHolding, RoleState, Target};
use crate::policy::matrix::{Category, Matrix};

pub const GLOBAL_ADMIN: &str = "62e90394-69f5-4237-9190-012177145e10";
pub const PRIVILEGED_AUTH_ADMIN: &str = "7be44c8a-adaf-4e2a-84d6-ab2649e08a13";
pub(super) const HELPDESK_ADMIN: &str = "729827e3-9c14-49f7-bb1b-9608f156bbb8";
pub(super) const PASSWORD_ADMIN: &str = "966707d0-3269-4727-9be2-8c3a10f19b9d";
pub(super) const AUTH_ADMIN: &str = "c4e39bd9-1100-46d3-8c65-fb160da0071f";
pub(super) const USER_ADMIN: &str = "fe930be7-5e62-47db-91af-98c3a49a38b1";

/// Roles that reset passwords when scoped to an administrative unit (manage-roles-portal,
/// "Roles that can be assigned with administrative unit scope"), least privileged first.
pub(super) const AU_PASSWORD_ROLES: &[&str] = &[
    PASSWORD_ADMIN,
    HELPDESK_ADMIN,
    AUTH_ADMIN,
    USER_ADMIN,
    PRIVILEGED_AUTH_ADMIN,
];

/// Tenant-scope reset roles from least to most privileged, for naming the one to ask for.
/// The deprecated Partner roles are never suggested.
pub(super) const LADDER: &[(&str, &str)] = &[
    (PASSWORD_ADMIN, "Password Administrator"),
    (HELPDESK_ADMIN, "Helpdesk Administrator"),
    (AUTH_ADMIN, "Authentication Administrator"),
    (USER_ADMIN, "User Administrator"),
    (
        PRIVILEGED_AUTH_ADMIN,
        "Privileged Authentication Administrator",
    ),
    (GLOBAL_ADMIN, "Global Administrator"),
];

/// How one operator role fares against the target.
#[derive(Debug, Clone, PartialEq)]
pub(super) enum Outcome {
    Passes,
    /// Tenant-scoped, and the matrix says no for these categories.
    Denied(Vec<Category>),
    /// The target is in a restricted-management AU and this role is not scoped to it.
    RestrictedAu,
    OutsideUnit,
    UnitTargetHasRole,
    /// An AU-scoped role that does not reset passwords.
    UnitRoleCannotReset,
}

pub(super) struct Classified {
    pub categories: BTreeSet<Category>,
    /// Categories that come only from PIM-eligible roles.
    pub from_eligible_only: BTreeSet<Category>,
    pub restricted_units: Vec<Membership>,
    pub in_restricted_unit: bool,
    pub holds_global_admin: bool,
}

pub(super) fn classify(t: &Target) -> Classified {
    let m = Matrix::get();
    let mut categories = BTreeSet::new();
    let mut active_cats = BTreeSet::new();
    let mut holds_global_admin = false;
    for r in t.roles {
        let mut cats = vec![if r.built_in {
            m.category_of_role(&r.template_id)
        } else {
            Category::OtherRole
        }];
        if r.scope_restricted {
            cats.push(Category::RestrictedAuRole);
        }
        if r.template_id.eq_ignore_ascii_case(GLOBAL_ADMIN) {
            holds_global_admin = true;
        }
        for c in cats {
            if r.state == RoleState::Active {
                active_cats.insert(c.clone());
            }
            categories.insert(c);
        }
    }
    // Members and owners of role-assignable groups are protected (groups-concept.md).
    if t.groups.iter().chain(t.owned_groups).any(|g| g.protected) {
        categories.insert(Category::RoleAssignableGroup);
        active_cats.insert(Category::RoleAssignableGroup);
    }
    if categories.is_empty() {
        categories.insert(Category::NoRole);
        active_cats.insert(Category::NoRole);
    }
    let from_eligible_only = categories.difference(&active_cats).cloned().collect();
    let restricted_units: Vec<Membership> =
        t.units.iter().filter(|u| u.protected).cloned().collect();
    let in_restricted_unit =
        t.user.is_management_restricted == Some(true) || !restricted_units.is_empty();
    Classified {
        categories,
        from_eligible_only,
        restricted_units,
        in_restricted_unit,
        holds_global_admin,
    }
}

pub(super) fn judge(role: &RoleHolding, t: &Target, c: &Classified) -> Outcome {
    let m = Matrix::get();
    match role.unit_id() {
        None => {
            // Tenant-wide roles, Global Administrator included, cannot change members of a
            // restricted-management AU (admin-units-restricted-management.md).
            if c.in_restricted_unit {
                return Outcome::RestrictedAu;
            }
            let denied: Vec<Category> = c
                .categories
                .iter()
                .filter(|cat| !m.allows(&role.template_id, cat))
                .cloned()
                .collect();
            if denied.is_empty() {
                Outcome::Passes
            } else {
                Outcome::Denied(denied)
            }
        }
        Some(unit) => {
            if c.in_restricted_unit && !c.restricted_units.iter().any(|u| u.id == unit) {
                return Outcome::RestrictedAu;
            }
            // Only direct members are in scope (administrative-units.md, FAQ).
            if !t.units.iter().any(|u| u.id == unit) {
                return Outcome::OutsideUnit;
            }
            if !AU_PASSWORD_ROLES
                .iter()
                .any(|r| r.eq_ignore_ascii_case(&role.template_id))
            {
                return Outcome::UnitRoleCannotReset;
            }
            // Stricter of two readings: manage-roles-portal.md blocks targets with "another
            // role or an administrator"; the AU FAQ only names organization-wide roles. Any
            // role (and role-assignable group protection) blocks here. AU-scoped Privileged
            // Authentication Administrator is not promised more (eligibility.md §12.6).
            if c.categories.iter().any(|cat| *cat != Category::NoRole) {
                return Outcome::UnitTargetHasRole;
            }
            Outcome::Passes
        }
    }
}

pub(super) fn role_names(cats: &[Category], t: &Target) -> String {
    let mut names: Vec<String> = Vec::new();
    for cat in cats {
        let n = match cat {
            Category::Role(id) => t
                .roles
                .iter()
                .find(|r| r.template_id.eq_ignore_ascii_case(id))
                .map(|r| r.name.clone())
                .unwrap_or_else(|| id.clone()),
            Category::OtherRole => {
                let others: Vec<String> = t
                    .roles
                    .iter()
                    .filter(|r| {
                        !r.built_in
                            || Matrix::get().category_of_role(&r.template_id) == Category::OtherRole
                    })
                    .map(|r| r.name.clone())
                    .collect();
                others.join(", ")
            }
            // Owners are protected as members are; say which the user is.
            Category::RoleAssignableGroup => {
                let member = t.groups.iter().any(|g| g.protected);
                let owner = t.owned_groups.iter().any(|g| g.protected);
                match (member, owner) {
                    (true, true) => "membership and ownership of role-assignable groups",
                    (false, true) => "ownership of a role-assignable group",
                    _ => "membership of a role-assignable group",
                }
                .into()
            }
            Category::RestrictedAuRole => {
                "a role scoped to a restricted-management administrative unit".into()
            }
            Category::NoRole => continue,
        };
        if !n.is_empty() && !names.contains(&n) {
            names.push(n);
        }
    }
    names.join(", ")
}

/// The least-privileged tenant-wide role whose column allows every category.
pub(super) fn least_tenant_role(c: &Classified) -> Option<&'static str> {
    let m = Matrix::get();
    LADDER
        .iter()
        .find(|(id, _)| c.categories.iter().all(|cat| m.allows(id, cat)))
        .map(|(_, name)| *name)
}
