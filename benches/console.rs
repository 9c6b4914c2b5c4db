//! What an admin feels per keystroke and per frame, and what the simulator costs at scale.
//! `cargo bench --bench console`; results are recorded in BENCHMARKS.md.
#![allow(clippy::unwrap_used, clippy::expect_used)] // tests and benches may panic

use std::hint::black_box;
use std::time::Instant;

use criterion::{Criterion, criterion_group, criterion_main};
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use resetdesk::app::search::Search;
use resetdesk::app::{App, Options};
use resetdesk::graph::model::User;
use resetdesk::keymap::Keymap;
use resetdesk::sim::Tenant;
use resetdesk::theme::Theme;

fn users(n: usize) -> Vec<User> {
    let mut t = Tenant::demo().unwrap();
    t.add_generated_users(n).unwrap();
    t.users
        .iter()
        .rev()
        .take(n)
        .map(|u| serde_json::from_value(serde_json::Value::Object(u.props.clone())).unwrap())
        .collect()
}

fn rerank(c: &mut Criterion) {
    // The most a search loads (Graph's page maximum), re-ranked on every keystroke.
    let loaded = users(999);
    let mut s = Search {
        server: loaded,
        server_query: "a".into(),
        ..Default::default()
    };
    for q in ["a", "ander", "jonas.weber"] {
        s.input.set(q);
        c.bench_function(&format!("rerank 999 loaded users, query {q:?}"), |b| {
            b.iter(|| {
                s.rerank();
                black_box(s.rows.len())
            })
        });
    }
}

fn render(c: &mut Criterion) {
    let mut app = App::new(Options::default(), Keymap::default());
    app.search.server = users(200);
    app.search.input.set("a");
    app.search.rerank();
    let theme = Theme::ansi();
    let mut term = Terminal::new(TestBackend::new(120, 40)).unwrap();
    c.bench_function("render a full 120x40 frame with 200 results", |b| {
        b.iter(|| {
            term.draw(|f| resetdesk::ui::render(&app, &theme, f))
                .unwrap();
        })
    });
}

fn simulator_search(c: &mut Criterion) {
    // Server side of `$search` over 100,000 users (the simulator, not Graph).
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    let env = rt.block_on(async {
        let mut tenant = Tenant::demo().unwrap();
        let t0 = Instant::now();
        tenant.add_generated_users(100_000).unwrap();
        eprintln!("generating 100,000 users took {:?}", t0.elapsed());
        let sim = resetdesk::sim::start(resetdesk::sim::SimOptions {
            port: 0,
            tenant,
            operation_delay: std::time::Duration::from_millis(100),
            audit: resetdesk::sim::AuditOptions {
                activity_every: None,
                history: 0,
                ..Default::default()
            },
            persona: "helpdesk".into(),
            faults: resetdesk::sim::Faults::default(),
            latency: std::time::Duration::ZERO,
            cloud: resetdesk::cloud::Cloud::Global,
            token_lifetime: std::time::Duration::from_secs(3599),
            write_limit: (3000, std::time::Duration::from_secs(150)),
        })
        .await
        .unwrap();
        let client = resetdesk::graph::GraphClient::new(
            resetdesk::graph::ClientOptions {
                base_url: sim.base_url.clone(),
                timeout: std::time::Duration::from_secs(30),
                max_attempts: 1,
                max_retry_wait: std::time::Duration::from_secs(1),
                cloud: resetdesk::cloud::Cloud::Global,
            },
            std::sync::Arc::new(resetdesk::auth::StaticToken::new(sim.token.clone())),
        )
        .unwrap();
        (sim, client)
    });
    use resetdesk::graph::GraphApi;
    c.bench_function(
        "search 'jonas' top 25 over HTTP, 100k-user simulator",
        |b| {
            b.iter(|| {
                rt.block_on(async {
                    black_box(env.1.search_users("jonas", 25).await.unwrap().users.len())
                })
            })
        },
    );
}

criterion_group! {
    name = benches;
    config = Criterion::default().sample_size(30);
    targets = rerank, render, simulator_search
}
criterion_main!(benches);
