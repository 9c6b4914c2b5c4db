//! Bulk reset in the console: users marked with Space in the results list, `R`, the dry
//! run judged with real verdicts from the simulator, the typed count, the run carried out
//! by the real `service::bulk` against the simulator (and by the executor, journal
//! included), each row's password copied and cleared, the audit log ticking rows off.

use std::time::{Duration, Instant};

use ratatui::Terminal;
use ratatui::backend::TestBackend;
use ratatui::crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use resetdesk::app::bulk::{Judged, Phase};
use resetdesk::app::{App, Effect, Msg};
use resetdesk::graph::GraphApi;
use resetdesk::graph::model::{AuditInitiator, AuditTarget, AuditUser, DirectoryAudit, User};
use resetdesk::secret::ExposeSecret;
use resetdesk::service::facts::{OperatorFacts, assess, operator_facts};
use resetdesk::service::reset::ResetStatus;

use crate::support::console::{self, code, key, type_str};

const UPNS: [&str; 3] = [
    "adele.vance@contoso.com",
    "alan.steiner@contoso.com",
    "megan.bowen@contoso.com",
];

async fn users(env: &crate::support::Env) -> Vec<User> {
    let mut out = Vec::new();
    for upn in UPNS {
        let r = env.client.search_users(upn, 5).await.unwrap();
        out.push(
            r.users
                .into_iter()
                .find(|u| u.user_principal_name.as_deref() == Some(upn))
                .unwrap(),
        );
    }
    out
}

fn screen(a: &App, w: u16, h: u16) -> String {
    let mut t = Terminal::new(TestBackend::new(w, h)).unwrap();
    t.draw(|f| resetdesk::ui::render(a, &resetdesk::theme::Theme::monochrome(), f))
        .unwrap();
    let buf = t.backend().buffer();
    (0..h)
        .map(|y| (0..w).map(|x| buf[(x, y)].symbol()).collect::<String>() + "\n")
        .collect()
}

/// Signed in as `operator`, the three users in the list, typing ended.
fn listed(operator: &OperatorFacts, users: Vec<User>, t0: Instant) -> App {
    let mut a = console::app();
    a.update(console::session_of("Contoso Ltd", operator.clone()), t0);
    let n = users.len() as u64;
    let later = console::answer_search(&mut a, "e", users, Some(n), t0);
    a.update(code(KeyCode::Esc), later);
    a
}

fn shift_tab() -> Msg {
    Msg::Key(KeyEvent::new(KeyCode::BackTab, KeyModifiers::SHIFT))
}

/// On the dry run: back to the count (Shift-Tab twice), `count` typed, Reset.
fn confirm(a: &mut App, count: &str, now: Instant) -> Vec<Effect> {
    a.update(shift_tab(), now);
    a.update(shift_tab(), now);
    type_str(a, count, now);
    a.update(code(KeyCode::Tab), now);
    a.update(code(KeyCode::Enter), now)
}

/// Answers the dry run's requests with the simulator's real verdicts.
async fn judge(a: &mut App, fx: Vec<Effect>, env: &crate::support::Env, now: Instant) {
    let (req, ids, operator) = fx
        .into_iter()
        .find_map(|e| match e {
            Effect::BulkJudge { req, ids, operator } => Some((req, ids, operator)),
            _ => None,
        })
        .expect("R asks for the dry run");
    // They come back in any order.
    for (index, id) in ids.iter().enumerate().rev() {
        let result = assess(&env.client, &operator, id)
            .await
            .map(Box::new)
            .map_err(|e| e.to_string());
        a.update(Msg::BulkJudged { req, index, result }, now);
    }
}

