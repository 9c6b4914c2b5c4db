//! Rendering: a pure read of `App` into a frame. No I/O, no state changes. Every string
//! that comes from the directory passes through `sanitize` on its way to a cell.
//!
//! This file lays the screen out and draws the bars; each pane draws itself from its
//! own state into its own area (`search`, `details`, `audit`, `reset`, `help`), told only
//! what the router knows of it (`Look`).

mod audit;
mod bulk;
mod details;
mod help;
mod reset;
mod search;
mod sign_in;
mod tap;

use ratatui::Frame;
use ratatui::buffer::Buffer;
use ratatui::layout::{Constraint, Direction, Layout, Rect};
use ratatui::style::{Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, BorderType, Borders, Paragraph, Widget, Wrap};

use crate::app::input::TextInput;
use crate::app::{App, Connection, Focus, Level, Mode};
use crate::keymap::{Action, KeyMode};
use crate::sanitize::{sanitize, sanitize_line};
use crate::theme::Theme;

pub const MIN_WIDTH: u16 = 60;
pub const MIN_HEIGHT: u16 = 15;
pub(crate) const SPINNER: &[&str] = &["⠋", "⠙", "⠹", "⠸", "⠼", "⠴", "⠦", "⠧", "⠇", "⠏"];

/// Directory text, made safe and cut to a width.
pub(crate) fn clean(s: &str, width: usize) -> String {
    sanitize_line(s, width)
}

/// What the router tells a pane when it draws: whether it has the focus, and whether its
/// text field is being typed in.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Look {
    pub focused: bool,
    pub typing: bool,
    /// The session is read-only: no pane may offer a reset.
    pub read_only: bool,
}

/// A text field's text in `width` cells: while `active`, with the cursor (the character
/// under it reversed, or a bar at the end); selected text reversed as a whole; masked
/// fields as dots.
pub(crate) fn field_spans(
    input: &TextInput,
    active: bool,
    masked: bool,
    width: usize,
    theme: &Theme,
) -> Vec<Span<'static>> {
    // A masked field is drawn from its length and cursor only: its text is never copied
    // into a frame's strings.
    if masked {
        let (_, len, at) = input.window_bounds(width.saturating_sub(1));
        if !active {
            return vec![Span::raw("•".repeat(input.len().min(width)))];
        }
        let mut spans = vec![Span::raw("•".repeat(at))];
        if at < len {
            spans.push(Span::styled(
                "•",
                theme.text.add_modifier(Modifier::REVERSED),
            ));
            spans.push(Span::raw("•".repeat(len - at - 1)));
        } else {
            spans.push(Span::styled("▏", theme.key));
        }
        return spans;
    }
    if !active {
        return vec![Span::raw(clean(input.text(), width))];
    }
    if input.selected() {
        return vec![
            Span::styled(clean(input.text(), width), theme.selected),
            Span::styled("▏", theme.key),
        ];
    }
    let (part, at) = input.window(width.saturating_sub(1));
    let before: String = part.chars().take(at).collect();
    let under: Option<char> = part.chars().nth(at);
    let after: String = part.chars().skip(at + 1).collect();
    let mut spans = vec![Span::raw(sanitize(&before))];
    match under {
        Some(c) => spans.push(Span::styled(
            sanitize(&c.to_string()),
            theme.text.add_modifier(Modifier::REVERSED),
        )),
        None => spans.push(Span::styled("▏", theme.key)),
    }
    spans.push(Span::raw(sanitize(&after)));
    spans
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

/// Where each part of the screen goes.
struct Areas {
    header: Rect,
    search: Rect,
    details: Rect,
    audit: Option<Rect>,
    bar: Rect,
    flash: Rect,
}

fn layout(app: &App, area: Rect) -> Areas {
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
        Constraint::Length(flash_rows(app, area.width)),
    ])
    .split(area);
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
    Areas {
        header: rows[0],
        search: body[0],
        details: body[1],
        audit: (audit_height > 0).then_some(rows[2]),
        bar: rows[3],
        flash: rows[4],
    }
}

/// How far the scrolled panes can scroll on a screen of `area`: measured from what a
/// draw would show, so that the app stops its scroll at the last line (the runtime sends
/// it after a draw as `Msg::ScrollLimits`).
pub fn scroll_limits(app: &App, area: Rect) -> crate::app::ScrollLimits {
    let a = layout(app, area);
    crate::app::ScrollLimits {
        details: details::max_scroll(&app.details, app.options.read_only, a.details),
        help: help::max_scroll(&app.keymap, area),
    }
}

pub fn render(app: &App, theme: &Theme, f: &mut Frame) {
    let area = f.area();
    draw(app, theme, area, f.buffer_mut());
}

