//! Plain-text tables for human output. Every cell is sanitized directory text, cut to
//! its column width by terminal columns (CJK and emoji are two columns wide).

use crate::sanitize::{sanitize_line, width};

pub struct Table {
    headers: Vec<&'static str>,
    max: Vec<usize>,
    rows: Vec<Vec<String>>,
}

impl Table {
    /// `columns`: header and the widest a column may grow.
    pub fn new(columns: &[(&'static str, usize)]) -> Table {
        Table {
            headers: columns.iter().map(|c| c.0).collect(),
            max: columns.iter().map(|c| c.1).collect(),
            rows: Vec::new(),
        }
    }

    pub fn row(&mut self, cells: Vec<String>) {
        let cells = cells
            .iter()
            .zip(&self.max)
            .map(|(c, &m)| sanitize_line(c, m))
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
        let mut t = Table::new(&[("NAME", 10), ("UPN", 40)]);
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
}
