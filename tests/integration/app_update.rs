//! `App::update` driven with messages: state and effects, no terminal, no sleeps (time is
//! passed in).

use std::time::{Duration, Instant};

use ratatui::crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use resetdesk::app::{
    App, Details, Effect, Field, Focus, Mode, Msg, Options, ResetFlow, SessionInfo,
};
use resetdesk::graph::model::User;
use resetdesk::keymap::Keymap;
use resetdesk::policy::eligibility::{
    Method, Operator, Reason, ReasonCode, Severity, TenantFacts, Verdict,
};
use resetdesk::secret::ExposeSecret;
use resetdesk::service::facts::{Assessment, OperatorFacts, TargetFacts};
use resetdesk::service::reset::{ResetOutcome, ResetStatus};

use crate::support::console::{answer_search, app, code, focus, key, open, outcome, type_str};

fn user(id: &str, name: &str) -> User {
    User {
        id: id.into(),
        display_name: Some(name.into()),
        user_principal_name: Some(format!(
            "{}@contoso.com",
            name.to_lowercase().replace(' ', ".")
        )),
        ..Default::default()
    }
}

fn session() -> Msg {
    Msg::SessionLoaded(Ok(Box::new(SessionInfo {
        tenant: "Contoso".into(),
        operator: OperatorFacts {
            user: user("op", "Henrietta Mueller"),
            operator: Operator::default(),
            unknown: vec![],
            app: None,
        },
    })))
}

fn assessment(u: User, allowed: bool) -> Box<Assessment> {
    Box::new(Assessment {
        target: TargetFacts {
            user: u,
            sign_in_unavailable: None,
            groups: vec![],
            owned_groups: vec![],
            administrative_units: vec![],
            roles: vec![],
            unknown: vec![],
        },
        tenant: TenantFacts::default(),
        verdict: Verdict {
            allowed,
            method: allowed.then_some(Method::PasswordProfile),
            reasons: vec![Reason {
                code: if allowed {
                    ReasonCode::Allowed
                } else {
                    ReasonCode::TargetRoleProtected
                },
                severity: if allowed {
                    Severity::Info
                } else {
                    Severity::Block
                },
                message: "because".into(),
                fix: "ask".into(),
            }],
            least_privileged_role: None,
        },
    })
}

#[test]
fn starts_by_reading_the_session_and_typing() {
    let mut a = app();
    assert!(matches!(a.start()[..], [Effect::LoadSession]));
    assert_eq!(a.mode, Mode::Typing);
    assert_eq!(a.focus, Focus::Search);
}

#[test]
fn typing_is_debounced_into_one_search() {
    let mut a = app();
    let t0 = Instant::now();
    assert!(
        type_str(&mut a, "ade", t0).is_empty(),
        "no search per keystroke"
    );
    assert_eq!(a.search.query(), "ade");
    // Not yet due.
    assert!(
        a.update(Msg::Tick, t0 + Duration::from_millis(100))
            .is_empty()
    );
    let due = a.next_deadline(t0).unwrap();
    assert_eq!(due, t0 + Duration::from_millis(150));
    let fx = a.update(Msg::Tick, due);
    match &fx[..] {
        [Effect::Search { query, top, .. }] => {
            assert_eq!(query, "ade");
            assert_eq!(*top, 25);
        }
        other => panic!("{other:?}"),
    }
    assert!(a.busy());
}

#[test]
fn stale_search_results_are_dropped_newest_wins() {
    let mut a = app();
    let t0 = Instant::now();
    type_str(&mut a, "ad", t0);
    let first = match &a.update(Msg::Tick, t0 + Duration::from_millis(200))[..] {
        [Effect::Search { req, .. }] => *req,
        other => panic!("{other:?}"),
    };
    type_str(&mut a, "e", t0 + Duration::from_millis(300));
    let second = match &a.update(Msg::Tick, t0 + Duration::from_millis(500))[..] {
        [Effect::Search { req, .. }] => *req,
        other => panic!("{other:?}"),
    };
    assert_ne!(first, second);
    // The older answer arrives last: ignored.
    a.update(
        Msg::SearchDone {
            req: second,
            query: "ade".into(),
            result: Ok((vec![user("1", "Adele Vance")], Some(1))),
        },
        t0,
    );
    a.update(
        Msg::SearchDone {
            req: first,
            query: "ad".into(),
            result: Ok((vec![user("2", "Adam Ant"), user("3", "Adrian Bo")], Some(2))),
        },
        t0,
    );
    assert_eq!(a.search.rows.len(), 1);
    assert_eq!(a.search.rows[0].user.id, "1");
    assert_eq!(
        a.search.pending, None,
        "the newest answer cleared the request in flight"
    );
}

#[test]
fn further_typing_refilters_locally_at_once() {
    let mut a = app();
    let t0 = Instant::now();
    type_str(&mut a, "a", t0);
    let req = match &a.update(Msg::Tick, t0 + Duration::from_secs(1))[..] {
        [Effect::Search { req, .. }] => *req,
        other => panic!("{other:?}"),
    };
    a.update(
        Msg::SearchDone {
            req,
            query: "a".into(),
            result: Ok((
                vec![user("1", "Adele Vance"), user("2", "Alex Wilber")],
                None,
            )),
        },
        t0,
    );
    assert_eq!(a.search.rows.len(), 2);
    type_str(&mut a, "lex", t0 + Duration::from_secs(2));
    assert_eq!(a.search.rows.len(), 1, "filtered before Graph answers");
    assert_eq!(a.search.rows[0].user.id, "2");
}

