//! Issue 17's figures beside their goals, as one table: what a keystroke and a frame cost
//! in the console with 999 results loaded, and what the simulator costs at 100,000 users
//! (one `$search` page over HTTP; the `resetdesk sim` process's start-up, memory and idle
//! CPU). `scripts/bench` runs it (and the bulk bench); BENCHMARKS.md records the output.
//! A bench command, not criterion: it reports medians and tails, which the goals are.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::hint::black_box;
use std::io::BufRead;
use std::time::{Duration, Instant};

use ratatui::Terminal;
use ratatui::backend::TestBackend;
use resetdesk::app::search::Search;
use resetdesk::app::{App, Options};
use resetdesk::graph::GraphApi;
use resetdesk::keymap::Keymap;
use resetdesk::sim::Tenant;
use resetdesk::theme::Theme;

mod common;

/// One row of the table.
struct Figure {
    what: String,
    goal: String,
    median: String,
    spread: String,
}

/// `n` timed runs of `f` after a warm-up: the median and p1–p99 in milliseconds.
fn sample(n: usize, mut f: impl FnMut()) -> (f64, f64, f64) {
    for _ in 0..n / 10 + 1 {
        f();
    }
    let mut ms: Vec<f64> = (0..n)
        .map(|_| {
            let t = Instant::now();
            f();
            t.elapsed().as_secs_f64() * 1000.0
        })
        .collect();
    ms.sort_by(f64::total_cmp);
    let at = |q: f64| ms[((ms.len() - 1) as f64 * q).round() as usize];
    (at(0.5), at(0.01), at(0.99))
}

fn timed(what: &str, goal: &str, n: usize, f: impl FnMut()) -> Figure {
    let (p50, p1, p99) = sample(n, f);
    Figure {
        what: what.into(),
        goal: goal.into(),
        median: format!("{p50:.3} ms"),
        spread: format!("p1 {p1:.3} · p99 {p99:.3} ms"),
    }
}

fn console(out: &mut Vec<Figure>) {
    let loaded = common::users(999);
    for (q, goal) in [("a", "p50 ≤ 1 ms, p99 ≤ 2 ms"), ("ander", "—")] {
        let mut s = Search::default();
        s.set_results(loaded.clone(), q.into(), Some(999));
        s.input.set(q);
        out.push(timed(
            &format!("re-rank 999 loaded, query {q:?}"),
            goal,
            400,
            || {
                s.rerank();
                black_box(s.rows.len());
            },
        ));
    }
    let mut app = App::new(Options::default(), Keymap::default());
    app.search.input.set("a");
    app.search.set_results(loaded, "a".into(), Some(999));
    // Deep in the list: the rows before the selection are not drawn either.
    app.search.selected = 500;
    let theme = Theme::ansi();
    for (w, h, goal) in [(120, 40, "≤ 1.5 ms"), (200, 60, "≤ 2 ms")] {
        let mut term = Terminal::new(TestBackend::new(w, h)).unwrap();
        out.push(timed(
            &format!("one frame, 999 loaded, {w}×{h}"),
            goal,
            400,
            || {
                term.draw(|f| resetdesk::ui::render(&app, &theme, f))
                    .unwrap();
            },
        ));
    }
}

/// One `$search` page (25 of them, with `$count`) over HTTP against 100,000 users.
fn simulator_search(out: &mut Vec<Figure>) {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    let (_sim, client) = rt.block_on(async {
        let mut tenant = Tenant::demo().unwrap();
        tenant.add_generated_users(100_000).unwrap();
        let sim = common::start_sim(tenant, "", Duration::ZERO).await;
        let client = resetdesk::graph::GraphClient::new(
            resetdesk::graph::ClientOptions {
                base_url: sim.base_url.clone(),
                timeout: Duration::from_secs(30),
                max_attempts: 1,
                max_retry_wait: Duration::from_secs(1),
                cloud: resetdesk::cloud::Cloud::Global,
            },
            std::sync::Arc::new(resetdesk::auth::StaticToken::new(sim.token.clone())),
        )
        .unwrap();
        (sim, client)
    });
    for q in ["jonas", "a"] {
        out.push(timed(
            &format!("simulator: one `$search` page for {q:?}, 100k users, over HTTP"),
            "≤ 10 ms",
            60,
            || {
                rt.block_on(async { black_box(client.search_users(q, 25).await.unwrap()) });
            },
        ));
    }
}

/// `resetdesk sim --users 100000` as an admin starts it: time to its first line (it is
/// serving), resident memory once ready, and CPU while idle.
fn simulator_process(out: &mut Vec<Figure>) {
    let bin = env!("CARGO_BIN_EXE_resetdesk");
    let mut ready = Vec::new();
    let mut rss = Vec::new();
    let mut idle = Vec::new();
    let idle_for = Duration::from_secs(20);
    for _ in 0..3 {
        let t = Instant::now();
        let mut child = std::process::Command::new(bin)
            .args(["sim", "--users", "100000"])
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::null())
            .spawn()
            .unwrap();
        let mut lines = std::io::BufReader::new(child.stdout.take().unwrap()).lines();
        lines.next().unwrap().unwrap();
        ready.push(t.elapsed().as_secs_f64());
        let pid = child.id();
        let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap();
        let kb: f64 = status
            .lines()
            .find_map(|l| l.strip_prefix("VmRSS:"))
            .and_then(|v| v.split_whitespace().next()?.parse().ok())
            .unwrap();
        rss.push(kb / 1024.0);
        let cpu = || {
            let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap();
            // utime and stime, fields 14 and 15, after the parenthesised name.
            let rest = &stat[stat.rfind(')').unwrap() + 2..];
            let f: Vec<u64> = rest
                .split_whitespace()
                .skip(11)
                .take(2)
                .map(|x| x.parse().unwrap())
                .collect();
            f[0] + f[1]
        };
        // Past the start-up's tail, then the idle window.
        std::thread::sleep(Duration::from_secs(2));
        let before = cpu();
        std::thread::sleep(idle_for);
        let ticks = cpu() - before;
        // Clock ticks are 1/100 s on Linux.
        idle.push(ticks as f64 / 100.0 / idle_for.as_secs_f64() * 100.0);
        let _ = child.kill();
        let _ = child.wait();
    }
    let row = |what: &str, goal: &str, v: &mut Vec<f64>, unit: &str, digits: usize| {
        v.sort_by(f64::total_cmp);
        Figure {
            what: what.into(),
            goal: goal.into(),
            median: format!("{:.*} {unit}", digits, v[v.len() / 2]),
            spread: format!(
                "{:.*}–{:.*} {unit} (3 runs)",
                digits,
                v[0],
                digits,
                v[v.len() - 1]
            ),
        }
    };
    out.push(row(
        "`resetdesk sim --users 100000`: ready (first line)",
        "≤ 1.5 s",
        &mut ready,
        "s",
        2,
    ));
    out.push(row(
        "`resetdesk sim --users 100000`: resident once ready",
        "≤ 250 MB",
        &mut rss,
        "MB",
        0,
    ));
    out.push(row(
        "`resetdesk sim --users 100000`: idle CPU over 20 s",
        "≤ 0.05 %",
        &mut idle,
        "%",
        2,
    ));
}

fn main() {
    // `cargo bench` passes `--bench`; a name filters nothing here.
    let mut out = Vec::new();
    console(&mut out);
    simulator_search(&mut out);
    simulator_process(&mut out);
    println!("| figure | goal | median | spread |");
    println!("|---|---|---|---|");
    for f in out {
        println!("| {} | {} | {} | {} |", f.what, f.goal, f.median, f.spread);
    }
}
