//! Serde models for the Graph v1.0 resources the console reads. Every field is optional or
//! defaulted so that a trimmed `$select`, a `null`, or a property Microsoft adds tomorrow
//! never breaks parsing; unknown fields are ignored.

use serde::{Deserialize, Deserializer, Serialize};
use time::OffsetDateTime;

/// A string that may be absent or `null`; both become empty.
fn nullable_string<'de, D: Deserializer<'de>>(d: D) -> Result<String, D::Error> {
    Ok(Option::<String>::deserialize(d)?.unwrap_or_default())
}

/// Timestamps as Graph writes them. Unparseable values (the docs show `""` for "never")
/// and the `0001-01-01T00:00:00Z` sentinel become `None` rather than failing the response.
pub mod lenient_time {
    use super::*;

    pub fn deserialize<'de, D: Deserializer<'de>>(
        d: D,
    ) -> Result<Option<OffsetDateTime>, D::Error> {
        let raw = Option::<serde_json::Value>::deserialize(d)?;
        Ok(raw.and_then(|v| v.as_str().and_then(parse)))
    }

    pub fn serialize<S: serde::Serializer>(
        t: &Option<OffsetDateTime>,
        s: S,
    ) -> Result<S::Ok, S::Error> {
        match t {
            Some(t) => s.serialize_some(&format(*t)),
            None => s.serialize_none(),
        }
    }

    pub fn parse(s: &str) -> Option<OffsetDateTime> {
        let t = OffsetDateTime::parse(s, &time::format_description::well_known::Rfc3339).ok()?;
        (t.year() > 1).then_some(t)
    }

    pub fn format(t: OffsetDateTime) -> String {
        t.format(&time::format_description::well_known::Rfc3339)
            .unwrap_or_default()
    }

    /// `2026-12-02 19:35` (UTC), for people; never panics on an odd year.
    pub fn minutes(t: OffsetDateTime) -> String {
        let t = t.to_offset(time::UtcOffset::UTC);
        format!(
            "{:04}-{:02}-{:02} {:02}:{:02}",
            t.year(),
            u8::from(t.month()),
            t.day(),
            t.hour(),
            t.minute()
        )
    }

    /// The end of a lifetime that a server stated (`None` when it is out of range).
    pub fn after_minutes(start: OffsetDateTime, minutes: u32) -> Option<OffsetDateTime> {
        start.checked_add(time::Duration::minutes(minutes.into()))
    }
}

/// A JSON body with every lone UTF-16 surrogate escape (`"\ud800"` not followed by its
/// low half, or a low half alone) replaced by `\ufffd`. Directory text can hold them,
/// and serde_json refuses them ("lone leading surrogate"): without this one odd display
/// name would fail a whole page of users as malformed. Valid pairs are kept.
pub fn repair_lone_surrogates(body: &[u8]) -> std::borrow::Cow<'_, [u8]> {
    fn hex4(b: &[u8]) -> Option<u16> {
        let s = std::str::from_utf8(b.get(..4)?).ok()?;
        u16::from_str_radix(s, 16).ok()
    }
    let escape_at = |b: &[u8], i: usize| -> Option<u16> {
        (b.get(i) == Some(&b'\\') && b.get(i + 1) == Some(&b'u'))
            .then(|| hex4(&b[i + 2..]))
            .flatten()
    };
    // Fast path: no surrogate escape at all.
    if !body
        .windows(3)
        .any(|w| w[0] == b'\\' && w[1] == b'u' && (w[2] | 0x20) == b'd')
    {
        return std::borrow::Cow::Borrowed(body);
    }
    let mut out = Vec::with_capacity(body.len());
    let mut i = 0;
    while i < body.len() {
        if body[i] != b'\\' {
            out.push(body[i]);
            i += 1;
            continue;
        }
        match escape_at(body, i) {
            Some(hi @ 0xD800..=0xDBFF) => {
                if let Some(0xDC00..=0xDFFF) = escape_at(body, i + 6) {
                    let _ = hi;
                    out.extend_from_slice(&body[i..i + 12]);
                    i += 12;
                } else {
                    out.extend_from_slice(b"\\ufffd");
                    i += 6;
                }
            }
            Some(0xDC00..=0xDFFF) => {
                out.extend_from_slice(b"\\ufffd");
                i += 6;
            }
            // Any other escape (`\\`, `\"`, `\u0041`): copied whole, so that an escaped
            // backslash is never read as the start of another escape.
            _ => {
                let n = if body.get(i + 1) == Some(&b'u') { 6 } else { 2 };
                let end = (i + n).min(body.len());
                out.extend_from_slice(&body[i..end]);
                i = end;
            }
        }
    }
    std::borrow::Cow::Owned(out)
}

