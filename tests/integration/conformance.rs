//! Conformance to Microsoft's documented examples (tests/fixtures/graph-examples, see its
//! SOURCES.md): (a) every JSON example parses with the project's models; (b) for each
//! endpoint the simulator serves, its response carries the documented property names with
//! the documented JSON types.

use std::path::Path;

use resetdesk::graph::model::*;
use serde_json::Value;

fn example(name: &str) -> Value {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/graph-examples")
        .join(name);
    serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap()
}

type Parser = fn(&str) -> Result<(), String>;

/// Which model each example is read with.
fn model_for(name: &str) -> Option<Parser> {
    fn p<T: serde::de::DeserializeOwned>(text: &str) -> Result<(), String> {
        serde_json::from_str::<T>(text)
            .map(|_| ())
            .map_err(|e| e.to_string())
    }
    Some(match name {
        n if n.starts_with("error-") => p::<ErrorEnvelope>,
        n if n.starts_with("users-") => p::<Page<User>>,
        n if n.starts_with("user-get") => p::<User>,
        n if n.starts_with("user-memberOf") || n.starts_with("user-transitiveMemberOf") => {
            p::<Page<DirectoryObject>>
        }
        "roleAssignment-get-expand-roleDefinition.response.json" => p::<RoleAssignment>,
        n if n.starts_with("roleAssignments-") => p::<Page<RoleAssignment>>,
        n if n.starts_with("roleEligibility") || n.starts_with("roleAssignmentSchedule") => {
            p::<Page<ScheduleInstance>>
        }
        "administrativeUnits-list.response.json" => p::<Page<AdministrativeUnit>>,
        "organization-get.response.json" => p::<Organization>,
        "domains-list.response.json" => p::<Page<Domain>>,
        "onPremisesSynchronization-get.response.json" => p::<OnPremisesSync>,
        n if n.starts_with("directoryAudits-") => p::<Page<DirectoryAudit>>,
        "signIns-list.response.json" => p::<Page<SignIn>>,
        // The docs wrap the entity in `value` (SOURCES.md); the client accepts both.
        "userRegistrationDetails-get.response.json" => |text| {
            let v: Value = serde_json::from_str(text).map_err(|e| e.to_string())?;
            serde_json::from_value::<RegistrationDetails>(v["value"].clone())
                .map(|_| ())
                .map_err(|e| e.to_string())
        },
        "authentication-methods-list.response.json" => p::<Page<AuthMethod>>,
        n if n.starts_with("temporaryAccessPassMethods-") => p::<TapMethod>,
        "temporaryAccessPassConfiguration-get.response.json" => p::<TapPolicy>,
        _ => return None,
    })
}

#[test]
fn every_json_example_parses_with_the_models() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/graph-examples");
    let mut checked = 0;
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        let name = path.file_name().unwrap().to_str().unwrap().to_string();
        if !name.ends_with(".json") {
            continue;
        }
        let parse = model_for(&name).unwrap_or_else(|| panic!("{name} has no model"));
        let text = std::fs::read_to_string(&path).unwrap();
        parse(&text).unwrap_or_else(|e| panic!("{name}: {e}"));
        checked += 1;
    }
    assert!(checked >= 25, "only {checked} examples");
}

#[test]
fn models_read_the_documented_values() {
    let u: User =
        serde_json::from_value(example("user-get-select-identities.response.json")).unwrap();
    assert_eq!(
        u.identities.unwrap()[0].issuer.as_deref(),
        Some("contoso.com")
    );
    let e: ErrorEnvelope =
        serde_json::from_value(example("error-search-without-consistencylevel.json")).unwrap();
    assert_eq!(e.error.code, "Request_UnsupportedQuery");
    assert_eq!(
        e.error.inner_error.unwrap().request_id.as_deref(),
        Some("9b600954-ba11-4899-8ce9-6abad341f299")
    );
    let page: Page<User> = serde_json::from_value(example("users-search.response.json")).unwrap();
    assert_eq!(page.count, Some(7));
    let r: RoleAssignment = serde_json::from_value(example(
        "roleAssignment-get-expand-roleDefinition.response.json",
    ))
    .unwrap();
    assert!(r.role_definition.unwrap().display_name.is_some());
    let o: Organization =
        serde_json::from_value(example("organization-get.response.json")).unwrap();
    assert_eq!(o.verified_domains[0].kind.as_deref(), Some("Managed"));
}

