//! The audit pane's state: a bounded list of password activity, newest first, which of it
//! confirms the operator's own resets, the stream's state, a local filter, and its keys.

use std::collections::VecDeque;

use std::time::Instant;

use time::OffsetDateTime;

use ratatui::crossterm::event::{KeyCode, KeyEvent};

use super::input::TextInput;
use super::{App, Effect, Level, Reply, ResetFlow};
use crate::keymap::{Action, KeyMode, Keymap};

use crate::graph::audit::confirms;
use crate::graph::model::DirectoryAudit;

/// Entries kept: memory stays flat over a long shift.
pub const CAPACITY: usize = 500;

#[derive(Debug, Clone, PartialEq)]
pub enum AuditStatus {
    Starting,
    Live {
        last_poll: OffsetDateTime,
    },
    BackingOff {
        until: OffsetDateTime,
        reason: String,
    },
    NoPermission {
        fix: String,
        retry_at: OffsetDateTime,
    },
}

#[derive(Debug, Clone)]
pub struct Row {
    pub entry: DirectoryAudit,
    /// Initiated by the signed-in operator.
    pub mine: bool,
    /// Confirms one of this session's resets.
    pub confirmed: bool,
}

/// A reset made in this session, waiting for the audit log to show it.
#[derive(Debug, Clone)]
pub struct MyReset {
    pub target_id: String,
    pub target_upn: String,
    pub label: String,
    pub at: OffsetDateTime,
    pub confirmed: bool,
    /// A Temporary Access Pass, confirmed by its own audit activity.
    pub pass: bool,
}

#[derive(Debug)]
pub struct AuditPane {
    pub rows: VecDeque<Row>,
    pub status: AuditStatus,
    /// What the shown rows are filtered by (`/` in the pane; `filter` mode).
    pub filter: TextInput,
    pub selected: usize,
}

impl Default for AuditPane {
    fn default() -> Self {
        AuditPane {
            rows: VecDeque::new(),
            status: AuditStatus::Starting,
            filter: TextInput::new(64),
            selected: 0,
        }
    }
}

impl Row {
    fn haystack(&self) -> String {
        let e = &self.entry;
        let target = e
            .target_user()
            .map(|t| {
                format!(
                    "{} {}",
                    t.user_principal_name.as_deref().unwrap_or(""),
                    t.display_name.as_deref().unwrap_or("")
                )
            })
            .unwrap_or_default();
        format!(
            "{} {} {} {} {}",
            e.activity_display_name,
            e.initiator(),
            target,
            e.result.as_deref().unwrap_or(""),
            e.ip_address().unwrap_or("")
        )
        .to_lowercase()
    }
}

impl AuditPane {
    /// Adds a batch (oldest first) and returns the indices of `resets` it confirmed.
    pub fn push(
        &mut self,
        batch: Vec<DirectoryAudit>,
        operator_id: &str,
        resets: &mut [MyReset],
    ) -> Vec<usize> {
        let mut newly = Vec::new();
        for entry in batch {
            let mut confirmed = false;
            for (i, r) in resets.iter_mut().enumerate() {
                let matched = if r.pass {
                    crate::graph::audit::confirms_pass(&entry, operator_id, &r.target_id, r.at)
                } else {
                    confirms(&entry, operator_id, &r.target_id, r.at)
                };
                if !r.confirmed && matched {
                    r.confirmed = true;
                    confirmed = true;
                    newly.push(i);
                }
            }
            let mine = entry.initiator_id() == Some(operator_id);
            self.rows.push_front(Row {
                entry,
                mine,
                confirmed,
            });
        }
        // Keep newest first even when a late entry is older than what is shown.
        self.rows
            .make_contiguous()
            .sort_by_key(|r| std::cmp::Reverse(r.entry.activity_date_time));
        self.rows.truncate(CAPACITY);
        newly
    }

    /// Movement in the list.
    pub fn handle(&mut self, a: Action) {
        if a.is_movement() {
            let last = self.visible().len().saturating_sub(1);
            self.selected = super::moved(a, self.selected, super::PAGE, last);
        }
    }

    /// A key while typing the filter: Enter keeps it, Esc clears it.
    pub fn filter_key(&mut self, k: &KeyEvent, keymap: &Keymap) -> Reply {
        let reply = match keymap.lookup_text(KeyMode::Filter, k) {
            Some(Action::Back) => {
                self.filter.clear();
                Reply::Leave
            }
            Some(Action::Select) => Reply::Leave,
            Some(a) => {
                self.filter.edit(a);
                Reply::Done
            }
            None => match k.code {
                KeyCode::Char(c) if crate::keymap::is_plain_char(k) => {
                    self.filter.insert(c);
                    Reply::Done
                }
                _ => Reply::Ignored,
            },
        };
        self.selected = 0;
        reply
    }

    pub fn visible(&self) -> Vec<&Row> {
        let f = self.filter.text().trim().to_lowercase();
        self.rows
            .iter()
            .filter(|r| f.is_empty() || r.haystack().contains(&f))
            .collect()
    }
}

impl App {
    pub(super) fn on_audit_batch(
        &mut self,
        batch: Vec<crate::graph::model::DirectoryAudit>,
        now: Instant,
    ) -> Vec<Effect> {
        let operator_id = self
            .operator
            .as_ref()
            .map(|o| o.user.id.clone())
            .unwrap_or_default();
        // A reset Graph accepted without letting us read its progress is settled here:
        // a failed admin-reset entry by this operator for its target means it failed.
        if let ResetFlow::Done(otp) = &mut self.reset
            && otp.status == crate::service::reset::ResetStatus::Accepted
            && !otp.confirmed
        {
            let started = self
                .my_resets
                .iter()
                .rev()
                .find(|r| r.target_id == otp.user_id)
                .map(|r| r.at);
            let failed = started.and_then(|at| {
                batch.iter().find(|e| {
                    !e.succeeded()
                        && crate::graph::audit::records_reset(e, &operator_id, &otp.user_id, at)
                })
            });
            if let Some(e) = failed {
                otp.status = crate::service::reset::ResetStatus::Failed;
                // A password that was never set is worth nothing: forget it.
                otp.password = None;
                otp.detail = Some(format!(
                    "the audit log shows the reset failed: {}",
                    e.result_reason
                        .clone()
                        .unwrap_or_else(|| "no reason given".into())
                ));
                let label = otp.label.clone();
                self.flash(
                    Level::Error,
                    format!("the audit log shows the reset of {label} FAILED"),
                    now,
                );
            }
        }
        let settled = self.bulk_settle_failures(&batch, &operator_id);
        if settled > 0 {
            self.flash(
                Level::Error,
                format!("the audit log shows {settled} bulk resets FAILED (marked in the list)"),
                now,
            );
        }
        let confirmed = self.audit.push(batch, &operator_id, &mut self.my_resets);
        let mut effects = vec![];
        for i in confirmed {
            let r = self.my_resets[i].clone();
            if let ResetFlow::Done(otp) = &mut self.reset
                && otp.user_id == r.target_id
            {
                otp.confirmed = true;
            }
            if !r.pass {
                self.bulk_confirmed(&r.target_id);
            }
            let what = if r.pass { "pass for" } else { "reset of" };
            self.flash(
                Level::Info,
                format!("the audit log confirms the {what} {}", r.label),
                now,
            );
            if let Some(op) = self.operator.clone() {
                effects.push(Effect::JournalConfirm {
                    operator: op,
                    target_id: r.target_id,
                    target_upn: r.target_upn,
                });
            }
        }
        effects
    }
}