#[tokio::test]
async fn marked_users_go_through_the_dry_run_the_typed_count_and_the_run() {
    let env = crate::support::persona("helpdesk").await;
    let operator = operator_facts(&env.client, Default::default())
        .await
        .unwrap();
    let t0 = Instant::now();
    let mut a = listed(&operator, users(&env).await, t0);
    // Nothing marked: R says what to do.
    assert!(a.update(key('R'), t0).is_empty());
    assert!(
        a.flash.as_ref().unwrap().text.contains("Space first"),
        "{:?}",
        a.flash
    );
    // Space marks the highlighted user and moves down: three keys, three users.
    for _ in 0..3 {
        a.update(key(' '), t0);
    }
    assert_eq!(a.search.marked.len(), 3);
    let s = screen(&a, 120, 40);
    assert!(s.contains("3 marked (R: bulk reset)"), "{s}");
    assert_eq!(
        s.matches("┃ ●").count() + s.matches("┃▶●").count(),
        3,
        "{s}"
    );
    // Space again (on the last row, where the highlight stayed) unmarks; the count
    // follows.
    a.update(key(' '), t0);
    assert_eq!(a.search.marked.len(), 2);
    assert!(screen(&a, 120, 40).contains("2 marked"));
    a.update(key(' '), t0);
    assert_eq!(a.search.marked.len(), 3);

    // R: the dry run, on Cancel, nothing sent.
    let fx = a.update(key('R'), t0);
    assert!(
        matches!(&fx[..], [Effect::BulkJudge { ids, .. }] if ids.len() == 3),
        "{fx:?}"
    );
    let s = screen(&a, 120, 40);
    assert!(s.contains("checking"), "{s}");
    judge(&mut a, fx, &env, t0).await;
    let b = a.bulk.as_ref().unwrap();
    // The helpdesk may reset the cloud user and the synced one (written back), not the
    // Global Administrator.
    let verdicts: Vec<&str> = b
        .rows
        .iter()
        .map(|r| match &r.judged {
            Judged::Allowed(_) => "allowed",
            Judged::Refused(_) => "refused",
            _ => "other",
        })
        .collect();
    assert_eq!(verdicts, ["allowed", "allowed", "refused"]);
    assert!(
        b.summary().starts_with("would reset 2 · refused 1 ("),
        "{}",
        b.summary()
    );
    let s = screen(&a, 120, 40);
    for shown in [
        "Dry run: nothing has been sent",
        "would reset · passwordProfile",
        "would reset · resetPassword",
        "✗ refused:",
        "Type 2 to confirm",
        "Reset 2 passwords",
    ] {
        assert!(s.contains(shown), "{shown}: {s}");
    }
    // Enter on Cancel closes it; nothing was sent, the marks stay.
    assert!(a.update(code(KeyCode::Enter), t0).is_empty());
    assert!(a.bulk.is_none());
    assert_eq!(a.search.marked.len(), 3);

    // Again; Reset before the count is typed sends nothing.
    let fx = a.update(key('R'), t0);
    judge(&mut a, fx, &env, t0).await;
    a.update(shift_tab(), t0);
    assert!(a.update(code(KeyCode::Enter), t0).is_empty());
    assert!(
        a.flash.as_ref().unwrap().text.contains("type 2"),
        "{:?}",
        a.flash
    );
    // The wrong count does not arm it either.
    a.update(shift_tab(), t0);
    type_str(&mut a, "3", t0);
    a.update(code(KeyCode::Tab), t0);
    assert!(a.update(code(KeyCode::Enter), t0).is_empty());
    a.update(shift_tab(), t0);
    a.update(code(KeyCode::Backspace), t0);
    type_str(&mut a, "2", t0);
    a.update(code(KeyCode::Tab), t0);
    let fx = a.update(code(KeyCode::Enter), t0);
    let (req, plan, notes) = match fx.into_iter().next() {
        Some(Effect::BulkReset { req, plan, notes }) => (req, plan, notes),
        other => panic!("the run is sent: {other:?}"),
    };
    assert_eq!(plan.len(), 2);
    assert_eq!(notes.len(), 2);
    assert!(a.search.marked.is_empty(), "the marks did their work");
    // Each user their own password, the dialog's choices carried.
    assert_ne!(
        plan[0].request.password.as_ref().unwrap().expose_secret(),
        plan[1].request.password.as_ref().unwrap().expose_secret()
    );
    assert!(
        plan.iter()
            .all(|p| p.request.force_change && p.request.generated)
    );
    let passwords: Vec<String> = plan
        .iter()
        .map(|p| {
            p.request
                .password
                .as_ref()
                .unwrap()
                .expose_secret()
                .to_string()
        })
        .collect();

    // The real bulk service against the simulator; the answers go back as the executor
    // sends them.
    let mut outcomes = Vec::new();
    resetdesk::service::bulk::execute(&env.client, plan, |_| {}, |k, o| outcomes.push((k, o)))
        .await;
    assert!(matches!(a.bulk.as_ref().unwrap().phase, Phase::Running(_)));
    let s = screen(&a, 120, 40);
    assert!(
        s.contains("0/2 resets") && s.contains("queued or sending"),
        "{s}"
    );
    for (key, outcome) in outcomes {
        a.update(
            Msg::BulkOne {
                req,
                key,
                outcome: Box::new(outcome),
            },
            t0 + Duration::from_secs(1),
        );
    }
    let s = screen(&a, 120, 40);
    assert!(s.contains("2/2 resets") && s.contains("/s"), "{s}");
    // Esc does nothing while the run is out.
    a.update(code(KeyCode::Esc), t0);
    assert!(a.bulk.is_some());
    a.update(Msg::BulkFinished { req }, t0 + Duration::from_secs(1));
    let b = a.bulk.as_ref().unwrap();
    assert_eq!(b.phase, Phase::Done);
    let statuses: Vec<Option<ResetStatus>> = b
        .rows
        .iter()
        .map(|r| r.outcome.as_ref().map(|o| o.status))
        .collect();
    assert_eq!(statuses[0], Some(ResetStatus::Succeeded));
    assert!(
        matches!(
            statuses[1],
            Some(ResetStatus::Succeeded | ResetStatus::Accepted)
        ),
        "{statuses:?}"
    );
    assert_eq!(statuses[2], None, "the refused user is not sent");
    // The simulator did each once.
    let done = crate::batch::resets_of(&env);
    for u in &b.rows[..2] {
        assert_eq!(done.get(&u.user.id), Some(&1), "{done:?}");
    }
    assert!(!done.contains_key(&b.rows[2].user.id));
    assert!(
        a.flash
            .as_ref()
            .unwrap()
            .text
            .starts_with("bulk reset done: reset "),
        "{:?}",
        a.flash
    );
    // Masked until v, and only the highlighted row's shows.
    let s = screen(&a, 120, 40);
    assert!(!s.contains(&passwords[0]) && !s.contains(&passwords[1]));
    a.update(key('v'), t0);
    let s = screen(&a, 120, 40);
    assert!(
        s.contains(&passwords[0]) && !s.contains(&passwords[1]),
        "{s}"
    );
    // Moving hides it again.
    a.update(key('j'), t0);
    assert!(!screen(&a, 120, 40).contains(&passwords[0]));

    // y copies the highlighted row's password; the clear follows after the delay.
    let fx = a.update(key('y'), t0);
    assert!(
        matches!(&fx[..], [Effect::Copy(pw)] if pw.expose_secret() == passwords[1]),
        "{fx:?}"
    );
    a.update(Msg::Copied(Ok("copied (OSC 52)".into())), t0);
    assert!(screen(&a, 120, 40).contains("clipboard clears in 30 s"));
    let fx = a.update(Msg::Tick, t0 + Duration::from_secs(31));
    assert!(
        matches!(&fx[..], [Effect::ClearClipboard(pw)] if pw.expose_secret() == passwords[1]),
        "{fx:?}"
    );

    // A copy whose answer comes after the window closed is still cleared later.
    let fx = a.update(key('y'), t0);
    assert!(matches!(&fx[..], [Effect::Copy(_)]), "{fx:?}");
    let saved = a.bulk.take();
    a.update(Msg::Copied(Ok("copied (OSC 52)".into())), t0);
    let fx = a.update(Msg::Tick, t0 + Duration::from_secs(31));
    assert!(
        matches!(&fx[..], [Effect::ClearClipboard(pw)] if pw.expose_secret() == passwords[1]),
        "{fx:?}"
    );
    a.bulk = saved;

    // The audit log ticks a row off.
    let entry = DirectoryAudit {
        id: "a1".into(),
        activity_display_name: "Reset user password".into(),
        activity_date_time: Some(time::OffsetDateTime::now_utc()),
        result: Some("success".into()),
        initiated_by: Some(AuditInitiator {
            user: Some(AuditUser {
                id: Some(operator.user.id.clone()),
                ..Default::default()
            }),
            app: None,
        }),
        target_resources: vec![AuditTarget {
            id: Some(a.bulk.as_ref().unwrap().rows[0].user.id.clone()),
            kind: Some("User".into()),
            ..Default::default()
        }],
        ..Default::default()
    };
    let fx = a.update(Msg::AuditBatch(vec![entry]), t0);
    assert!(matches!(&fx[..], [Effect::JournalConfirm { .. }]), "{fx:?}");
    assert!(
        a.bulk.as_ref().unwrap().rows[0]
            .outcome
            .as_ref()
            .unwrap()
            .confirmed
    );
    assert!(screen(&a, 120, 40).contains("✓ audit"));

    // Every password was shown (row 0) or copied (row 1): one Esc closes. (A window with
    // a password neither copied nor shown holds the first Esc back: the tmux test.)
    a.update(code(KeyCode::Esc), t0);
    assert!(a.bulk.is_none());
}

