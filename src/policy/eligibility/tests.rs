//! The engine against the documented cases and every row of the matrix.
use super::classify::{HELPDESK_ADMIN, USER_ADMIN};
use super::*;
use crate::policy::account::Account;
use crate::policy::matrix::{Category, Matrix};
use crate::policy::roles::RoleCatalog;

fn role(template_id: &str, state: RoleState, scope: Option<(&str, bool)>) -> RoleHolding {
    let catalog = RoleCatalog::builtin();
    let def = catalog.by_id(template_id);
    RoleHolding {
        name: def
            .map(|d| d.display_name.clone())
            .unwrap_or_else(|| "Custom".into()),
        template_id: template_id.into(),
        scope: scope.map_or("/".into(), |(id, _)| format!("/administrativeUnits/{id}")),
        scope_name: scope.map_or("tenant".into(), |(id, _)| id.to_string()),
        scope_restricted: scope.is_some_and(|(_, r)| r),
        state,
        via_group: None,
        built_in: def.is_some(),
    }
}

fn user() -> Account {
    Account {
        id: "target".into(),
        display_name: Some("Tess Target".into()),
        account_enabled: Some(true),
        identities: Some(vec![crate::policy::account::Identity {
            sign_in_type: Some("userPrincipalName".into()),
            issuer: Some("contoso.com".into()),
        }]),
        ..Default::default()
    }
}

fn op(roles: Vec<RoleHolding>) -> Operator {
    Operator {
        id: "operator".into(),
        active: roles,
        ..Default::default()
    }
}

struct T {
    user: Account,
    roles: Vec<RoleHolding>,
    groups: Vec<Membership>,
    owned: Vec<Membership>,
    units: Vec<Membership>,
    unknown: Vec<String>,
}

impl T {
    fn new() -> T {
        T {
            user: user(),
            roles: vec![],
            groups: vec![],
            owned: vec![],
            units: vec![],
            unknown: vec![],
        }
    }
    fn eval(&self, op: &Operator) -> Verdict {
        self.eval_with(op, &TenantFacts::default())
    }
    fn eval_with(&self, op: &Operator, tenant: &TenantFacts) -> Verdict {
        let t = Target {
            user: &self.user,
            roles: &self.roles,
            groups: &self.groups,
            owned_groups: &self.owned,
            units: &self.units,
            unknown: &self.unknown,
        };
        evaluate(op, &t, tenant)
    }
}

fn first_code(v: &Verdict) -> &'static str {
    v.reasons[0].code.as_str()
}

fn unit(id: &str, restricted: bool) -> Membership {
    Membership {
        id: id.into(),
        display_name: id.into(),
        protected: restricted,
    }
}

const DIRECTORY_READERS: &str = "88d8e3e3-8f55-4a1e-953a-9b9898b8876b";
const EXCHANGE_ADMIN: &str = "29232cdf-9323-42fd-ade2-1d097af3e4de";

/// Every one of the 144 rows of the matrix, through the engine.
#[test]
fn the_engine_agrees_with_every_row_of_the_matrix() {
    let rows = Matrix::rows();
    assert_eq!(rows.len(), 144);
    for row in rows {
        let operator = op(vec![role(
            &row.caller_role_template_id,
            RoleState::Active,
            None,
        )]);
        let mut t = T::new();
        match Category::from_matrix_name(&row.target_role_or_category, &row.target_role_template_id)
        {
            Category::Role(id) => t.roles.push(role(&id, RoleState::Active, None)),
            Category::NoRole => {}
            Category::RoleAssignableGroup => t.groups.push(Membership {
                id: "g".into(),
                display_name: "Tier0".into(),
                protected: true,
            }),
            // A role every caller may otherwise reset, scoped to an RMAU the target is
            // not a member of: only the "role scoped to an RMAU" row decides.
            Category::RestrictedAuRole => t.roles.push(role(
                DIRECTORY_READERS,
                RoleState::Active,
                Some(("rmau", true)),
            )),
            Category::OtherRole => t.roles.push(role(EXCHANGE_ADMIN, RoleState::Active, None)),
        }
        let v = t.eval(&operator);
        assert_eq!(
            v.allowed,
            row.allowed == "yes",
            "{} → {}: {:?}",
            row.caller_role,
            row.target_role_or_category,
            v.reasons
        );
        if !v.allowed {
            assert!(
                v.blocks().next().is_some_and(|b| !b.fix.is_empty()),
                "a refusal names a fix"
            );
        } else {
            assert_eq!(v.method, Some(Method::PasswordProfile));
        }
    }
}

