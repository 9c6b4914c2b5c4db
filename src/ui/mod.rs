//! Rendering: a pure read of `App` into a frame. No I/O, no state changes. Every string
//! that comes from the directory passes through `sanitize` on its way to a cell.

mod audit;
mod details;
mod help;
mod reset;
mod search;

use ratatui::Frame;
use ratatui::layout::{Constraint, Direction, Layout, Rect};
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, BorderType, Borders, Clear, Paragraph, Wrap};

use crate::app::{App, Connection, Level, Mode};
use crate::keymap::Action;
use crate::sanitize::{sanitize, sanitize_line};
use crate::theme::Theme;

pub const MIN_WIDTH: u16 = 60;
pub const MIN_HEIGHT: u16 = 15;
pub(crate) const SPINNER: &[&str] = &["⠋", "⠙", "⠹", "⠸", "⠼", "⠴", "⠦", "⠧", "⠇", "⠏"];

/// Directory text, made safe and cut to a width.
pub(crate) fn clean(s: &str, width: usize) -> String {
    sanitize_line(s, width)
}

pub(crate) fn pane<'a>(title: Line<'a>, focused: bool, theme: &Theme) -> Block<'a> {
    let (style, kind) = if focused {
        (theme.border_focused, BorderType::Thick)
    } else {
        (theme.border, BorderType::Plain)
    };
    Block::default()
        .borders(Borders::ALL)
        .border_type(kind)
        .border_style(style)
        .title(title)
}

pub fn render(app: &App, theme: &Theme, f: &mut Frame) {
    let area = f.area();
    if area.width < MIN_WIDTH || area.height < MIN_HEIGHT {
        let msg = format!(
            "Terminal too small: {}×{}. resetdesk needs at least {MIN_WIDTH}×{MIN_HEIGHT}.",
            area.width, area.height
        );
        f.render_widget(
            Paragraph::new(msg)
                .style(theme.warn)
                .wrap(Wrap { trim: true }),
            area,
        );
        return;
    }
    let audit_height = match area.height {
        h if h >= 36 => 8,
        h if h >= 22 => 5,
        _ => 0,
    };
    let rows = Layout::vertical([
        Constraint::Length(1),
        Constraint::Min(6),
        Constraint::Length(audit_height),
        Constraint::Length(1),
        Constraint::Length(1),
    ])
    .split(area);
    header(app, theme, f, rows[0]);
    let wide = area.width >= 100;
    let body = Layout::default()
        .direction(if wide {
            Direction::Horizontal
        } else {
            Direction::Vertical
        })
        .constraints(if wide {
            [Constraint::Percentage(42), Constraint::Percentage(58)]
        } else {
            [Constraint::Percentage(45), Constraint::Percentage(55)]
        })
        .split(rows[1]);
    search::render(app, theme, f, body[0]);
    details::render(app, theme, f, body[1]);
    if audit_height > 0 {
        audit::render(app, theme, f, rows[2]);
    }
    command_bar(app, theme, f, rows[3]);
    flash_line(app, theme, f, rows[4]);
    if app.mode == Mode::Help {
        help::render(app, theme, f, area);
    }
    reset::render(app, theme, f, area);
}

fn header(app: &App, theme: &Theme, f: &mut Frame, area: Rect) {
    // Parts in order of importance; the least important go first when space runs out.
    let mut parts: Vec<(u8, String)> = Vec::new();
    match &app.session {
        Some(s) => {
            parts.push((1, clean(&s.tenant, 30)));
            let upn = s
                .operator
                .user
                .user_principal_name
                .as_deref()
                .unwrap_or("?");
            parts.push((0, clean(upn, 40)));
            parts.push((3, clean(&s.operator.active_roles_summary(), 60)));
        }
        None => parts.push((0, "signing in…".into())),
    }
    parts.push((4, app.options.cloud.clone()));
    if app.options.demo {
        parts.push((2, "DEMO".into()));
    }
    if app.options.read_only {
        parts.push((0, "READ-ONLY".into()));
    }
    let mut status = match &app.connection {
        Connection::Connecting => "● connecting".to_string(),
        Connection::Connected => "● connected".to_string(),
        Connection::Failed(_) => "✗ not connected".to_string(),
    };
    if app.busy() {
        status.push(' ');
        status.push_str(SPINNER[app.spinner % SPINNER.len()]);
    }
    parts.push((0, status));
    let total = |p: &[(u8, String)]| -> usize {
        11 + p
            .iter()
            .map(|(_, t)| crate::sanitize::width(t) + 3)
            .sum::<usize>()
    };
    for drop in [4u8, 3, 2, 1] {
        if total(&parts) <= area.width as usize {
            break;
        }
        parts.retain(|(rank, _)| *rank != drop);
    }
    let mut spans = vec![Span::styled(
        " resetdesk ",
        theme.header.add_modifier(ratatui::style::Modifier::BOLD),
    )];
    for (_, text) in parts {
        spans.push(Span::styled(" │ ", theme.header));
        spans.push(Span::styled(text, theme.header));
    }
    f.render_widget(Paragraph::new(Line::from(spans)).style(theme.header), area);
}