/// One page of a collection.
#[derive(Debug, Clone, Deserialize)]
#[serde(bound(deserialize = "T: serde::de::DeserializeOwned"))]
pub struct Page<T> {
    #[serde(default = "Vec::new", deserialize_with = "null_vec")]
    pub value: Vec<T>,
    #[serde(rename = "@odata.nextLink", default)]
    pub next_link: Option<String>,
    #[serde(rename = "@odata.count", default)]
    pub count: Option<u64>,
}

fn null_vec<'de, D: Deserializer<'de>, T: Deserialize<'de>>(d: D) -> Result<Vec<T>, D::Error> {
    Ok(Option::<Vec<T>>::deserialize(d)?.unwrap_or_default())
}

#[derive(Debug, Clone, Default, PartialEq, Deserialize, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ObjectIdentity {
    pub sign_in_type: Option<String>,
    pub issuer: Option<String>,
    pub issuer_assigned_id: Option<String>,
}

#[derive(Debug, Clone, Default, PartialEq, Deserialize, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct SignInActivity {
    #[serde(default, with = "lenient_time")]
    pub last_sign_in_date_time: Option<OffsetDateTime>,
    #[serde(default, with = "lenient_time")]
    pub last_non_interactive_sign_in_date_time: Option<OffsetDateTime>,
    #[serde(default, with = "lenient_time")]
    pub last_successful_sign_in_date_time: Option<OffsetDateTime>,
}

#[derive(Debug, Clone, Default, PartialEq, Deserialize, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct User {
    #[serde(default, deserialize_with = "nullable_string")]
    pub id: String,
    pub display_name: Option<String>,
    pub user_principal_name: Option<String>,
    pub mail: Option<String>,
    pub given_name: Option<String>,
    pub surname: Option<String>,
    pub job_title: Option<String>,
    pub department: Option<String>,
    pub office_location: Option<String>,
    pub account_enabled: Option<bool>,
    pub user_type: Option<String>,
    pub creation_type: Option<String>,
    pub external_user_state: Option<String>,
    pub identities: Option<Vec<ObjectIdentity>>,
    /// Tri-state: `Some(true)` synced now, `Some(false)` synced once, `None` never synced.
    pub on_premises_sync_enabled: Option<bool>,
    pub on_premises_distinguished_name: Option<String>,
    pub on_premises_sam_account_name: Option<String>,
    pub on_premises_user_principal_name: Option<String>,
    pub on_premises_domain_name: Option<String>,
    pub on_premises_security_identifier: Option<String>,
    pub on_premises_immutable_id: Option<String>,
    #[serde(default, with = "lenient_time")]
    pub on_premises_last_sync_date_time: Option<OffsetDateTime>,
    #[serde(default, with = "lenient_time")]
    pub last_password_change_date_time: Option<OffsetDateTime>,
    #[serde(default, with = "lenient_time")]
    pub created_date_time: Option<OffsetDateTime>,
    pub password_policies: Option<String>,
    pub sign_in_activity: Option<SignInActivity>,
    /// Only the flags are ever returned (the password is write-only).
    pub password_profile: Option<PasswordProfileFlags>,
    pub is_management_restricted: Option<bool>,
    pub usage_location: Option<String>,
}