#[test]
fn enter_opens_details_after_the_session_is_known() {
    let mut a = app();
    let t0 = Instant::now();
    let t0 = answer_search(&mut a, "adele", vec![user("1", "Adele Vance")], None, t0);
    // Roles not read yet: the request waits rather than guessing.
    assert!(a.update(code(KeyCode::Enter), t0).is_empty());
    assert!(matches!(a.details.shown, Details::Loading { .. }));
    let fx = a.update(session(), t0);
    assert!(
        matches!(fx[0], Effect::StartAudit),
        "the audit stream starts after sign-in"
    );
    let req = match &fx[1..] {
        [Effect::LoadDetails { req, key, .. }] => {
            assert_eq!(key, "1");
            *req
        }
        other => panic!("{other:?}"),
    };
    assert_eq!(a.focus, Focus::Details);
    a.update(
        Msg::DetailsDone {
            req,
            result: Ok(assessment(user("1", "Adele Vance"), true)),
        },
        t0,
    );
    assert!(a.assessment().is_some());
    assert!(a.reset_unavailable().is_none());
    // Opened users become "recent".
    assert_eq!(a.search.recent[0].id, "1");
}

#[test]
fn stale_details_are_dropped() {
    let mut a = app();
    let t0 = Instant::now();
    a.update(session(), t0);
    let t0 = answer_search(
        &mut a,
        "o",
        vec![user("1", "A One"), user("2", "B Two")],
        None,
        t0,
    );
    a.update(code(KeyCode::Esc), t0);
    let first = match &a.update(code(KeyCode::Enter), t0)[..] {
        [Effect::LoadDetails { req, .. }] => *req,
        other => panic!("{other:?}"),
    };
    a.update(code(KeyCode::Tab), t0);
    a.update(code(KeyCode::Tab), t0);
    a.update(key('j'), t0);
    let second = match &a.update(code(KeyCode::Enter), t0)[..] {
        [Effect::LoadDetails { req, key, .. }] => {
            assert_eq!(key, "2");
            *req
        }
        other => panic!("{other:?}"),
    };
    a.update(
        Msg::DetailsDone {
            req: first,
            result: Ok(assessment(user("1", "A One"), true)),
        },
        t0,
    );
    assert!(matches!(a.details.shown, Details::Loading { req, .. } if req == second));
}

#[test]
fn reset_explains_itself_when_not_available() {
    let mut a = app();
    let t0 = Instant::now();
    a.update(session(), t0);
    a.mode = Mode::Normal;
    assert!(a.update(key('r'), t0).is_empty());
    assert!(a.flash.as_ref().unwrap().text.contains("open a user first"));
    open(&mut a, assessment(user("9", "Megan Bowen"), false), t0);
    // Not allowed: a view with the reasons and fixes, and no reset button.
    assert!(a.update(key('r'), t0).is_empty());
    match &a.reset {
        ResetFlow::Refused(r) => {
            assert_eq!(r.label, "Megan Bowen");
            assert_eq!(r.reasons[0].fix, "ask");
        }
        other => panic!("{other:?}"),
    }
    a.update(code(KeyCode::Esc), t0);
    assert!(!a.reset.is_open());
    let mut ro = App::new(
        Options {
            read_only: true,
            search_top: 25,
            cloud: resetdesk::cloud::Cloud::Global,
            demo: false,
            ..Options::default()
        },
        Keymap::default(),
    );
    ro.update(session(), t0);
    open(&mut ro, assessment(user("1", "Adele Vance"), true), t0);
    ro.update(key('r'), t0);
    assert!(ro.flash.as_ref().unwrap().text.contains("read-only"));
}

#[test]
fn a_cloud_without_writeback_is_named_at_sign_in() {
    let t0 = Instant::now();
    let mut china = App::new(
        Options {
            cloud: resetdesk::cloud::Cloud::China,
            ..Options::default()
        },
        Keymap::default(),
    );
    china.update(session(), t0);
    let flash = china.flash.as_ref().expect("a note about the cloud");
    assert!(flash.text.contains("no resetPassword"), "{}", flash.text);
    let mut global = app();
    global.update(session(), t0);
    assert!(global.flash.is_none());
}

#[test]
fn quit_asks_first_while_work_is_in_flight() {
    let mut a = app();
    let t0 = Instant::now();
    a.update(session(), t0);
    type_str(&mut a, "x", t0);
    a.update(Msg::Tick, t0 + Duration::from_secs(1));
    a.update(code(KeyCode::Esc), t0);
    assert!(a.update(key('q'), t0).is_empty());
    assert_eq!(a.mode, Mode::ConfirmQuit);
    assert!(matches!(a.update(key('q'), t0)[..], [Effect::Quit]));
    assert!(a.quit);
    // Ctrl-C quits from anywhere, even while typing.
    let mut b = app();
    let fx = b.update(
        Msg::Key(KeyEvent::new(KeyCode::Char('c'), KeyModifiers::CONTROL)),
        t0,
    );
    assert!(matches!(fx[..], [Effect::Quit]));
}

