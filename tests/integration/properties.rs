//! The fuzz targets (`resetdesk::fuzzing`, run long with cargo-fuzz on nightly: see
//! `scripts/fuzz` and RELIABILITY.md) as bounded property tests on stable: random bytes,
//! and seeds from Microsoft's documented examples and the hostile strings mutated a few
//! bytes at a time. A fixed number of cases per target, so every test run tries them.

use proptest::prelude::*;
use resetdesk::fuzzing;

fn seeds() -> Vec<Vec<u8>> {
    let dir =
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/graph-examples");
    let mut out: Vec<Vec<u8>> = std::fs::read_dir(dir)
        .unwrap()
        .filter_map(|e| std::fs::read(e.unwrap().path()).ok())
        .collect();
    for s in [
        "displayName eq 'a' and startswith(userPrincipalName,'b') or accountEnabled eq true",
        "userId eq 'x' and createdDateTime ge 2026-11-25T00:00:00Z",
        "identities/any(i:i/issuer eq 'contoso.com' and i/issuerAssignedId eq 'x')",
        "\"displayName:ad\" OR \"mail:ad\"",
        "UserPrincipalName;ticket\nadele@contoso.com;INC-1\n\"open,quote\n",
        "graph_url = \"http://127.0.0.1:1/v1.0\"\n[keys]\nreset = [\"r\", \"F2\"]\n[profiles.a]\ntenant = \"x\"",
        "Eve\u{1b}]0;pwned\u{7}\u{1b}[2J\u{202e}moc\u{200d}👨‍👩‍👧\u{9b}",
        "o'brien@contoso.com#EXT#$&",
        r#"{"value":[{"id":"1","displayName":"lone \ud800 and \udfff, a pair \ud83d\ude00, \\ud800"}]}"#,
    ] {
        out.push(s.as_bytes().to_vec());
    }
    out
}

/// A seed with a few bytes changed, or random bytes.
fn input() -> impl Strategy<Value = Vec<u8>> {
    let seeds = seeds();
    prop_oneof![
        prop::collection::vec(any::<u8>(), 0..300),
        (
            0..seeds.len(),
            prop::collection::vec((any::<usize>(), any::<u8>()), 0..8)
        )
            .prop_map(move |(i, edits)| {
                let mut s = seeds[i].clone();
                for (at, b) in edits {
                    if !s.is_empty() {
                        let n = s.len();
                        s[at % n] = b;
                    }
                }
                s
            }),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 400, failure_persistence: None, ..ProptestConfig::default() })]

    #[test]
    fn graph_responses(data in input()) { fuzzing::graph_response(&data) }

    #[test]
    fn odata_filters(data in input()) { fuzzing::odata_filter(&data) }

    #[test]
    fn search_expressions(data in input()) { fuzzing::search_expression(&data) }

    #[test]
    fn bulk_csv_files(data in input()) { fuzzing::bulk_csv(&data) }

    #[test]
    fn config_files(data in input()) { fuzzing::config_file(&data) }

    #[test]
    fn sanitized_text(data in input()) { fuzzing::sanitizer(&data) }

    #[test]
    fn user_keys(data in input()) { fuzzing::user_key(&data) }
}