impl User {
    /// Whether a password change is still pending, read back from `passwordProfile`
    /// (readable only with User-PasswordProfile.ReadWrite.All).
    pub fn pending_change(&self) -> Option<&'static str> {
        let p = self.password_profile.as_ref()?;
        if p.force_change_password_next_sign_in_with_mfa == Some(true) {
            Some("change (after MFA) pending at next sign-in")
        } else if p.force_change_password_next_sign_in == Some(true) {
            Some("change pending at next sign-in")
        } else {
            None
        }
    }

    /// The best name to show for this user.
    pub fn label(&self) -> &str {
        self.display_name
            .as_deref()
            .or(self.user_principal_name.as_deref())
            .unwrap_or(&self.id)
    }
}

#[derive(Debug, Clone, Default, PartialEq, Deserialize, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct PasswordProfileFlags {
    pub force_change_password_next_sign_in: Option<bool>,
    pub force_change_password_next_sign_in_with_mfa: Option<bool>,
}

/// A member of `memberOf` / `transitiveMemberOf`: a group, directory role or AU.
#[derive(Debug, Clone, Default, PartialEq, Deserialize, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct DirectoryObject {
    #[serde(rename = "@odata.type", default)]
    pub odata_type: Option<String>,
    #[serde(default, deserialize_with = "nullable_string")]
    pub id: String,
    pub display_name: Option<String>,
    pub is_assignable_to_role: Option<bool>,
    pub is_member_management_restricted: Option<bool>,
    pub role_template_id: Option<String>,
    pub security_enabled: Option<bool>,
    pub user_principal_name: Option<String>,
}

impl DirectoryObject {
    pub fn is_administrative_unit(&self) -> bool {
        self.odata_type.as_deref() == Some("#microsoft.graph.administrativeUnit")
    }
}

#[derive(Debug, Clone, Default, PartialEq, Deserialize, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct RoleDefinition {
    #[serde(default, deserialize_with = "nullable_string")]
    pub id: String,
    pub display_name: Option<String>,
    pub description: Option<String>,
    pub template_id: Option<String>,
    pub is_built_in: Option<bool>,
    pub is_enabled: Option<bool>,
}

/// `unifiedRoleAssignment`: an active role assignment.
#[derive(Debug, Clone, Default, PartialEq, Deserialize, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct RoleAssignment {
    #[serde(default, deserialize_with = "nullable_string")]
    pub id: String,
    #[serde(default, deserialize_with = "nullable_string")]
    pub principal_id: String,
    #[serde(default, deserialize_with = "nullable_string")]
    pub role_definition_id: String,
    pub directory_scope_id: Option<String>,
    pub app_scope_id: Option<String>,
    pub role_definition: Option<RoleDefinition>,
    pub principal: Option<DirectoryObject>,
}

/// `unifiedRoleEligibilityScheduleInstance` and `unifiedRoleAssignmentScheduleInstance`
/// share these fields; `assignmentType` only exists on the latter.
#[derive(Debug, Clone, Default, PartialEq, Deserialize, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ScheduleInstance {
    #[serde(default, deserialize_with = "nullable_string")]
    pub id: String,
    #[serde(default, deserialize_with = "nullable_string")]
    pub principal_id: String,
    #[serde(default, deserialize_with = "nullable_string")]
    pub role_definition_id: String,
    pub directory_scope_id: Option<String>,
    pub app_scope_id: Option<String>,
    #[serde(default, with = "lenient_time")]
    pub start_date_time: Option<OffsetDateTime>,
    #[serde(default, with = "lenient_time")]
    pub end_date_time: Option<OffsetDateTime>,
    pub member_type: Option<String>,
    pub assignment_type: Option<String>,
    pub role_definition: Option<RoleDefinition>,
}

#[derive(Debug, Clone, Default, PartialEq, Deserialize, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct AdministrativeUnit {
    #[serde(default, deserialize_with = "nullable_string")]
    pub id: String,
    pub display_name: Option<String>,
    pub description: Option<String>,
    pub visibility: Option<String>,
    pub is_member_management_restricted: Option<bool>,
}

#[derive(Debug, Clone, Default, PartialEq, Deserialize, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct VerifiedDomain {
    pub name: Option<String>,
    #[serde(rename = "type")]
    pub kind: Option<String>,
    pub is_default: Option<bool>,
    pub is_initial: Option<bool>,
    pub capabilities: Option<String>,
}

