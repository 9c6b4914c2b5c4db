//! A semantic theme: widgets ask for "danger" or "focus", not for red or bold. The default
//! uses the terminal's named ANSI colours (so the admin's palette applies); `NO_COLOR` or
//! `theme = "monochrome"` gives a theme with no colour at all, where danger and focus are
//! carried by bold, reverse, underline and text markers.

use ratatui::style::{Color, Modifier, Style};
use serde::Deserialize;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Default)]
#[serde(rename_all = "kebab-case")]
pub enum ThemeName {
    #[default]
    Default,
    Monochrome,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Theme {
    pub monochrome: bool,
    pub text: Style,
    pub dim: Style,
    pub title: Style,
    pub border: Style,
    pub border_focused: Style,
    pub selected: Style,
    pub matched: Style,
    pub ok: Style,
    pub danger: Style,
    pub warn: Style,
    pub info: Style,
    pub key: Style,
    pub header: Style,
    pub badge: Style,
}

/// `[colors]` in the config file: a named ANSI colour (or `#rrggbb`) per slot.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct ColorOverrides {
    pub text: Option<ColorName>,
    pub dim: Option<ColorName>,
    pub title: Option<ColorName>,
    pub border: Option<ColorName>,
    pub border_focused: Option<ColorName>,
    pub selected: Option<ColorName>,
    pub matched: Option<ColorName>,
    pub ok: Option<ColorName>,
    pub danger: Option<ColorName>,
    pub warn: Option<ColorName>,
    pub info: Option<ColorName>,
    pub key: Option<ColorName>,
    pub header: Option<ColorName>,
    pub badge: Option<ColorName>,
}

#[derive(Debug, Clone, Copy, PartialEq, Deserialize)]
#[serde(try_from = "String")]
pub struct ColorName(pub Color);

impl TryFrom<String> for ColorName {
    type Error = String;
    fn try_from(s: String) -> Result<Self, String> {
        parse_color(&s).map(ColorName).ok_or_else(|| {
            format!("`{s}` is not a colour (red, light-blue, dark-gray, reset, #rrggbb, …)")
        })
    }
}

impl Theme {
    pub fn ansi() -> Theme {
        Theme {
            monochrome: false,
            text: Style::default(),
            dim: Style::default().fg(Color::DarkGray),
            title: Style::default().add_modifier(Modifier::BOLD),
            border: Style::default().fg(Color::DarkGray),
            border_focused: Style::default().fg(Color::Cyan),
            selected: Style::default().add_modifier(Modifier::REVERSED),
            matched: Style::default()
                .fg(Color::Yellow)
                .add_modifier(Modifier::BOLD),
            ok: Style::default()
                .fg(Color::Green)
                .add_modifier(Modifier::BOLD),
            danger: Style::default().fg(Color::Red).add_modifier(Modifier::BOLD),
            warn: Style::default().fg(Color::Yellow),
            info: Style::default().fg(Color::Cyan),
            key: Style::default()
                .fg(Color::Cyan)
                .add_modifier(Modifier::BOLD),
            header: Style::default().fg(Color::White).bg(Color::Blue),
            badge: Style::default().fg(Color::Magenta),
        }
    }

    pub fn monochrome() -> Theme {
        let plain = Style::default();
        Theme {
            monochrome: true,
            text: plain,
            dim: plain,
            title: plain.add_modifier(Modifier::BOLD),
            border: plain,
            border_focused: plain.add_modifier(Modifier::BOLD),
            selected: plain.add_modifier(Modifier::REVERSED),
            matched: plain.add_modifier(Modifier::UNDERLINED),
            ok: plain.add_modifier(Modifier::BOLD),
            danger: plain.add_modifier(Modifier::BOLD | Modifier::REVERSED),
            warn: plain.add_modifier(Modifier::BOLD),
            info: plain,
            key: plain.add_modifier(Modifier::BOLD),
            header: plain.add_modifier(Modifier::REVERSED),
            badge: plain.add_modifier(Modifier::UNDERLINED),
        }
    }

    /// The theme for this environment: `NO_COLOR` (set and not empty) forces monochrome.
    pub fn select(name: ThemeName, colors: &ColorOverrides, no_color: bool) -> Theme {
        if no_color || name == ThemeName::Monochrome {
            return Theme::monochrome();
        }
        let mut t = Theme::ansi();
        let c = colors;
        for (slot, over) in [
            (&mut t.text, c.text),
            (&mut t.dim, c.dim),
            (&mut t.title, c.title),
            (&mut t.border, c.border),
            (&mut t.border_focused, c.border_focused),
            (&mut t.selected, c.selected),
            (&mut t.matched, c.matched),
            (&mut t.ok, c.ok),
            (&mut t.danger, c.danger),
            (&mut t.warn, c.warn),
            (&mut t.info, c.info),
            (&mut t.key, c.key),
            (&mut t.header, c.header),
            (&mut t.badge, c.badge),
        ] {
            if let Some(ColorName(color)) = over {
                *slot = slot.fg(color);
            }
        }
        t
    }
}

fn parse_color(s: &str) -> Option<Color> {
    Some(match s.to_ascii_lowercase().replace('_', "-").as_str() {
        "reset" | "default" => Color::Reset,
        "black" => Color::Black,
        "red" => Color::Red,
        "green" => Color::Green,
        "yellow" => Color::Yellow,
        "blue" => Color::Blue,
        "magenta" => Color::Magenta,
        "cyan" => Color::Cyan,
        "gray" | "grey" => Color::Gray,
        "dark-gray" | "dark-grey" => Color::DarkGray,
        "light-red" => Color::LightRed,
        "light-green" => Color::LightGreen,
        "light-yellow" => Color::LightYellow,
        "light-blue" => Color::LightBlue,
        "light-magenta" => Color::LightMagenta,
        "light-cyan" => Color::LightCyan,
        "white" => Color::White,
        hex if hex.starts_with('#') && hex.len() == 7 => {
            let v = u32::from_str_radix(&hex[1..], 16).ok()?;
            Color::Rgb((v >> 16) as u8, (v >> 8) as u8, v as u8)
        }
        _ => return None,
    })
}

/// `NO_COLOR` as https://no-color.org defines it: present and not empty.
pub fn no_color_env() -> bool {
    std::env::var_os("NO_COLOR").is_some_and(|v| !v.is_empty())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn monochrome_has_no_colour_anywhere() {
        let t = Theme::select(ThemeName::Default, &ColorOverrides::default(), true);
        for s in [
            t.text,
            t.dim,
            t.title,
            t.border,
            t.border_focused,
            t.selected,
            t.matched,
            t.ok,
            t.danger,
            t.warn,
            t.info,
            t.key,
            t.header,
            t.badge,
        ] {
            assert!(s.fg.is_none() && s.bg.is_none(), "{s:?}");
        }
        assert!(t.danger.add_modifier.contains(Modifier::REVERSED));
    }

    #[test]
    fn overrides_and_errors() {
        let c: ColorOverrides = toml::from_str("danger = \"light-red\"\nok = \"#ff8800\"").unwrap();
        let t = Theme::select(ThemeName::Default, &c, false);
        assert_eq!(t.danger.fg, Some(Color::LightRed));
        assert_eq!(t.ok.fg, Some(Color::Rgb(255, 136, 0)));
        assert!(toml::from_str::<ColorOverrides>("dnager = \"red\"").is_err());
        assert!(toml::from_str::<ColorOverrides>("danger = \"blood\"").is_err());
    }
}
