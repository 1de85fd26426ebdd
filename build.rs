//! Minifies the stylesheets into OUT_DIR for `include_str!`: src/style.css (the first
//! download's) and src/later/style.css (the later parts'). They ship inside the wasm, so their
//! comments and indentation would be paid for by every visitor.

use std::{env, fs, path::Path};

fn main() {
    let out_dir = env::var("OUT_DIR").expect("cargo sets OUT_DIR");
    for (source, minified) in [
        ("src/style.css", "style.min.css"),
        ("src/later/style.css", "later.min.css"),
    ] {
        println!("cargo::rerun-if-changed={source}");
        let css = fs::read_to_string(source).expect("the stylesheet is readable");
        fs::write(Path::new(&out_dir).join(minified), minify(&css)).expect("OUT_DIR is writable");
    }
}

/// Drops comments and needless white space. Enough for our own stylesheet, which has no
/// white space inside strings that matters beyond single spaces.
fn minify(css: &str) -> String {
    let mut without_comments = String::with_capacity(css.len());
    let mut rest = css;
    while let Some(start) = rest.find("/*") {
        without_comments.push_str(&rest[..start]);
        rest = rest[start + 2..].split_once("*/").map_or("", |(_, after)| after);
    }
    without_comments.push_str(rest);
    let collapsed = without_comments.split_whitespace().collect::<Vec<_>>().join(" ");
    let mut out = collapsed;
    for token in ["{", "}", ";", ":", ","] {
        out = out
            .replace(&format!(" {token}"), token)
            .replace(&format!("{token} "), token);
    }
    // A space before `:` could be a descendant pseudo-class selector (`.a :hover`); our
    // stylesheet has none, and the e2e tests check computed styles of the result.
    out.replace(";}", "}")
}