#[tokio::test]
async fn a_read_only_session_or_a_missing_sign_in_opens_no_bulk_window() {
    let env = crate::support::persona("helpdesk").await;
    let operator = operator_facts(&env.client, Default::default())
        .await
        .unwrap();
    let t0 = Instant::now();
    let mut a = listed(&operator, users(&env).await, t0);
    a.update(key(' '), t0);
    a.options.read_only = true;
    assert!(a.update(key('R'), t0).is_empty());
    assert!(a.bulk.is_none());
    assert!(a.flash.as_ref().unwrap().text.contains("read-only"));
    // Quit while a run is out asks first.
    a.options.read_only = false;
    let fx = a.update(key('R'), t0);
    judge(&mut a, fx, &env, t0).await;
    assert!(matches!(
        &confirm(&mut a, "1", t0)[..],
        [Effect::BulkReset { .. }]
    ));
    assert!(a.update(key('q'), t0).is_empty());
    assert!(!a.quit);
    assert!(
        a.quit_warning()
            .unwrap()
            .contains("bulk reset is in flight")
    );
}

/// The executor carries the dry run and the run out against the simulator, through
/// throttling, and journals every reset.
#[tokio::test]
async fn the_executor_judges_runs_and_journals_a_bulk_reset() {
    use std::sync::Arc;
    let env = crate::support::start(crate::support::Setup {
        faults: "429:0.2",
        ..Default::default()
    })
    .await;
    let operator = Arc::new(
        operator_facts(&env.client, Default::default())
            .await
            .unwrap(),
    );
    let users = users(&env).await;
    let dir = tempfile::tempdir().unwrap();
    let journal = resetdesk::journal::Journal::at(dir.path().join("journal.jsonl"));
    let (mut exec, mut rx) = executor(&env, journal);
    let mut a = listed(&operator, users, Instant::now());
    for _ in 0..3 {
        a.update(key(' '), Instant::now());
    }
    for fx in a.update(key('R'), Instant::now()) {
        exec.run(fx);
    }
    let mut judged = 0;
    while judged < 3 {
        let m = tokio::time::timeout(Duration::from_secs(60), rx.recv())
            .await
            .expect("the dry run answers")
            .unwrap();
        if matches!(m, Msg::BulkJudged { .. }) {
            judged += 1;
        }
        a.update(m, Instant::now());
    }
    assert_eq!(a.bulk.as_ref().unwrap().allowed(), 2);
    for fx in confirm(&mut a, "2", Instant::now()) {
        exec.run(fx);
    }
    let mut ones = 0;
    loop {
        let m = tokio::time::timeout(Duration::from_secs(120), rx.recv())
            .await
            .expect("the run answers")
            .unwrap();
        let finished = matches!(m, Msg::BulkFinished { .. });
        ones += matches!(m, Msg::BulkOne { .. }) as usize;
        a.update(m, Instant::now());
        if finished {
            break;
        }
    }
    assert_eq!(ones, 2);
    let b = a.bulk.as_ref().unwrap();
    assert_eq!(b.phase, Phase::Done);
    assert!(b.rows[..2].iter().all(|r| {
        r.outcome
            .as_ref()
            .is_some_and(|o| matches!(o.status, ResetStatus::Succeeded | ResetStatus::Accepted))
    }));
    let done = crate::batch::resets_of(&env);
    assert!(
        b.rows[..2].iter().all(|r| done.get(&r.user.id) == Some(&1)),
        "{done:?}"
    );
    // Each reset journaled once, marked as the console's bulk run.
    let (entries, _) = resetdesk::journal::Journal::at(dir.path().join("journal.jsonl"))
        .read()
        .unwrap();
    let resets: Vec<_> = entries.iter().filter(|e| e.action == "reset").collect();
    assert_eq!(resets.len(), 2, "{entries:?}");
    assert!(resets.iter().all(|e| e.bulk.as_deref() == Some("console")));
    exec.shutdown();
}

