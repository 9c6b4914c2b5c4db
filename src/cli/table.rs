//! Plain-text tables for human output. Every cell is sanitized directory text. On a
//! terminal a cell is cut to its column's width by terminal columns (CJK and emoji are
//! two wide) so rows fit; piped into a file or another program nothing is cut, so that
//! what a script reads is the whole value.

use crate::sanitize::{sanitize_line, width};

pub struct Table {
    headers: Vec<&'static str>,
    max: Vec<usize>,
    rows: Vec<Vec<String>>,
    /// Cut cells to their column's width (stdout is a terminal).
    cut: bool,
}

impl Table {
    /// `columns`: header and the widest a column may grow.
    /// For standard output: cut only when it is a terminal.
    pub fn new(columns: &[(&'static str, usize)]) -> Table {
        use std::io::IsTerminal;
        Table::cutting(columns, std::io::stdout().is_terminal())
    }

    pub fn cutting(columns: &[(&'static str, usize)], cut: bool) -> Table {
        Table {
            headers: columns.iter().map(|c| c.0).collect(),
            max: columns.iter().map(|c| c.1).collect(),
            rows: Vec::new(),
            cut,
        }
    }

    pub fn row(&mut self, cells: Vec<String>) {
        let cells = cells
            .iter()
            .zip(&self.max)
            .map(|(c, &m)| sanitize_line(c, if self.cut { m } else { usize::MAX }))
            .collect();
        self.rows.push(cells);
    }

    pub fn render(&self) -> String {
        let mut widths: Vec<usize> = self.headers.iter().map(|h| width(h)).collect();
        for r in &self.rows {
            for (i, c) in r.iter().enumerate() {
                widths[i] = widths[i].max(width(c));
            }
        }
        let line = |cells: &[String]| -> String {
            let mut s = String::new();
            for (i, c) in cells.iter().enumerate() {
                s.push_str(c);
                if i + 1 < cells.len() {
                    s.push_str(&" ".repeat(widths[i] - width(c) + 2));
                }
            }
            s.trim_end().to_string() + "\n"
        };
        let mut out = line(
            &self
                .headers
                .iter()
                .map(|h| h.to_string())
                .collect::<Vec<_>>(),
        );
        for r in &self.rows {
            out.push_str(&line(r));
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn aligns_by_columns_and_sanitizes() {
        let mut t = Table::cutting(&[("NAME", 10), ("UPN", 40)], true);
        t.row(vec!["王伟".into(), "wei@x".into()]);
        t.row(vec!["Eve\u{1b}[2J".into(), "eve@x".into()]);
        let out = t.render();
        assert!(!out.contains('\u{1b}'));
        let lines: Vec<&str> = out.lines().collect();
        // The UPN column starts at the same terminal column on every line.
        let col = |l: &str, needle: &str| width(&l[..l.find(needle).unwrap()]);
        assert_eq!(col(lines[0], "UPN"), col(lines[1], "wei@x"));
        assert_eq!(col(lines[0], "UPN"), col(lines[2], "eve@x"));
    }

    #[test]
    fn cuts_on_a_terminal_only() {
        let long = "Bartholomew Featherstonehaugh-Cholmondeley";
        let mut tty = Table::cutting(&[("NAME", 12), ("UPN", 40)], true);
        tty.row(vec![long.into(), "b@x".into()]);
        assert!(tty.render().contains('…'));
        let mut piped = Table::cutting(&[("NAME", 12), ("UPN", 40)], false);
        piped.row(vec![long.into(), "b@x".into()]);
        let out = piped.render();
        assert!(out.contains(long) && !out.contains('…'), "{out}");
        // Still aligned: the next column starts after the whole value.
        let lines: Vec<&str> = out.lines().collect();
        assert_eq!(lines[0].find("UPN"), lines[1].find("b@x"));
    }
}
