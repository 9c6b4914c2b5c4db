//! The console rendered into ratatui's TestBackend: snapshots at 120×40, 80×24 and 60×15,
//! in colour and monochrome, with real data from the simulator; and hostile display
//! names rendered with no control character reaching any cell.

use std::time::Instant;

use ratatui::Terminal;
use ratatui::backend::TestBackend;
use ratatui::crossterm::event::KeyCode;
use ratatui::style::Color;
use resetdesk::app::{App, Msg, ResetFlow};
use resetdesk::graph::GraphApi;
use resetdesk::service::facts::{OperatorFacts, assess, operator_facts};
use resetdesk::theme::Theme;

use crate::support::console;

struct Fixture {
    env: crate::support::Env,
    operator: OperatorFacts,
}

async fn fixture_as(persona: &'static str) -> Fixture {
    let env = crate::support::persona(persona).await;
    let operator = operator_facts(&env.client, Default::default())
        .await
        .unwrap();
    Fixture { env, operator }
}

async fn fixture() -> Fixture {
    fixture_as("helpdesk").await
}

/// One clock for every snapshot: countdowns render the same on every run.
fn t0() -> Instant {
    static T0: std::sync::OnceLock<Instant> = std::sync::OnceLock::new();
    *T0.get_or_init(Instant::now)
}

impl Fixture {
    /// Signed in, the search box empty.
    fn app(&self) -> App {
        let mut a = console::app();
        a.update(
            console::session_of("Contoso Ltd", self.operator.clone()),
            t0(),
        );
        a
    }

    /// `query` typed, Graph's answer shown, typing ended (Esc).
    async fn with_results(&self, query: &str) -> App {
        let mut a = self.app();
        let r = self.env.client.search_users(query, 25).await.unwrap();
        let now = console::answer_search(&mut a, query, r.users, r.count, t0());
        a.update(console::code(KeyCode::Esc), now);
        a
    }

    /// Then `j` down to the user and Enter, with the details Graph gives.
    async fn with_details(&self, query: &str, upn: &str) -> App {
        let mut a = self.with_results(query).await;
        let assessment = assess(&self.env.client, &self.operator, upn).await.unwrap();
        while a.selected_user().map(|u| u.id.as_str()) != Some(assessment.target.user.id.as_str()) {
            let before = a.search.selected;
            a.update(console::key('j'), t0());
            assert_ne!(
                a.search.selected, before,
                "{upn} is in the results for {query}"
            );
        }
        let req = console::details_req(&a.update(console::code(KeyCode::Enter), t0()));
        a.update(
            Msg::DetailsDone {
                req,
                result: Ok(Box::new(assessment)),
            },
            t0(),
        );
        a
    }
}

fn draw(app: &App, theme: &Theme, w: u16, h: u16) -> Terminal<TestBackend> {
    let mut t = Terminal::new(TestBackend::new(w, h)).unwrap();
    t.draw(|f| resetdesk::ui::render(app, theme, f)).unwrap();
    t
}

/// Each row's runs of cells with a text modifier: `row 3: 0-39 REVERSED`.
fn modifier_runs(buf: &ratatui::buffer::Buffer) -> String {
    let mut out = String::from("modifiers:\n");
    for y in 0..buf.area.height {
        let mut runs: Vec<String> = Vec::new();
        let mut x = 0;
        while x < buf.area.width {
            let m = buf[(x, y)].modifier;
            let start = x;
            while x < buf.area.width && buf[(x, y)].modifier == m {
                x += 1;
            }
            if !m.is_empty() {
                runs.push(format!("{start}-{} {m:?}", x - 1));
            }
        }
        if !runs.is_empty() {
            out.push_str(&format!("row {y}: {}\n", runs.join(", ")));
        }
    }
    out
}

const SIZES: &[(u16, u16)] = &[(120, 40), (80, 24), (60, 15)];

fn snapshot_all(name: &str, app: &App) {
    for (theme_name, theme) in [("colour", Theme::ansi()), ("mono", Theme::monochrome())] {
        for &(w, h) in SIZES {
            let t = draw(app, &theme, w, h);
            if theme.monochrome {
                // Without colour, focus and danger are bold, reverse and underline: the
                // snapshot records where they are, so NO_COLOR focus is checked too.
                let text = format!("{}\n{}", t.backend(), modifier_runs(t.backend().buffer()));
                insta::assert_snapshot!(format!("{name}_{w}x{h}_{theme_name}"), text);
            } else {
                insta::assert_snapshot!(format!("{name}_{w}x{h}_{theme_name}"), t.backend());
            }
            let colours = t
                .backend()
                .buffer()
                .content()
                .iter()
                .filter(|c| c.fg != Color::Reset || c.bg != Color::Reset)
                .count();
            if theme.monochrome {
                assert_eq!(colours, 0, "{name} {w}x{h}: monochrome uses no colour");
            } else {
                assert!(colours > 0, "{name} {w}x{h}: the colour theme uses colour");
            }
        }
    }
}

