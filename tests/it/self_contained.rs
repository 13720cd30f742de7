//! The repository stands alone: no file that the build, the tests, the benches, the examples or
//! the fuzz targets read points outside it. (`.ci/run` also builds and tests a copy of the
//! repository with nothing beside it.)

use std::path::{Path, PathBuf};

/// Folders whose files are built or read by the build; `target` and `.git` are not ours to scan.
const SCANNED: &[&str] = &[
    "src",
    "tests",
    "benches",
    "examples",
    "fuzz",
    "manifests",
    "docs",
    ".ci",
];

fn files_under(dir: &Path, found: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        let name = entry.file_name();
        if name == "target" || name == "corpus" || name == "artifacts" {
            continue;
        }
        if path.is_dir() {
            files_under(&path, found);
        } else {
            found.push(path);
        }
    }
}

#[test]
fn no_file_in_the_repository_points_at_a_sibling_folder() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut files = vec![
        root.join("Cargo.toml"),
        root.join("Dockerfile"),
        root.join("README.md"),
    ];
    for dir in SCANNED {
        files_under(&root.join(dir), &mut files);
    }
    // Built at run time so that this file does not match itself.
    let sibling = ["..", "shared"].join("/");
    let above_the_manifest = ["CARGO_MANIFEST_DIR\"), \"", ".."].concat();
    let mut offenders = Vec::new();
    for file in &files {
        let Ok(text) = std::fs::read_to_string(file) else {
            continue; // binary seeds and the like
        };
        for (number, line) in text.lines().enumerate() {
            if line.contains(&sibling) || line.contains(&above_the_manifest) {
                offenders.push(format!("{}:{}: {line}", file.display(), number + 1));
            }
        }
    }
    assert!(files.len() > 100, "scanned only {} files", files.len());
    assert!(
        offenders.is_empty(),
        "these lines point outside the repository:\n{}",
        offenders.join("\n")
    );
}
