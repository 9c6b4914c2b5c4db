//! The details pane: which user it shows (or is loading), and its scrolling. Details
//! are "newest wins": an answer for an older request is dropped.

use super::{App, Effect};
use crate::keymap::Action;
use crate::service::explain::Explanation;
use crate::service::facts::Assessment;
use crate::service::triage::Triage;

#[derive(Debug, Clone)]
pub enum Details {
    Empty,
    Loading { req: u64, key: String },
    Loaded(Box<Assessment>),
    Failed { key: String, error: Explanation },
}

/// The triage of the user shown: their sign-ins, registration and diagnosis.
#[derive(Debug, Clone)]
pub enum TriageView {
    None,
    Loading,
    Loaded(std::sync::Arc<Triage>),
    /// It could not be read at all (why): the rest of the pane stands.
    Failed(String),
}

#[derive(Debug, Clone)]
pub struct DetailsPane {
    pub shown: Details,
    pub triage: TriageView,
    /// Whether your roles could create a Temporary Access Pass for the user shown (the
    /// pass hint says whom to ask when not).
    pub can_create_pass: Option<bool>,
    /// Lines scrolled (j/k there).
    pub scroll: u16,
}

impl Default for DetailsPane {
    fn default() -> Self {
        DetailsPane {
            shown: Details::Empty,
            triage: TriageView::None,
            can_create_pass: None,
            scroll: 0,
        }
    }
}

/// The furthest the pane scrolls (lines).
const MAX_SCROLL: usize = 200;

impl DetailsPane {
    /// j/k, PgUp/PgDn, g/G scroll the pane, never past its last line (`limit`, from the
    /// screen as drawn).
    pub fn handle(&mut self, a: Action, limit: u16) {
        if a.is_movement() {
            let last = MAX_SCROLL.min(limit.into());
            let at = super::moved(a, self.scroll.into(), super::PAGE, last);
            self.scroll = at as u16;
        }
    }

    pub fn assessment(&self) -> Option<&Assessment> {
        match &self.shown {
            Details::Loaded(a) => Some(a),
            _ => None,
        }
    }

    pub fn triage(&self) -> Option<&Triage> {
        match &self.triage {
            TriageView::Loaded(t) => Some(t),
            _ => None,
        }
    }

    /// The id or key of the user shown or on its way.
    pub fn key(&self) -> Option<&str> {
        match &self.shown {
            Details::Loaded(a) => Some(a.target.user.id.as_str()),
            Details::Loading { key, .. } => Some(key.as_str()),
            _ => None,
        }
    }
}

impl App {
    pub(super) fn load_details(&mut self, key: String) -> Vec<Effect> {
        // A newer request: whatever `r` was waiting for is no longer what is shown, and a
        // warning about the last one (say, "2 users match") no longer applies.
        self.reset_after_load = None;
        // The triage on its way was for the user shown before.
        self.triage_req = None;
        if self
            .flash
            .as_ref()
            .is_some_and(|f| f.level == super::Level::Warn)
        {
            self.flash = None;
        }
        let req = self.req();
        self.details = DetailsPane {
            shown: Details::Loading {
                req,
                key: key.clone(),
            },
            triage: TriageView::None,
            can_create_pass: None,
            scroll: 0,
        };
        match &self.operator {
            Some(op) => vec![Effect::LoadDetails {
                req,
                key,
                operator: op.clone(),
            }],
            None => {
                self.deferred_details = Some(key);
                vec![]
            }
        }
    }
}
