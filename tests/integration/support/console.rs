//! The console without a terminal: an `App` driven only through the messages the runtime
//! would send (keys, pastes, ticks, I/O answers), so a test reads like what the admin
//! does: type, wait for the debounce, get the answer, open a user, press `r`.

use std::time::Instant;

use ratatui::crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use resetdesk::app::{App, Effect, Focus, Mode, Msg, Options, SessionInfo};
use resetdesk::graph::model::User;
use resetdesk::keymap::Keymap;
use resetdesk::secret::secret;
use resetdesk::service::facts::{Assessment, OperatorFacts};
use resetdesk::service::reset::{ResetOutcome, ResetStatus};

/// A demo-session console with the default keys.
pub fn app() -> App {
    App::new(
        Options {
            demo: true,
            ..Options::default()
        },
        Keymap::default(),
    )
}

pub fn key(c: char) -> Msg {
    Msg::Key(KeyEvent::new(KeyCode::Char(c), KeyModifiers::NONE))
}

pub fn code(c: KeyCode) -> Msg {
    Msg::Key(KeyEvent::new(c, KeyModifiers::NONE))
}

pub fn ctrl(c: char) -> Msg {
    Msg::Key(KeyEvent::new(KeyCode::Char(c), KeyModifiers::CONTROL))
}

pub fn type_str(a: &mut App, s: &str, now: Instant) -> Vec<Effect> {
    let mut out = vec![];
    for c in s.chars() {
        out.extend(a.update(key(c), now));
    }
    out
}

/// The session answer: signed in as this operator.
pub fn session_of(tenant: &str, operator: OperatorFacts) -> Msg {
    Msg::SessionLoaded(Ok(Box::new(SessionInfo {
        tenant: tenant.into(),
        operator,
    })))
}

/// Leaves any text mode and moves the focus to `pane` with Tab, as the admin would.
pub fn focus(a: &mut App, pane: Focus, now: Instant) {
    if a.mode != Mode::Normal {
        a.update(code(KeyCode::Esc), now);
    }
    for _ in 0..3 {
        if a.focus == pane {
            return;
        }
        a.update(code(KeyCode::Tab), now);
    }
    assert_eq!(a.focus, pane, "Tab reaches every pane");
}

/// Types `query` in the search box, lets the debounce pass, and answers the search it
/// sends with `users`. Leaves the box typing, as after a real answer.
pub fn answer_search(
    a: &mut App,
    query: &str,
    users: Vec<User>,
    count: Option<u64>,
    now: Instant,
) -> Instant {
    if a.mode != Mode::Typing {
        focus(a, Focus::Search, now);
        a.update(key('/'), now);
    }
    type_str(a, query, now);
    let later = now + resetdesk::app::search::DEBOUNCE;
    let fx = a.update(Msg::Tick, later);
    let req = fx
        .iter()
        .find_map(|e| match e {
            Effect::Search { req, .. } => Some(*req),
            _ => None,
        })
        .unwrap_or_else(|| panic!("the debounce sends the search: {fx:?}"));
    a.update(
        Msg::SearchDone {
            req,
            query: query.into(),
            result: Ok((users, count)),
        },
        later,
    );
    later
}

/// The request id of the details load among `fx`.
pub fn details_req(fx: &[Effect]) -> u64 {
    fx.iter()
        .find_map(|e| match e {
            Effect::LoadDetails { req, .. } => Some(*req),
            _ => None,
        })
        .unwrap_or_else(|| panic!("a details load: {fx:?}"))
}

/// Opens a user the way an admin does without a list: `:user ID`, then the details
/// answer. The session must be known (else the load waits for it).
pub fn open(a: &mut App, assessment: Box<Assessment>, now: Instant) -> Vec<Effect> {
    if a.mode != Mode::Normal {
        a.update(code(KeyCode::Esc), now);
    }
    a.update(key(':'), now);
    type_str(a, &format!("user {}", assessment.target.user.id), now);
    let req = details_req(&a.update(code(KeyCode::Enter), now));
    a.update(
        Msg::DetailsDone {
            req,
            result: Ok(assessment),
        },
        now,
    )
}

/// From a shown, resettable user: `r`, Shift-Tab to *Reset password*, Enter; answers the
/// reset with `password` set. Returns the request id.
pub fn reset_with(a: &mut App, password: &str, started_at: time::OffsetDateTime, now: Instant) {
    a.update(key('r'), now);
    a.update(code(KeyCode::BackTab), now);
    let fx = a.update(code(KeyCode::Enter), now);
    let req = fx
        .iter()
        .find_map(|e| match e {
            Effect::Reset { req, .. } => Some(*req),
            _ => None,
        })
        .unwrap_or_else(|| panic!("the reset is sent: {fx:?}"));
    let outcome = outcome(ResetStatus::Succeeded, password, started_at);
    a.update(
        Msg::ResetDone {
            req,
            outcome: Box::new(outcome),
        },
        now,
    );
}

/// A reset's outcome on the passwordProfile path with a generated password and a change
/// at next sign-in required: the answer the executor sends, for `status`.
pub fn outcome(
    status: ResetStatus,
    password: &str,
    started_at: time::OffsetDateTime,
) -> ResetOutcome {
    ResetOutcome {
        status,
        method: resetdesk::policy::eligibility::Method::PasswordProfile,
        password: Some(secret(password.into())),
        generated: true,
        force_change: true,
        force_change_with_mfa: false,
        change_only: false,
        error: None,
        detail: None,
        revoked: None,
        request_ids: vec![],
        started_at,
    }
}