/// Keys the docs example shows that the v1.0 schema does not have (SOURCES.md notes them),
/// or that are annotations of the example's own request.
const NOT_IN_SCHEMA: &[&str] = &[
    "@odata.context",
    "@odata.count",
    "@odata.nextLink",
    "resourceScope",
    "directorySizeQuota",
    "isMultipleDataLocationsForServicesEnabled",
    "includeTargets@odata.context",
];

fn kind(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "boolean",
        Value::Number(_) => "number",
        Value::String(_) => "string",
        Value::Array(_) => "array",
        Value::Object(_) => "object",
    }
}

/// Every property of `documented` is in `actual` with the same JSON type (null on either
/// side matches anything: the docs often show null where a real tenant has a value).
fn same_shape(documented: &Value, actual: &Value, at: &str, problems: &mut Vec<String>) {
    match (documented, actual) {
        (Value::Object(d), Value::Object(a)) => {
            for (k, dv) in d {
                if NOT_IN_SCHEMA.contains(&k.as_str()) {
                    continue;
                }
                match a.get(k) {
                    None => problems.push(format!("{at}.{k}: missing")),
                    Some(av) => same_shape(dv, av, &format!("{at}.{k}"), problems),
                }
            }
        }
        (Value::Array(d), Value::Array(a)) => {
            if let (Some(d0), Some(a0)) = (d.first(), a.first()) {
                same_shape(d0, a0, &format!("{at}[0]"), problems);
            }
        }
        (Value::Null, _) | (_, Value::Null) => {}
        (d, a) if kind(d) != kind(a) => problems.push(format!(
            "{at}: documented {} but served {}",
            kind(d),
            kind(a)
        )),
        _ => {}
    }
}

fn assert_shape(name: &str, actual: &Value) {
    let mut problems = Vec::new();
    same_shape(&example(name), actual, "", &mut problems);
    assert!(problems.is_empty(), "{name}:\n{}", problems.join("\n"));
}

#[tokio::test]
async fn simulator_responses_have_the_documented_shapes() {
    let admin = crate::support::persona("global-admin").await;
    let adele = "adele.vance@contoso.com";
    let cases: Vec<(&str, String, bool)> = vec![
        ("users-list.response.json", "/users".into(), false),
        (
            "users-search.response.json",
            "/users?$search=%22displayName:ad%22&$count=true&$select=displayName,givenName,mail,userPrincipalName".into(),
            true,
        ),
        (
            "users-signinactivity.response.json",
            "/users?$select=displayName,userPrincipalName,signInActivity,id".into(),
            false,
        ),
        (
            "users-filter-startswith.response.json",
            "/users?$filter=startswith(displayName,'a')&$orderby=displayName&$count=true&$top=1&$select=displayName,mail,mailNickname,userPrincipalName".into(),
            true,
        ),
        ("user-get.response.json", format!("/users/{adele}"), false),
        (
            "user-get-select-identities.response.json",
            format!("/users/{adele}?$select=displayName,givenName,postalCode,identities"),
            false,
        ),
        ("user-memberOf.response.json", format!("/users/{adele}/memberOf"), false),
        (
            "user-transitiveMemberOf.response.json",
            "/users/sakura.watanabe@contoso.com/transitiveMemberOf".into(),
            false,
        ),
        (
            "roleAssignments-filter-principalId.response.json",
            "/roleManagement/directory/roleAssignments?$filter=principalId eq 'c5b7e5d3-6f13-5fd8-8d6d-ffc4b8b4a0f1' or directoryScopeId eq '/'".into(),
            false,
        ),
        (
            "roleAssignments-filter-roleDefinitionId-expand-principal.response.json",
            "/roleManagement/directory/roleAssignments?$filter=roleDefinitionId eq '62e90394-69f5-4237-9190-012177145e10'&$expand=principal".into(),
            false,
        ),
        (
            "roleEligibilityScheduleInstances-list.response.json",
            "/roleManagement/directory/roleEligibilityScheduleInstances".into(),
            false,
        ),
        (
            "roleAssignmentScheduleInstances-filterByCurrentUser.response.json",
            "/roleManagement/directory/roleAssignmentScheduleInstances/filterByCurrentUser(on='principal')".into(),
            false,
        ),
        (
            "administrativeUnits-list.response.json",
            "/directory/administrativeUnits".into(),
            false,
        ),
        ("domains-list.response.json", "/domains".into(), false),
        (
            "signIns-list.response.json",
            "/auditLogs/signIns?$top=1".into(),
            false,
        ),
    ];
    for (name, path, eventual) in cases {
        let (status, _, body) = admin.raw(&path, eventual).await;
        assert_eq!(status, 200, "{name} via {path}: {body}");
        assert!(
            !body["value"].as_array().is_some_and(|v| v.is_empty()),
            "{name}: empty: {body}"
        );
        assert_shape(name, &body);
    }

    // Entities.
    let (_, _, orgs) = admin.raw("/organization", false).await;
    assert_shape("organization-get.response.json", &orgs["value"][0]);
    let (_, _, sync) = admin
        .raw("/directory/onPremisesSynchronization", false)
        .await;
    assert_shape(
        "onPremisesSynchronization-get.response.json",
        &sync["value"][0],
    );
    let (_, _, list) = admin
        .raw("/roleManagement/directory/roleAssignments", false)
        .await;
    let id = list["value"][0]["id"].as_str().unwrap().to_string();
    let (status, _, one) = admin
        .raw(
            &format!("/roleManagement/directory/roleAssignments/{id}?$expand=roleDefinition"),
            false,
        )
        .await;
    assert_eq!(status, 200);
    assert_shape(
        "roleAssignment-get-expand-roleDefinition.response.json",
        &one,
    );

    let (status, _, reg) = admin
        .raw(
            "/reports/authenticationMethods/userRegistrationDetails/liam.murphy@contoso.com",
            false,
        )
        .await;
    assert_eq!(status, 200, "{reg}");
    let documented = example("userRegistrationDetails-get.response.json")["value"].clone();
    let mut problems = Vec::new();
    // `defaultMfaMethod` is in the docs' example, not in the v1.0 schema.
    let mut documented = documented;
    documented
        .as_object_mut()
        .unwrap()
        .remove("defaultMfaMethod");
    same_shape(&documented, &reg, "", &mut problems);
    assert!(problems.is_empty(), "{problems:?}");
    let (status, _, policy) = admin
        .raw(
            "/policies/authenticationMethodsPolicy/authenticationMethodConfigurations/TemporaryAccessPass",
            false,
        )
        .await;
    assert_eq!(status, 200, "{policy}");
    assert_shape(
        "temporaryAccessPassConfiguration-get.response.json",
        &policy,
    );

    let pim = crate::support::persona("pim-eligible-helpdesk").await;
    let (status, _, mine) = pim
        .raw("/roleManagement/directory/roleEligibilityScheduleInstances/filterByCurrentUser(on='principal')", false)
        .await;
    assert_eq!(status, 200);
    assert_shape(
        "roleEligibilityScheduleInstances-filterByCurrentUser.response.json",
        &mine,
    );
}