#[test]
fn self_external_and_pending_are_refused_before_roles() {
    let ga = op(vec![role(GLOBAL_ADMIN, RoleState::Active, None)]);
    let mut t = T::new();
    t.user.id = "operator".into();
    assert_eq!(first_code(&t.eval(&ga)), "self-reset");
    let mut t = T::new();
    t.user.identities = Some(vec![crate::policy::account::Identity {
        sign_in_type: Some("federated".into()),
        issuer: Some("ExternalAzureAD".into()),
    }]);
    let v = t.eval(&ga);
    assert!(!v.allowed);
    assert_eq!(first_code(&v), "external-user");
    let mut t = T::new();
    t.user.external_user_state = Some("PendingAcceptance".into());
    assert_eq!(first_code(&t.eval(&ga)), "pending-invite");
    // A local guest (userType Guest, identity of this tenant) is resettable.
    let t = T::new();
    assert!(t.eval(&ga).allowed);
}

#[test]
fn only_active_operator_roles_count_and_pim_is_the_fix() {
    let t = T::new();
    let mut operator = op(vec![]);
    operator.eligible = vec![role(HELPDESK_ADMIN, RoleState::Eligible, None)];
    let v = t.eval(&operator);
    assert!(!v.allowed);
    assert_eq!(first_code(&v), "activate-in-pim");
    assert!(v.reasons[0].fix.contains("Helpdesk Administrator"));
    assert_eq!(first_code(&T::new().eval(&op(vec![]))), "no-reset-role");
    // An eligible role that would not help anyway is not suggested.
    let mut admin_target = T::new();
    admin_target
        .roles
        .push(role(GLOBAL_ADMIN, RoleState::Active, None));
    let v = admin_target.eval(&operator);
    assert_eq!(first_code(&v), "no-reset-role");
    assert_eq!(
        v.least_privileged_role.as_deref(),
        Some("Privileged Authentication Administrator")
    );
}

#[test]
fn eligible_target_roles_count_and_say_so() {
    let hda = op(vec![role(HELPDESK_ADMIN, RoleState::Active, None)]);
    let mut t = T::new();
    t.roles.push(role(GLOBAL_ADMIN, RoleState::Eligible, None));
    let v = t.eval(&hda);
    assert!(!v.allowed);
    assert_eq!(first_code(&v), "target-role-protected");
    assert!(v.reasons[0].message.contains("PIM-eligible"));
    assert!(v.reasons.iter().any(|r| r.code == "eligible-target-role"));
}

#[test]
fn role_assignable_group_members_and_owners() {
    let hda = op(vec![role(HELPDESK_ADMIN, RoleState::Active, None)]);
    let paa = op(vec![role(PRIVILEGED_AUTH_ADMIN, RoleState::Active, None)]);
    let mut t = T::new();
    t.owned.push(Membership {
        id: "g".into(),
        display_name: "PAW Users".into(),
        protected: true,
    });
    let v = t.eval(&hda);
    assert_eq!(first_code(&v), "role-assignable-group");
    assert!(v.reasons[0].message.contains("owner of PAW Users"));
    assert!(t.eval(&paa).allowed);
    // An ordinary group does not protect.
    let mut t = T::new();
    t.groups.push(unit("All Staff", false));
    assert!(t.eval(&hda).allowed);
}

#[test]
fn au_scoped_roles_reach_only_direct_members_without_roles() {
    let au_hda = op(vec![role(
        HELPDESK_ADMIN,
        RoleState::Active,
        Some(("seattle", false)),
    )]);
    let mut inside = T::new();
    inside.units.push(unit("seattle", false));
    assert!(inside.eval(&au_hda).allowed);
    let outside = T::new();
    assert_eq!(
        first_code(&outside.eval(&au_hda)),
        "outside-administrative-unit"
    );
    let mut with_role = T::new();
    with_role.units.push(unit("seattle", false));
    with_role
        .roles
        .push(role(DIRECTORY_READERS, RoleState::Active, None));
    assert_eq!(
        first_code(&with_role.eval(&au_hda)),
        "au-scope-target-has-role"
    );
    // A tenant-wide Helpdesk Administrator may reset a Directory Reader.
    assert!(
        with_role
            .eval(&op(vec![role(HELPDESK_ADMIN, RoleState::Active, None)]))
            .allowed
    );
}

