//! What each simulated user has registered for sign-in (their authentication methods and
//! whether self-service reset is open to them) and their recent sign-ins: simulator-only
//! facts a tenant file gives per user as `_authentication` and `_signIns`.

use anyhow::{Context, bail};
use serde::Deserialize;
use serde_json::{Map, Value, json};

/// A user's registered methods by kind, and the self-service reset policy's reach.
#[derive(Debug, Clone)]
pub struct SimAuth {
    /// `password`, `microsoftAuthenticator`, `phone`, `email`, `fido2`, `softwareOath`,
    /// `windowsHelloForBusiness`; a pass is kept apart.
    pub methods: Vec<String>,
    /// Self-service password reset is enabled for them by policy.
    pub sspr_enabled: bool,
    /// Their Temporary Access Pass (without its code), once one is created.
    pub tap: Option<Value>,
}

impl Default for SimAuth {
    /// An ordinary user: a password and the Authenticator app; SSPR not rolled out to them.
    fn default() -> Self {
        SimAuth {
            methods: vec!["password".into(), "microsoftAuthenticator".into()],
            sspr_enabled: false,
            tap: None,
        }
    }
}

const KINDS: &[&str] = &[
    "password",
    "microsoftAuthenticator",
    "phone",
    "email",
    "fido2",
    "softwareOath",
    "windowsHelloForBusiness",
];

#[derive(Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
struct AuthFile {
    methods: Vec<String>,
    #[serde(default)]
    sspr_enabled: bool,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
struct SignInFile {
    minutes_ago: i64,
    app: String,
    ip_address: String,
    /// "City, ST, CC".
    #[serde(default)]
    location: Option<String>,
    #[serde(default)]
    error_code: i64,
    #[serde(default)]
    failure_reason: Option<String>,
    #[serde(default)]
    additional_details: Option<String>,
    #[serde(default)]
    client_app_used: Option<String>,
}

impl SimAuth {
    pub fn parse(upn: &str, v: Value) -> anyhow::Result<SimAuth> {
        let f: AuthFile =
            serde_json::from_value(v).with_context(|| format!("user {upn}: _authentication"))?;
        for m in &f.methods {
            if !KINDS.contains(&m.as_str()) {
                bail!("user {upn}: unknown authentication method `{m}` (one of {KINDS:?})");
            }
        }
        let mut methods = f.methods;
        if !methods.iter().any(|m| m == "password") {
            methods.insert(0, "password".into());
        }
        Ok(SimAuth {
            methods,
            sspr_enabled: f.sspr_enabled,
            tap: None,
        })
    }

    fn strong(kind: &str) -> bool {
        !matches!(kind, "password" | "email")
    }

    /// Methods self-service reset accepts (one is required here, as by default).
    fn sspr_method(kind: &str) -> bool {
        matches!(
            kind,
            "microsoftAuthenticator" | "phone" | "email" | "softwareOath"
        )
    }

    /// `userRegistrationDetails` as the registration report computes it.
    pub fn registration(&self, user_id: &str, upn: &str, name: &str, admin: bool) -> Value {
        let mfa = self.methods.iter().any(|m| Self::strong(m));
        let sspr_registered = self.methods.iter().any(|m| Self::sspr_method(m));
        let registered: Vec<&str> = self
            .methods
            .iter()
            .filter_map(|m| match m.as_str() {
                "microsoftAuthenticator" => Some("microsoftAuthenticatorPush"),
                "phone" => Some("mobilePhone"),
                "email" => Some("email"),
                "fido2" => Some("fido2SecurityKey"),
                "softwareOath" => Some("softwareOneTimePasscode"),
                "windowsHelloForBusiness" => Some("windowsHelloForBusiness"),
                _ => None,
            })
            .chain(self.tap.as_ref().map(|_| "temporaryAccessPass"))
            .collect();
        let preferred = if self.methods.iter().any(|m| m == "microsoftAuthenticator") {
            "push"
        } else if self.methods.iter().any(|m| m == "phone") {
            "sms"
        } else if self.methods.iter().any(|m| m == "softwareOath") {
            "oath"
        } else {
            "none"
        };
        json!({
            "id": user_id,
            "userPrincipalName": upn,
            "userDisplayName": name,
            "userType": "member",
            "isAdmin": admin,
            "isSsprRegistered": sspr_registered,
            "isSsprEnabled": self.sspr_enabled,
            "isSsprCapable": sspr_registered && self.sspr_enabled,
            "isMfaRegistered": mfa,
            "isMfaCapable": mfa,
            "isPasswordlessCapable": self.methods.iter().any(|m| m == "fido2" || m == "windowsHelloForBusiness"),
            "methodsRegistered": registered,
            "isSystemPreferredAuthenticationMethodEnabled": true,
            "systemPreferredAuthenticationMethods": if mfa { vec![preferred] } else { vec![] },
            "userPreferredMethodForSecondaryAuthentication": preferred,
            "lastUpdatedDateTime": "2026-11-01T09:00:00Z",
        })
    }

