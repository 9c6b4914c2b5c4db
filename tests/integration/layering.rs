//! The layers of ARCHITECTURE.md, kept by a check rather than by memory: each layer's
//! source files may name only the layers below it.

use std::path::{Path, PathBuf};

fn files(dir: &Path, out: &mut Vec<PathBuf>) {
    for e in std::fs::read_dir(dir).unwrap() {
        let p = e.unwrap().path();
        if p.is_dir() {
            files(&p, out);
        } else if p.extension().is_some_and(|x| x == "rs") {
            out.push(p);
        }
    }
}

/// The code of every file under `src/<layer>` (or the file `src/<layer>.rs`), without
/// comments and without its `#[cfg(test)]` tests.
fn sources(layer: &str) -> Vec<(PathBuf, String)> {
    let mut paths = Vec::new();
    let dir = Path::new("src").join(layer);
    if dir.is_dir() {
        files(&dir, &mut paths);
    } else {
        paths.push(Path::new("src").join(format!("{layer}.rs")));
    }
    paths
        .into_iter()
        .filter(|p| !p.ends_with("tests.rs"))
        .map(|p| {
            let text = std::fs::read_to_string(&p).unwrap();
            let code = text
                .split("#[cfg(test)]")
                .next()
                .unwrap_or_default()
                .lines()
                .filter(|l| !l.trim_start().starts_with("//"))
                .collect::<Vec<_>>()
                .join("\n");
            (p, code)
        })
        .collect()
}

fn forbid(layer: &str, needles: &[&str]) {
    let mut found = Vec::new();
    for (path, code) in sources(layer) {
        for n in needles {
            if code.contains(n) {
                found.push(format!("{} uses {n}", path.display()));
            }
        }
    }
    assert!(found.is_empty(), "layering broken:\n{}", found.join("\n"));
}

const ABOVE_SERVICE: &[&str] = &[
    "crate::app",
    "crate::ui",
    "crate::runtime",
    "crate::cli",
    "crate::sim",
];

#[test]
fn policy_is_pure_and_knows_no_layer_above_it() {
    let mut n = ABOVE_SERVICE.to_vec();
    n.extend([
        "crate::graph",
        "crate::service",
        "crate::auth",
        "crate::config",
        "std::fs",
        "std::net",
        "std::process",
        "tokio::",
        "reqwest",
    ]);
    forbid("policy", &n);
}

#[test]
fn graph_speaks_http_and_knows_no_policy() {
    let mut n = ABOVE_SERVICE.to_vec();
    n.extend(["crate::policy", "crate::service"]);
    forbid("graph", &n);
}

#[test]
fn service_serves_the_front_ends_and_does_not_know_them() {
    forbid("service", ABOVE_SERVICE);
}

#[test]
fn config_auth_and_the_small_modules_make_no_cycle() {
    forbid(
        "config",
        &[
            "crate::auth",
            "crate::graph",
            "crate::policy",
            "crate::service",
        ],
    );
    forbid("cloud", &["crate::"]);
    forbid(
        "auth",
        &[
            "crate::graph",
            "crate::policy",
            "crate::service",
            "crate::app",
        ],
    );
}

#[test]
fn app_and_ui_do_no_io() {
    let io = [
        "std::fs",
        "std::net",
        "std::process",
        "std::io::stdout",
        "std::env",
        "tokio::",
        "reqwest",
        "println!",
        "eprintln!",
        "crate::runtime",
        "crate::cli",
        "crate::clipboard::Clipboard",
    ];
    forbid("app", &io);
    forbid("ui", &io);
}

#[test]
fn ui_only_reads_the_state() {
    forbid("ui", &["&mut App", "&mut self", "crate::app::App::update"]);
}

#[test]
fn the_simulator_judges_writes_with_its_own_code() {
    forbid(
        "sim",
        &[
            "policy::eligibility",
            "policy::authority",
            "policy::password",
            "policy::matrix",
            "crate::service",
            "crate::app",
            "crate::ui",
            "crate::cli",
            "crate::runtime",
        ],
    );
}