#[test]
fn restricted_management_units_block_tenant_wide_roles() {
    let mut t = T::new();
    t.units.push(unit("exec", true));
    t.user.is_management_restricted = Some(true);
    let ga = op(vec![role(GLOBAL_ADMIN, RoleState::Active, None)]);
    let v = t.eval(&ga);
    assert!(!v.allowed);
    assert_eq!(first_code(&v), "restricted-management-au");
    let scoped = op(vec![role(
        HELPDESK_ADMIN,
        RoleState::Active,
        Some(("exec", true)),
    )]);
    assert!(t.eval(&scoped).allowed);
    // A regular AU the target also belongs to does not open the door.
    t.units.push(unit("seattle", false));
    let regular = op(vec![role(
        HELPDESK_ADMIN,
        RoleState::Active,
        Some(("seattle", false)),
    )]);
    assert_eq!(first_code(&t.eval(&regular)), "restricted-management-au");
    // A Global Administrator inside an RMAU: nobody.
    t.roles.push(role(GLOBAL_ADMIN, RoleState::Active, None));
    let v = t.eval(&scoped);
    assert_eq!(first_code(&v), "restricted-au-global-admin");
    assert_eq!(v.least_privileged_role, None);
}

#[test]
fn synced_users_route_to_reset_password_or_are_refused() {
    let hda = op(vec![role(HELPDESK_ADMIN, RoleState::Active, None)]);
    let mut t = T::new();
    t.user.on_premises_sync_enabled = Some(true);
    let v = t.eval_with(
        &hda,
        &TenantFacts {
            reset_password_api: true,
            domain_federated: Some(false),
            password_writeback: Some(true),
        },
    );
    assert!(v.allowed);
    assert_eq!(v.method, Some(Method::ResetPassword));
    assert!(v.warnings().any(|w| w.code == "synced-writeback"));
    let v = t.eval_with(
        &hda,
        &TenantFacts {
            reset_password_api: true,
            domain_federated: Some(false),
            password_writeback: None,
        },
    );
    assert!(v.allowed && v.warnings().any(|w| w.code == "writeback-unverified"));
    let v = t.eval_with(
        &hda,
        &TenantFacts {
            reset_password_api: true,
            domain_federated: Some(true),
            password_writeback: Some(true),
        },
    );
    assert_eq!(first_code(&v), "federated-domain");
    assert_eq!(v.method, None);
    let v = t.eval_with(
        &hda,
        &TenantFacts {
            reset_password_api: true,
            domain_federated: Some(false),
            password_writeback: Some(false),
        },
    );
    assert_eq!(first_code(&v), "writeback-disabled");
    // The China cloud has no resetPassword: no writeback through Graph, and no role helps.
    let v = t.eval_with(
        &hda,
        &TenantFacts {
            reset_password_api: false,
            domain_federated: Some(false),
            password_writeback: Some(true),
        },
    );
    assert_eq!(first_code(&v), "cloud-without-writeback");
    assert!(!v.allowed && v.method.is_none() && v.least_privileged_role.is_none());
    assert!(v.reasons[0].fix.contains("on-premises Active Directory"));
    // Once synced is cloud.
    t.user.on_premises_sync_enabled = Some(false);
    let v = t.eval(&hda);
    assert_eq!(v.method, Some(Method::PasswordProfile));
    assert!(v.reasons.iter().any(|r| r.code == "once-synced"));
}

#[test]
fn disabled_is_a_warning_and_unknown_facts_never_allow() {
    let hda = op(vec![role(HELPDESK_ADMIN, RoleState::Active, None)]);
    let mut t = T::new();
    t.user.account_enabled = Some(false);
    let v = t.eval(&hda);
    assert!(v.allowed && v.warnings().any(|w| w.code == "account-disabled"));
    let mut t = T::new();
    t.unknown.push("activeRoles".into());
    let v = t.eval(&hda);
    assert!(!v.allowed);
    assert_eq!(first_code(&v), "facts-unknown");
    let mut t = T::new();
    t.unknown.push("eligibleRoles".into());
    let v = t.eval(&hda);
    assert!(v.allowed && v.reasons.iter().any(|w| w.code == "eligible-roles-unknown"));
}