#[test]
fn commands_help_and_escape() {
    let mut a = app();
    let t0 = Instant::now();
    a.update(session(), t0);
    a.update(code(KeyCode::Esc), t0);
    a.update(key(':'), t0);
    let fx = type_str(&mut a, "user adele.vance@contoso.com", t0);
    assert!(fx.is_empty());
    match &a.update(code(KeyCode::Enter), t0)[..] {
        [Effect::LoadDetails { key, .. }] => assert_eq!(key, "adele.vance@contoso.com"),
        other => panic!("{other:?}"),
    }
    a.update(key(':'), t0);
    type_str(&mut a, "whoami", t0);
    a.update(code(KeyCode::Enter), t0);
    assert!(
        a.flash
            .as_ref()
            .unwrap()
            .text
            .contains("henrietta.mueller@contoso.com")
    );
    a.update(key(':'), t0);
    type_str(&mut a, "frobnicate", t0);
    a.update(code(KeyCode::Enter), t0);
    assert!(a.flash.as_ref().unwrap().text.contains("unknown command"));
    a.update(key('?'), t0);
    assert_eq!(a.mode, Mode::Help);
    a.update(code(KeyCode::Esc), t0);
    assert_eq!(a.mode, Mode::Normal);
    a.update(key(':'), t0);
    type_str(&mut a, "audit", t0);
    a.update(code(KeyCode::Enter), t0);
    assert_eq!(a.focus, Focus::Audit);
    // Flash messages expire on their own.
    a.update(key(':'), t0);
    type_str(&mut a, "zz", t0);
    a.update(code(KeyCode::Enter), t0);
    let expires = a.flash.as_ref().unwrap().expires;
    a.update(Msg::Tick, expires);
    assert!(a.flash.is_none());
}

#[test]
fn an_idle_console_has_no_deadline() {
    let mut a = app();
    let t0 = Instant::now();
    a.update(session(), t0);
    assert_eq!(a.next_deadline(t0), None, "nothing to wake up for");
}

#[test]
fn paste_goes_into_the_search_box_without_control_characters() {
    let mut a = app();
    let t0 = Instant::now();
    a.update(Msg::Paste("ade\u{1b}le v\r\n".into()), t0);
    assert_eq!(a.search.query(), "adele v");
    assert!(a.search.due.is_some());
    // (A pasted address opens the user at once: see the slash test.)
}

fn open_dialog(a: &mut App, allowed_user: User, now: Instant) {
    a.update(session(), now);
    open(a, assessment(allowed_user, true), now);
    a.update(key('r'), now);
}

#[test]
fn the_reset_dialog_starts_on_cancel_and_enter_there_changes_nothing() {
    let mut a = app();
    let t0 = Instant::now();
    open_dialog(&mut a, user("1", "Adele Vance"), t0);
    match &a.reset {
        ResetFlow::Dialog(d) => {
            assert_eq!(d.focus, Field::Cancel);
            assert!(d.force_change, "change at next sign-in is on by default");
            assert!(!d.typed, "generated by default");
        }
        other => panic!("{other:?}"),
    }
    assert!(a.update(code(KeyCode::Enter), t0).is_empty());
    assert!(!a.reset.is_open());
}

#[test]
fn submitting_sends_one_reset_with_the_chosen_options() {
    let mut a = app();
    let t0 = Instant::now();
    open_dialog(&mut a, user("1", "Adele Vance"), t0);
    // Fields: Mode, ForceChange, ForceMfa, Revoke, Ticket, Reset, Cancel. Up to Ticket.
    a.update(
        Msg::Key(KeyEvent::new(KeyCode::BackTab, KeyModifiers::SHIFT)),
        t0,
    );
    a.update(
        Msg::Key(KeyEvent::new(KeyCode::BackTab, KeyModifiers::SHIFT)),
        t0,
    );
    for c in "INC-7".chars() {
        a.update(key(c), t0);
    }
    a.update(
        Msg::Key(KeyEvent::new(KeyCode::BackTab, KeyModifiers::SHIFT)),
        t0,
    );
    a.update(key(' '), t0);
    a.update(code(KeyCode::Tab), t0);
    a.update(code(KeyCode::Tab), t0);
    let fx = a.update(code(KeyCode::Enter), t0);
    let req = match &fx[..] {
        [Effect::Reset { req, request, note }] => {
            assert_eq!(request.user_id, "1");
            assert!(request.generated && request.revoke_sessions && request.force_change);
            assert_eq!(request.password.as_ref().unwrap().expose_secret().len(), 16);
            assert_eq!(note.ticket.as_deref(), Some("INC-7"));
            // The effect's Debug never shows the password.
            let shown = format!("{:?}", fx[0]);
            assert!(
                !shown.contains(request.password.as_ref().unwrap().expose_secret()),
                "{shown}"
            );
            *req
        }
        other => panic!("{other:?}"),
    };
    assert!(matches!(a.reset, ResetFlow::InFlight { .. }));
    // Keys do nothing while it is in flight: no second reset.
    assert!(a.update(code(KeyCode::Enter), t0).is_empty());
    let outcome = ResetOutcome {
        revoked: Some(Ok(())),
        ..outcome(
            ResetStatus::Succeeded,
            "Xy7#pQ2!mLw9zK4a",
            time::OffsetDateTime::now_utc(),
        )
    };
    let fx = a.update(
        Msg::ResetDone {
            req,
            outcome: Box::new(outcome),
        },
        t0,
    );
    assert!(
        matches!(fx[..], [Effect::LoadDetails { .. }]),
        "details reload to show the change"
    );
    match &a.reset {
        ResetFlow::Done(otp) => {
            assert!(!otp.revealed, "masked by default");
            assert_eq!(otp.revoked, Some(true));
        }
        other => panic!("{other:?}"),
    }
    a.update(key('v'), t0);
    let fx = a.update(key('y'), t0);
    assert!(matches!(&fx[..], [Effect::Copy(p)] if p.expose_secret() == "Xy7#pQ2!mLw9zK4a"));
    a.update(
        Msg::Copied(Ok("copied through the terminal (OSC 52)".into())),
        t0,
    );
    // Esc closes the view; the clipboard is still cleared 30 s after the copy.
    a.update(code(KeyCode::Esc), t0);
    assert!(!a.reset.is_open());
    assert!(a.update(Msg::Tick, t0 + Duration::from_secs(29)).is_empty());
    let fx = a.update(Msg::Tick, t0 + Duration::from_secs(30));
    assert!(
        matches!(&fx[..], [Effect::ClearClipboard(p)] if p.expose_secret() == "Xy7#pQ2!mLw9zK4a")
    );
}