/// The whole screen into a buffer.
pub fn draw(app: &App, theme: &Theme, area: Rect, buf: &mut Buffer) {
    if area.width < MIN_WIDTH || area.height < MIN_HEIGHT {
        let msg = format!(
            "Terminal too small: {}×{}. resetdesk needs at least {MIN_WIDTH}×{MIN_HEIGHT}.",
            area.width, area.height
        );
        Paragraph::new(msg)
            .style(theme.warn)
            .wrap(Wrap { trim: true })
            .render(area, buf);
        return;
    }
    let a = layout(app, area);
    header(app, theme, a.header, buf);
    // `typing`: the mode in which the pane's own text field takes the keys, if it has one.
    let look = |pane: Focus, typing: Option<Mode>| Look {
        focused: app.focus == pane,
        typing: typing.is_some_and(|m| app.mode == m) && !app.reset.is_open(),
        read_only: app.options.read_only,
    };
    search::render(
        &app.search,
        look(Focus::Search, Some(Mode::Typing)),
        theme,
        a.search,
        buf,
    );
    details::render(
        &app.details,
        look(Focus::Details, None),
        theme,
        a.details,
        buf,
    );
    if let Some(area) = a.audit {
        audit::render(
            &app.audit,
            look(Focus::Audit, Some(Mode::Filtering)),
            theme,
            area,
            buf,
        );
    }
    command_bar(app, theme, a.bar, buf);
    flash_line(app, theme, a.flash, buf);
    if app.mode == Mode::Help {
        help::render(&app.help, &app.keymap, theme, area, buf);
    }
    reset::render(
        &app.reset,
        &app.keymap,
        app.spinner,
        app.clock,
        theme,
        area,
        buf,
    );
    if let Some(b) = &app.bulk {
        bulk::render(b, &app.keymap, app.spinner, app.clock, theme, area, buf);
    }
    if let Some(w) = &app.sign_in {
        let profile = app.switching.as_deref().or(app.options.profile.as_deref());
        sign_in::render(w, profile, theme, area, buf);
    }
}

/// The profile's own colour in the header, the same every time for the same name, so
/// that two customers' consoles side by side never look alike.
fn profile_style(name: &str, theme: &Theme) -> Style {
    use ratatui::style::Color;
    if theme.monochrome {
        return Style::default().add_modifier(Modifier::REVERSED | Modifier::BOLD);
    }
    const COLOURS: [Color; 6] = [
        Color::Cyan,
        Color::Magenta,
        Color::Yellow,
        Color::Green,
        Color::LightBlue,
        Color::LightRed,
    ];
    // FNV-1a: stable across runs and builds (std's hasher is not).
    let h = name.bytes().fold(0xcbf2_9ce4_8422_2325u64, |h, b| {
        (h ^ b as u64).wrapping_mul(0x0100_0000_01b3)
    });
    Style::default()
        .bg(COLOURS[(h % COLOURS.len() as u64) as usize])
        .fg(Color::Black)
        .add_modifier(Modifier::BOLD)
}