#[tokio::test]
async fn snapshots() {
    let fx = fixture().await;
    snapshot_all("empty_search", &fx.app());
    snapshot_all("results", &fx.with_results("ade").await);
    snapshot_all(
        "details_cloud_user",
        &fx.with_details("adele", "adele.vance@contoso.com").await,
    );
    snapshot_all(
        "details_synced_user",
        &fx.with_details("alan", "alan.steiner@contoso.com").await,
    );
    snapshot_all(
        "details_external_user",
        &fx.with_details("adele", "adele_fabrikam.com#EXT#@contoso.onmicrosoft.com")
            .await,
    );
    snapshot_all(
        "details_admin_not_resettable",
        &fx.with_details("megan", "megan.bowen@contoso.com").await,
    );
    let mut help = fx.with_results("ade").await;
    help.update(console::key('?'), t0());
    snapshot_all("help_overlay", &help);

    // The reset dialog for an admin who must type the UPN, and the password view.
    let paa = fixture_as("privileged-auth-admin").await;
    let mut dialog = paa.with_details("lee", "lee.gu@contoso.com").await;
    assert!(dialog.assessment().unwrap().verdict.allowed);
    dialog.update(console::key('r'), t0());
    assert!(matches!(dialog.reset, ResetFlow::Dialog(_)));
    snapshot_all("reset_dialog", &dialog);
    let mut otp = fx.with_details("adele", "adele.vance@contoso.com").await;
    let adele = otp.assessment().unwrap().target.user.id.clone();
    let reset_at = time::macros::datetime!(2026-11-22 09:30:00 UTC);
    console::reset_with(&mut otp, "Kq7#mT4!vRx9PwZ3", reset_at, t0());
    assert!(matches!(otp.reset, ResetFlow::Done(_)));
    snapshot_all("otp_masked", &otp);
    for &(w, h) in SIZES {
        let text = format!("{}", draw(&otp, &Theme::ansi(), w, h).backend());
        assert!(!text.contains("Kq7#mT4!vRx9PwZ3"), "masked means masked");
    }
    // The audit pane with a stream of entries, one confirming this operator's reset (the
    // one made above).
    let t0_audit = reset_at;
    let me = fx.operator.user.id.clone();
    let entry = |n: i64, activity: &str, by: (&str, &str), target: &str, result: &str| {
        resetdesk::graph::model::DirectoryAudit {
            id: format!("e{n}"),
            activity_display_name: activity.into(),
            activity_date_time: Some(t0_audit + time::Duration::minutes(n)),
            result: Some(result.into()),
            logged_by_service: Some("Core Directory".into()),
            initiated_by: Some(resetdesk::graph::model::AuditInitiator {
                user: Some(resetdesk::graph::model::AuditUser {
                    id: Some(by.0.into()),
                    user_principal_name: Some(by.1.into()),
                    ip_address: Some("198.51.100.7".into()),
                    ..Default::default()
                }),
                app: None,
            }),
            target_resources: vec![resetdesk::graph::model::AuditTarget {
                id: Some(if target == "adele.vance@contoso.com" {
                    adele.clone()
                } else {
                    format!("id-{target}")
                }),
                user_principal_name: Some(target.into()),
                kind: Some("User".into()),
                ..Default::default()
            }],
            ..Default::default()
        }
    };
    // The password view is shown, then closed (Esc twice: it was never copied).
    let mut audit = fx.with_details("adele", "adele.vance@contoso.com").await;
    console::reset_with(&mut audit, "Kq7#mT4!vRx9PwZ3", reset_at, t0());
    audit.update(console::code(KeyCode::Esc), t0());
    audit.update(console::code(KeyCode::Esc), t0());
    assert!(!audit.reset.is_open());
    audit.update(
        Msg::AuditBatch(vec![
            entry(
                1,
                "Change password (self-service)",
                ("u1", "mia.chen@contoso.com"),
                "mia.chen@contoso.com",
                "success",
            ),
            entry(
                2,
                "Reset user password",
                ("u2", "lidia.holloway@contoso.com"),
                "liam.murphy@contoso.com",
                "success",
            ),
            entry(
                3,
                "Reset password (self-service)",
                ("u3", "noah.kim@contoso.com"),
                "noah.kim@contoso.com",
                "failure",
            ),
            entry(
                4,
                "Reset user password",
                (me.as_str(), "henrietta.mueller@contoso.com"),
                "adele.vance@contoso.com",
                "success",
            ),
        ]),
        t0(),
    );
    assert!(audit.my_resets[0].confirmed, "the entry confirms the reset");
    audit.update(
        Msg::AuditStatus(resetdesk::app::AuditStatus::Live {
            last_poll: t0_audit + time::Duration::minutes(5),
        }),
        t0(),
    );
    console::focus(&mut audit, resetdesk::app::Focus::Audit, t0());
    snapshot_all("audit_pane", &audit);

    otp.update(console::key('v'), t0());
    let text = format!("{}", draw(&otp, &Theme::ansi(), 120, 40).backend());
    assert!(text.contains("Kq7#mT4!vRx9PwZ3"), "v reveals it");
}

