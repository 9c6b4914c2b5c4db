//! The Temporary Access Pass flow (`t`): its dialog (lifetime, one-time use, ticket, the
//! UPN typed for an admin), judged again on every change by `policy::tap`, starting on
//! Cancel; the request in flight; and the same one-time view as a password.

use std::time::Instant;

use ratatui::crossterm::event::KeyEvent;

use super::input::TextInput;
use super::reset::{Otp, PassView, ResetFlow};
use super::{App, Details, Effect, Focus, JournalNote, Level, MyReset, Reply};
use crate::keymap::{Action, KeyMode, Keymap};
use crate::policy::eligibility::{Method, Operator};
use crate::policy::tap::{PolicyKnown, TapAsk, TapReason, TapTarget, TapVerdict, Weight};
use crate::service::reset::ResetStatus;
use crate::service::tap::{TapOutcome, TapStatus};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TapField {
    Lifetime,
    OneTime,
    Ticket,
    ConfirmUpn,
    Create,
    Cancel,
}

/// The pass's verdict said no.
#[derive(Debug, Clone)]
pub struct TapRefusal {
    pub label: String,
    pub reasons: Vec<TapReason>,
    pub least_role: Option<&'static str>,
}

#[derive(Debug)]
pub struct TapDialog {
    pub user_id: String,
    pub label: String,
    pub upn: String,
    pub privileged: bool,
    /// The triage's one-line diagnosis, when known: why a pass.
    pub diagnosis: Option<String>,
    target: TapTarget,
    operator: Operator,
    policy: PolicyKnown,
    cloud_has_tap: bool,
    /// Minutes; empty: the policy's default.
    pub lifetime: TextInput,
    pub one_time: bool,
    pub ticket: TextInput,
    pub confirm: TextInput,
    pub focus: TapField,
}

impl TapDialog {
    /// What is asked: `Err` when the lifetime is not a number of minutes.
    fn ask(&self) -> Result<TapAsk, String> {
        let text = self.lifetime.text().trim();
        let lifetime = if text.is_empty() {
            None
        } else {
            Some(
                text.parse::<u32>()
                    .map_err(|_| format!("the lifetime is minutes, not {text:?}"))?,
            )
        };
        Ok(TapAsk {
            lifetime,
            one_time: self.one_time,
        })
    }

    pub fn verdict(&self) -> TapVerdict {
        let ask = self.ask().unwrap_or_default();
        crate::policy::tap::judge(
            &self.operator,
            &self.target,
            &self.policy,
            ask,
            self.cloud_has_tap,
        )
    }

    /// The policy's limits, for the dialog: "60–480 min, default 60".
    pub fn limits(&self) -> Option<String> {
        match &self.policy {
            PolicyKnown::Read(p) => Some(format!(
                "policy: {}–{} min, default {}{}",
                p.minimum.unwrap_or(10),
                p.maximum.unwrap_or(43_200),
                p.default
                    .map(|d| d.to_string())
                    .unwrap_or_else(|| "?".into()),
                if p.one_time_only {
                    ", one-time only"
                } else {
                    ""
                }
            )),
            PolicyKnown::Unreadable(_) => None,
        }
    }

    pub fn fields(&self) -> Vec<TapField> {
        let mut f = vec![TapField::Lifetime, TapField::OneTime, TapField::Ticket];
        if self.privileged {
            f.push(TapField::ConfirmUpn);
        }
        f.extend([TapField::Create, TapField::Cancel]);
        f
    }

    fn move_focus(&mut self, forward: bool) {
        let fields = self.fields();
        let i = fields.iter().position(|f| *f == self.focus).unwrap_or(0);
        let n = fields.len();
        self.focus = fields[if forward {
            (i + 1) % n
        } else {
            (i + n - 1) % n
        }];
    }

    /// Why Create cannot be pressed yet, if it cannot.
    pub fn blocker(&self) -> Option<String> {
        if let Err(e) = self.ask() {
            return Some(e);
        }
        if let Some(r) = self.verdict().refusal() {
            return Some(r.message.clone());
        }
        if self.privileged && !self.confirm.text().trim().eq_ignore_ascii_case(&self.upn) {
            return Some("type the user's UPN to confirm (they hold an admin role)".into());
        }
        None
    }

