//! The actions a key can be bound to. What an action does depends on the mode it is
//! bound in (Enter's `select` opens a user in the list and presses a button in the
//! dialog); the words for each mode are in `defaults.rs`.

use serde::Deserialize;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Action {
    Search,
    Up,
    Down,
    PageUp,
    PageDown,
    Top,
    Bottom,
    Select,
    NextPane,
    PrevPane,
    Reset,
    /// Mark the highlighted user for a bulk reset (or unmark them).
    Mark,
    /// The bulk reset of the marked users.
    BulkReset,
    /// A Temporary Access Pass for the open user.
    Tap,
    Refresh,
    Help,
    Command,
    Back,
    Quit,
    // The reset dialog and the one-time password view.
    NextField,
    PrevField,
    Toggle,
    Copy,
    Reveal,
    // The line editor every text field shares.
    CursorLeft,
    CursorRight,
    LineStart,
    LineEnd,
    DeleteBack,
    DeleteForward,
    DeleteWord,
    ClearLine,
}

impl Action {
    /// The name the config file uses.
    pub fn name(self) -> &'static str {
        match self {
            Action::Search => "search",
            Action::Up => "up",
            Action::Down => "down",
            Action::PageUp => "page-up",
            Action::PageDown => "page-down",
            Action::Top => "top",
            Action::Bottom => "bottom",
            Action::Select => "select",
            Action::NextPane => "next-pane",
            Action::PrevPane => "prev-pane",
            Action::Reset => "reset",
            Action::Mark => "mark",
            Action::BulkReset => "bulk-reset",
            Action::Tap => "tap",
            Action::Refresh => "refresh",
            Action::Help => "help",
            Action::Command => "command",
            Action::Back => "back",
            Action::Quit => "quit",
            Action::NextField => "next-field",
            Action::PrevField => "prev-field",
            Action::Toggle => "toggle",
            Action::Copy => "copy",
            Action::Reveal => "reveal",
            Action::CursorLeft => "cursor-left",
            Action::CursorRight => "cursor-right",
            Action::LineStart => "line-start",
            Action::LineEnd => "line-end",
            Action::DeleteBack => "delete-back",
            Action::DeleteForward => "delete-forward",
            Action::DeleteWord => "delete-word",
            Action::ClearLine => "clear-line",
        }
    }

    /// Up, down, pages, top and bottom: what every list and scrolled pane understands.
    pub fn is_movement(self) -> bool {
        matches!(
            self,
            Action::Up
                | Action::Down
                | Action::PageUp
                | Action::PageDown
                | Action::Top
                | Action::Bottom
        )
    }
}
