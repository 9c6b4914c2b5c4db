//! The bulk reset window: the dry run (each marked user's source, verdict and method, the
//! summary, the choices and the typed count), then the run (a progress bar with rate and
//! time left, each row's outcome, its password masked until `v`, audit ticks).

use std::time::Instant;

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::style::{Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Clear, Paragraph, Widget, Wrap};

use super::reset::{button, check, field_line, focus_line, key_line};
use super::{SPINNER, clean, pane, styled};
use crate::app::bulk::{Bulk, Field, Judged, Phase, Row};
use crate::app::input::TextInput;
use crate::keymap::{Action, KeyMode, Keymap};
use crate::policy::authority::source_of_authority;
use crate::policy::eligibility::Method;
use crate::sanitize::width;
use crate::secret::ExposeSecret;
use crate::service::reset::ResetStatus;
use crate::theme::Theme;

pub fn render(
    b: &Bulk,
    keymap: &Keymap,
    spinner: usize,
    now: Instant,
    theme: &Theme,
    area: Rect,
    buf: &mut Buffer,
) {
    let n = b.rows.len();
    let w = area.width.min(100).saturating_sub(2) as usize;
    let spin = SPINNER[spinner % SPINNER.len()];
    let (head, foot) = match b.phase {
        Phase::Plan => (
            vec![Line::from(styled(
                "Dry run: nothing has been sent. Each user gets their own generated password."
                    .into(),
                theme.dim,
            ))],
            plan_foot(b, keymap, theme),
        ),
        _ => (
            vec![progress_line(b, now, w, theme)],
            results_foot(b, keymap, theme, now),
        ),
    };
    // As tall as its rows need, at most the screen less a line above and below.
    const DETAIL: usize = 2;
    let fixed = head.len() + 1 + DETAIL + foot.len();
    let rect = super::centered(
        area,
        100,
        ((fixed + n + 2) as u16).min(area.height.saturating_sub(2)),
    );
    Clear.render(rect, buf);
    let title = match b.phase {
        Phase::Plan => format!(" ⚠ Bulk reset: dry run of {n} marked users "),
        Phase::Running(_) => format!(" ⚠ Bulk reset of {} users… ", b.progress().1),
        Phase::Done => format!(" Bulk reset of {} users: done ", b.progress().1),
    };
    let style = match b.phase {
        Phase::Done => theme.ok,
        _ => theme.danger,
    };
    let block = pane(Line::from(Span::styled(title, style)), true, theme);
    let inner = block.inner(rect);
    block.render(rect, buf);
    let room = (inner.height as usize).saturating_sub(fixed);
    // The window of rows keeps the highlighted one in view.
    // The window of rows keeps the highlighted one in view; when not all fit, its last
    // line says where the window is.
    let shown = if n > room {
        room.saturating_sub(1)
    } else {
        room
    };
    let first = b
        .selected
        .saturating_sub(shown.saturating_sub(1))
        .min(n.saturating_sub(shown));
    let mut lines = head;
    lines.push(Line::from(styled(
        format!(
            "  {:<uw$} {:<8} {}",
            "USER",
            "SOURCE",
            "STATUS",
            uw = user_width(w)
        ),
        theme.dim,
    )));
    for (i, row) in b.rows.iter().enumerate().skip(first).take(shown) {
        lines.push(row_line(b, i, row, spin, w, theme));
    }
    if n > room && room > 0 {
        lines.push(Line::from(styled(
            format!("  users {}–{} of {n}", first + 1, (first + shown).min(n)),
            theme.dim,
        )));
    }
    let top = lines.len() as u16;
    Paragraph::new(lines).render(inner, buf);
    // The highlighted user's whole reason, wrapped: a row has room for its start only.
    let detail = Rect {
        y: inner.y + top.min(inner.height),
        height: (DETAIL as u16).min(inner.height.saturating_sub(top)),
        ..inner
    };
    if let Some(text) = b.rows.get(b.selected).and_then(why) {
        Paragraph::new(Span::styled(clean(&text, w * DETAIL), theme.dim))
            .wrap(Wrap { trim: true })
            .render(detail, buf);
    }
    let foot_h = (foot.len() as u16).min(inner.height);
    Paragraph::new(foot).render(
        Rect {
            y: inner.y + inner.height - foot_h,
            height: foot_h,
            ..inner
        },
        buf,
    );
}

