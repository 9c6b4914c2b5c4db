//! The details pane: which user it shows (or is loading), and its scrolling. Details
//! are "newest wins": an answer for an older request is dropped.

use super::{App, Effect, Focus};
use crate::keymap::Action;
use crate::service::facts::Assessment;

#[derive(Debug, Clone)]
pub enum Details {
    Empty,
    Loading { req: u64, key: String },
    Loaded(Box<Assessment>),
    Failed { key: String, error: String },
}

/// The furthest the pane scrolls (lines).
const MAX_SCROLL: usize = 200;

impl App {
    pub(super) fn load_details(&mut self, key: String) -> Vec<Effect> {
        // A newer request: whatever `r` was waiting for is no longer what is shown.
        self.reset_after_load = None;
        let req = self.req();
        self.details_scroll = 0;
        self.details = Details::Loading {
            req,
            key: key.clone(),
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

    /// j/k, PgUp/PgDn, g/G in the details pane.
    pub(super) fn scroll_details(&mut self, a: Action, page: usize) {
        if self.focus != Focus::Details {
            return;
        }
        let at = super::moved(a, self.details_scroll.into(), page, MAX_SCROLL);
        self.details_scroll = at as u16;
    }
}