#[test]
fn privileged_targets_need_the_upn_typed_and_typed_passwords_are_checked() {
    let mut a = app();
    let t0 = Instant::now();
    let mut target = assessment(user("9", "Lee Gu"), true);
    target
        .target
        .roles
        .push(resetdesk::policy::eligibility::RoleHolding {
            name: "Guest Inviter".into(),
            template_id: "95e79109-95c0-4d8e-aee3-d01accf2d47b".into(),
            scope: "/".into(),
            scope_name: "tenant".into(),
            scope_restricted: false,
            state: resetdesk::policy::eligibility::RoleState::Active,
            via_group: None,
            built_in: true,
        });
    a.update(session(), t0);
    open(&mut a, target, t0);
    a.update(key('r'), t0);
    let ResetFlow::Dialog(d) = &a.reset else {
        panic!()
    };
    assert!(d.privileged);
    assert!(d.fields().contains(&Field::ConfirmUpn));
    // Reset without the UPN: refused with a reason, nothing sent.
    a.update(
        Msg::Key(KeyEvent::new(KeyCode::BackTab, KeyModifiers::SHIFT)),
        t0,
    );
    assert!(a.update(code(KeyCode::Enter), t0).is_empty());
    assert!(
        a.flash
            .as_ref()
            .unwrap()
            .text
            .contains("type the user's UPN")
    );
    a.update(
        Msg::Key(KeyEvent::new(KeyCode::BackTab, KeyModifiers::SHIFT)),
        t0,
    );
    for c in "lee.gu@contoso.com".chars() {
        a.update(key(c), t0);
    }
    // Switch to a typed password that is too weak.
    for _ in 0..5 {
        a.update(
            Msg::Key(KeyEvent::new(KeyCode::BackTab, KeyModifiers::SHIFT)),
            t0,
        );
    }
    let ResetFlow::Dialog(d) = &a.reset else {
        panic!()
    };
    assert_eq!(d.focus, Field::Mode);
    a.update(key(' '), t0);
    a.update(code(KeyCode::Tab), t0);
    for c in "weakpass".chars() {
        a.update(key(c), t0);
    }
    let ResetFlow::Dialog(d) = &a.reset else {
        panic!()
    };
    assert!(!d.problems().is_empty());
    assert!(format!("{d:?}").contains("REDACTED") && !format!("{d:?}").contains("weakpass"));
}

#[test]
fn the_audit_log_confirms_a_reset_made_in_the_console() {
    use resetdesk::graph::model::{AuditInitiator, AuditTarget, AuditUser, DirectoryAudit};
    let mut a = app();
    let t0 = Instant::now();
    open_dialog(&mut a, user("1", "Adele Vance"), t0);
    a.update(
        Msg::Key(KeyEvent::new(KeyCode::BackTab, KeyModifiers::SHIFT)),
        t0,
    );
    let req = match &a.update(code(KeyCode::Enter), t0)[..] {
        [Effect::Reset { req, .. }] => *req,
        other => panic!("{other:?}"),
    };
    let started = time::OffsetDateTime::now_utc();
    let outcome = outcome(ResetStatus::Succeeded, "Xy7#pQ2!mLw9zK4a", started);
    a.update(
        Msg::ResetDone {
            req,
            outcome: Box::new(outcome),
        },
        t0,
    );
    let entry = |activity: &str, by: &str, target: &str, result: &str| DirectoryAudit {
        id: format!("{activity}-{by}-{target}"),
        activity_display_name: activity.into(),
        activity_date_time: Some(started + time::Duration::seconds(1)),
        result: Some(result.into()),
        initiated_by: Some(AuditInitiator {
            user: Some(AuditUser {
                id: Some(by.into()),
                ..Default::default()
            }),
            app: None,
        }),
        target_resources: vec![AuditTarget {
            id: Some(target.into()),
            kind: Some("User".into()),
            ..Default::default()
        }],
        ..Default::default()
    };
    // Someone else's reset of the same user, and a failure: not a confirmation.
    let fx = a.update(
        Msg::AuditBatch(vec![
            entry("Reset user password", "another-admin", "1", "success"),
            entry("Reset user password", "op", "1", "failure"),
        ]),
        t0,
    );
    assert!(fx.is_empty());
    assert!(matches!(&a.reset, ResetFlow::Done(o) if !o.confirmed));
    // The other admin's entry is marked as not yours; your failed one is yours but
    // confirms nothing.
    let other = a
        .audit
        .rows
        .iter()
        .find(|r| r.entry.initiator_id() == Some("another-admin"))
        .unwrap();
    assert!(!other.mine && !other.confirmed);
    let failed = a
        .audit
        .rows
        .iter()
        .find(|r| r.entry.result.as_deref() == Some("failure"))
        .unwrap();
    assert!(failed.mine && !failed.confirmed);
    let fx = a.update(
        Msg::AuditBatch(vec![entry("Reset user password", "op", "1", "success")]),
        t0,
    );
    assert!(matches!(&fx[..], [Effect::JournalConfirm { target_id, .. }] if target_id == "1"));
    assert!(matches!(&a.reset, ResetFlow::Done(o) if o.confirmed));
    assert!(
        a.flash
            .as_ref()
            .unwrap()
            .text
            .contains("confirms the reset of Adele Vance")
    );
    assert_eq!(a.audit.rows.iter().filter(|r| r.confirmed).count(), 1);
    // Confirmed once only.
    let fx = a.update(
        Msg::AuditBatch(vec![entry(
            "Reset password (by admin)",
            "op",
            "1",
            "success",
        )]),
        t0,
    );
    assert!(fx.is_empty());
    // The pane filters locally, and stays bounded. (A password never copied or revealed
    // takes a second Esc to forget.)
    a.update(code(KeyCode::Esc), t0);
    assert!(matches!(&a.reset, ResetFlow::Done(o) if o.close_armed));
    a.update(code(KeyCode::Esc), t0);
    assert!(!a.reset.is_open());
    focus(&mut a, Focus::Audit, t0);
    a.update(key('/'), t0);
    assert_eq!(a.mode, Mode::Filtering);
    for c in "failure".chars() {
        a.update(key(c), t0);
    }
    assert_eq!(a.audit.visible().len(), 1);
    a.update(code(KeyCode::Esc), t0);
    assert_eq!(a.audit.visible().len(), 4);
    let many: Vec<DirectoryAudit> = (0..700)
        .map(|i| {
            let mut e = entry("Change password (self-service)", "u", "2", "success");
            e.id = format!("bulk-{i}");
            e
        })
        .collect();
    a.update(Msg::AuditBatch(many), t0);
    assert_eq!(a.audit.rows.len(), resetdesk::app::audit::CAPACITY);
}

