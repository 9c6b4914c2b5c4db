//! The bulk CSV: the reset guides' format (a `UserPrincipalName` column), or `id` or
//! `mail`, and an optional `ticket`. Tolerant of what spreadsheets write: a byte-order
//! mark, quoting, blank lines, `;` as the separator, any header case. A broken or empty
//! row is reported with its line number and skipped; it never stops the rest.

use std::collections::HashMap;

#[derive(Debug, Clone, PartialEq)]
pub struct Row {
    /// The line of the file the row starts on (the header is line 1).
    pub line: usize,
    /// What names the user: a UPN, an object id or a mail address.
    pub key: String,
    pub ticket: Option<String>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct BadRow {
    pub line: usize,
    pub why: String,
}

/// The rows of a CSV text; `Err` when there is no column that names users.
pub fn read(text: &str) -> Result<(Vec<Row>, Vec<BadRow>), String> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    // A quote left open would swallow the lines after it into one field: such a line is
    // reported and blanked (keeping the numbering) before the reader sees it. No field
    // of this file (a user, a ticket) spans lines.
    let mut unbalanced = Vec::new();
    let balanced: String = text
        .split_inclusive('\n')
        .enumerate()
        .map(|(i, l)| {
            if l.matches('"').count() % 2 == 1 {
                unbalanced.push(BadRow {
                    line: i + 1,
                    why: "a quote is not closed on this line".into(),
                });
                "\n"
            } else {
                l
            }
        })
        .collect();
    let text = balanced.as_str();
    let header_line = text.lines().find(|l| !l.trim().is_empty()).unwrap_or("");
    let delimiter = if header_line.contains(';') && !header_line.contains(',') {
        b';'
    } else {
        b','
    };
    let mut reader = csv::ReaderBuilder::new()
        .delimiter(delimiter)
        .flexible(true)
        .trim(csv::Trim::All)
        .from_reader(text.as_bytes());
    let headers = reader
        .headers()
        .map_err(|e| format!("the CSV's header cannot be read: {e}"))?
        .clone();
    let mut column: HashMap<&'static str, usize> = HashMap::new();
    for (i, h) in headers.iter().enumerate() {
        let name = match h.trim().to_ascii_lowercase().as_str() {
            "userprincipalname" | "upn" | "user principal name" => "upn",
            "id" | "objectid" | "object id" => "id",
            "mail" | "email" | "e-mail" => "mail",
            "ticket" => "ticket",
            _ => continue,
        };
        column.entry(name).or_insert(i);
    }
    if !["upn", "id", "mail"].iter().any(|c| column.contains_key(c)) {
        return Err(format!(
            "the CSV needs a UserPrincipalName, id or mail column; its header is: {}",
            crate::sanitize::sanitize_line(&headers.iter().collect::<Vec<_>>().join(", "), 200)
        ));
    }
    // The csv reader's own line count skips blank lines; the admin's editor does not.
    let line_at = |byte: u64| {
        let bytes = text.as_bytes();
        // A record's position may be where the blank lines before it begin.
        let mut at = (byte as usize).min(bytes.len());
        while at < bytes.len() && matches!(bytes[at], b'\n' | b'\r') {
            at += 1;
        }
        bytes[..at].iter().filter(|b| **b == b'\n').count() + 1
    };
    let mut rows = Vec::new();
    let mut bad = unbalanced;
    let mut seen: HashMap<String, usize> = HashMap::new();
    for record in reader.records() {
        let record = match record {
            Ok(r) => r,
            Err(e) => {
                let line = e.position().map_or(0, |p| line_at(p.byte()));
                bad.push(BadRow {
                    line,
                    why: format!("not a CSV row: {e}"),
                });
                continue;
            }
        };
        let line = record.position().map_or(0, |p| line_at(p.byte()));
        if record.iter().all(|f| f.is_empty()) {
            continue;
        }
        let field = |c: &str| {
            column
                .get(c)
                .and_then(|&i| record.get(i))
                .filter(|v| !v.is_empty())
                .map(str::to_string)
        };
        let Some(key) = field("upn")
            .or_else(|| field("id"))
            .or_else(|| field("mail"))
        else {
            bad.push(BadRow {
                line,
                why: "no UserPrincipalName, id or mail in this row".into(),
            });
            continue;
        };
        if let Err(why) = crate::graph::query::check_user_key(&key) {
            bad.push(BadRow { line, why });
            continue;
        }
        if let Some(first) = seen.insert(key.to_lowercase(), line) {
            bad.push(BadRow {
                line,
                why: format!("the same user as line {first}"),
            });
            continue;
        }
        rows.push(Row {
            line,
            key,
            ticket: field("ticket"),
        });
    }
    bad.sort_by_key(|b| b.line);
    Ok((rows, bad))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spreadsheet_csv_is_read_and_bad_rows_are_named_by_line() {
        let text = "\u{feff}UserPrincipalName;Ticket\n\
                    adele@contoso.com;INC-1\n\
                    \n\
                    \"mia.chen@contoso.com\";\"INC-2; urgent\"\n\
                    ;INC-3\n\
                    ADELE@contoso.com;INC-4\n";
        let (rows, bad) = read(text).unwrap();
        assert_eq!(
            rows,
            vec![
                Row {
                    line: 2,
                    key: "adele@contoso.com".into(),
                    ticket: Some("INC-1".into())
                },
                Row {
                    line: 4,
                    key: "mia.chen@contoso.com".into(),
                    ticket: Some("INC-2; urgent".into())
                },
            ]
        );
        assert_eq!(bad.len(), 2, "{bad:?}");
        assert_eq!(bad[0].line, 5);
        assert!(bad[0].why.contains("no UserPrincipalName"));
        assert_eq!(bad[1].line, 6);
        assert!(bad[1].why.contains("line 2"));
    }

    #[test]
    fn ids_or_mail_do_and_a_file_without_them_is_refused() {
        let (rows, _) = read("id,mail\n,ann@contoso.com\n0b1c,\n").unwrap();
        assert_eq!(rows[0].key, "ann@contoso.com");
        assert_eq!(rows[1].key, "0b1c");
        let err = read("name,department\nAnn,IT\n").unwrap_err();
        assert!(err.contains("UserPrincipalName"), "{err}");
        let (rows, bad) = read("upn\n\"unterminated@contoso.com\nmia@contoso.com\n").unwrap();
        assert_eq!(rows.len(), 1, "the next line stands: {rows:?}");
        assert_eq!(rows[0].line, 3);
        assert_eq!(bad.len(), 1);
        assert!(bad[0].why.contains("quote is not closed"), "{bad:?}");
        assert_eq!(bad[0].line, 2);
    }
}