#[derive(Debug, Clone, Default, PartialEq, Deserialize, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Organization {
    #[serde(default, deserialize_with = "nullable_string")]
    pub id: String,
    pub display_name: Option<String>,
    #[serde(default, deserialize_with = "null_vec")]
    pub verified_domains: Vec<VerifiedDomain>,
    pub on_premises_sync_enabled: Option<bool>,
    #[serde(default, with = "lenient_time")]
    pub on_premises_last_sync_date_time: Option<OffsetDateTime>,
    pub tenant_type: Option<String>,
    pub country_letter_code: Option<String>,
}

#[derive(Debug, Clone, Default, PartialEq, Deserialize, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Domain {
    #[serde(default, deserialize_with = "nullable_string")]
    pub id: String,
    /// `Managed` or `Federated`.
    pub authentication_type: Option<String>,
    pub is_default: Option<bool>,
    pub is_initial: Option<bool>,
    pub is_root: Option<bool>,
    pub is_verified: Option<bool>,
    pub password_validity_period_in_days: Option<i64>,
}

impl Domain {
    pub fn is_federated(&self) -> bool {
        self.authentication_type
            .as_deref()
            .is_some_and(|t| t.eq_ignore_ascii_case("federated"))
    }
}

#[derive(Debug, Clone, Default, PartialEq, Deserialize, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct OnPremisesSyncFeatures {
    pub password_sync_enabled: Option<bool>,
    pub password_writeback_enabled: Option<bool>,
    pub user_writeback_enabled: Option<bool>,
}

#[derive(Debug, Clone, Default, PartialEq, Deserialize, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct OnPremisesSync {
    #[serde(default, deserialize_with = "nullable_string")]
    pub id: String,
    pub features: Option<OnPremisesSyncFeatures>,
}

/// `directoryAudit`: one entry of the directory audit log.
#[derive(Debug, Clone, Default, PartialEq, Deserialize, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct DirectoryAudit {
    /// Not always a GUID (e.g. `SSGM_…_MCDC4_88453290`).
    #[serde(default, deserialize_with = "nullable_string")]
    pub id: String,
    pub category: Option<String>,
    pub correlation_id: Option<String>,
    /// `success`, `failure`, `timeout`.
    pub result: Option<String>,
    pub result_reason: Option<String>,
    #[serde(default, deserialize_with = "nullable_string")]
    pub activity_display_name: String,
    #[serde(default, with = "lenient_time")]
    pub activity_date_time: Option<OffsetDateTime>,
    pub logged_by_service: Option<String>,
    pub operation_type: Option<String>,
    pub initiated_by: Option<AuditInitiator>,
    #[serde(default, deserialize_with = "null_vec")]
    pub target_resources: Vec<AuditTarget>,
    #[serde(default, deserialize_with = "null_vec")]
    pub additional_details: Vec<KeyValue>,
}

#[derive(Debug, Clone, Default, PartialEq, Deserialize, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct AuditInitiator {
    pub user: Option<AuditUser>,
    pub app: Option<AuditApp>,
}

#[derive(Debug, Clone, Default, PartialEq, Deserialize, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct AuditUser {
    pub id: Option<String>,
    pub display_name: Option<String>,
    pub user_principal_name: Option<String>,
    pub ip_address: Option<String>,
}

#[derive(Debug, Clone, Default, PartialEq, Deserialize, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct AuditApp {
    pub app_id: Option<String>,
    pub display_name: Option<String>,
    pub service_principal_id: Option<String>,
    pub service_principal_name: Option<String>,
}

#[derive(Debug, Clone, Default, PartialEq, Deserialize, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct AuditTarget {
    pub id: Option<String>,
    pub display_name: Option<String>,
    /// The docs' first example spells it `Type`.
    #[serde(rename = "type", alias = "Type")]
    pub kind: Option<String>,
    pub user_principal_name: Option<String>,
}

#[derive(Debug, Clone, Default, PartialEq, Deserialize, Serialize)]
pub struct KeyValue {
    pub key: Option<String>,
    pub value: Option<String>,
}