    fn text_field(&mut self) -> Option<&mut TextInput> {
        match self.focus {
            TapField::Lifetime => Some(&mut self.lifetime),
            TapField::Ticket => Some(&mut self.ticket),
            TapField::ConfirmUpn => Some(&mut self.confirm),
            _ => None,
        }
    }

    pub fn paste(&mut self, text: &str) {
        if let Some(f) = self.text_field() {
            f.paste(text);
        }
    }

    /// A key in the dialog (`dialog` mode), as the reset dialog reads them.
    pub fn key(&mut self, k: &KeyEvent, keymap: &Keymap) -> Reply {
        let action = if self.text_field().is_some() {
            keymap.lookup_text(KeyMode::Dialog, k)
        } else {
            keymap.lookup(KeyMode::Dialog, k)
        };
        match action {
            Some(Action::Back) => return Reply::Close,
            Some(Action::NextField) => self.move_focus(true),
            Some(Action::PrevField) => self.move_focus(false),
            Some(Action::Select) => match self.focus {
                TapField::Cancel => return Reply::Close,
                TapField::Create => return Reply::Submit,
                TapField::OneTime => self.one_time = !self.one_time,
                _ => self.move_focus(true),
            },
            Some(Action::Toggle) if self.focus == TapField::OneTime => {
                self.one_time = !self.one_time
            }
            other => {
                if let Some(field) = self.text_field() {
                    field.key(other, k);
                }
            }
        }
        Reply::Done
    }
}

impl App {
    /// `t`: a Temporary Access Pass for the user whose details are shown.
    pub(super) fn tap_key(&mut self, now: Instant) -> Vec<Effect> {
        if self.options.read_only {
            self.flash(
                Level::Warn,
                "read-only session: passes are switched off (read_only = true)",
                now,
            );
            return vec![];
        }
        if !matches!(self.details.shown, Details::Loaded(_)) {
            let why = match self.details.shown {
                Details::Loading { .. } => "wait for the user's details to load",
                _ => "open a user first (/ to search, Enter to open)",
            };
            self.flash(Level::Warn, why, now);
            return vec![];
        }
        if let Some(policy) = self.tap_policy.clone() {
            self.open_tap(&policy);
            return vec![];
        }
        // Read once per session; the dialog opens when it arrives, for this user.
        let req = self.req();
        let user = self.details.key().unwrap_or_default().to_string();
        self.tap_after_policy = Some((req, user));
        self.flash(Level::Info, "reading the tenant's pass policy…", now);
        vec![Effect::ReadTapPolicy { req }]
    }

    pub(super) fn on_tap_policy(
        &mut self,
        req: u64,
        policy: PolicyKnown,
        lasting: bool,
        now: Instant,
    ) -> Vec<Effect> {
        // An answer for an older session or request is not this session's policy.
        let Some((_, user)) = self.tap_after_policy.take_if(|(r, _)| *r == req) else {
            return vec![];
        };
        if lasting {
            self.tap_policy = Some(policy.clone());
        }
        self.flash = None;
        if self.reset.is_open() {
            return vec![];
        }
        if self.details.key() == Some(user.as_str())
            && matches!(self.details.shown, Details::Loaded(_))
        {
            self.open_tap(&policy);
        } else {
            self.flash(
                Level::Warn,
                "another user is shown now: press t again for them",
                now,
            );
        }
        vec![]
    }

