//! The layering of docs/ARCHITECTURE.md, checked: a module that imports one it must never
//! import fails this test, naming the file and the import.

use std::path::Path;

/// The stages above the shared vocabulary and the codecs, which those never import.
const ABOVE_BOTTOM: &[&str] = &[
    "relay", "logbin", "store", "sql", "apply", "source", "control", "endpoint", "inspect",
];

/// Each module and the modules it never imports.
const RULES: &[(&str, &[&str])] = &[
    ("acl", ABOVE_BOTTOM),
    ("sqlerror", ABOVE_BOTTOM),
    ("calendar", ABOVE_BOTTOM),
    ("tz", ABOVE_BOTTOM),
    ("coldef", ABOVE_BOTTOM),
    ("binlog", ABOVE_BOTTOM),
    ("wire", ABOVE_BOTTOM),
    ("config", ABOVE_BOTTOM),
    ("shutdown", ABOVE_BOTTOM),
    ("report", ABOVE_BOTTOM),
    (
        "relay",
        &[
            "logbin", "store", "sql", "apply", "source", "control", "endpoint", "inspect",
        ],
    ),
    (
        "logbin",
        &[
            "store", "sql", "apply", "source", "control", "endpoint", "inspect",
        ],
    ),
    (
        "store",
        &["sql", "apply", "source", "control", "endpoint", "inspect"],
    ),
    (
        "sql",
        &["apply", "source", "control", "endpoint", "inspect", "wire"],
    ),
    (
        "apply",
        &["source", "control", "endpoint", "inspect", "wire"],
    ),
    (
        "inspect",
        &["store", "sql", "apply", "source", "control", "endpoint"],
    ),
    (
        "source",
        &["store", "sql", "apply", "control", "endpoint", "inspect"],
    ),
];

/// Every `.rs` file of module `name` (a file `src/name.rs` or a directory `src/name/`).
fn files(src: &Path, name: &str) -> Vec<std::path::PathBuf> {
    let file = src.join(format!("{name}.rs"));
    if file.exists() {
        return vec![file];
    }
    let mut out = Vec::new();
    let mut dirs = vec![src.join(name)];
    while let Some(d) = dirs.pop() {
        for e in std::fs::read_dir(&d).unwrap_or_else(|e| panic!("{}: {e}", d.display())) {
            let p = e.unwrap().path();
            if p.is_dir() {
                dirs.push(p);
            } else if p.extension().is_some_and(|x| x == "rs") {
                out.push(p);
            }
        }
    }
    out
}

/// The top-level modules `text` names through `crate::` (paths and grouped `use`s).
fn imports(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    for (i, _) in text.match_indices("crate::") {
        let rest = &text[i + "crate::".len()..];
        if let Some(group) = rest.strip_prefix('{') {
            let end = group.find('}').unwrap_or(group.len());
            for part in group[..end].split(',') {
                let m: String = part
                    .trim()
                    .chars()
                    .take_while(|c| c.is_alphanumeric() || *c == '_')
                    .collect();
                out.push(m);
            }
        } else {
            let m: String = rest
                .chars()
                .take_while(|c| c.is_alphanumeric() || *c == '_')
                .collect();
            out.push(m);
        }
    }
    out
}

#[test]
fn layers_point_one_way() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut broken = Vec::new();
    for (module, never) in RULES {
        for f in files(&src, module) {
            let text = std::fs::read_to_string(&f).unwrap();
            for m in imports(&text) {
                if never.contains(&m.as_str()) {
                    broken.push(format!("{} imports crate::{m}", f.display()));
                }
            }
        }
    }
    broken.sort();
    broken.dedup();
    assert!(broken.is_empty(), "layering broken:\n{}", broken.join("\n"));
}

#[test]
fn imports_are_found() {
    let text = "use crate::store::Store;\nuse crate::{apply, sql::value};\nx::crate_y";
    assert_eq!(imports(text), ["store", "apply", "sql"]);
}
