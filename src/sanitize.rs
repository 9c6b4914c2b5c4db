//! Directory text is untrusted: a display name can carry escape sequences that would
//! repaint or retitle the admin's terminal, bidi overrides that reverse what a UPN looks
//! like, or zero-width characters that make two names look identical. Everything from the
//! directory passes through here before it reaches a terminal.

use unicode_segmentation::UnicodeSegmentation;
use unicode_width::UnicodeWidthStr;

/// Shown for characters that are invisible or could change how text is displayed.
pub const PLACEHOLDER: char = '\u{FFFD}';

/// Replaces control characters with their visible Unicode "control picture"
/// (ESC becomes `␛`), and bidi controls, zero-width and other format characters with `�`.
pub fn sanitize(s: &str) -> String {
    s.chars().map(visible).collect()
}

/// `sanitize`, then cut to at most `max_width` terminal columns with a trailing `…`.
pub fn sanitize_line(s: &str, max_width: usize) -> String {
    truncate(&sanitize(s), max_width)
}

fn visible(c: char) -> char {
    match c {
        '\u{0}'..='\u{1f}' => char::from_u32(0x2400 + c as u32).unwrap_or(PLACEHOLDER),
        '\u{7f}' => '\u{2421}',
        '\u{80}'..='\u{9f}' => PLACEHOLDER,
        // Bidi embeddings, overrides and isolates; LRM/RLM and the Arabic letter mark.
        '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}' | '\u{200e}' | '\u{200f}' | '\u{61c}' => {
            PLACEHOLDER
        }
        // Zero-width and invisible formatting characters, BOM, soft hyphen, tag characters.
        '\u{200b}'..='\u{200d}' | '\u{2060}'..='\u{2064}' | '\u{feff}' | '\u{ad}' => PLACEHOLDER,
        '\u{e0000}'..='\u{e007f}' => PLACEHOLDER,
        // Variation selectors are harmless in emoji but render as nothing elsewhere; keep them.
        c => c,
    }
}

/// Cuts to `max_width` columns, ending with `…` when anything was cut. Whole graphemes
/// only, measured as ratatui measures them when it draws.
pub fn truncate(s: &str, max_width: usize) -> String {
    if width(s) <= max_width {
        return s.to_string();
    }
    if max_width == 0 {
        return String::new();
    }
    let mut out = String::new();
    let mut used = 0;
    for g in s.graphemes(true) {
        let w = g.width();
        if used + w > max_width - 1 {
            break;
        }
        used += w;
        out.push_str(g);
    }
    out.push('…');
    out
}

/// Display width in terminal columns: the sum of each grapheme's width, the measure
/// ratatui lays text out with (so a row padded with it is exactly as wide as drawn).
pub fn width(s: &str) -> usize {
    s.graphemes(true).map(UnicodeWidthStr::width).sum()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_and_controls_become_visible() {
        let s = sanitize("Eve\u{1b}]0;pwned\u{7}\u{1b}[2J\r\nX\u{9b}31m");
        assert!(s.chars().all(|c| !c.is_control()), "{s:?}");
        assert!(s.starts_with("Eve\u{241b}]0;pwned\u{2407}"));
    }

    #[test]
    fn bidi_and_zero_width_are_neutralized() {
        let s = sanitize("admin\u{202e}moc.ppa\u{200b}@x");
        assert!(!s.contains('\u{202e}') && !s.contains('\u{200b}'));
        assert_eq!(s.matches(PLACEHOLDER).count(), 2);
    }

    /// The width is ratatui's: an emoji with a variation selector, a flag, a sequence
    /// whose joiner became a placeholder — each row measures as it is drawn.
    #[test]
    fn width_agrees_with_ratatui_for_emoji_sequences() {
        for s in [
            "🏳\u{fe0f}\u{200d}🌈 Pride",
            "🇩🇪 Berlin",
            "👨\u{200d}👩\u{200d}👧 family",
            "❤\u{fe0f} a",
            "e\u{301}\u{301}\u{301} marks",
            "渡辺さくら",
        ] {
            let shown = sanitize(s);
            let drawn = ratatui::text::Line::from(shown.clone()).width();
            assert_eq!(width(&shown), drawn, "{shown:?}");
            for w in 0..12 {
                let cut = truncate(&shown, w);
                assert!(
                    ratatui::text::Line::from(cut.clone()).width() <= w,
                    "{w}: {cut:?}"
                );
            }
        }
    }

    #[test]
    fn wide_text_is_cut_by_columns() {
        assert_eq!(truncate("渡辺さくら", 5), "渡辺…");
        assert_eq!(truncate("short", 10), "short");
        assert_eq!(width(&truncate(&"x".repeat(300), 40)), 40);
        assert_eq!(sanitize("Zoë Ångström 🙂"), "Zoë Ångström 🙂");
    }
}