impl DirectoryAudit {
    /// Who did it: a user's UPN (or name), or an app's name.
    pub fn initiator(&self) -> String {
        let by = self.initiated_by.as_ref();
        by.and_then(|i| i.user.as_ref())
            .and_then(|u| {
                u.user_principal_name
                    .clone()
                    .or_else(|| u.display_name.clone())
            })
            .or_else(|| {
                by.and_then(|i| i.app.as_ref())
                    .and_then(|a| a.display_name.clone())
            })
            .unwrap_or_else(|| "?".into())
    }

    /// The initiating user's object id, or an app's service principal id: what an
    /// operator's id is compared with (an app operator's id is its service principal's).
    pub fn initiator_id(&self) -> Option<&str> {
        let by = self.initiated_by.as_ref()?;
        by.user
            .as_ref()
            .and_then(|u| u.id.as_deref())
            .or_else(|| by.app.as_ref()?.service_principal_id.as_deref())
    }

    pub fn ip_address(&self) -> Option<&str> {
        self.initiated_by
            .as_ref()?
            .user
            .as_ref()?
            .ip_address
            .as_deref()
    }

    /// The user the entry is about.
    pub fn target_user(&self) -> Option<&AuditTarget> {
        self.target_resources
            .iter()
            .find(|t| {
                t.kind
                    .as_deref()
                    .is_some_and(|k| k.eq_ignore_ascii_case("user"))
            })
            .or(self.target_resources.first())
    }

    pub fn succeeded(&self) -> bool {
        self.result
            .as_deref()
            .is_some_and(|r| r.eq_ignore_ascii_case("success"))
    }

    /// A user's own change or reset, rather than an admin's.
    pub fn self_service(&self) -> bool {
        self.activity_display_name
            .to_lowercase()
            .contains("self-service")
            || self
                .activity_display_name
                .eq_ignore_ascii_case("user started password reset")
            || self
                .activity_display_name
                .eq_ignore_ascii_case("User started password change")
    }
}

/// `longRunningOperation` behind `resetPassword`'s `Location`.
#[derive(Debug, Clone, Default, PartialEq, Deserialize, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Operation {
    #[serde(default, deserialize_with = "nullable_string")]
    pub id: String,
    /// `notStarted`, `running`, `succeeded`, `failed` (older docs capitalised them).
    #[serde(default, deserialize_with = "nullable_string")]
    pub status: String,
    pub status_detail: Option<String>,
    #[serde(default, with = "lenient_time")]
    pub created_date_time: Option<OffsetDateTime>,
    #[serde(default, with = "lenient_time")]
    pub last_action_date_time: Option<OffsetDateTime>,
}

impl Operation {
    pub fn succeeded(&self) -> bool {
        self.status.eq_ignore_ascii_case("succeeded")
    }
    pub fn failed(&self) -> bool {
        self.status.eq_ignore_ascii_case("failed")
    }
}

/// The Graph error envelope: `{"error": {"code", "message", "innerError": {...}}}`.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct ErrorEnvelope {
    pub error: ErrorBody,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ErrorBody {
    #[serde(default, deserialize_with = "nullable_string")]
    pub code: String,
    #[serde(default, deserialize_with = "nullable_string")]
    pub message: String,
    /// Directory responses spell it `innerError`; the generic docs schema `innererror`.
    #[serde(alias = "innererror")]
    pub inner_error: Option<InnerError>,
}

#[derive(Debug, Clone, Default, Deserialize)]
pub struct InnerError {
    pub date: Option<String>,
    #[serde(rename = "request-id")]
    pub request_id: Option<String>,
    #[serde(rename = "client-request-id")]
    pub client_request_id: Option<String>,
    pub code: Option<String>,
}

