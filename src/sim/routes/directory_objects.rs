//! Directory objects as they appear inside other resources: in membership lists,
//! expanded principals and scopes, and administrative unit members.

use serde_json::{Value, json};

use crate::policy::roles::RoleDef;
use crate::sim::tenant::{SimAu, SimGroup, SimUser};

pub(super) fn group_json(g: &SimGroup) -> Value {
    json!({"@odata.type": "#microsoft.graph.group", "id": g.id, "displayName": g.display_name,
           "description": g.description, "isAssignableToRole": g.is_assignable_to_role,
           "mailNickname": g.display_name.to_lowercase().replace(' ', "-"), "mail": null,
           "securityEnabled": true, "mailEnabled": false, "groupTypes": [], "visibility": "Private",
           "createdDateTime": "2024-02-01T10:00:00Z", "deletedDateTime": null})
}

pub(super) fn au_json(a: &SimAu) -> Value {
    json!({"@odata.type": "#microsoft.graph.administrativeUnit", "id": a.id, "deletedDateTime": null, "displayName": a.display_name,
           "description": a.description, "visibility": null, "membershipType": null, "membershipRule": null,
           "membershipRuleProcessingState": null, "isMemberManagementRestricted": a.restricted})
}

pub(super) fn directory_role_json(d: &RoleDef) -> Value {
    let id = uuid::Uuid::new_v5(&uuid::Uuid::NAMESPACE_OID, d.template_id.as_bytes()).to_string();
    json!({"@odata.type": "#microsoft.graph.directoryRole", "id": id, "deletedDateTime": null,
           "description": d.description, "displayName": d.display_name, "roleTemplateId": d.template_id})
}

pub(super) fn user_ref_json(u: &SimUser) -> Value {
    json!({"@odata.type": "#microsoft.graph.user", "id": u.id, "displayName": u.display_name(),
           "userPrincipalName": u.upn(), "mail": u.get("mail")})
}
