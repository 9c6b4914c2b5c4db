//! Entry points for fuzzing: each takes arbitrary bytes, feeds them to one parser the
//! outside world can reach (Graph's answers, the simulator's OData and `$search`
//! parsers, the bulk CSV, the config file, directory text, a user key as typed) and
//! checks what must hold whatever the input — above all, that nothing panics. The
//! cargo-fuzz targets (`fuzz/`, nightly) and the bounded property tests on stable
//! (`tests/integration/properties.rs`) call these same functions.

use std::path::Path;

use crate::graph::model::*;
use crate::sanitize::{sanitize, truncate, width};

fn text(data: &[u8]) -> String {
    String::from_utf8_lossy(data).into_owned()
}

/// A Graph response body: every model the client parses (after the lone-surrogate
/// repair the client applies), and the error envelope.
pub fn graph_response(data: &[u8]) {
    let repaired = repair_lone_surrogates(data);
    // The repair never turns a body that parsed into one that does not.
    if serde_json::from_slice::<serde_json::Value>(data).is_ok() {
        assert!(
            serde_json::from_slice::<serde_json::Value>(&repaired).is_ok(),
            "{:?}",
            String::from_utf8_lossy(&repaired)
        );
    }
    let data: &[u8] = &repaired;
    let _ = serde_json::from_slice::<Page<User>>(data);
    let _ = serde_json::from_slice::<User>(data);
    let _ = serde_json::from_slice::<Page<DirectoryObject>>(data);
    let _ = serde_json::from_slice::<Page<RoleAssignment>>(data);
    let _ = serde_json::from_slice::<Page<ScheduleInstance>>(data);
    let _ = serde_json::from_slice::<Page<DirectoryAudit>>(data);
    let _ = serde_json::from_slice::<Page<SignIn>>(data);
    let _ = serde_json::from_slice::<RegistrationDetails>(data);
    let _ = serde_json::from_slice::<Page<AuthMethod>>(data);
    let _ = serde_json::from_slice::<TapPolicy>(data);
    let _ = serde_json::from_slice::<TapMethod>(data);
    let _ = serde_json::from_slice::<Operation>(data);
    let _ = serde_json::from_slice::<Organization>(data);
    for status in [400, 403, 404, 429, 503] {
        let e = crate::graph::GraphError::from_response(status, data, None, None);
        // The message is shown to people: it must be printable.
        let shown = crate::sanitize::sanitize_line(&e.to_string(), 400);
        assert!(!shown.chars().any(char::is_control), "{shown:?}");
    }
}

#[cfg(feature = "demo")]
fn sample_user() -> serde_json::Map<String, serde_json::Value> {
    let v = serde_json::json!({
        "id": "26be570a-ae82-4189-b4e2-a37c6808512d",
        "displayName": "Adele Vance", "userPrincipalName": "adele.vance@contoso.com",
        "mail": "adele@contoso.com", "accountEnabled": true,
        "otherMails": ["a@example.org"], "identities": [{"signInType": "userPrincipalName", "issuer": "contoso.com"}],
        "createdDateTime": "2026-11-01T09:00:00Z", "status": {"errorCode": 50126},
        "initiatedBy": {"user": {"id": "x", "userPrincipalName": "op@contoso.com"}}
    });
    match v {
        serde_json::Value::Object(m) => m,
        _ => serde_json::Map::new(),
    }
}

/// An OData `$filter` as the simulator parses and evaluates it.
#[cfg(feature = "demo")]
pub fn odata_filter(data: &[u8]) {
    if let Ok(f) = crate::sim::filter::parse(&text(data)) {
        let _ = f.matches(&sample_user());
        let _ = f.paths();
        let _ = f.uses_or();
    }
}

/// A `$search` expression as the simulator parses and evaluates it.
#[cfg(feature = "demo")]
pub fn search_expression(data: &[u8]) {
    if let Ok(e) = crate::sim::search::parse(&text(data))
        && let Ok(u) = crate::sim::tenant::SimUser::new(sample_user())
    {
        let _ = e.matches(&u);
    }
}

/// A bulk CSV: every row is read or reported with a line that exists.
pub fn bulk_csv(data: &[u8]) {
    let t = text(data);
    if let Ok((rows, bad)) = crate::cli::csv_input::read(&t) {
        let lines = t.lines().count().max(1) + 1;
        for r in &rows {
            assert!(!r.key.trim().is_empty(), "{r:?}");
            assert!(r.line <= lines, "{r:?} of {lines}");
        }
        for b in &bad {
            assert!(b.line <= lines, "{b:?} of {lines}");
        }
    }
}

/// A config file.
pub fn config_file(data: &[u8]) {
    let _ = crate::config::Layer::from_toml(&text(data), Path::new("/etc/resetdesk.toml"));
}

/// Directory text on its way to a terminal: no control or bidi character survives, and
/// a cut line is never wider than asked.
pub fn sanitizer(data: &[u8]) {
    let out = sanitize(&text(data));
    for c in out.chars() {
        assert!(!c.is_control(), "{c:?} in {out:?}");
        assert!(
            !matches!(c, '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}' | '\u{200b}'..='\u{200f}'),
            "{c:?} in {out:?}"
        );
    }
    for w in [0, 1, 2, 5, 40] {
        assert!(width(&truncate(&out, w)) <= w, "{w}: {out:?}");
    }
}

/// A user as typed or pasted (`show USER`, `:user`, a CSV cell): checked, addressed and
/// classified without a panic, and an OData literal always balanced.
pub fn user_key(data: &[u8]) {
    let t = text(data);
    let _ = crate::graph::query::check_user_key(&t);
    let _ = crate::graph::query::user_path(&t);
    let _ = crate::graph::query::user_search_expression(&t);
    let lit = crate::graph::query::odata_string(&t);
    assert!(lit.starts_with('\'') && lit.ends_with('\''), "{lit}");
    assert_eq!(lit.matches('\'').count() % 2, 0, "{lit}");
    let _ = crate::service::resolve::is_object_id(&t);
    let _ = crate::service::resolve::guest_upn_prefix(&t);
}