/// `signIn` (v1.0): one interactive sign-in of the sign-in log (signin.md). v1.0 has no
/// `mfaDetail` or `authenticationDetails` (beta only): why MFA failed comes from `status`.
#[derive(Debug, Clone, Default, PartialEq, Deserialize, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct SignIn {
    #[serde(default, deserialize_with = "nullable_string")]
    pub id: String,
    #[serde(default, with = "lenient_time")]
    pub created_date_time: Option<OffsetDateTime>,
    pub user_id: Option<String>,
    pub app_display_name: Option<String>,
    pub ip_address: Option<String>,
    /// `Browser`, `Mobile Apps and Desktop clients`, `Exchange ActiveSync`, `IMAP`, …
    pub client_app_used: Option<String>,
    /// `success`, `failure`, `notApplied`.
    pub conditional_access_status: Option<String>,
    pub status: Option<SignInStatus>,
    pub location: Option<SignInLocation>,
}

/// `signInStatus`: `errorCode` 0 is a success (signinstatus.md).
#[derive(Debug, Clone, Default, PartialEq, Deserialize, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct SignInStatus {
    pub error_code: Option<i64>,
    pub failure_reason: Option<String>,
    pub additional_details: Option<String>,
}

#[derive(Debug, Clone, Default, PartialEq, Deserialize, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct SignInLocation {
    pub city: Option<String>,
    pub state: Option<String>,
    pub country_or_region: Option<String>,
}

/// `userRegistrationDetails` (userregistrationdetails.md): what a user has registered
/// for MFA and self-service password reset.
#[derive(Debug, Clone, Default, PartialEq, Deserialize, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct RegistrationDetails {
    #[serde(default, deserialize_with = "nullable_string")]
    pub id: String,
    #[serde(default)]
    pub is_mfa_registered: bool,
    #[serde(default)]
    pub is_mfa_capable: bool,
    #[serde(default)]
    pub is_sspr_registered: bool,
    #[serde(default)]
    pub is_sspr_enabled: bool,
    #[serde(default)]
    pub is_sspr_capable: bool,
    #[serde(default)]
    pub is_passwordless_capable: bool,
    /// Open strings: `microsoftAuthenticatorPush`, `mobilePhone`, `fido2SecurityKey`, …
    #[serde(default, deserialize_with = "null_vec")]
    pub methods_registered: Vec<String>,
    /// In the docs' v1.0 example, not in the v1.0 schema: optional.
    pub default_mfa_method: Option<String>,
    pub user_preferred_method_for_secondary_authentication: Option<String>,
    #[serde(default, deserialize_with = "null_vec")]
    pub system_preferred_authentication_methods: Vec<String>,
    #[serde(default, with = "lenient_time")]
    pub last_updated_date_time: Option<OffsetDateTime>,
}

/// One `authenticationMethod` of `GET /users/{id}/authentication/methods`; its kind is
/// its `@odata.type` (authentication-list-methods.md).
#[derive(Debug, Clone, Default, PartialEq, Deserialize, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct AuthMethod {
    #[serde(rename = "@odata.type", default, deserialize_with = "nullable_string")]
    pub odata_type: String,
    #[serde(default, deserialize_with = "nullable_string")]
    pub id: String,
    pub display_name: Option<String>,
    /// A phone method's number (masked for an Authentication Administrator).
    pub phone_number: Option<String>,
    #[serde(default, with = "lenient_time")]
    pub created_date_time: Option<OffsetDateTime>,
}

impl AuthMethod {
    /// `#microsoft.graph.fido2AuthenticationMethod` → `fido2`.
    pub fn kind(&self) -> &str {
        self.odata_type
            .trim_start_matches("#microsoft.graph.")
            .trim_end_matches("AuthenticationMethod")
    }
}

/// A target of an authentication method policy (`all_users` or a group id).
#[derive(Debug, Clone, Default, PartialEq, Deserialize, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct PolicyTarget {
    #[serde(default, deserialize_with = "nullable_string")]
    pub id: String,
    pub target_type: Option<String>,
}

