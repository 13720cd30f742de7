//! The engine names no chat platform: no string literal in `src/engine/` says which one, and no
//! code there reaches into a platform's adapter. What people read is worded by the adapters from
//! typed outcomes, and the platform's name comes from [`ChatPort::platform_of`]. These tests keep
//! it so, for every file of the engine (a new file must be added to [`SOURCES`], or they fail).
//!
//! [`ChatPort::platform_of`]: crate::chat::port::ChatPort::platform_of

use std::path::Path;

/// The platforms' names, spelled so that this file's own literals do not contain them.
const PLATFORMS: [&str; 2] = [concat!("Sla", "ck"), concat!("Tea", "ms")];

macro_rules! sources {
    ($($file:literal),* $(,)?) => {
        &[$(($file, include_str!($file))),*]
    };
}

/// Every file of the engine, by its path under `src/engine/`, with its text.
const SOURCES: &[(&str, &str)] = sources![
    "claim.rs",
    "clicks.rs",
    "decide.rs",
    "delegates.rs",
    "delivery.rs",
    "digest.rs",
    "directory.rs",
    "doubts.rs",
    "error.rs",
    "history.rs",
    "hold.rs",
    "leader.rs",
    "mod.rs",
    "pending.rs",
    "pending_cache.rs",
    "regarding.rs",
    "reminders.rs",
    "reminders/hours.rs",
    "reminders/zones.rs",
    "service.rs",
    "several.rs",
    "speaks_no_platform.rs",
    "sync.rs",
    "sync/cycles.rs",
    "sync/health.rs",
    "sync/watermark.rs",
];

/// What a piece of Rust source holds, comments left out: its string literals' contents, and the
/// rest of its code.
#[derive(Debug, Default, PartialEq)]
struct Scanned {
    literals: Vec<String>,
    code: String,
}

fn scan(source: &str) -> Scanned {
    let chars: Vec<char> = source.chars().collect();
    let mut scanned = Scanned::default();
    let mut i = 0;
    let ident = |c: char| c.is_alphanumeric() || c == '_';
    while i < chars.len() {
        let c = chars[i];
        let next = chars.get(i + 1).copied();
        let after_ident = i > 0 && ident(chars[i - 1]);
        if c == '/' && next == Some('/') {
            while i < chars.len() && chars[i] != '\n' {
                i += 1;
            }
        } else if c == '/' && next == Some('*') {
            let mut depth = 0;
            while i < chars.len() {
                if chars[i] == '/' && chars.get(i + 1) == Some(&'*') {
                    depth += 1;
                    i += 2;
                } else if chars[i] == '*' && chars.get(i + 1) == Some(&'/') {
                    depth -= 1;
                    i += 2;
                    if depth == 0 {
                        break;
                    }
                } else {
                    i += 1;
                }
            }
        } else if !after_ident && let Some((literal, end)) = raw_string(&chars, i) {
            scanned.literals.push(literal);
            i = end;
        } else if c == '"' {
            let mut literal = String::new();
            i += 1;
            while i < chars.len() && chars[i] != '"' {
                if chars[i] == '\\' {
                    literal.push(chars[i]);
                    i += 1;
                }
                if let Some(&c) = chars.get(i) {
                    literal.push(c);
                }
                i += 1;
            }
            scanned.literals.push(literal);
            i += 1;
        } else if c == '\'' && next == Some('\\') {
            // An escaped character literal: '\n', '\'', '\u{2026}'.
            i += 2;
            while i < chars.len() && chars[i] != '\'' {
                i += 1;
            }
            i += 1;
        } else if c == '\'' && chars.get(i + 2) == Some(&'\'') {
            // A character literal, which may be a quote: '"'.
            i += 3;
        } else {
            scanned.code.push(c);
            i += 1;
        }
    }
    scanned
}

/// The raw string literal (`r"…"`, `r#"…"#`, `br"…"`) starting at `start`, and where it ends.
fn raw_string(chars: &[char], start: usize) -> Option<(String, usize)> {
    let mut i = start;
    if chars.get(i) == Some(&'b') {
        i += 1;
    }
    if chars.get(i) != Some(&'r') {
        return None;
    }
    i += 1;
    let mut hashes = 0;
    while chars.get(i) == Some(&'#') {
        hashes += 1;
        i += 1;
    }
    if chars.get(i) != Some(&'"') {
        return None;
    }
    i += 1;
    let body = i;
    while i < chars.len() {
        if chars[i] == '"' && (1..=hashes).all(|h| chars.get(i + h) == Some(&'#')) {
            return Some((chars[body..i].iter().collect(), i + 1 + hashes));
        }
        i += 1;
    }
    None
}

/// The identifiers in `code`.
fn identifiers(code: &str) -> impl Iterator<Item = &str> {
    code.split(|c: char| !(c.is_alphanumeric() || c == '_'))
        .filter(|word| !word.is_empty())
}

#[test]
fn no_string_literal_in_the_engine_names_a_chat_platform() {
    for (file, source) in SOURCES {
        for literal in scan(source).literals {
            for platform in PLATFORMS {
                assert!(
                    !literal.contains(platform),
                    "src/engine/{file} says {platform:?} in {literal:?}; adapters word outcomes, \
                     and ChatPort::platform_of names the platform"
                );
            }
        }
    }
}

#[test]
fn no_code_in_the_engine_reaches_into_a_chat_platform_adapter() {
    for (file, source) in SOURCES {
        let scanned = scan(source);
        for word in identifiers(&scanned.code) {
            for platform in PLATFORMS {
                assert!(
                    !word.eq_ignore_ascii_case(platform),
                    "src/engine/{file} names `{word}`; the engine talks to chat through ChatPort"
                );
            }
        }
    }
}

#[test]
fn every_file_of_the_engine_is_checked() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("src/engine");
    let mut on_disk = Vec::new();
    let mut folders = vec![root.clone()];
    while let Some(folder) = folders.pop() {
        for entry in std::fs::read_dir(&folder).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                folders.push(path);
            } else if path.extension().is_some_and(|e| e == "rs") {
                let relative = path.strip_prefix(&root).unwrap();
                on_disk.push(relative.to_string_lossy().replace('\\', "/"));
            }
        }
    }
    on_disk.sort();
    let mut listed: Vec<String> = SOURCES.iter().map(|(f, _)| (*f).to_owned()).collect();
    listed.sort();
    assert_eq!(
        on_disk, listed,
        "SOURCES lists every file under src/engine/"
    );
}

#[test]
fn the_scan_finds_literals_and_leaves_comments_out() {
    let platform = PLATFORMS[0];
    let source = format!(
        "// {platform} in a comment\n\
         /* and /* nested */ {platform} */\n\
         let quote = '\"'; let escaped = '\\''; fn f<'a>(x: &'a str) {{}}\n\
         let s = \"in {platform}, with \\\" an escape\";\n\
         let raw = r#\"raw \"{platform}\"\"#;\n\
         use crate::{{{lower}, store}};",
        lower = platform.to_lowercase()
    );
    let scanned = scan(&source);
    assert_eq!(
        scanned.literals,
        vec![
            format!("in {platform}, with \\\" an escape"),
            format!("raw \"{platform}\""),
        ]
    );
    assert!(!scanned.code.contains(platform));
    assert!(identifiers(&scanned.code).any(|w| w.eq_ignore_ascii_case(platform)));
}