fn header(app: &App, theme: &Theme, area: Rect, buf: &mut Buffer) {
    // Parts in order of importance; the least important go first when space runs out.
    let mut parts: Vec<(u8, String)> = Vec::new();
    let cloud = app.options.cloud;
    // A cloud that lacks a reset path outranks the roles summary.
    let (roles_rank, cloud_rank) = if cloud.has_reset_password() {
        (3, 4)
    } else {
        (4, 3)
    };
    match &app.session {
        Some(s) => {
            // With a profile the tenant beside it is what tells customers apart: it
            // outranks the operator's name.
            let (tenant_rank, who_rank) = if app.options.profile.is_some() {
                (0, 1)
            } else {
                (1, 0)
            };
            parts.push((tenant_rank, clean(&s.tenant, 30)));
            parts.push((who_rank, clean(&s.operator.who(), 40)));
            // How: the sign-in method (the demo says DEMO on its own).
            if !app.options.demo {
                parts.push((2, clean(&app.options.auth, 20)));
            }
            parts.push((roles_rank, clean(&s.operator.active_roles_summary(), 60)));
        }
        None => match &app.switching {
            Some(p) => parts.push((0, format!("switching to {}…", clean(p, 30)))),
            None => parts.push((0, "signing in…".into())),
        },
    }
    parts.push((
        cloud_rank,
        if cloud.has_reset_password() {
            cloud.name().to_string()
        } else {
            format!("{} (no writeback)", cloud.name())
        },
    ));
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
    let profile_width = app
        .options
        .profile
        .as_deref()
        .map_or(0, |p| crate::sanitize::width(&clean(p, 24)) + 3);
    let total = |p: &[(u8, String)]| -> usize {
        11 + profile_width
            + p.iter()
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
    // The profile, in its own colour, first: never dropped for room.
    if let Some(p) = &app.options.profile {
        spans.push(Span::styled(" ", theme.header));
        spans.push(Span::styled(
            format!(" {} ", clean(p, 24)),
            profile_style(p, theme),
        ));
    }
    for (_, text) in parts {
        spans.push(Span::styled(" │ ", theme.header));
        spans.push(Span::styled(text, theme.header));
    }
    Paragraph::new(Line::from(spans))
        .style(theme.header)
        .render(area, buf);
}

fn command_bar(app: &App, theme: &Theme, area: Rect, buf: &mut Buffer) {
    let km = &app.keymap;
    // A text mode's own keys, then the field's clear and the one key that always quits.
    let text_mode = |mode: KeyMode, what: &str| {
        let mut pairs = vec![("type".to_string(), what.to_string())];
        pairs.extend(km.hints(mode).into_iter().map(|(k, h)| (k, h.to_string())));
        pairs.extend(
            km.hints(KeyMode::Edit)
                .into_iter()
                .map(|(k, h)| (k, h.to_string())),
        );
        pairs.push(("^c".into(), "quit".into()));
        pairs
    };
    let pairs: Vec<(String, String)> = match &app.mode {
        Mode::Command => {
            let line = Line::from(
                [Span::styled(":", theme.key)]
                    .into_iter()
                    .chain(field_spans(
                        &app.command.input,
                        true,
                        false,
                        area.width.saturating_sub(2) as usize,
                        theme,
                    ))
                    .collect::<Vec<_>>(),
            );
            Paragraph::new(line).render(area, buf);
            return;
        }
        Mode::ConfirmQuit => {
            Paragraph::new(Line::from(Span::styled(
                // The keys first: on a narrow terminal the line is cut at its end.
                format!(
                    "{} again quits, any other key stays. {}",
                    km.label(KeyMode::Normal, Action::Quit),
                    app.quit_warning().unwrap_or("Quit?"),
                ),
                theme.warn,
            )))
            .render(area, buf);
            return;
        }
        Mode::Help => km
            .hints(KeyMode::Help)
            .into_iter()
            .map(|(k, h)| (k, h.to_string()))
            .collect(),
        Mode::Filtering => text_mode(KeyMode::Filter, "filter the audit pane"),
        Mode::Typing => text_mode(KeyMode::Typing, "search"),
        Mode::Normal => {
            let reset_ok = app.reset_unavailable().is_none();
            km.hints(KeyMode::Normal)
                .into_iter()
                .filter(|(_, h)| *h != "reset" || reset_ok)
                .map(|(k, h)| (k, h.to_string()))
                .collect()
        }
    };
    let refs: Vec<(&str, &str)> = pairs
        .iter()
        .map(|(k, h)| (k.as_str(), h.as_str()))
        .collect();
    Paragraph::new(hints(theme, &refs)).render(area, buf);
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

/// The flash's rows: one, or up to three when its text needs them (`:whoami`, a long
/// error with its fix), taken from the panes above.
fn flash_rows(app: &App, width: u16) -> u16 {
    let text = app
        .flash
        .as_ref()
        .map_or(0, |f| crate::sanitize::width(&f.text) + 2);
    (text.div_ceil(width.max(1) as usize)).clamp(1, FLASH_MAX_ROWS as usize) as u16
}

const FLASH_MAX_ROWS: u16 = 3;

fn flash_line(app: &App, theme: &Theme, area: Rect, buf: &mut Buffer) {
    let Some(flash) = &app.flash else {
        return;
    };
    let (mark, style) = match flash.level {
        Level::Info => ("·", theme.info),
        Level::Warn => ("!", theme.warn),
        Level::Error => ("✗", theme.danger),
    };
    let room =
        (area.width as usize * area.height as usize).saturating_sub(2 + area.height as usize);
    let text = format!("{mark} {}", sanitize_line(&flash.text, room));
    Paragraph::new(Span::styled(text, style))
        .wrap(Wrap { trim: false })
        .render(area, buf);
}

/// A window over the screen: `lines` wrapped at `width`, as tall as they need (so the key
/// line at the bottom is never cut off), centered, with a focused border and `title`.
pub(crate) fn modal(
    title: Span<'static>,
    lines: Vec<Line<'static>>,
    width: u16,
    theme: &Theme,
    area: Rect,
    buf: &mut Buffer,
) {
    let width = width.min(area.width);
    let inner = width.saturating_sub(2).max(1) as usize;
    let rows: usize = lines.iter().map(|l| l.width().max(1).div_ceil(inner)).sum();
    let height = (rows as u16 + 2).min(area.height);
    let rect = centered(area, width, height);
    ratatui::widgets::Clear.render(rect, buf);
    Paragraph::new(lines)
        .block(pane(Line::from(title), true, theme))
        .wrap(Wrap { trim: false })
        .render(rect, buf);
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

pub(crate) fn styled(s: String, style: Style) -> Span<'static> {
    Span::styled(s, style)
}