fn command_bar(app: &App, theme: &Theme, f: &mut Frame, area: Rect) {
    let line = match &app.mode {
        Mode::Command(text) => Line::from(vec![
            Span::styled(":", theme.key),
            Span::raw(sanitize(text)),
            Span::styled("▏", theme.key),
        ]),
        Mode::ConfirmQuit => Line::from(Span::styled(
            format!(
                "{} Press {} again to quit, any other key to stay.",
                app.quit_warning().unwrap_or("Quit?"),
                app.keymap.label(Action::Quit)
            ),
            theme.warn,
        )),
        Mode::Help => hints(theme, &[("Esc", "close help")]),
        Mode::Filtering => hints(
            theme,
            &[
                ("type", "filter the audit pane"),
                ("⏎", "keep"),
                ("Esc", "clear"),
                ("^c", "quit"),
            ],
        ),
        Mode::Typing => hints(
            theme,
            &[
                ("type", "search"),
                ("↑↓", "move"),
                ("⏎", "open"),
                ("Esc", "done"),
                ("^u", "clear"),
                ("^c", "quit"),
            ],
        ),
        Mode::Normal => {
            let reset_ok = app.reset_unavailable().is_none();
            let pairs: Vec<(String, &str)> = Action::ALL
                .iter()
                .filter(|a| **a != Action::Reset || reset_ok)
                .filter_map(|a| a.hint().map(|h| (app.keymap.label(*a), h)))
                .collect();
            let refs: Vec<(&str, &str)> = pairs.iter().map(|(k, h)| (k.as_str(), *h)).collect();
            hints(theme, &refs)
        }
    };
    f.render_widget(Paragraph::new(line), area);
}

fn hints<'a>(theme: &Theme, pairs: &[(&str, &str)]) -> Line<'a> {
    let mut spans = Vec::new();
    for (i, (k, h)) in pairs.iter().enumerate() {
        if i > 0 {
            spans.push(Span::raw("  "));
        }
        spans.push(Span::styled(k.to_string(), theme.key));
        spans.push(Span::styled(format!(" {h}"), theme.dim));
    }
    Line::from(spans)
}

fn flash_line(app: &App, theme: &Theme, f: &mut Frame, area: Rect) {
    let Some(flash) = &app.flash else {
        return;
    };
    let (mark, style) = match flash.level {
        Level::Info => ("·", theme.info),
        Level::Warn => ("!", theme.warn),
        Level::Error => ("✗", theme.danger),
    };
    let text = format!(
        "{mark} {}",
        sanitize_line(&flash.text, area.width.saturating_sub(2) as usize)
    );
    f.render_widget(Paragraph::new(Span::styled(text, style)), area);
}

/// A centered rectangle of at most `w`×`h` inside `area`.
pub(crate) fn centered(area: Rect, w: u16, h: u16) -> Rect {
    let w = w.min(area.width);
    let h = h.min(area.height);
    Rect {
        x: area.x + (area.width - w) / 2,
        y: area.y + (area.height - h) / 2,
        width: w,
        height: h,
    }
}

pub(crate) fn clear(f: &mut Frame, area: Rect) {
    f.render_widget(Clear, area);
}

pub(crate) fn styled(s: String, style: Style) -> Span<'static> {
    Span::styled(s, style)
}