#[tokio::test]
async fn below_the_minimum_size_the_console_says_so() {
    let fx = fixture().await;
    let t = draw(&fx.app(), &Theme::ansi(), 50, 10);
    let text = format!("{}", t.backend());
    assert!(text.contains("Terminal too small"), "{text}");
}

fn assert_clean(t: &Terminal<TestBackend>, what: &str) {
    for cell in t.backend().buffer().content() {
        for c in cell.symbol().chars() {
            assert!(!c.is_control(), "{what}: control character {c:?} in a cell");
            assert!(
                !matches!(c, '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}' | '\u{200b}'..='\u{200f}' | '\u{feff}'),
                "{what}: invisible or bidi character {c:?} in a cell"
            );
        }
    }
}

#[tokio::test]
async fn hostile_display_names_never_reach_a_cell_raw() {
    let fx = fixture().await;
    let hostile = [
        ("eve", "eve.mallory@contoso.com"),
        ("rafael", "rafael.ortiz@contoso.com"),
        ("adm", "admin.support@contoso.com"),
        ("chloe", "chloe.bennett@contoso.com"),
        ("bartholomew", "bart.fitzgerald@contoso.com"),
        ("محمد", "mohammed.alahmad@contoso.com"),
    ];
    for (query, upn) in hostile {
        let app = fx.with_details(query, upn).await;
        assert!(!app.search.rows.is_empty(), "{query} finds {upn}");
        for &(w, h) in SIZES {
            for theme in [Theme::ansi(), Theme::monochrome()] {
                let t = draw(&app, &theme, w, h);
                assert_clean(&t, upn);
            }
        }
    }
    // The escape sequence is shown, defanged, so the admin can see something is off.
    let app = fx.with_details("eve", "eve.mallory@contoso.com").await;
    let text = format!("{}", draw(&app, &Theme::ansi(), 120, 40).backend());
    assert!(text.contains('\u{241b}'), "ESC shown as ␛");
}

/// Help is complete by construction: every mode's every binding, with its words, is in
/// the overlay (tall enough to show it all), as the keymap has it.
#[tokio::test]
async fn help_lists_every_binding_of_every_mode() {
    use resetdesk::keymap::KeyMode;
    let fx = fixture().await;
    let mut a = fx.app();
    a.update(console::code(KeyCode::Esc), t0());
    a.update(console::key('?'), t0());
    let text = format!("{}", draw(&a, &Theme::ansi(), 120, 120).backend());
    for mode in KeyMode::ALL {
        assert!(text.contains(mode.title()), "{mode:?} has a heading");
        let rows = a.keymap.help(*mode);
        assert!(!rows.is_empty(), "{mode:?} has keys");
        for (keys, does) in rows {
            let line = format!("{keys:<16}{does}");
            let cut: String = line.chars().take(70).collect();
            assert!(text.contains(cut.trim_end()), "{mode:?}: {line}\n{text}");
        }
    }
}

/// A read-only session never says "You can reset", even when the roles would allow it.
#[tokio::test]
async fn read_only_never_offers_a_reset() {
    let fx = fixture().await;
    let mut a = fx.with_details("adele", "adele.vance@contoso.com").await;
    let text = format!("{}", draw(&a, &Theme::ansi(), 120, 40).backend());
    assert!(text.contains("✓ You can reset"), "{text}");
    a.options.read_only = true;
    let text = format!("{}", draw(&a, &Theme::ansi(), 120, 40).backend());
    assert!(!text.contains("You can reset"), "{text}");
    assert!(text.contains("this session is read-only"), "{text}");
}