/// Why the row is where it is, in full: the refusal's reason and what to do, why it
/// could not be checked, the verdict's warnings, or what went wrong in the run.
fn why(r: &Row) -> Option<String> {
    if let Some(w) = r.outcome.as_ref().and_then(|o| o.why.clone()) {
        return Some(format!("{}: {w}", r.upn()));
    }
    match &r.judged {
        Judged::Refused(a) => a
            .verdict
            .blocks()
            .next()
            .map(|x| format!("{}: {} → {}", r.upn(), x.message, x.fix)),
        Judged::Unchecked(w) => Some(format!("{}: {w}", r.upn())),
        Judged::Allowed(a) => {
            let warns: Vec<&str> = a.verdict.warnings().map(|x| x.message.as_str()).collect();
            (!warns.is_empty()).then(|| format!("{}: ! {}", r.upn(), warns.join(" · ")))
        }
        Judged::Pending => None,
    }
}

fn row_line(b: &Bulk, i: usize, row: &Row, spin: &str, w: usize, theme: &Theme) -> Line<'static> {
    let selected = i == b.selected;
    let source = super::search::badge(source_of_authority(&crate::service::account(&row.user)));
    let mut spans = vec![
        if selected {
            styled("▶ ".into(), theme.key)
        } else {
            Span::raw("  ")
        },
        Span::styled(
            pad(&clean(row.upn(), user_width(w)), user_width(w)),
            if selected { theme.selected } else { theme.text },
        ),
        Span::raw(" "),
        styled(pad(source, 8), theme.badge),
        Span::raw(" "),
    ];
    let rest = w.saturating_sub(user_width(w) + 12);
    let (text, style) = status(b, row, selected, spin, theme);
    spans.push(Span::styled(clean(&text, rest), style));
    Line::from(spans)
}

/// A row's status: the verdict in the dry run, the outcome in the run.
fn status(b: &Bulk, row: &Row, selected: bool, spin: &str, theme: &Theme) -> (String, Style) {
    let admin = if row.privileged() { " · admin" } else { "" };
    if let Some(o) = &row.outcome {
        let tick = if o.confirmed { " ✓ audit" } else { "" };
        let style = match o.status {
            ResetStatus::Succeeded | ResetStatus::Accepted => theme.ok,
            ResetStatus::Unconfirmed => theme.warn,
            ResetStatus::Failed => theme.danger,
        };
        let mut text = format!("{}{tick}", o.status.name());
        if let Some(pw) = &o.password {
            if selected && b.revealed {
                // First, so that a narrow window never cuts it.
                text = format!("{}  {text}", pw.expose_secret());
            } else {
                text.push_str(&format!("  {}", "•".repeat(8)));
            }
            if o.copied {
                text.push_str(" (copied)");
            }
        }
        if let Some(why) = &o.why {
            text.push_str(&format!("  {why}"));
        }
        return (text, style);
    }
    if row.sent {
        return (format!("queued or sending {spin}"), theme.info);
    }
    let sent = b.phase != Phase::Plan;
    match &row.judged {
        Judged::Pending => (format!("checking {spin}"), theme.dim),
        Judged::Unchecked(why) => (format!("✗ not checked: {why}"), theme.warn),
        Judged::Refused(a) => {
            let text = match a.verdict.blocks().next() {
                Some(r) => format!("✗ refused: {} — {}", r.code.as_str(), r.message),
                None => "✗ refused".into(),
            };
            (text, if sent { theme.dim } else { theme.danger })
        }
        Judged::Allowed(a) => {
            let method = a.verdict.method.unwrap_or(Method::PasswordProfile).name();
            (format!("would reset · {method}{admin}"), theme.ok)
        }
    }
}

