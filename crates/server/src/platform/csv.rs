//! CSV as spreadsheets read it (RFC 4180), safe to open: a cell a spreadsheet would run as a
//! formula is written as text.

pub fn row(cells: &[&str]) -> String {
    let mut line = cells.iter().map(|c| cell(c)).collect::<Vec<_>>().join(",");
    line.push_str("\r\n");
    line
}

fn cell(text: &str) -> String {
    let defused = if text.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        format!("'{text}")
    } else {
        text.to_owned()
    };
    if defused.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", defused.replace('"', "\"\""))
    } else {
        defused
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quotes_what_needs_quoting_and_defuses_formulas() {
        assert_eq!(row(&["a", "b c", "1"]), "a,b c,1\r\n");
        assert_eq!(
            row(&["say \"hi\", ok", "two\nlines"]),
            "\"say \"\"hi\"\", ok\",\"two\nlines\"\r\n"
        );
        assert_eq!(
            row(&["=HYPERLINK(\"x\")", "-5", "@me"]),
            "\"'=HYPERLINK(\"\"x\"\")\",'-5,'@me\r\n"
        );
    }
}