/// A session with two search results, "ade" typed; returns the app ready in the list.
fn with_two_results(t0: Instant) -> App {
    let mut a = app();
    a.update(session(), t0);
    type_str(&mut a, "ade", t0);
    let req = match &a.update(Msg::Tick, t0 + Duration::from_secs(1))[..] {
        [Effect::Search { req, .. }] => *req,
        other => panic!("{other:?}"),
    };
    a.update(
        Msg::SearchDone {
            req,
            query: "ade".into(),
            result: Ok((
                vec![user("1", "Adele Vance"), user("2", "Adelaide Brooks")],
                Some(2),
            )),
        },
        t0,
    );
    a
}

fn details_req(fx: &[Effect]) -> (u64, String) {
    match fx {
        [Effect::LoadDetails { req, key, .. }] => (*req, key.clone()),
        other => panic!("expected one details load, got {other:?}"),
    }
}

#[test]
fn r_in_the_list_resets_the_highlighted_user_never_the_one_opened_before() {
    let t0 = Instant::now();
    let mut a = with_two_results(t0);
    // Open Adele, go back to the list, move to Adelaide.
    let (req, opened) = details_req(&a.update(code(KeyCode::Enter), t0));
    assert_eq!(opened, "1");
    a.update(
        Msg::DetailsDone {
            req,
            result: Ok(assessment(user("1", "Adele Vance"), true)),
        },
        t0,
    );
    a.update(code(KeyCode::Esc), t0);
    assert_eq!(a.focus, Focus::Search);
    a.update(key('j'), t0);
    assert_eq!(a.selected_user().unwrap().id, "2");
    // `r` opens Adelaide first; no dialog for Adele in the meantime.
    let (req, opened) = details_req(&a.update(key('r'), t0));
    assert_eq!(opened, "2");
    assert!(!a.reset.is_open());
    a.update(
        Msg::DetailsDone {
            req,
            result: Ok(assessment(user("2", "Adelaide Brooks"), true)),
        },
        t0,
    );
    match &a.reset {
        ResetFlow::Dialog(d) => {
            assert_eq!(d.user_id, "2");
            assert_eq!(d.upn, "adelaide.brooks@contoso.com");
        }
        other => panic!("the dialog for the highlighted user: {other:?}"),
    }
    // A stale answer for another request never opens a dialog.
    a.update(code(KeyCode::Esc), t0);
    focus(&mut a, Focus::Search, t0);
    a.update(key('k'), t0);
    let (stale, _) = details_req(&a.update(key('r'), t0));
    a.update(code(KeyCode::Esc), t0);
    let (newer, _) = details_req(&a.update(code(KeyCode::Enter), t0)); // Adele again
    assert_ne!(newer, stale);
    a.update(
        Msg::DetailsDone {
            req: stale,
            result: Ok(assessment(user("1", "Adele Vance"), true)),
        },
        t0,
    );
    assert!(!a.reset.is_open(), "the newer request won");
}

#[test]
fn r_in_the_details_pane_resets_the_user_shown_there() {
    let t0 = Instant::now();
    let mut a = with_two_results(t0);
    a.update(code(KeyCode::Esc), t0);
    // `:user` opens someone else while the list highlights Adele.
    for c in ":user kevin.moore@contoso.com".chars() {
        a.update(key(c), t0);
    }
    let (req, opened) = details_req(&a.update(code(KeyCode::Enter), t0));
    assert_eq!(opened, "kevin.moore@contoso.com");
    assert_eq!(a.focus, Focus::Details);
    a.update(
        Msg::DetailsDone {
            req,
            result: Ok(assessment(user("7", "Kevin Moore"), true)),
        },
        t0,
    );
    assert!(a.update(key('r'), t0).is_empty());
    assert!(matches!(&a.reset, ResetFlow::Dialog(d) if d.user_id == "7"));
}