    /// The `authentication/methods` list: one object per method, typed.
    pub fn methods_json(&self, user_id: &str) -> Vec<Value> {
        let mut out: Vec<Value> = self
            .methods
            .iter()
            .enumerate()
            .map(|(n, m)| {
                let id = if m == "password" {
                    super::super::writes::PASSWORD_METHOD_ID.to_string()
                } else {
                    format!("{}-{n:02}-{}", &user_id[..8.min(user_id.len())], m.len())
                };
                let mut v = json!({
                    "@odata.type": format!("#microsoft.graph.{m}AuthenticationMethod"),
                    "id": id,
                    "createdDateTime": "2025-09-01T08:00:00Z",
                });
                match m.as_str() {
                    "password" => v["password"] = Value::Null,
                    "phone" => {
                        v["phoneNumber"] = json!("+1 2065550142");
                        v["phoneType"] = json!("mobile");
                        v["smsSignInState"] = json!("notAllowedByPolicy");
                    }
                    "email" => v["emailAddress"] = json!("home@example.org"),
                    "microsoftAuthenticator" => {
                        v["displayName"] = json!("iPhone 15");
                        v["deviceTag"] = json!("SoftwareTokenActivated");
                        v["phoneAppVersion"] = json!("6.8.12");
                    }
                    "fido2" => {
                        v["displayName"] = json!("Security key");
                        v["model"] = json!("NFC key");
                    }
                    _ => {}
                }
                v
            })
            .collect();
        out.extend(self.tap.clone());
        out
    }
}

/// A user's `_signIns` as `signIn` resources, their times counted back from now.
pub fn parse_sign_ins(
    upn: &str,
    user_id: &str,
    name: &str,
    v: Value,
) -> anyhow::Result<Vec<Value>> {
    let list: Vec<SignInFile> =
        serde_json::from_value(v).with_context(|| format!("user {upn}: _signIns"))?;
    let now = time::OffsetDateTime::now_utc();
    Ok(list
        .into_iter()
        .map(|s| {
            let when = now - time::Duration::minutes(s.minutes_ago);
            let mut loc = Map::new();
            if let Some(l) = &s.location {
                let parts: Vec<&str> = l.split(',').map(str::trim).collect();
                loc.insert("city".into(), json!(parts.first()));
                loc.insert("state".into(), json!(parts.get(1)));
                loc.insert("countryOrRegion".into(), json!(parts.get(2)));
                loc.insert(
                    "geoCoordinates".into(),
                    json!({"altitude": null, "latitude": null, "longitude": null}),
                );
            }
            let failed = s.error_code != 0;
            json!({
                "id": uuid::Uuid::new_v4().to_string(),
                "createdDateTime": when
                    .format(&time::format_description::well_known::Rfc3339)
                    .unwrap_or_default(),
                "userDisplayName": name,
                "userPrincipalName": upn,
                "userId": user_id,
                "appId": uuid::Uuid::new_v5(&uuid::Uuid::NAMESPACE_OID, s.app.as_bytes()).to_string(),
                "appDisplayName": s.app,
                "ipAddress": s.ip_address,
                "clientAppUsed": s.client_app_used.unwrap_or_else(|| "Browser".into()),
                "correlationId": uuid::Uuid::new_v4().to_string(),
                "conditionalAccessStatus": if s.error_code == 53003 { "failure" } else if failed { "notApplied" } else { "success" },
                "isInteractive": true,
                "riskDetail": "hidden",
                "riskLevelAggregated": "hidden",
                "riskLevelDuringSignIn": "hidden",
                "riskState": "none",
                "riskEventTypes": [],
                "resourceDisplayName": "Office 365 Exchange Online",
                "resourceId": "00000002-0000-0ff1-ce00-000000000000",
                "status": {
                    "errorCode": s.error_code,
                    "failureReason": if failed { json!(s.failure_reason.unwrap_or_else(|| "Other.".into())) } else { Value::Null },
                    "additionalDetails": s.additional_details,
                },
                "deviceDetail": {"deviceId": "", "displayName": null, "operatingSystem": "Windows 10",
                    "browser": "Edge 120.0", "isCompliant": null, "isManaged": null, "trustType": null},
                "location": Value::Object(loc),
                "appliedConditionalAccessPolicies": [],
            })
        })
        .collect())
}