/// The console's executor on `env`'s simulator, journaling to `journal`, and the channel
/// its answers come back on.
fn executor(
    env: &crate::support::Env,
    journal: resetdesk::journal::Journal,
) -> (
    resetdesk::runtime::Executor,
    tokio::sync::mpsc::UnboundedReceiver<Msg>,
) {
    use std::sync::Arc;
    // Patient with throttled reads, as the console's client is.
    let graph: Arc<dyn GraphApi> = Arc::new(
        resetdesk::graph::GraphClient::new(
            resetdesk::graph::ClientOptions {
                base_url: env.sim.base_url.clone(),
                timeout: Duration::from_secs(10),
                max_attempts: 10,
                max_retry_wait: Duration::from_secs(5),
                cloud: resetdesk::cloud::Cloud::Global,
            },
            Arc::new(resetdesk::auth::StaticToken::new(env.sim.token.clone())),
        )
        .unwrap(),
    );
    let (tx, rx) = tokio::sync::mpsc::unbounded_channel();
    let exec = resetdesk::runtime::Executor::new(
        resetdesk::runtime::Io {
            graph,
            tokens: Arc::new(resetdesk::auth::StaticToken::new(env.sim.token.clone())),
            clipboard: resetdesk::clipboard::Clipboard::new(resetdesk::config::ClipboardMode::Off),
            journal: Some(journal),
            tenant: None,
            audit: Default::default(),
            audit_timing: Default::default(),
            switcher: None,
        },
        tx,
    );
    (exec, rx)
}

