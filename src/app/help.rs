//! The help overlay's state: open or not is the router's mode; this is its scrolling and
//! its keys (`help` mode). What it shows is every mode's keymap (`ui/help.rs`).

use ratatui::crossterm::event::KeyEvent;

use super::Reply;
use crate::keymap::{Action, KeyMode, Keymap};

#[derive(Debug, Clone, Default)]
pub struct Help {
    pub scroll: u16,
}

impl Help {
    /// A key in help; the scroll stops at `limit` (from the screen as drawn).
    pub fn key(&mut self, k: &KeyEvent, keymap: &Keymap, limit: u16) -> Reply {
        match keymap.lookup(KeyMode::Help, k) {
            Some(Action::Back) => {
                self.scroll = 0;
                Reply::Leave
            }
            Some(a) if a.is_movement() => {
                let last = lines(keymap).saturating_sub(1).min(limit.into());
                self.scroll = super::moved(a, self.scroll.into(), super::PAGE, last) as u16;
                Reply::Done
            }
            _ => Reply::Ignored,
        }
    }
}

/// How many lines the help has: a heading and a blank line per mode, and its keys.
pub fn lines(keymap: &Keymap) -> usize {
    KeyMode::ALL.iter().map(|m| keymap.help(*m).len() + 2).sum()
}
