//! The server's layers point one way: `web` → `features` → `config` → `platform`. A file may
//! name its own layer and the layers below it, never one above (`startup` alone wires them
//! all). This test reads every source file and fails on a tie upward, naming the file, the line
//! and the path, so a new feature cannot quietly make a circle again.

use std::path::{Path, PathBuf};

/// The layers from the bottom up; each may name itself and those before it.
const LAYERS: [&str; 4] = ["platform", "config", "features", "web"];

fn rank(top_module: &str) -> Option<usize> {
    LAYERS.iter().position(|layer| *layer == top_module)
}

/// The layer a source file belongs to, by where it lives under `src/`.
fn layer_of(relative: &Path) -> Option<&'static str> {
    let first = relative.components().next()?.as_os_str().to_str()?;
    let first = first.strip_suffix(".rs").unwrap_or(first);
    LAYERS.iter().copied().find(|layer| *layer == first)
}

/// Every top-level module a text names through `crate::x`, `crate::{x, y::z}` or a `super::`
/// chain that climbs out of its layer, with the line it is on.
fn named_modules(text: &str, depth: usize) -> Vec<(usize, String)> {
    let mut found = Vec::new();
    for (index, line) in text.lines().enumerate() {
        let mut rest = line;
        while let Some(at) = rest.find("crate::") {
            let after = &rest[at + "crate::".len()..];
            found.extend(first_segments(after).into_iter().map(|name| (index + 1, name)));
            rest = after;
        }
        let mut rest = line;
        while let Some(at) = rest.find("super::") {
            let chain = &rest[at..];
            let climbs = count_leading(chain, "super::");
            let after = &chain[climbs * "super::".len()..];
            if climbs >= depth {
                found.extend(first_segments(after).into_iter().map(|name| (index + 1, name)));
            }
            rest = after;
        }
    }
    found
}

fn count_leading(text: &str, prefix: &str) -> usize {
    let mut count = 0;
    let mut rest = text;
    while let Some(after) = rest.strip_prefix(prefix) {
        count += 1;
        rest = after;
    }
    count
}

/// `web::x` → `[web]`; `{web, features::y}` → `[web, features]`.
fn first_segments(path: &str) -> Vec<String> {
    let ident = |s: &str| {
        s.chars()
            .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
            .collect::<String>()
    };
    let Some(group) = path.strip_prefix('{') else {
        return vec![ident(path)];
    };
    let mut names = Vec::new();
    let mut depth = 0;
    let mut item_start = true;
    for (i, c) in group.char_indices() {
        match c {
            '{' => depth += 1,
            '}' if depth == 0 => break,
            '}' => depth -= 1,
            ',' if depth == 0 => item_start = true,
            c if item_start && !c.is_whitespace() => {
                names.push(ident(&group[i..]));
                item_start = false;
            }
            _ => {}
        }
    }
    names
}

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).expect("read src") {
        let path = entry.expect("dir entry").path();
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

/// Every tie upward in the files under `src`, as `file:line names crate::x`.
fn ties_upward(src: &Path) -> Vec<String> {
    let mut files = Vec::new();
    rust_files(src, &mut files);
    let mut ties = Vec::new();
    for file in files {
        let relative = file.strip_prefix(src).expect("under src");
        let Some(layer) = layer_of(relative) else { continue };
        let own = rank(layer).expect("a layer");
        // How many `super::` climb from this file's module to the crate root.
        let depth = relative.components().count();
        let text = std::fs::read_to_string(&file).expect("read source");
        for (line, name) in named_modules(&text, depth) {
            let upward = rank(&name).is_some_and(|other| other > own) || name == "startup";
            if upward {
                ties.push(format!("{}:{line} ({layer}) names crate::{name}", relative.display()));
            }
        }
    }
    ties.sort();
    ties
}

#[test]
fn no_layer_names_one_above_it() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let ties = ties_upward(&src);
    assert!(
        ties.is_empty(),
        "ties upward (web → features → config → platform):\n{}",
        ties.join("\n")
    );
}

#[test]
fn the_check_sees_every_way_of_naming_a_module() {
    assert_eq!(first_segments("web::state::AppState;"), ["web"]);
    assert_eq!(
        first_segments("{features::sites, web::{error, state}};"),
        ["features", "web"]
    );
    assert_eq!(
        named_modules("use crate::web::error::ApiError;", 2),
        [(1, "web".to_owned())]
    );
    assert_eq!(
        named_modules("x\nuse super::super::web::state;", 2),
        [(2, "web".to_owned())]
    );
    assert!(named_modules("use super::store;", 2).is_empty(), "a sibling is no tie");

    let dir = tempfile::tempdir().expect("temp dir");
    let write = |path: &str, text: &str| {
        let path = dir.path().join(path);
        std::fs::create_dir_all(path.parent().expect("parent")).expect("mkdir");
        std::fs::write(path, text).expect("write");
    };
    write(
        "platform/db.rs",
        "use crate::platform::csv;\nuse crate::features::ledger;\n",
    );
    write("config.rs", "use crate::{platform::db, web::state};\n");
    write(
        "features/ledger.rs",
        "use crate::config::Settings;\nuse super::super::web::error;\n",
    );
    write(
        "web/routes.rs",
        "use crate::features::ledger;\nuse crate::startup::Application;\n",
    );
    write("startup.rs", "use crate::web::state;\n");
    assert_eq!(
        ties_upward(dir.path()),
        [
            "config.rs:1 (config) names crate::web",
            "features/ledger.rs:2 (features) names crate::web",
            "platform/db.rs:2 (platform) names crate::features",
            "web/routes.rs:2 (web) names crate::startup",
        ]
    );
}