/// The next message from the executor, answering dry-run judgements on the way.
async fn next(rx: &mut tokio::sync::mpsc::UnboundedReceiver<Msg>) -> Msg {
    tokio::time::timeout(Duration::from_secs(60), rx.recv())
        .await
        .expect("the executor answers")
        .unwrap()
}

#[tokio::test]
async fn a_journal_open_to_others_stops_a_console_reset_and_bulk_run_before_anything_is_sent() {
    use std::os::unix::fs::PermissionsExt;
    use std::sync::Arc;
    let env = crate::support::start(Default::default()).await;
    let operator = Arc::new(
        operator_facts(&env.client, Default::default())
            .await
            .unwrap(),
    );
    let users = users(&env).await;
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("journal.jsonl");
    std::fs::write(&path, "").unwrap();
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o644)).unwrap();
    let (mut exec, mut rx) = executor(&env, resetdesk::journal::Journal::at(path.clone()));
    let now = Instant::now();
    let mut a = listed(&operator, users.clone(), now);

    // One reset: r, Shift-Tab to Reset password, Enter.
    let adele = assess(&env.client, &operator, &users[0].id).await.unwrap();
    console::open(&mut a, Box::new(adele), now);
    a.update(key('r'), now);
    a.update(shift_tab(), now);
    let fx = a.update(code(KeyCode::Enter), now);
    assert!(
        fx.iter().any(|e| matches!(e, Effect::Reset { .. })),
        "{fx:?}"
    );
    for fx in fx {
        exec.run(fx);
    }
    let m = next(&mut rx).await;
    assert!(matches!(m, Msg::NotSent { .. }), "{m:?}");
    a.update(m, now);
    assert!(!a.reset.is_open(), "the dialog closes");
    let flash = &a.flash.as_ref().expect("the console says why").text;
    assert!(flash.contains("nothing sent to Adele"), "{flash}");
    assert!(
        flash.contains(&format!("chmod 600 {}", path.display())),
        "{flash}"
    );
    let text = screen(&a, 120, 30);
    assert!(text.contains("nothing sent to Adele"), "{text}");

    // A bulk run: back to the dry run, the marks kept for the next try.
    a.update(code(KeyCode::Esc), now);
    for _ in 0..3 {
        a.update(key(' '), now);
    }
    for fx in a.update(key('R'), now) {
        exec.run(fx);
    }
    for _ in 0..3 {
        let m = next(&mut rx).await;
        assert!(matches!(m, Msg::BulkJudged { .. }), "{m:?}");
        a.update(m, now);
    }
    let fx = confirm(&mut a, "2", now);
    assert!(
        fx.iter().any(|e| matches!(e, Effect::BulkReset { .. })),
        "{fx:?}"
    );
    for fx in fx {
        exec.run(fx);
    }
    let m = next(&mut rx).await;
    assert!(matches!(m, Msg::NotSent { .. }), "{m:?}");
    a.update(m, now);
    let b = a.bulk.as_ref().unwrap();
    assert_eq!(b.phase, Phase::Plan);
    assert!(b.rows.iter().all(|r| !r.sent && r.outcome.is_none()));
    assert_eq!(a.search.marked.len(), 3);
    assert!(
        a.flash
            .as_ref()
            .unwrap()
            .text
            .contains("nothing sent to the marked users"),
        "{:?}",
        a.flash
    );

    assert!(
        env.sim.state.writes().is_empty(),
        "{:?}",
        env.sim.state.writes()
    );
    assert_eq!(
        std::fs::read_to_string(&path).unwrap(),
        "",
        "nothing journaled"
    );
    exec.shutdown();
}