/// The user column: room for a UPN, leaving the status the larger part of a narrow window.
fn user_width(w: usize) -> usize {
    (w * 2 / 5).clamp(20, 38)
}

fn pad(s: &str, cells: usize) -> String {
    format!("{s}{}", " ".repeat(cells.saturating_sub(width(s))))
}

fn progress_line(b: &Bulk, now: Instant, w: usize, theme: &Theme) -> Line<'static> {
    let (done, total) = b.progress();
    let cells = 24.min(w / 3);
    let filled = (done * cells).checked_div(total).unwrap_or(cells);
    let bar = format!("{}{}", "█".repeat(filled), "░".repeat(cells - filled));
    let mut text = format!(" {done}/{total} resets");
    if let (Some(start), Phase::Running(_)) = (b.started, b.phase) {
        let secs = now.saturating_duration_since(start).as_secs_f64();
        if done > 0 && secs > 0.0 {
            let rate = done as f64 / secs;
            let left = (total - done) as f64 / rate;
            text.push_str(&format!(
                " · {rate:.1}/s · about {} s left",
                left.ceil() as u64
            ));
        }
    } else if b.phase == Phase::Done {
        text = format!(" {}", b.result_summary());
    }
    Line::from(vec![styled(bar, theme.ok), Span::raw(text)])
}

fn plan_foot(b: &Bulk, keymap: &Keymap, theme: &Theme) -> Vec<Line<'static>> {
    let focus = |field: Field, text: String| focus_line(b.focus == field, text, theme);
    let text_field = |field: Field, label: String, input: &TextInput| {
        field_line(b.focus == field, label, input, false, 30, theme)
    };
    let n = b.allowed();
    let mut l = vec![
        Line::from(styled(b.summary(), theme.title)),
        focus(
            Field::ForceChange,
            format!(
                "{} require a change at next sign-in (synced users: always)",
                check(b.force_change)
            ),
        ),
        focus(
            Field::ForceMfa,
            format!("{} …after multi-factor authentication", check(b.force_mfa)),
        ),
        focus(
            Field::Revoke,
            format!(
                "{} revoke sign-in sessions after each reset",
                check(b.revoke)
            ),
        ),
        text_field(Field::Ticket, "Ticket: ".into(), &b.ticket),
        text_field(Field::Confirm, format!("Type {n} to confirm: "), &b.confirm),
    ];
    let button = |field: Field, text: String, style: Style| button(b.focus == field, &text, style);
    let reset_style = if b.blocker().is_none() {
        theme.danger
    } else {
        theme.dim
    };
    l.push(Line::from(vec![
        Span::raw("   "),
        button(Field::Reset, format!("Reset {n} passwords"), reset_style),
        Span::raw("   "),
        button(
            Field::Cancel,
            "Cancel".into(),
            theme.text.add_modifier(Modifier::BOLD),
        ),
    ]));
    if let Some(why) = b.blocker() {
        l.push(Line::from(styled(format!("Not yet: {why}"), theme.dim)));
    }
    l.push(key_line(keymap, KeyMode::Dialog, theme));
    l
}

fn results_foot(b: &Bulk, keymap: &Keymap, theme: &Theme, now: Instant) -> Vec<Line<'static>> {
    let mut l = Vec::new();
    if let Some(at) = b.clear_at {
        let left = at.saturating_duration_since(now).as_secs();
        l.push(Line::from(styled(
            format!("copied · clipboard clears in {left} s"),
            theme.info,
        )));
    }
    let key = |a: Action| keymap.label(KeyMode::Bulk, a);
    if b.close_armed {
        l.push(Line::from(styled(
            format!(
                "! {} passwords neither copied nor shown: {} again forgets them for good.",
                b.unseen_passwords(),
                key(Action::Back)
            ),
            theme.warn,
        )));
    }
    if matches!(b.phase, Phase::Running(_)) {
        l.push(Line::from(styled(
            "The run goes on to its end; its passwords can be copied as they arrive.".into(),
            theme.dim,
        )));
    }
    l.push(key_line(keymap, KeyMode::Bulk, theme));
    l
}
