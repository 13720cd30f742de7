//! The Teams app package (`coupa-approvals teams-package`): the manifest, filled in, is valid
//! against Microsoft's published schema (v1.22, vendored in `tests/fixtures/`); the icons are the
//! PNGs Teams asks for; the real binary writes a zip an admin can upload, and refuses clearly
//! without an app id or a proper host.

use std::io::{Cursor, Read};
use std::path::{Path, PathBuf};
use std::process::Output;

use coupa_approvals::teams_package::{self, Host};
use serde_json::{Value, json};
use tokio::process::Command;

const BIN: &str = env!("CARGO_BIN_EXE_coupa-approvals");
const SCHEMA: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/tests/fixtures/teams-manifest-schema/MicrosoftTeams.schema.1.22.json"
);
const TEMPLATE: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/manifests/teams/manifest.json");
const COLOR_ICON: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/manifests/teams/color.png");
const OUTLINE_ICON: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/manifests/teams/outline.png");

const APP_ID: &str = "0b5e2c4a-9d1f-4e37-8a6b-2f0c1d3e4a5b";
const HOST: &str = "approvals.example.com";

fn schema_errors(manifest: &Value) -> Vec<String> {
    let text = std::fs::read_to_string(SCHEMA).unwrap_or_else(|e| panic!("{SCHEMA}: {e}"));
    let schema: Value = serde_json::from_str(&text).expect("the schema is JSON");
    let validator = jsonschema::validator_for(&schema).expect("the schema compiles offline");
    validator
        .iter_errors(manifest)
        .map(|e| format!("{} at {}", e, e.instance_path()))
        .collect()
}

fn filled_manifest() -> Value {
    let host = Host::parse(HOST).unwrap();
    serde_json::from_str(&teams_package::manifest(APP_ID, &host)).expect("the manifest is JSON")
}

fn read(path: &str) -> Vec<u8> {
    std::fs::read(path).unwrap_or_else(|e| panic!("{path}: {e}"))
}