#[tokio::test]
async fn simulator_errors_have_the_documented_shapes() {
    let env = crate::support::persona("helpdesk").await;
    // $search without ConsistencyLevel: the documented 400, word for word.
    let (status, _, body) = env.raw("/users?$search=%22displayName:ad%22", false).await;
    assert_eq!(status, 400);
    assert_shape("error-search-without-consistencylevel.json", &body);
    assert_eq!(body["error"], {
        let mut e = example("error-search-without-consistencylevel.json")["error"].clone();
        e["innerError"] = body["error"]["innerError"].clone();
        e
    });
    // A denied read.
    let (status, _, body) = env.raw("/directory/onPremisesSynchronization", false).await;
    assert_eq!(status, 403);
    assert_shape("error-authorization-denied.json", &body);
    assert_eq!(body["error"]["code"], "Authorization_RequestDenied");
    // Unknown id.
    let (status, _, body) = env
        .raw("/users/00000000-0000-0000-0000-000000000000", false)
        .await;
    assert_eq!(status, 404);
    assert_shape("error-resource-not-found.observed.json", &body);
    // Unsupported filter property.
    let (status, _, body) = env.raw("/users?$filter=city eq 'Paris'", true).await;
    assert_eq!(status, 400);
    assert_shape("error-unsupported-filter.json", &body);
    assert_eq!(body["error"]["code"], "Request_UnsupportedQuery");
    // 405 for a method the target does not take.
    let resp = reqwest::Client::new()
        .delete(format!("{}/organization", env.sim.base_url))
        .bearer_auth(resetdesk::secret::ExposeSecret::expose_secret(
            &env.sim.token,
        ))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status().as_u16(), 405);
    let body: Value = resp.json().await.unwrap();
    assert_shape("error-request-badrequest-405.json", &body);

    // Throttling: the documented 429 body and a Retry-After header.
    let throttled = crate::support::start(crate::support::Setup {
        faults: "429:1:2.128",
        ..crate::support::Setup::default()
    })
    .await;
    let (status, headers, body) = throttled.raw("/me", false).await;
    assert_eq!(status, 429);
    assert_eq!(headers["retry-after"], "2.128");
    assert_shape("error-throttled-429.json", &body);
}
