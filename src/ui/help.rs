//! The help overlay: every mode's keys, from the keymap (so a remapped key shows as it
//! is), scrolled with the help mode's keys.

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Clear, Paragraph, Widget};

use super::{centered, pane, styled};
use crate::app::Help;
use crate::keymap::{Action, KeyMode, Keymap};
use crate::theme::Theme;

pub fn render(help: &Help, keymap: &Keymap, theme: &Theme, area: Rect, buf: &mut Buffer) {
    let mut lines: Vec<Line> = Vec::new();
    for mode in KeyMode::ALL {
        lines.push(Line::from(Span::styled(
            format!(" {}", mode.title()),
            theme.title,
        )));
        for (keys, does) in keymap.help(*mode) {
            lines.push(Line::from(vec![
                styled(format!("   {keys:<16}"), theme.key),
                Span::raw(does),
            ]));
        }
        if *mode == KeyMode::Edit {
            lines.push(Line::from(vec![
                styled(format!("   {:<16}", "^c"), theme.key),
                Span::raw("quit, always, from anywhere"),
            ]));
        } else {
            lines.push(Line::from(""));
        }
    }
    let rect = centered(area, 78, area.height);
    let visible = rect.height.saturating_sub(2) as usize;
    let scroll = (help.scroll as usize).min(lines.len().saturating_sub(visible));
    let title = format!(
        " Keys · {} scroll · {} closes{} ",
        keymap.label(KeyMode::Help, Action::Down),
        keymap.label(KeyMode::Help, Action::Back),
        if lines.len() > visible {
            format!(
                " · {}–{} of {}",
                scroll + 1,
                (scroll + visible).min(lines.len()),
                lines.len()
            )
        } else {
            String::new()
        }
    );
    Clear.render(rect, buf);
    let block = pane(Line::from(Span::styled(title, theme.title)), true, theme);
    Paragraph::new(lines)
        .block(block)
        .scroll((scroll as u16, 0))
        .render(rect, buf);
}

/// The furthest the help can scroll on a screen of `area`.
pub fn max_scroll(keymap: &Keymap, area: Rect) -> u16 {
    let visible = area.height.saturating_sub(2) as usize;
    crate::app::help::lines(keymap).saturating_sub(visible) as u16
}