fn otp_on_screen(t0: Instant) -> App {
    let mut a = app();
    a.update(session(), t0);
    open(&mut a, assessment(user("1", "Adele Vance"), true), t0);
    a.update(key('r'), t0);
    a.update(code(KeyCode::BackTab), t0);
    let req = match &a.update(code(KeyCode::Enter), t0)[..] {
        [Effect::Reset { req, .. }] => *req,
        other => panic!("{other:?}"),
    };
    a.update(
        Msg::ResetDone {
            req,
            outcome: Box::new(outcome(
                ResetStatus::Succeeded,
                "Xy7#pQ2!mLw9zK4a",
                time::OffsetDateTime::now_utc(),
            )),
        },
        t0,
    );
    assert!(matches!(a.reset, ResetFlow::Done(_)));
    a
}

#[test]
fn a_password_never_seen_is_not_forgotten_on_one_key_and_quit_asks_first() {
    let t0 = Instant::now();
    let mut a = otp_on_screen(t0);
    // Enter once: a warning, the password is still there.
    a.update(code(KeyCode::Enter), t0);
    assert!(matches!(&a.reset, ResetFlow::Done(o) if o.close_armed && o.password.is_some()));
    // Another key disarms; q asks before quitting, and saying no keeps the view.
    a.update(key('x'), t0);
    assert!(matches!(&a.reset, ResetFlow::Done(o) if !o.close_armed));
    assert!(a.update(key('q'), t0).is_empty());
    assert_eq!(a.mode, Mode::ConfirmQuit);
    assert!(a.quit_warning().unwrap().contains("one-time password"));
    a.update(key('n'), t0);
    assert!(!a.quit && matches!(a.reset, ResetFlow::Done(_)));
    assert!(matches!(a.update(key('q'), t0)[..], []));
    assert!(matches!(a.update(key('q'), t0)[..], [Effect::Quit]));
    assert_eq!(a.exit_status, 0);
    // Once revealed (or copied), Esc closes at once.
    let mut b = otp_on_screen(t0);
    b.update(key('v'), t0);
    b.update(code(KeyCode::Esc), t0);
    assert!(!b.reset.is_open());
}

#[test]
fn quit_during_a_reset_in_flight_asks_and_signals_set_the_exit_status() {
    let t0 = Instant::now();
    let mut a = app();
    a.update(session(), t0);
    open(&mut a, assessment(user("1", "Adele Vance"), true), t0);
    a.update(key('r'), t0);
    a.update(code(KeyCode::BackTab), t0);
    a.update(code(KeyCode::Enter), t0);
    assert!(matches!(a.reset, ResetFlow::InFlight { .. }));
    assert!(a.update(key('q'), t0).is_empty());
    assert_eq!(a.mode, Mode::ConfirmQuit);
    assert!(a.quit_warning().unwrap().contains("in flight"));
    for (signal, status) in [(2, 130), (15, 143), (1, 129)] {
        let mut b = app();
        assert!(matches!(
            b.update(Msg::Terminate(signal), t0)[..],
            [Effect::Quit]
        ));
        assert!(b.quit);
        assert_eq!(b.exit_status, status);
    }
    let mut c = app();
    c.update(
        Msg::Key(KeyEvent::new(KeyCode::Char('c'), KeyModifiers::CONTROL)),
        t0,
    );
    assert_eq!(c.exit_status, 130);
}

/// A reset Graph accepted without the operator being able to read its progress (a
/// Helpdesk Administrator on a synced user) is settled by the audit log: confirmed by a
/// success, failed (and the useless password forgotten) by a failure.
#[test]
fn an_accepted_reset_is_settled_by_the_audit_log() {
    use resetdesk::graph::model::{AuditInitiator, AuditTarget, AuditUser, DirectoryAudit};
    let t0 = Instant::now();
    let accepted = |a: &mut App| {
        open_dialog(a, user("1", "Alan Steiner"), t0);
        a.update(
            Msg::Key(KeyEvent::new(KeyCode::BackTab, KeyModifiers::SHIFT)),
            t0,
        );
        let req = match &a.update(code(KeyCode::Enter), t0)[..] {
            [Effect::Reset { req, .. }] => *req,
            other => panic!("{other:?}"),
        };
        let started = time::OffsetDateTime::now_utc();
        a.update(
            Msg::ResetDone {
                req,
                outcome: Box::new(ResetOutcome {
                    method: Method::ResetPassword,
                    detail: Some("accepted".into()),
                    ..outcome(ResetStatus::Accepted, "Xy7#pQ2!mLw9zK4a", started)
                }),
            },
            t0,
        );
        assert!(matches!(&a.reset, ResetFlow::Done(o) if o.status == ResetStatus::Accepted));
        started
    };
    let entry = |at: time::OffsetDateTime, result: &str| DirectoryAudit {
        id: format!("e-{result}"),
        activity_display_name: "Reset password (by admin)".into(),
        activity_date_time: Some(at + time::Duration::seconds(1)),
        result: Some(result.into()),
        result_reason: Some("AdminCount=1".into()),
        initiated_by: Some(AuditInitiator {
            user: Some(AuditUser {
                id: Some("op".into()),
                ..Default::default()
            }),
            app: None,
        }),
        target_resources: vec![AuditTarget {
            id: Some("1".into()),
            kind: Some("User".into()),
            ..Default::default()
        }],
        ..Default::default()
    };
    let mut ok = app();
    let at = accepted(&mut ok);
    ok.update(Msg::AuditBatch(vec![entry(at, "success")]), t0);
    assert!(matches!(&ok.reset, ResetFlow::Done(o) if o.confirmed && o.password.is_some()));

    let mut bad = app();
    let at = accepted(&mut bad);
    bad.update(Msg::AuditBatch(vec![entry(at, "failure")]), t0);
    match &bad.reset {
        ResetFlow::Done(o) => {
            assert_eq!(o.status, ResetStatus::Failed);
            assert!(o.password.is_none(), "a password never set is forgotten");
            assert!(
                o.detail
                    .as_deref()
                    .unwrap_or_default()
                    .contains("AdminCount=1")
            );
        }
        other => panic!("{other:?}"),
    }
    assert!(bad.flash.as_ref().unwrap().text.contains("FAILED"));
}