/// The details pane says there is more below, stops scrolling at its last line, and a
/// reason that wraps keeps its indent under the text.
#[tokio::test]
async fn details_scroll_is_marked_and_clamped_and_reasons_hang() {
    let fx = fixture().await;
    let mut a = fx.with_details("megan", "megan.bowen@contoso.com").await;
    let text = format!("{}", draw(&a, &Theme::ansi(), 80, 24).backend());
    assert!(
        text.contains(" more "),
        "a marker says more lies below:\n{text}"
    );
    for _ in 0..100 {
        a.update(console::key('j'), t0());
    }
    let text = format!("{}", draw(&a, &Theme::ansi(), 80, 24).backend());
    assert!(
        !text.contains(" more "),
        "at the end, no more below:\n{text}"
    );
    let up: usize = text
        .split("Details ↑")
        .nth(1)
        .and_then(|r| r.split_whitespace().next())
        .and_then(|n| n.parse().ok())
        .unwrap_or_else(|| panic!("the title says how far it scrolled:\n{text}"));
    assert!(up < 40, "clamped to the content, not 100: {up}");
    // Wrapped reason lines start under the text (column of "✗ " + 2), not at the border.
    let wide = format!(
        "{}",
        draw(
            &fx.with_details("megan", "megan.bowen@contoso.com").await,
            &Theme::ansi(),
            60,
            40
        )
        .backend()
    );
    let lines: Vec<&str> = wide.lines().collect();
    let at = lines.iter().position(|l| l.contains("  ✗ ")).unwrap();
    let next = lines[at + 1];
    let inner: String = next
        .chars()
        .skip_while(|c| *c != '│' && *c != '┃')
        .skip(1)
        .collect();
    assert!(
        inner.starts_with("    "),
        "hanging indent: {next:?}\n{wide}"
    );
}

/// `:whoami` fits: the flash grows to show the whole line.
#[tokio::test]
async fn whoami_fits_at_80_columns() {
    let fx = fixture().await;
    let mut a = fx.app();
    a.update(console::code(KeyCode::Esc), t0());
    a.update(console::key(':'), t0());
    console::type_str(&mut a, "whoami", t0());
    a.update(console::code(KeyCode::Enter), t0());
    let text = format!("{}", draw(&a, &Theme::ansi(), 80, 24).backend());
    let flat: String = text
        .lines()
        .map(|l| l.trim_matches('"').trim_end())
        .collect::<Vec<_>>()
        .join(" ");
    let whoami = flat
        .split("· signed in as")
        .nth(1)
        .unwrap_or_else(|| panic!("{text}"));
    assert!(!whoami.contains('…'), "not cut: {text}");
    assert!(
        whoami.contains(&fx.operator.active_roles_summary()),
        "{text}"
    );
}

/// A pending invitation has no password dates; a guest's password lives at home.
#[tokio::test]
async fn no_password_dates_for_a_pending_invite_or_a_guest() {
    let fx = fixture().await;
    let a = fx
        .with_details(
            "nadia",
            "nadia.petrova_northwind.com#EXT#@contoso.onmicrosoft.com",
        )
        .await;
    let text = format!("{}", draw(&a, &Theme::ansi(), 120, 40).backend());
    assert!(text.contains("invitation is not redeemed"), "{text}");
    assert!(!text.contains("Password  changed"), "{text}");
}

/// With the limits the runtime sends after a draw, the app's scroll stops at the last
/// line: after scrolling past the end, `k` moves at once (no dead zone).
#[tokio::test]
async fn the_scroll_stops_at_the_last_line_so_k_moves_at_once() {
    let fx = fixture().await;
    let mut a = fx.with_details("megan", "megan.bowen@contoso.com").await;
    let area = ratatui::layout::Rect::new(0, 0, 80, 24);
    let limits = resetdesk::ui::scroll_limits(&a, area);
    assert!(limits.details > 0 && limits.details < 40, "{limits:?}");
    a.update(Msg::ScrollLimits(limits), t0());
    for _ in 0..100 {
        a.update(console::key('j'), t0());
    }
    assert_eq!(a.details.scroll, limits.details);
    a.update(console::key('k'), t0());
    let text = format!("{}", draw(&a, &Theme::ansi(), 80, 24).backend());
    assert!(
        text.contains(&format!("Details ↑{} ", limits.details - 1)),
        "{text}"
    );
    // Help too.
    a.update(console::key('?'), t0());
    let limits = resetdesk::ui::scroll_limits(&a, area);
    a.update(Msg::ScrollLimits(limits), t0());
    a.update(console::key('G'), t0());
    assert_eq!(a.help.scroll, limits.help);
    a.update(console::key('k'), t0());
    assert_eq!(a.help.scroll, limits.help - 1);
}

