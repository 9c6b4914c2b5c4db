//! `:profile NAME`: a fresh session in another config profile (another customer tenant)
//! without leaving the console. Nothing of the old tenant stays on screen — results,
//! details, audit rows, this session's resets — so that two customers cannot be mixed
//! up; until the new sign-in succeeds the old session's effects keep their old target,
//! and a failed switch goes back to it.

use std::time::Instant;

use super::*;

impl App {
    pub(super) fn switch_profile(&mut self, name: &str, now: Instant) -> Vec<Effect> {
        let known = &self.options.profiles;
        if name.is_empty() {
            let text = if known.is_empty() {
                "no profiles: add [profiles.NAME] sections to the config file (README: Profiles)"
                    .to_string()
            } else {
                format!(
                    "profiles: {} (now: {}) — :profile NAME switches",
                    known.join(", "),
                    self.options.profile.as_deref().unwrap_or("none")
                )
            };
            self.flash(Level::Info, text, now);
            return vec![];
        }
        if !known.iter().any(|k| k == name) {
            self.flash(
                Level::Warn,
                format!(
                    "no profile {} in the config (known: {})",
                    crate::sanitize::sanitize_line(name, 40),
                    if known.is_empty() {
                        "none".to_string()
                    } else {
                        known.join(", ")
                    }
                ),
                now,
            );
            return vec![];
        }
        if let Some(other) = &self.switching {
            self.flash(
                Level::Warn,
                format!("already switching to profile {other}: wait for it (or Ctrl-C)"),
                now,
            );
            return vec![];
        }
        if self.reset.is_open() || self.bulk.is_some() || self.pending_clear.is_some() {
            self.flash(
                Level::Warn,
                "finish the reset first: its password and outcome belong to this tenant",
                now,
            );
            return vec![];
        }
        self.switching = Some(name.to_string());
        self.forget_tenant();
        self.connection = Connection::Connecting;
        self.flash(Level::Info, format!("switching to profile {name}…"), now);
        vec![Effect::SwitchProfile(name.to_string())]
    }

    /// Everything shown of the current tenant.
    fn forget_tenant(&mut self) {
        self.session = None;
        self.operator = None;
        self.search = Search::default();
        self.details = DetailsPane::default();
        self.bulk = None;
        self.audit = AuditPane::default();
        self.my_resets.clear();
        self.audit_started = false;
        self.deferred_details = None;
        self.reset_after_load = None;
        self.focus = Focus::Search;
        self.mode = Mode::Typing;
        self.dirty = true;
    }

    pub(super) fn on_profile_switched(
        &mut self,
        result: Result<Box<ProfileInfo>, String>,
        now: Instant,
    ) -> Vec<Effect> {
        let name = self.switching.take().unwrap_or_default();
        self.sign_in = None;
        match result {
            Ok(info) => {
                // Whatever was typed or answered meanwhile belongs to no one.
                self.forget_tenant();
                self.options.profile = Some(info.name.clone());
                self.options.read_only = info.read_only;
                self.options.cloud = info.cloud;
                self.options.auth = info.auth.clone();
                self.flash(Level::Info, format!("profile {}", info.name), now);
                vec![Effect::AdoptProfile, Effect::LoadSession]
            }
            Err(e) => {
                self.flash(
                    Level::Error,
                    format!(
                        "could not switch to profile {name}: {e} — still in profile {}",
                        self.options.profile.as_deref().unwrap_or("(none)")
                    ),
                    now,
                );
                // The old session is still the executor's: read it again.
                vec![Effect::LoadSession]
            }
        }
    }
}
