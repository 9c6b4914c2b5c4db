//! The console rendered into ratatui's TestBackend: snapshots at 120×40, 80×24 and 60×15,
//! in colour and monochrome, with real data from the simulator; and hostile display
//! names rendered with no control character reaching any cell.
#![allow(clippy::unwrap_used, clippy::expect_used)] // tests and benches may panic

mod support;

use std::time::Instant;

use ratatui::Terminal;
use ratatui::backend::TestBackend;
use ratatui::style::Color;
use resetdesk::app::{App, Details, Dialog, Mode, Msg, Options, Otp, ResetFlow, SessionInfo};
use resetdesk::graph::GraphApi;
use resetdesk::keymap::Keymap;
use resetdesk::policy::eligibility::Method;
use resetdesk::secret::secret;
use resetdesk::service::facts::{OperatorFacts, assess, operator_facts};
use resetdesk::service::reset::ResetStatus;
use resetdesk::theme::Theme;

struct Fixture {
    env: support::Env,
    operator: OperatorFacts,
}

async fn fixture() -> Fixture {
    let env = support::persona("helpdesk").await;
    let operator = operator_facts(&env.client, None).await.unwrap();
    Fixture { env, operator }
}

impl Fixture {
    fn app(&self) -> App {
        let mut a = App::new(
            Options {
                read_only: false,
                search_top: 25,
                cloud: "global".into(),
                demo: true,
                ..Options::default()
            },
            Keymap::default(),
        );
        a.update(
            Msg::SessionLoaded(Ok(Box::new(SessionInfo {
                tenant: "Contoso Ltd".into(),
                operator: self.operator.clone(),
            }))),
            Instant::now(),
        );
        a
    }

    async fn with_results(&self, query: &str) -> App {
        let mut a = self.app();
        let r = self.env.client.search_users(query, 25).await.unwrap();
        a.search.query = query.into();
        a.search.server = r.users;
        a.search.server_count = r.count;
        a.search.server_query = query.into();
        a.search.rerank();
        a.mode = Mode::Normal;
        a
    }

    async fn with_details(&self, query: &str, upn: &str) -> App {
        let mut a = self.with_results(query).await;
        let assessment = assess(&self.env.client, &self.operator, upn).await.unwrap();
        if let Some(i) = a
            .search
            .rows
            .iter()
            .position(|r| r.user.id == assessment.target.user.id)
        {
            a.search.selected = i;
        }
        a.details = Details::Loaded(Box::new(assessment));
        a.focus = resetdesk::app::Focus::Details;
        a
    }
}

fn draw(app: &App, theme: &Theme, w: u16, h: u16) -> Terminal<TestBackend> {
    let mut t = Terminal::new(TestBackend::new(w, h)).unwrap();
    t.draw(|f| resetdesk::ui::render(app, theme, f)).unwrap();
    t
}

const SIZES: &[(u16, u16)] = &[(120, 40), (80, 24), (60, 15)];

fn snapshot_all(name: &str, app: &App) {
    for (theme_name, theme) in [("colour", Theme::ansi()), ("mono", Theme::monochrome())] {
        for &(w, h) in SIZES {
            let t = draw(app, &theme, w, h);
            insta::assert_snapshot!(format!("{name}_{w}x{h}_{theme_name}"), t.backend());
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
    help.mode = Mode::Help;
    snapshot_all("help_overlay", &help);

    // The reset dialog for an admin who must type the UPN, and the password view.
    let mut dialog = fx.with_details("lee", "lee.gu@contoso.com").await;
    let paa = support::persona("privileged-auth-admin").await;
    let paa_op = operator_facts(&paa.client, None).await.unwrap();
    let a = assess(&paa.client, &paa_op, "lee.gu@contoso.com")
        .await
        .unwrap();
    assert!(a.verdict.allowed);
    dialog.reset = ResetFlow::Dialog(Box::new(Dialog::new(&a)));
    snapshot_all("reset_dialog", &dialog);
    let mut otp = fx.with_details("adele", "adele.vance@contoso.com").await;
    otp.reset = ResetFlow::Done(Box::new(Otp {
        user_id: "u".into(),
        label: "Adele Vance".into(),
        upn: "adele.vance@contoso.com".into(),
        status: ResetStatus::Succeeded,
        method: Method::PasswordProfile,
        password: Some(secret("Kq7#mT4!vRx9PwZ3".into())),
        generated: true,
        force_change: true,
        force_mfa: false,
        revoked: None,
        detail: None,
        explanation: None,
        revealed: false,
        copied: None,
        clear_at: None,
        confirmed: false,
        close_armed: false,
    }));
    snapshot_all("otp_masked", &otp);
    for &(w, h) in SIZES {
        let text = format!("{}", draw(&otp, &Theme::ansi(), w, h).backend());
        assert!(!text.contains("Kq7#mT4!vRx9PwZ3"), "masked means masked");
    }
    // The audit pane with a stream of entries, one confirming this operator's reset.
    let mut audit = fx.with_results("ade").await;
    let t0 = time::macros::datetime!(2026-11-22 09:30:00 UTC);
    let me = fx.operator.user.id.clone();
    let entry = |n: i64, activity: &str, by: (&str, &str), target: &str, result: &str| {
        resetdesk::graph::model::DirectoryAudit {
            id: format!("e{n}"),
            activity_display_name: activity.into(),
            activity_date_time: Some(t0 + time::Duration::minutes(n)),
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
                id: Some(format!("id-{target}")),
                user_principal_name: Some(target.into()),
                kind: Some("User".into()),
                ..Default::default()
            }],
            ..Default::default()
        }
    };
    let mut resets = vec![resetdesk::app::MyReset {
        target_id: "id-adele.vance@contoso.com".into(),
        target_upn: "adele.vance@contoso.com".into(),
        label: "Adele Vance".into(),
        at: t0,
        confirmed: false,
    }];
    audit.audit.push(
        vec![
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
        ],
        &me,
        &mut resets,
    );
    assert!(resets[0].confirmed);
    audit.audit.status = resetdesk::app::AuditStatus::Live {
        last_poll: t0 + time::Duration::minutes(5),
    };
    audit.focus = resetdesk::app::Focus::Audit;
    snapshot_all("audit_pane", &audit);

    if let ResetFlow::Done(o) = &mut otp.reset {
        o.revealed = true;
    }
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