#[test]
fn user_naming_several_puts_the_candidates_in_the_list() {
    let t0 = Instant::now();
    let mut a = app();
    a.update(session(), t0);
    a.update(code(KeyCode::Esc), t0);
    for c in ":user Hans Becker".chars() {
        a.update(key(c), t0);
    }
    let req = match &a.update(code(KeyCode::Enter), t0)[..] {
        [Effect::LoadDetails { req, key, .. }] => {
            assert_eq!(key, "Hans Becker", "a display name is looked up too");
            *req
        }
        other => panic!("{other:?}"),
    };
    a.update(
        Msg::Ambiguous {
            req,
            key: "Hans Becker".into(),
            users: vec![user("1", "Hans Becker"), user("2", "Hans Becker")],
        },
        t0,
    );
    assert_eq!(a.focus, Focus::Search);
    assert_eq!(a.search.rows.len(), 2, "both candidates listed");
    assert!(
        matches!(&a.details.shown, Details::Failed { error, .. } if error.cause.contains("2 users match"))
    );
    assert!(!a.reset.is_open(), "nothing is done with an ambiguous name");
    assert!(a.flash.as_ref().unwrap().text.contains("2 users match"));
    // Enter opens the highlighted candidate, and the warning no longer applies.
    assert!(
        matches!(&a.update(code(KeyCode::Enter), t0)[..], [Effect::LoadDetails { key, .. }] if key == "1")
    );
    assert!(a.flash.is_none(), "{:?}", a.flash);
}

#[test]
fn slash_focuses_the_box_with_its_text_selected_and_a_pasted_address_opens_the_user() {
    let t0 = Instant::now();
    let mut a = app();
    a.update(session(), t0);
    // `/` in an empty box is not a search character.
    a.update(key('/'), t0);
    assert_eq!(a.search.query(), "");
    type_str(&mut a, "ade", t0);
    a.update(code(KeyCode::Tab), t0);
    assert_eq!(a.focus, Focus::Details);
    // From another pane, `/` selects the text: the next key replaces it.
    a.update(key('/'), t0);
    assert_eq!((a.focus, a.mode.clone()), (Focus::Search, Mode::Typing));
    assert!(a.search.input.selected());
    a.update(key('m'), t0);
    assert_eq!(a.search.query(), "m");
    a.update(key('e'), t0);
    assert_eq!(a.search.query(), "me", "only the first key replaces");
    // A guest found by their real mail stays in the list while typing narrows it.
    a.update(
        Msg::Key(KeyEvent::new(KeyCode::Char('u'), KeyModifiers::CONTROL)),
        t0,
    );
    type_str(&mut a, "tom.baker@outlook.com", t0);
    let req = match &a.update(Msg::Tick, t0 + Duration::from_secs(1))[..] {
        [Effect::Search { req, .. }] => *req,
        other => panic!("{other:?}"),
    };
    let mut tom = user("9", "Tom Baker");
    tom.user_principal_name = Some("tom.baker_outlook.com#EXT#@contoso.onmicrosoft.com".into());
    tom.mail = Some("tom.baker@outlook.com".into());
    a.update(
        Msg::SearchDone {
            req,
            query: "tom.baker@outlook.com".into(),
            result: Ok((vec![tom], Some(1))),
        },
        t0,
    );
    assert_eq!(a.search.rows.len(), 1, "found by the mail Graph matched");
    // Pasting an address into an empty box opens that user at once.
    let mut b = app();
    b.update(session(), t0);
    let fx = b.update(Msg::Paste(" adele.vance@contoso.com\n".into()), t0);
    assert!(
        matches!(&fx[..], [Effect::LoadDetails { key, .. }] if key == "adele.vance@contoso.com"),
        "{fx:?}"
    );
    assert_eq!(b.focus, Focus::Details);
}

#[test]
fn remapped_keys_act_in_their_mode_and_fields_edit_at_the_cursor() {
    let overrides: resetdesk::keymap::KeyOverrides =
        toml::from_str("[dialog]\ntoggle = \"x\"").unwrap();
    let mut a = App::new(
        Options {
            demo: true,
            ..Options::default()
        },
        Keymap::with_overrides(&overrides).unwrap(),
    );
    let t0 = Instant::now();
    open_dialog(&mut a, user("1", "Adele Vance"), t0);
    let dialog = |a: &App| match &a.reset {
        ResetFlow::Dialog(d) => (
            d.typed,
            d.focus,
            d.password.text().to_string(),
            d.ticket.text().to_string(),
        ),
        other => panic!("{other:?}"),
    };
    a.update(code(KeyCode::Tab), t0); // Cancel → the password choice
    assert_eq!(dialog(&a).1, Field::Mode);
    a.update(key(' '), t0);
    assert!(!dialog(&a).0, "Space no longer toggles: it was moved to x");
    a.update(key('x'), t0);
    assert!(dialog(&a).0, "x toggles to a typed password");
    a.update(code(KeyCode::Tab), t0);
    assert_eq!(dialog(&a).1, Field::Password);
    // In a text field a bound character is text, and the cursor edits in the middle.
    type_str(&mut a, "abxc", t0);
    a.update(code(KeyCode::Left), t0);
    a.update(code(KeyCode::Left), t0);
    a.update(key('Y'), t0);
    assert_eq!(dialog(&a).2, "abYxc");
    a.update(code(KeyCode::Delete), t0);
    a.update(code(KeyCode::End), t0);
    a.update(key('!'), t0);
    assert_eq!(dialog(&a).2, "abYc!");
    while dialog(&a).1 != Field::Ticket {
        a.update(code(KeyCode::Tab), t0);
    }
    type_str(&mut a, "INC 42", t0);
    a.update(code(KeyCode::Home), t0);
    a.update(Msg::Paste("#\n".into()), t0);
    assert_eq!(dialog(&a).3, "#INC 42");
}