    fn open_tap(&mut self, policy: &PolicyKnown) {
        let (Details::Loaded(a), Some(op)) = (&self.details.shown, &self.operator) else {
            return;
        };
        self.focus = Focus::Details;
        let u = &a.target.user;
        let dialog = TapDialog {
            user_id: u.id.clone(),
            label: u.label().to_string(),
            upn: u
                .user_principal_name
                .clone()
                .unwrap_or_else(|| u.id.clone()),
            privileged: a.privileged(),
            diagnosis: self.details.triage().map(|t| t.diagnosis.message.clone()),
            target: crate::service::tap::target(op, a),
            operator: op.operator.clone(),
            policy: policy.clone(),
            cloud_has_tap: crate::service::tap::cloud_has_tap(self.options.cloud),
            lifetime: TextInput::new(6),
            one_time: false,
            ticket: TextInput::new(64),
            confirm: TextInput::new(256),
            focus: TapField::Cancel,
        };
        let verdict = dialog.verdict();
        // A refusal that no choice in the dialog can change is shown as a refusal.
        let fixed = verdict
            .reasons
            .iter()
            .any(|r| r.weight == Weight::Block && r.code != "tap-lifetime-out-of-range");
        self.reset = if fixed {
            ResetFlow::TapRefused(TapRefusal {
                label: dialog.label.clone(),
                reasons: verdict.reasons,
                least_role: verdict.least_role,
            })
        } else {
            ResetFlow::Tap(Box::new(dialog))
        };
    }

    pub(super) fn submit_tap(&mut self, now: Instant) -> Vec<Effect> {
        let ResetFlow::Tap(d) = &self.reset else {
            return vec![];
        };
        if let Some(why) = d.blocker() {
            self.flash(Level::Warn, format!("not yet: {why}"), now);
            return vec![];
        }
        let Some(operator) = self.operator.clone() else {
            return vec![];
        };
        let verdict = d.verdict();
        let note = JournalNote {
            operator,
            target_id: d.user_id.clone(),
            target_upn: d.upn.clone(),
            ticket: Some(d.ticket.text().trim().to_string()).filter(|t| !t.is_empty()),
            revoke: false,
        };
        let user_id = d.user_id.clone();
        let req = self.req();
        if let ResetFlow::Tap(d) = std::mem::take(&mut self.reset) {
            self.reset = ResetFlow::TapInFlight { req, target: d };
        }
        vec![Effect::CreateTap {
            req,
            user_id,
            verdict,
            note,
        }]
    }

    pub(super) fn on_tap_done(&mut self, req: u64, o: TapOutcome, now: Instant) -> Vec<Effect> {
        let (label, user_id, upn) = match &self.reset {
            ResetFlow::TapInFlight { req: r, target } if *r == req => (
                target.label.clone(),
                target.user_id.clone(),
                target.upn.clone(),
            ),
            _ => return vec![],
        };
        let (level, text, status) = match o.status {
            TapStatus::Succeeded => (
                Level::Info,
                format!("Temporary Access Pass created for {label}"),
                ResetStatus::Succeeded,
            ),
            TapStatus::Unconfirmed => (
                Level::Warn,
                format!("the pass for {label} is UNCONFIRMED: its code did not arrive"),
                ResetStatus::Unconfirmed,
            ),
            TapStatus::Failed => (
                Level::Error,
                format!("no pass was created for {label}"),
                ResetStatus::Failed,
            ),
        };
        self.flash(level, text, now);
        if o.status != TapStatus::Failed {
            self.my_resets.push(MyReset {
                target_id: user_id.clone(),
                target_upn: upn.clone(),
                label: label.clone(),
                at: o.started_at,
                confirmed: false,
                pass: true,
            });
        }
        let m = o.method.as_ref();
        let start = m.and_then(|m| m.start_date_time);
        let lifetime = m.and_then(|m| m.lifetime_in_minutes);
        self.reset = ResetFlow::Done(Box::new(Otp {
            user_id,
            label,
            upn,
            status,
            method: Method::PasswordProfile,
            password: o.pass,
            generated: true,
            force_change: false,
            force_mfa: false,
            revoked: None,
            detail: o.detail,
            explanation: None,
            revealed: false,
            copied: None,
            clear_at: None,
            confirmed: false,
            close_armed: false,
            pass: Some(PassView {
                lifetime_minutes: lifetime,
                one_time: m.and_then(|m| m.is_usable_once),
                until: start
                    .zip(lifetime)
                    .and_then(|(s, l)| crate::graph::model::lenient_time::after_minutes(s, l)),
            }),
        }));
        vec![]
    }
}
