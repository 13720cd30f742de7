//! Snapshots of rendered JSON: `tests/snapshots/{name}.json` holds what a rendering must produce.
//! After an intended change to the rendering, run with `UPDATE_SNAPSHOTS=1`, read the diff, and
//! commit it.

use serde_json::Value;

/// Checks `actual` against `tests/snapshots/{name}.json` (or writes it with `UPDATE_SNAPSHOTS=1`).
pub fn assert_snapshot(name: &str, actual: &Value) {
    let path = format!("{}/tests/snapshots/{name}.json", env!("CARGO_MANIFEST_DIR"));
    let pretty = serde_json::to_string_pretty(actual).expect("JSON") + "\n";
    if std::env::var("UPDATE_SNAPSHOTS").is_ok_and(|v| v == "1") {
        std::fs::write(&path, &pretty).unwrap_or_else(|e| panic!("{path}: {e}"));
        return;
    }
    let expected = std::fs::read_to_string(&path).unwrap_or_else(|e| {
        panic!("{path}: {e}\nNo snapshot yet? Run with UPDATE_SNAPSHOTS=1 and review the file.")
    });
    if expected != pretty {
        let first = expected
            .lines()
            .zip(pretty.lines())
            .position(|(e, a)| e != a)
            .unwrap_or_else(|| expected.lines().count().min(pretty.lines().count()));
        panic!(
            "{name} differs from {path} from line {}:\n  expected: {}\n  actual:   {}\n\
             If the change is intended, run with UPDATE_SNAPSHOTS=1, review the diff and commit it.",
            first + 1,
            expected.lines().nth(first).unwrap_or("<end of file>"),
            pretty.lines().nth(first).unwrap_or("<end of file>"),
        );
    }
}