/// `temporaryAccessPassAuthenticationMethodConfiguration`: the tenant's pass policy
/// (temporaryaccesspassauthenticationmethodconfiguration.md).
#[derive(Debug, Clone, Default, PartialEq, Deserialize, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct TapPolicy {
    /// `enabled` or `disabled`.
    #[serde(default, deserialize_with = "nullable_string")]
    pub state: String,
    pub default_lifetime_in_minutes: Option<u32>,
    pub minimum_lifetime_in_minutes: Option<u32>,
    pub maximum_lifetime_in_minutes: Option<u32>,
    pub default_length: Option<u32>,
    /// `true`: every pass in the tenant is one-time.
    pub is_usable_once: Option<bool>,
    #[serde(default, deserialize_with = "null_vec")]
    pub include_targets: Vec<PolicyTarget>,
    #[serde(default, deserialize_with = "null_vec")]
    pub exclude_targets: Vec<PolicyTarget>,
}

/// The body of `POST /users/{id}/authentication/temporaryAccessPassMethods`; every field
/// is optional (the policy's defaults apply).
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct TapRequest {
    #[serde(skip_serializing_if = "Option::is_none", with = "lenient_time")]
    pub start_date_time: Option<OffsetDateTime>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub lifetime_in_minutes: Option<u32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub is_usable_once: Option<bool>,
}

/// The 201 of a pass creation, without the pass itself (which is a secret, kept apart).
#[derive(Debug, Clone, Default, PartialEq, Deserialize, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct TapMethod {
    #[serde(default, deserialize_with = "nullable_string")]
    pub id: String,
    #[serde(default, with = "lenient_time")]
    pub created_date_time: Option<OffsetDateTime>,
    #[serde(default, with = "lenient_time")]
    pub start_date_time: Option<OffsetDateTime>,
    pub lifetime_in_minutes: Option<u32>,
    pub is_usable_once: Option<bool>,
    pub is_usable: Option<bool>,
    /// `EnabledByPolicy`, `DisabledByPolicy`, `Expired`, `NotYetValid`, `OneTimeUsed`.
    pub method_usability_reason: Option<String>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nulls_and_unknown_fields_are_tolerated() {
        let u: User = serde_json::from_str(
            r#"{"id":null,"displayName":"A","onPremisesSyncEnabled":null,"brandNew":{"x":1},
                "signInActivity":{"lastSignInDateTime":"0001-01-01T00:00:00Z","lastSuccessfulSignInDateTime":""},
                "lastPasswordChangeDateTime":"2024-05-01T10:00:00Z"}"#,
        )
        .unwrap();
        assert_eq!(u.id, "");
        assert_eq!(u.on_premises_sync_enabled, None);
        let s = u.sign_in_activity.unwrap();
        assert_eq!(s.last_sign_in_date_time, None);
        assert_eq!(s.last_successful_sign_in_date_time, None);
        assert_eq!(u.last_password_change_date_time.unwrap().year(), 2024);
    }

    #[test]
    fn a_lone_surrogate_does_not_fail_the_page() {
        let body = br#"{"value":[{"id":"1","displayName":"Bad\ud800name"},{"id":"2","displayName":"Low\udc00 \\ud800 ok \ud83d\ude00"}]}"#;
        assert!(
            serde_json::from_slice::<Page<User>>(body).is_err(),
            "serde_json refuses it"
        );
        let page: Page<User> = serde_json::from_slice(&repair_lone_surrogates(body)).unwrap();
        assert_eq!(
            page.value[0].display_name.as_deref(),
            Some("Bad\u{fffd}name")
        );
        // An escaped backslash is text, and a valid pair stays the emoji.
        assert_eq!(
            page.value[1].display_name.as_deref(),
            Some("Low\u{fffd} \\ud800 ok 😀")
        );
        assert!(matches!(
            repair_lone_surrogates(br#"{"a":"plain"}"#),
            std::borrow::Cow::Borrowed(_)
        ));
    }

    #[test]
    fn sync_state_is_three_states() {
        let t: User = serde_json::from_str(r#"{"onPremisesSyncEnabled":true}"#).unwrap();
        let f: User = serde_json::from_str(r#"{"onPremisesSyncEnabled":false}"#).unwrap();
        let n: User = serde_json::from_str(r#"{}"#).unwrap();
        assert_eq!(
            [
                t.on_premises_sync_enabled,
                f.on_premises_sync_enabled,
                n.on_premises_sync_enabled
            ],
            [Some(true), Some(false), None]
        );
    }
}
