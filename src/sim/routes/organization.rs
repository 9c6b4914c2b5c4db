//! The tenant's own resources: `/organization`, `/domains` and
//! `/directory/onPremisesSynchronization`, with the properties Graph returns for them.

use serde_json::{Map, Value, json};

use crate::sim::tenant::Tenant;

/// onPremisesSynchronization: the page names Global Administrator for delegated access.
pub(super) const SYNC_READER_ROLES: &[&str] =
    &["Global Administrator", "Hybrid Identity Administrator"];

pub(super) fn organization(t: &Tenant) -> Value {
    let mut m = t.organization.clone();
    m.insert("verifiedDomains".into(), t.verified_domains());
    for (k, v) in [
        ("deletedDateTime", Value::Null),
        ("businessPhones", json!(["+1 425 555 0100"])),
        ("city", json!("Redmond")),
        ("country", json!("United States")),
        ("countryLetterCode", json!("US")),
        ("createdDateTime", json!("2019-03-14T17:02:44Z")),
        ("defaultUsageLocation", json!("US")),
        ("marketingNotificationEmails", json!([])),
        ("onPremisesLastSyncDateTime", Value::Null),
        ("onPremisesSyncEnabled", Value::Null),
        ("partnerTenantType", Value::Null),
        ("postalCode", json!("98052")),
        ("preferredLanguage", json!("en")),
        ("securityComplianceNotificationMails", json!([])),
        ("securityComplianceNotificationPhones", json!([])),
        ("state", json!("WA")),
        ("street", json!("1 Contoso Way")),
        (
            "technicalNotificationMails",
            json!(["it-alerts@contoso.com"]),
        ),
        ("tenantType", json!("AAD")),
        (
            "assignedPlans",
            json!([
                {"assignedDateTime": "2019-03-14T17:10:00Z", "capabilityStatus": "Enabled", "service": "exchange", "servicePlanId": "113feb6c-3fe4-4440-bddc-54d774bf0318"},
                {"assignedDateTime": "2019-03-14T17:10:00Z", "capabilityStatus": "Enabled", "service": "AADPremiumService", "servicePlanId": "41781fb2-bc02-4b7c-bd55-b576c07bb09d"}
            ]),
        ),
        (
            "provisionedPlans",
            json!([
                {"capabilityStatus": "Enabled", "provisioningStatus": "Success", "service": "exchange"}
            ]),
        ),
        (
            "privacyProfile",
            json!({"contactEmail": "privacy@contoso.com", "statementUrl": "https://contoso.com/privacy"}),
        ),
    ] {
        m.entry(k).or_insert(v);
    }
    Value::Object(m)
}

pub(super) fn domain(d: &Map<String, Value>) -> Value {
    let mut m = d.clone();
    for (k, v) in [
        ("authenticationType", json!("Managed")),
        ("availabilityStatus", Value::Null),
        ("isAdminManaged", json!(true)),
        ("isDefault", json!(false)),
        ("isInitial", json!(false)),
        ("isRoot", json!(true)),
        ("isVerified", json!(true)),
        ("passwordNotificationWindowInDays", json!(14)),
        ("passwordValidityPeriodInDays", json!(2147483647)),
        (
            "supportedServices",
            json!(["Email", "OfficeCommunicationsOnline"]),
        ),
        ("state", Value::Null),
    ] {
        m.entry(k).or_insert(v);
    }
    Value::Object(m)
}

/// The tenant file names only the features it cares about; the rest are off.
pub(super) fn on_premises_sync(given: &Map<String, Value>) -> Value {
    let mut features = Map::new();
    for f in [
        "passwordSyncEnabled",
        "passwordWritebackEnabled",
        "directoryExtensionsEnabled",
        "quarantineUponUpnConflictEnabled",
        "quarantineUponProxyAddressesConflictEnabled",
        "softMatchOnUpnEnabled",
        "cloudPasswordPolicyForPasswordSyncedUsersEnabled",
        "fopeConflictResolutionEnabled",
        "unifiedGroupWritebackEnabled",
        "userWritebackEnabled",
        "deviceWritebackEnabled",
        "synchronizeUpnForManagedUsersEnabled",
        "userForcePasswordChangeOnLogonEnabled",
        "concurrentOrgIdProvisioningEnabled",
        "concurrentCredentialUpdateEnabled",
        "groupWriteBackEnabled",
        "blockSoftMatchEnabled",
        "blockCloudObjectTakeoverThroughHardMatchEnabled",
        "bypassDirSyncOverridesEnabled",
    ] {
        features.insert(f.into(), json!(false));
    }
    if let Some(Value::Object(g)) = given.get("features") {
        features.extend(g.clone());
    }
    json!({
        "id": given.get("id"),
        "configuration": {"accidentalDeletionPrevention": {"synchronizationPreventionType": "enabledForCount", "alertThreshold": 500}},
        "features": features,
    })
}