/// At 80 columns the quit question shows its keys first, so a cut line still says how to
/// answer.
#[tokio::test]
async fn the_quit_question_names_its_keys_at_80_columns() {
    let fx = fixture().await;
    let mut a = fx.with_details("adele", "adele.vance@contoso.com").await;
    console::reset_with(
        &mut a,
        "Kq7#mT4!vRx9PwZ3",
        time::OffsetDateTime::now_utc(),
        t0(),
    );
    a.update(console::key('q'), t0());
    let text = format!("{}", draw(&a, &Theme::ansi(), 80, 24).backend());
    assert!(
        text.contains("q again quits, any other key stays."),
        "{text}"
    );
}

/// In a cloud without resetPassword the header names it in place of the roles summary
/// where there is room, and at sign-in the console says what that means.
#[tokio::test]
async fn the_china_cloud_is_named_in_the_header_and_at_sign_in() {
    let fx = fixture().await;
    let mut a = App::new(
        resetdesk::app::Options {
            cloud: resetdesk::cloud::Cloud::China,
            demo: true,
            ..Default::default()
        },
        resetdesk::keymap::Keymap::default(),
    );
    a.update(
        console::session_of("Contoso Ltd", fx.operator.clone()),
        t0(),
    );
    let wide = format!("{}", draw(&a, &Theme::ansi(), 120, 30).backend());
    let header = wide.lines().next().unwrap();
    assert!(header.contains("china (no writeback)"), "{header}");
    assert!(header.contains("Contoso Ltd"), "{header}");
    let narrow = format!("{}", draw(&a, &Theme::ansi(), 80, 24).backend());
    assert!(
        narrow.contains("no resetPassword"),
        "the sign-in note: {narrow}"
    );
    // The global cloud keeps its roles summary and says nothing more.
    let g = fx.app();
    let header = format!("{}", draw(&g, &Theme::ansi(), 120, 30).backend());
    assert!(!header.contains("no writeback"));
}

/// The list builds only the rows on screen (issue 17): with 999 loaded and the selection
/// deep in them, the frame shows the same window `List` would scroll to — the selection on
/// the last line, the rows before it above — and moving up and to the top follows.
#[tokio::test]
async fn a_long_result_list_draws_the_window_around_the_selection() {
    let fx = fixture().await;
    let mut a = fx.app();
    let users: Vec<resetdesk::graph::model::User> = (0..999)
        .map(|i| resetdesk::graph::model::User {
            id: format!("id-{i:03}"),
            display_name: Some(format!("Anna Row{i:03}")),
            user_principal_name: Some(format!("anna.row{i:03}@contoso.com")),
            ..Default::default()
        })
        .collect();
    let now = console::answer_search(&mut a, "anna", users, Some(999), t0());
    a.update(console::code(KeyCode::Esc), now);
    let lines = |a: &App| -> Vec<String> {
        let t = draw(a, &Theme::ansi(), 120, 40);
        let buf = t.backend().buffer();
        (0..40)
            .map(|y| (0..120).map(|x| buf[(x, y)].symbol()).collect::<String>())
            .collect()
    };
    let row_of = |ls: &[String], n: usize| {
        ls.iter()
            .position(|l| l.contains(&format!("Anna Row{n:03} ")))
    };
    for _ in 0..500 {
        a.update(console::key('j'), now);
    }
    assert_eq!(a.search.selected, 500);
    let ls = lines(&a);
    let at = row_of(&ls, 500).expect("the selected row is on screen");
    assert!(ls[at].contains("▶ Anna Row500"), "{}", ls[at]);
    // The rows before it fill the window above, in order; none after it is drawn.
    let first = row_of(&ls, 500 - 1).unwrap();
    assert_eq!(first + 1, at);
    let shown: Vec<usize> = (0..999).filter(|n| row_of(&ls, *n).is_some()).collect();
    assert_eq!(*shown.last().unwrap(), 500, "{shown:?}");
    assert!(shown.len() > 20, "{shown:?}");
    assert!(shown.windows(2).all(|w| w[1] == w[0] + 1), "{shown:?}");
    assert!(
        !ls.iter().any(|l| l.contains("Anna Row501")),
        "a row past the selection"
    );
    // Up by one: the window moves with it.
    a.update(console::key('k'), now);
    let ls = lines(&a);
    assert!(ls[at].contains("▶ Anna Row499"), "{}", ls[at]);
    // Back to the top: the first rows from the top.
    a.update(console::key('g'), now);
    let ls = lines(&a);
    let top = row_of(&ls, 0).unwrap();
    assert!(ls[top].contains("▶ Anna Row000"), "{}", ls[top]);
    assert!(row_of(&ls, 1).unwrap() == top + 1);
}
