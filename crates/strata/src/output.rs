//! How the client subcommands print: aligned tables for people, JSON for
//! scripts, and errors as one line.

use std::fmt::Display;

/// A table: a header row and rows of cells, printed with aligned columns.
#[derive(Debug)]
pub(crate) struct Table {
    header: Vec<&'static str>,
    rows: Vec<Vec<String>>,
}

impl Table {
    pub(crate) fn new(header: &[&'static str]) -> Table {
        Table { header: header.to_vec(), rows: Vec::new() }
    }

    pub(crate) fn row(&mut self, cells: Vec<String>) {
        self.rows.push(cells);
    }

    /// The table as text, one line per row, columns padded to the widest cell.
    pub(crate) fn render(&self) -> String {
        let mut widths: Vec<usize> = self.header.iter().map(|h| h.len()).collect();
        for row in &self.rows {
            for (i, cell) in row.iter().enumerate() {
                if let Some(w) = widths.get_mut(i) {
                    *w = (*w).max(cell.chars().count());
                }
            }
        }
        let line = |cells: Vec<&str>| {
            let padded: Vec<String> = cells.iter().zip(&widths).map(|(c, w)| format!("{c:<w$}", w = *w)).collect();
            padded.join("  ").trim_end().to_string() + "\n"
        };
        let mut out = line(self.header.clone());
        for row in &self.rows {
            out.push_str(&line(row.iter().map(String::as_str).collect()));
        }
        out
    }

    pub(crate) fn print(&self) {
        print!("{}", self.render());
    }
}

/// Prints a JSON value on one line.
pub(crate) fn json(value: &serde_json::Value) {
    println!("{value}");
}

/// A client error as the one line the command prints.
pub(crate) fn fail(e: impl Display) -> String {
    e.to_string()
}

/// Splits NAME=VALUE.
pub(crate) fn pair(s: &str) -> Result<(String, String), String> {
    s.split_once('=')
        .map(|(k, v)| (k.trim().to_string(), v.to_string()))
        .ok_or_else(|| format!("{s:?}: expected NAME=VALUE"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn columns_align() {
        let mut t = Table::new(&["TOPIC", "PARTITIONS"]);
        t.row(vec!["a-long-name".into(), "3".into()]);
        t.row(vec!["b".into(), "12".into()]);
        assert_eq!(t.render(), "TOPIC        PARTITIONS\na-long-name  3\nb            12\n");
    }
}