#[test]
fn custom_operator_roles_are_not_predicted() {
    let mut custom = role(
        "b7a1c0de-2f6e-4d8a-9c3b-5e4f6a7b8c9d",
        RoleState::Active,
        None,
    );
    custom.built_in = false;
    let v = T::new().eval(&op(vec![custom]));
    assert!(!v.allowed);
    assert_eq!(first_code(&v), "custom-role-unpredictable");
    // A custom role held by the target falls under "all other roles".
    let mut t = T::new();
    let mut r = role(HELPDESK_ADMIN, RoleState::Active, None);
    r.built_in = false;
    t.roles.push(r);
    let v = t.eval(&op(vec![role(USER_ADMIN, RoleState::Active, None)]));
    assert_eq!(first_code(&v), "target-role-protected");
}

/// An owner of a role-assignable group is protected as a member is, and the reason says
/// "ownership", not "membership".
#[test]
fn an_owner_is_named_an_owner_in_the_reason() {
    let helpdesk = op(vec![role(HELPDESK_ADMIN, RoleState::Active, None)]);
    let mut t = T::new();
    t.roles.push(role(EXCHANGE_ADMIN, RoleState::Active, None));
    t.owned.push(Membership {
        id: "g".into(),
        display_name: "Tier0".into(),
        protected: true,
    });
    let v = t.eval(&helpdesk);
    assert!(!v.allowed);
    let text: String = v.reasons.iter().map(|r| r.message.clone()).collect();
    assert!(
        text.contains("ownership of a role-assignable group"),
        "{text}"
    );
    assert!(!text.contains("membership"), "{text}");
}

#[test]
fn each_path_needs_its_permission_and_reset_password_a_user() {
    let with = |grant: Grant| Operator {
        grant: Some(grant),
        ..op(vec![role(USER_ADMIN, RoleState::Active, None)])
    };
    let d = |s: &[&str]| Grant::Delegated(s.iter().map(|s| s.to_string()).collect());
    let a = |s: &[&str]| Grant::Application(s.iter().map(|s| s.to_string()).collect());
    let mut cloud = T::new();
    cloud.user.on_premises_sync_enabled = None;
    let mut synced = T::new();
    synced.user.on_premises_sync_enabled = Some(true);
    let facts = TenantFacts {
        domain_federated: Some(false),
        password_writeback: Some(true),
        ..TenantFacts::default()
    };
    // Delegated with both permissions (case as Entra writes them, or not): both paths.
    let full = with(d(&[
        "user-passwordprofile.readwrite.all",
        "UserAuthenticationMethod.ReadWrite.All",
    ]));
    assert!(cloud.eval(&full).allowed);
    assert!(synced.eval_with(&full, &facts).allowed);
    // Without the methods permission: the synced path is refused, no role suggested.
    let v = synced.eval_with(&with(d(&["User-PasswordProfile.ReadWrite.All"])), &facts);
    assert_eq!(first_code(&v), "missing-permission");
    assert!(
        v.reasons[0]
            .message
            .contains("UserAuthenticationMethod.ReadWrite.All")
    );
    assert!(v.least_privileged_role.is_none());
    // Without a password permission: the cloud path is refused.
    let v = cloud.eval(&with(d(&["User.Read.All"])));
    assert_eq!(first_code(&v), "missing-permission");
    assert!(
        cloud
            .eval(&with(d(&["Directory.AccessAsUser.All"])))
            .allowed
    );
    // App-only: resetPassword does not take it at all; passwordProfile does.
    let app = with(a(&[
        "User-PasswordProfile.ReadWrite.All",
        "UserAuthenticationMethod.ReadWrite.All",
    ]));
    let v = synced.eval_with(&app, &facts);
    assert_eq!(first_code(&v), "missing-permission");
    assert!(v.reasons[0].message.contains("app-only"));
    assert!(cloud.eval(&app).allowed);
    // Missing a role too: the role that would help is still named.
    let neither = Operator {
        grant: Some(d(&["User.Read.All"])),
        ..op(vec![])
    };
    let v = cloud.eval(&neither);
    assert!(v.reasons.iter().any(|r| r.code == "missing-permission"));
    assert!(v.least_privileged_role.is_some(), "{v:?}");
    // An unreadable token is not judged here.
    assert!(
        cloud
            .eval(&op(vec![role(USER_ADMIN, RoleState::Active, None)]))
            .allowed
    );
}