#[test]
fn help_opens_scrolls_and_closes_with_the_help_keys() {
    let mut a = app();
    let t0 = Instant::now();
    a.update(code(KeyCode::Esc), t0);
    a.update(key('?'), t0);
    assert_eq!(a.mode, Mode::Help);
    a.update(key('j'), t0);
    a.update(key('j'), t0);
    assert_eq!(a.help.scroll, 2);
    a.update(key('G'), t0);
    let bottom = a.help.scroll;
    assert!(bottom > 40, "every mode's keys are listed: {bottom}");
    a.update(key('k'), t0);
    assert_eq!(a.help.scroll, bottom - 1, "k moves back from the end");
    // `q` closes help; it does not quit the console.
    assert!(a.update(key('q'), t0).is_empty());
    assert_eq!(a.mode, Mode::Normal);
    assert!(!a.quit);
}

#[test]
fn a_failed_search_or_details_load_says_what_failed_and_what_to_do() {
    use resetdesk::app::LoadError;
    use resetdesk::graph::GraphError;
    let mut a = app();
    let t0 = Instant::now();
    a.update(session(), t0);
    // A fault while gathering facts is not a verdict: cause, and the same fix the CLI
    // gives for a 503, plus the key that retries.
    a.update(code(KeyCode::Esc), t0);
    a.update(key(':'), t0);
    type_str(&mut a, "user adele", t0);
    let req = crate::support::console::details_req(&a.update(code(KeyCode::Enter), t0));
    a.update(
        Msg::DetailsDone {
            req,
            result: Err(LoadError::Graph(GraphError::Api {
                status: 503,
                code: "serviceNotAvailable".into(),
                message: "try later".into(),
                request_id: None,
                retry_after: None,
            })),
        },
        t0,
    );
    match &a.details.shown {
        Details::Failed { error, .. } => {
            assert!(
                error
                    .cause
                    .contains("could not check whether you may reset adele"),
                "{error:?}"
            );
            assert!(
                error.fix.contains("unavailable for the moment"),
                "{error:?}"
            );
            assert!(error.fix.contains("^r/F5 re-reads"), "{error:?}");
        }
        other => panic!("{other:?}"),
    }
    // No match: what was tried, and how to find the user instead.
    a.update(key(':'), t0);
    type_str(&mut a, "user nobody", t0);
    let req = crate::support::console::details_req(&a.update(code(KeyCode::Enter), t0));
    a.update(
        Msg::DetailsDone {
            req,
            result: Err(LoadError::NoMatch(vec!["UPN".into(), "mail".into()])),
        },
        t0,
    );
    assert!(matches!(&a.details.shown, Details::Failed { error, .. }
        if error.cause.contains("no user matches nobody (tried: UPN, mail)") && error.fix.contains("search")));
    // A failed search: the flash and the list say the cause and the fix.
    a.update(key('/'), t0);
    type_str(&mut a, "ade", t0);
    let later = t0 + resetdesk::app::search::DEBOUNCE;
    let req = match &a.update(Msg::Tick, later)[..] {
        [Effect::Search { req, .. }] => *req,
        other => panic!("{other:?}"),
    };
    a.update(
        Msg::SearchDone {
            req,
            query: "ade".into(),
            result: Err(GraphError::Transport {
                message: "connection refused".into(),
                maybe_sent: false,
            }),
        },
        later,
    );
    let e = a.search.error.as_ref().unwrap();
    assert!(
        e.cause.contains("the search failed") && e.fix.contains("check the connection"),
        "{e:?}"
    );
    assert!(
        a.flash
            .as_ref()
            .unwrap()
            .text
            .contains("check the connection")
    );
}

#[test]
fn moving_in_the_list_after_slash_keeps_the_query_for_typing_on() {
    let mut a = app();
    let t0 = Instant::now();
    a.update(session(), t0);
    let t0 = answer_search(
        &mut a,
        "ade",
        vec![user("1", "Adele Vance"), user("2", "Adelaide Brooks")],
        None,
        t0,
    );
    a.update(code(KeyCode::Esc), t0);
    a.update(key('/'), t0);
    assert!(a.search.input.selected());
    a.update(code(KeyCode::Down), t0);
    a.update(key('l'), t0);
    assert_eq!(
        a.search.query(),
        "adel",
        "the move dropped the selection: typing adds"
    );
    a.update(code(KeyCode::Esc), t0);
    a.update(key('/'), t0);
    a.update(code(KeyCode::Delete), t0);
    assert_eq!(a.search.query(), "", "Delete on the selection deletes it");
}