/// An empty directory of its own for one run of the binary (so no `.env` is read).
fn empty_dir() -> PathBuf {
    let dir = std::env::temp_dir().join(format!(
        "coupa-approvals-teams-package-{}",
        uuid::Uuid::new_v4().simple()
    ));
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// `coupa-approvals teams-package ARGS` in `dir`, with only `env` in its environment.
async fn teams_package(dir: &Path, env: &[(&str, &str)], args: &[&str]) -> Output {
    let mut command = Command::new(BIN);
    command
        .arg("teams-package")
        .args(args)
        .env_clear()
        .envs(env.iter().copied())
        .current_dir(dir);
    command.output().await.expect("the binary runs")
}

/// The names and contents of the files in a zip, in their order.
fn unzip(bytes: Vec<u8>) -> Vec<(String, Vec<u8>)> {
    let mut archive = zip::ZipArchive::new(Cursor::new(bytes)).expect("a zip");
    (0..archive.len())
        .map(|i| {
            let mut file = archive.by_index(i).expect("an entry");
            let mut contents = Vec::new();
            file.read_to_end(&mut contents).expect("readable");
            let name = file.name().expect("a UTF-8 name").into_owned();
            (name, contents)
        })
        .collect()
}

/// A PNG's width, height, bit depth and colour type, read from its signature and IHDR chunk.
fn png_header(bytes: &[u8]) -> (u32, u32, u8, u8) {
    const SIGNATURE: &[u8] = b"\x89PNG\r\n\x1a\n";
    assert!(bytes.starts_with(SIGNATURE), "not a PNG");
    let ihdr = &bytes[SIGNATURE.len()..];
    assert_eq!(
        &ihdr[..8],
        b"\x00\x00\x00\x0dIHDR",
        "the first chunk is not IHDR"
    );
    let number =
        |at: usize| u32::from_be_bytes([ihdr[at], ihdr[at + 1], ihdr[at + 2], ihdr[at + 3]]);
    (number(8), number(12), ihdr[16], ihdr[17])
}

#[test]
fn the_manifest_filled_with_an_app_id_and_host_is_valid_against_the_teams_schema() {
    let errors = schema_errors(&filled_manifest());
    assert!(errors.is_empty(), "{errors:#?}");
}

#[test]
fn the_schema_refuses_the_unfilled_template_and_a_bot_id_that_is_not_a_guid() {
    let template: Value =
        serde_json::from_str(&std::fs::read_to_string(TEMPLATE).unwrap()).unwrap();
    let errors = schema_errors(&template);
    assert!(errors.iter().any(|e| e.ends_with("at /id")), "{errors:#?}");
    let mut manifest = filled_manifest();
    manifest["bots"][0]["botId"] = json!("my-bot");
    assert!(!schema_errors(&manifest).is_empty());
}

#[test]
fn the_manifest_is_v1_22_and_says_so_in_its_schema_address() {
    let manifest = filled_manifest();
    assert_eq!(manifest["manifestVersion"], "1.22");
    assert_eq!(
        manifest["$schema"],
        "https://developer.microsoft.com/en-us/json-schemas/teams/v1.22/MicrosoftTeams.schema.json"
    );
}

#[test]
fn the_colour_icon_is_a_192_pixel_square_png_in_8_bit_colour() {
    let (width, height, depth, colour_type) = png_header(&read(COLOR_ICON));
    assert_eq!((width, height, depth), (192, 192, 8));
    // 2 is RGB, 6 RGB with alpha: full colour either way.
    assert!([2, 6].contains(&colour_type), "colour type {colour_type}");
}

#[test]
fn the_outline_icon_is_a_32_pixel_square_png_with_an_alpha_channel() {
    let (width, height, depth, colour_type) = png_header(&read(OUTLINE_ICON));
    assert_eq!((width, height, depth), (32, 32, 8));
    // 6 is RGB with alpha: the transparency Teams draws the outline icon through.
    assert_eq!(colour_type, 6);
}

#[tokio::test]
async fn teams_package_writes_a_zip_whose_manifest_validates_and_names_the_app_id_and_host() {
    let dir = empty_dir();
    let out = dir.join("package").join("app.zip");
    std::fs::create_dir_all(out.parent().unwrap()).unwrap();
    let output = teams_package(
        &dir,
        &[("MICROSOFT_APP_ID", &APP_ID.to_uppercase())],
        &["--domain", HOST, "--out", out.to_str().unwrap()],
    )
    .await;
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert_eq!(
        output.status.code(),
        Some(0),
        "{stdout}{}",
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(
        stdout.contains("https://approvals.example.com/api/messages"),
        "{stdout}"
    );

    let files = unzip(std::fs::read(&out).expect("the zip is written"));
    let names: Vec<&str> = files.iter().map(|(name, _)| name.as_str()).collect();
    assert_eq!(names, ["manifest.json", "color.png", "outline.png"]);
    let text = String::from_utf8(files[0].1.clone()).expect("the manifest is UTF-8");
    assert!(
        !text.contains("${") && !text.contains("YOUR-HOST"),
        "{text}"
    );
    let manifest: Value = serde_json::from_str(&text).expect("the manifest is JSON");
    let errors = schema_errors(&manifest);
    assert!(errors.is_empty(), "{errors:#?}");
    assert_eq!(manifest["id"], APP_ID);
    assert_eq!(manifest["bots"][0]["botId"], APP_ID);
    assert_eq!(manifest["validDomains"], json!([HOST]));
    for url in ["websiteUrl", "privacyUrl", "termsOfUseUrl"] {
        let url = manifest["developer"][url].as_str().expect("a URL");
        assert!(url.starts_with("https://approvals.example.com"), "{url}");
    }
    assert_eq!(files[1].1, read(COLOR_ICON));
    assert_eq!(files[2].1, read(OUTLINE_ICON));
    let _ = std::fs::remove_dir_all(dir);
}

#[tokio::test]
async fn teams_package_writes_to_the_default_file_in_the_working_directory() {
    let dir = empty_dir();
    let output = teams_package(&dir, &[("MICROSOFT_APP_ID", APP_ID)], &["--domain", HOST]).await;
    assert_eq!(output.status.code(), Some(0));
    let files = unzip(std::fs::read(dir.join("coupa-approvals-teams.zip")).unwrap());
    assert_eq!(files.len(), 3);
    let _ = std::fs::remove_dir_all(dir);
}

#[tokio::test]
async fn teams_package_without_an_app_id_exits_2_naming_microsoft_app_id_and_writes_nothing() {
    let dir = empty_dir();
    let output = teams_package(&dir, &[], &["--domain", HOST]).await;
    assert_eq!(output.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("MICROSOFT_APP_ID: missing"), "{stderr}");
    assert_eq!(std::fs::read_dir(&dir).unwrap().count(), 0);
    let _ = std::fs::remove_dir_all(dir);
}

#[tokio::test]
async fn teams_package_with_an_app_id_that_is_not_a_guid_exits_2_without_echoing_it() {
    let dir = empty_dir();
    let output = teams_package(
        &dir,
        &[("MICROSOFT_APP_ID", "s3cr3t~pasted-in-the-wrong-place")],
        &["--domain", HOST],
    )
    .await;
    assert_eq!(output.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("MICROSOFT_APP_ID: must be a GUID"),
        "{stderr}"
    );
    assert!(!stderr.contains("s3cr3t"), "{stderr}");
    let _ = std::fs::remove_dir_all(dir);
}

#[tokio::test]
async fn teams_package_given_a_url_for_domain_exits_2_and_asks_for_the_host_alone() {
    let dir = empty_dir();
    let output = teams_package(
        &dir,
        &[("MICROSOFT_APP_ID", APP_ID)],
        &["--domain", "https://approvals.example.com/api/messages"],
    )
    .await;
    assert_eq!(output.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("--domain: must be the host name alone"),
        "{stderr}"
    );
    let _ = std::fs::remove_dir_all(dir);
}

#[tokio::test]
async fn teams_package_into_a_missing_directory_exits_1_naming_the_path() {
    let dir = empty_dir();
    let out = dir.join("no-such-directory").join("app.zip");
    let output = teams_package(
        &dir,
        &[("MICROSOFT_APP_ID", APP_ID)],
        &["--domain", HOST, "--out", out.to_str().unwrap()],
    )
    .await;
    assert_eq!(output.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("could not write the Teams app package to")
            && stderr.contains("no-such-directory"),
        "{stderr}"
    );
    assert!(!stderr.contains("panicked"), "{stderr}");
    let _ = std::fs::remove_dir_all(dir);
}
