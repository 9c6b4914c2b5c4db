//! The sign-in window over the screen (see `app/sign_in.rs`).

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};

use super::styled;
use crate::app::sign_in::SignInWindow;
use crate::sanitize::sanitize_line;
use crate::theme::Theme;

pub fn render(
    w: &SignInWindow,
    profile: Option<&str>,
    theme: &Theme,
    area: Rect,
    buf: &mut Buffer,
) {
    let mut lines: Vec<Line<'static>> = w
        .text
        .lines()
        // Directory and login text is outside text: no control characters reach the
        // terminal.
        .map(|l| Line::from(sanitize_line(l, 4000)))
        .collect();
    lines.push(Line::from(""));
    match &w.paste {
        Some(field) => {
            // The address holds the sign-in code: shown masked, by its length only.
            let dots = "•".repeat(field.len().min(48));
            lines.push(Line::from(vec![
                styled("Address: ".into(), theme.title),
                Span::styled(format!("{dots}▏"), theme.text),
            ]));
            lines.push(Line::from(styled(
                if w.sent {
                    "completing the sign-in… (paste again if it was the wrong address)".into()
                } else {
                    "paste the address, then ⏎ · Esc clears (empty: hides) · ^c quits".into()
                },
                theme.key,
            )));
        }
        None => lines.push(Line::from(styled(
            "the console resumes once you have signed in · Esc hides this · ^c quits".into(),
            theme.key,
        ))),
    }
    let title = match profile {
        Some(p) => format!(" Sign in — profile {} ", sanitize_line(p, 30)),
        None => " Sign in ".to_string(),
    };
    super::modal(Span::styled(title, theme.warn), lines, 78, theme, area, buf);
}
