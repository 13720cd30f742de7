//! The Teams app package an admin uploads to Microsoft Teams (`coupa-approvals teams-package`):
//! the manifest of `manifests/teams/manifest.json` with the bot's app id and the host that serves
//! it filled in, and the two icons beside it, zipped at the root as Teams expects.
//!
//! The template and the icons are compiled into the binary, so the command works from the
//! container image alone. The app id comes from the configuration (`MICROSOFT_APP_ID`, the same
//! one the service answers Teams with: a package with another id would install a bot that never
//! reaches this service); the host is given on the command line, or taken from `PUBLIC_URL`, the
//! address the outside world uses for the service.

use std::fmt;
use std::io::{Cursor, Write};
use std::net::IpAddr;
use std::path::{Path, PathBuf};

use zip::CompressionMethod;
use zip::write::{SimpleFileOptions, ZipWriter};

use crate::config::{self, ConfigError, Problem};

/// The manifest with its placeholders, as committed in `manifests/teams/manifest.json`.
pub const MANIFEST_TEMPLATE: &str = include_str!(concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/manifests/teams/manifest.json"
));
/// The 192×192 full-colour icon (`manifests/teams/color.png`).
pub const COLOR_ICON: &[u8] = include_bytes!(concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/manifests/teams/color.png"
));
/// The 32×32 white-on-transparent icon (`manifests/teams/outline.png`).
pub const OUTLINE_ICON: &[u8] = include_bytes!(concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/manifests/teams/outline.png"
));
/// Where `teams-package` writes the package when `--out` is not given.
pub const DEFAULT_PACKAGE_FILE: &str = "coupa-approvals-teams.zip";
/// The path Teams posts activities to on the host (see [`crate::teams::routes`]).
pub const MESSAGING_PATH: &str = "/api/messages";

/// The template's stand-in for the bot's Microsoft App ID.
const APP_ID_PLACEHOLDER: &str = "${MICROSOFT_APP_ID}";
/// The template's stand-in for the host, in `validDomains` and the developer's URLs.
const HOST_PLACEHOLDER: &str = "YOUR-HOST";
/// What `--domain` is called in problems, like a variable in a configuration error.
const DOMAIN_FLAG: &str = "--domain";
/// The variable the host comes from when `--domain` is not given.
const PUBLIC_URL: &str = "PUBLIC_URL";

/// A host name Teams can reach the bot at: a DNS name in lower case, without scheme, port or
/// path (its messaging endpoint is `https://HOST/api/messages`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Host(String);

/// Why a `--domain` value is not a host name; each says what to give instead.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum HostError {
    /// Nothing was given.
    #[error("is empty; give the host name Teams reaches the bot at, like `approvals.example.com`")]
    Empty,
    /// A URL instead of a host.
    #[error(
        "must be the host name alone, like `approvals.example.com`, not a URL (`{0}`): the messaging endpoint is always https://HOST/api/messages"
    )]
    Url(String),
    /// A host with a port.
    #[error(
        "must be the host name alone, without a port (`{0}`): Teams calls the bot on the standard HTTPS port"
    )]
    Port(String),
    /// An IP address: Teams needs a name its TLS certificate is issued for.
    #[error(
        "is an IP address (`{0}`); give the DNS name whose TLS certificate the service presents, like `approvals.example.com`"
    )]
    IpAddress(String),
    /// Not a DNS name.
    #[error(
        "is not a host name (`{0}`): use letters, digits, hyphens and dots, with at least one dot, like `approvals.example.com`"
    )]
    NotAHostName(String),
}

impl Host {
    /// `value` (trimmed, in lower case) as a host name, or why it is not one.
    pub fn parse(value: &str) -> Result<Self, HostError> {
        let value = value.trim();
        if value.is_empty() {
            return Err(HostError::Empty);
        }
        // Echoed back in errors: cut so that a pasted document does not flood the terminal.
        let shown: String = value.chars().take(80).collect();
        if value.contains("://") || value.contains('/') {
            return Err(HostError::Url(shown));
        }
        if value.parse::<IpAddr>().is_ok()
            || value
                .strip_prefix('[')
                .and_then(|v| v.strip_suffix(']'))
                .is_some_and(|v| v.parse::<IpAddr>().is_ok())
        {
            return Err(HostError::IpAddress(shown));
        }
        if let Some((name, port)) = value.rsplit_once(':')
            && !port.is_empty()
            && port.chars().all(|c| c.is_ascii_digit())
            && is_dns_name(name)
        {
            return Err(HostError::Port(shown));
        }
        let host = value.to_ascii_lowercase();
        if !is_dns_name(&host) {
            return Err(HostError::NotAHostName(shown));
        }
        if host
            .rsplit('.')
            .next()
            .is_some_and(|top| top.chars().all(|c| c.is_ascii_digit()))
        {
            // Four numbers that are not a valid address (`300.1.1.1`) are no name either.
            return Err(HostError::IpAddress(shown));
        }
        Ok(Self(host))
    }

    /// The host name.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// Where Teams posts activities: `https://HOST/api/messages`.
    pub fn messaging_endpoint(&self) -> String {
        format!("https://{}{MESSAGING_PATH}", self.0)
    }
}

impl fmt::Display for Host {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// Whether `value` is a DNS name of at least two labels, each 1 to 63 letters, digits or
/// hyphens, not starting or ending with a hyphen; 253 characters at most.
fn is_dns_name(value: &str) -> bool {
    let labels: Vec<&str> = value.split('.').collect();
    value.len() <= 253
        && labels.len() >= 2
        && labels.iter().all(|label| {
            (1..=63).contains(&label.len())
                && label.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
                && !label.starts_with('-')
                && !label.ends_with('-')
        })
}

/// Why no package was written.
#[derive(Debug, thiserror::Error)]
pub enum PackageError {
    /// The app id or the host is missing or malformed: every problem, at once.
    #[error("{0}")]
    Config(#[from] ConfigError),
    /// The zip could not be put together.
    #[error("could not build the Teams app package: {0}")]
    Zip(#[from] zip::result::ZipError),
    /// The zip could not be written where `--out` says.
    #[error("could not write the Teams app package to {}: {source}; choose another --out", path.display())]
    Write {
        /// The `--out` path.
        path: PathBuf,
        /// What the file system said.
        source: std::io::Error,
    },
}

impl PackageError {
    /// Whether this is a configuration problem (exit code 2) rather than a failure (1).
    pub fn is_configuration(&self) -> bool {
        matches!(self, Self::Config(_))
    }
}

/// The manifest for the bot `app_id` served at `host`: the template with the app id in `id` and
/// `bots[0].botId`, the host in `validDomains` and the developer's URLs. The app id is taken as
/// given: [`config::teams_app_id_from_lookup`] is what checks that it is a GUID.
pub fn manifest(app_id: &str, host: &Host) -> String {
    MANIFEST_TEMPLATE
        .replace(APP_ID_PLACEHOLDER, &json_string_content(app_id))
        .replace(HOST_PLACEHOLDER, &json_string_content(host.as_str()))
}

/// `value` escaped for use inside a JSON string (the placeholders all stand inside one), so no
/// value can change the manifest's structure.
fn json_string_content(value: &str) -> String {
    let quoted = serde_json::Value::from(value).to_string();
    quoted
        .strip_prefix('"')
        .and_then(|q| q.strip_suffix('"'))
        .unwrap_or(&quoted)
        .to_owned()
}

/// The package as zip bytes: `manifest.json`, `color.png` and `outline.png` at the root.
pub fn package(app_id: &str, host: &Host) -> Result<Vec<u8>, PackageError> {
    // Stored, not deflated: the icons are PNGs, already compressed, and the manifest is small.
    let options = SimpleFileOptions::default()
        .compression_method(CompressionMethod::Stored)
        .unix_permissions(0o644);
    let mut zip = ZipWriter::new(Cursor::new(Vec::new()));
    for (name, bytes) in [
        ("manifest.json", manifest(app_id, host).as_bytes()),
        ("color.png", COLOR_ICON),
        ("outline.png", OUTLINE_ICON),
    ] {
        zip.start_file(name, options)?;
        zip.write_all(bytes).map_err(zip::result::ZipError::Io)?;
    }
    Ok(zip.finish()?.into_inner())
}

/// Reads `MICROSOFT_APP_ID` through `lookup` and checks `domain` (or, without one, the host of
/// `PUBLIC_URL`), reporting every problem at once, then writes the package to `out`. Returns the
/// app id and host written.
pub fn write_from_lookup(
    lookup: &dyn Fn(&str) -> Option<String>,
    domain: Option<&str>,
    out: &Path,
) -> Result<(String, Host), PackageError> {
    let app_id = config::teams_app_id_from_lookup(lookup);
    let host = host_from(lookup, domain);
    let (app_id, host) = match (app_id, host) {
        (Ok(app_id), Ok(host)) => (app_id, host),
        (app_id, host) => {
            let mut problems = app_id.err().map(|e| e.problems).unwrap_or_default();
            problems.extend(host.err().unwrap_or_default());
            return Err(ConfigError { problems }.into());
        }
    };
    write_file(out, &package(&app_id, &host)?)?;
    Ok((app_id, host))
}

/// The host from `--domain` when given, else from `PUBLIC_URL` (the address the service is
/// reached at, read with the configuration's rules), or what is wrong with whichever was used.
fn host_from(
    lookup: &dyn Fn(&str) -> Option<String>,
    domain: Option<&str>,
) -> Result<Host, Vec<Problem>> {
    if let Some(domain) = domain {
        return Host::parse(domain).map_err(|err| {
            vec![Problem {
                variable: DOMAIN_FLAG,
                expected: err.to_string(),
            }]
        });
    }
    match config::public_url_from_lookup(lookup) {
        Err(err) => Err(err.problems),
        Ok(None) => Err(vec![Problem {
            variable: DOMAIN_FLAG,
            expected: "is missing: give the host name Teams reaches the bot at, like `--domain approvals.example.com`, or set PUBLIC_URL".into(),
        }]),
        Ok(Some(url)) => {
            // The host with its port, if any, so that a port is refused with its own reason.
            let authority = &url[url::Position::BeforeHost..url::Position::AfterPort];
            Host::parse(authority).map_err(|err| {
                vec![Problem {
                    variable: PUBLIC_URL,
                    expected: format!("gives the package its host, which {err}"),
                }]
            })
        }
    }
}

/// Writes `bytes` to `out` through a file beside it, renamed into place once complete, so a
/// failed write never leaves a truncated package that an admin could upload.
fn write_file(out: &Path, bytes: &[u8]) -> Result<(), PackageError> {
    let error = |source| PackageError::Write {
        path: out.to_owned(),
        source,
    };
    let name = out
        .file_name()
        .ok_or_else(|| error(std::io::Error::other("the path names no file")))?;
    let mut partial_name = std::ffi::OsString::from(".");
    partial_name.push(name);
    partial_name.push(".partial");
    let partial = out.with_file_name(partial_name);
    let written = std::fs::write(&partial, bytes).and_then(|()| std::fs::rename(&partial, out));
    if let Err(source) = written {
        // The partial file may not exist (nothing could be created); either way it is no use.
        let _ = std::fs::remove_file(&partial);
        return Err(error(source));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    const APP_ID: &str = "0b5e2c4a-9d1f-4e37-8a6b-2f0c1d3e4a5b";

    fn host() -> Host {
        Host::parse("approvals.example.com").unwrap()
    }

    #[test]
    fn a_host_name_is_accepted_trimmed_and_in_lower_case() {
        let host = Host::parse(" Approvals.Example.COM ").unwrap();
        assert_eq!(host.as_str(), "approvals.example.com");
        assert_eq!(
            host.messaging_endpoint(),
            "https://approvals.example.com/api/messages"
        );
        assert!(Host::parse("bot-1.eu.contoso-corp.io").is_ok());
    }

    #[test]
    fn a_url_a_port_an_ip_address_or_a_bad_name_is_refused_with_its_reason() {
        for (value, expected) in [
            ("", HostError::Empty),
            ("  ", HostError::Empty),
            (
                "https://approvals.example.com",
                HostError::Url("https://approvals.example.com".into()),
            ),
            (
                "approvals.example.com/api/messages",
                HostError::Url("approvals.example.com/api/messages".into()),
            ),
            (
                "approvals.example.com:8443",
                HostError::Port("approvals.example.com:8443".into()),
            ),
            ("10.0.0.7", HostError::IpAddress("10.0.0.7".into())),
            ("300.1.1.1", HostError::IpAddress("300.1.1.1".into())),
            ("[::1]", HostError::IpAddress("[::1]".into())),
            ("::1", HostError::IpAddress("::1".into())),
            ("localhost", HostError::NotAHostName("localhost".into())),
            (
                "approvals..example.com",
                HostError::NotAHostName("approvals..example.com".into()),
            ),
            (
                "-approvals.example.com",
                HostError::NotAHostName("-approvals.example.com".into()),
            ),
            (
                "approvals.example.com.",
                HostError::NotAHostName("approvals.example.com.".into()),
            ),
            (
                "appro vals.example.com",
                HostError::NotAHostName("appro vals.example.com".into()),
            ),
            (
                "*.example.com",
                HostError::NotAHostName("*.example.com".into()),
            ),
            (
                "\"approvals.example.com",
                HostError::NotAHostName("\"approvals.example.com".into()),
            ),
        ] {
            assert_eq!(Host::parse(value), Err(expected), "{value:?}");
        }
        let long = format!("{}.com", "a".repeat(64));
        assert!(matches!(
            Host::parse(&long),
            Err(HostError::NotAHostName(_))
        ));
    }

    #[test]
    fn the_filled_manifest_is_json_with_the_app_id_and_host_in_place_and_no_placeholder_left() {
        let text = manifest(APP_ID, &host());
        assert!(
            !text.contains("${") && !text.contains(HOST_PLACEHOLDER),
            "{text}"
        );
        let manifest: serde_json::Value = serde_json::from_str(&text).unwrap();
        assert_eq!(manifest["id"], APP_ID);
        assert_eq!(manifest["bots"][0]["botId"], APP_ID);
        assert_eq!(
            manifest["validDomains"],
            serde_json::json!(["approvals.example.com"])
        );
        assert_eq!(
            manifest["developer"]["websiteUrl"],
            "https://approvals.example.com"
        );
    }

    #[test]
    fn an_app_id_with_quotes_stays_inside_its_json_string() {
        let manifest: serde_json::Value =
            serde_json::from_str(&manifest("a\", \"b", &host())).unwrap();
        assert_eq!(manifest["id"], "a\", \"b");
    }

    #[test]
    fn the_package_holds_the_manifest_and_both_icons_at_its_root() {
        let bytes = package(APP_ID, &host()).unwrap();
        let mut archive = zip::ZipArchive::new(Cursor::new(bytes)).unwrap();
        let names: Vec<String> = archive
            .file_names()
            .map(|name| name.unwrap().into_owned())
            .collect();
        assert_eq!(names, ["manifest.json", "color.png", "outline.png"]);
        let mut icon = Vec::new();
        std::io::Read::read_to_end(&mut archive.by_name("outline.png").unwrap(), &mut icon)
            .unwrap();
        assert_eq!(icon, OUTLINE_ICON);
    }

    #[test]
    fn a_missing_app_id_and_a_bad_host_are_reported_together_and_nothing_is_written() {
        let dir = std::env::temp_dir().join(format!("teams-package-{}", uuid::Uuid::new_v4()));
        std::fs::create_dir_all(&dir).unwrap();
        let out = dir.join(DEFAULT_PACKAGE_FILE);
        let err =
            write_from_lookup(&|_| None, Some("https://approvals.example.com"), &out).unwrap_err();
        assert!(err.is_configuration());
        let PackageError::Config(config) = err else {
            unreachable!("checked just above")
        };
        let variables: Vec<&str> = config.problems.iter().map(|p| p.variable).collect();
        assert_eq!(variables, ["MICROSOFT_APP_ID", "--domain"]);
        assert!(!out.exists());
        let _ = std::fs::remove_dir_all(dir);
    }

    #[test]
    fn a_package_that_cannot_be_written_names_the_path_and_leaves_nothing_behind() {
        let dir = std::env::temp_dir().join(format!("teams-package-{}", uuid::Uuid::new_v4()));
        std::fs::create_dir_all(&dir).unwrap();
        // A directory where the zip should go: neither root nor anyone else can replace it.
        let out = dir.join("taken.zip");
        std::fs::create_dir(&out).unwrap();
        let lookup = |name: &str| (name == "MICROSOFT_APP_ID").then(|| APP_ID.to_owned());
        let err = write_from_lookup(&lookup, Some("approvals.example.com"), &out).unwrap_err();
        assert!(!err.is_configuration());
        assert!(err.to_string().contains("taken.zip"), "{err}");
        let left: Vec<_> = std::fs::read_dir(&dir).unwrap().flatten().collect();
        assert_eq!(left.len(), 1, "{left:?}");
        let _ = std::fs::remove_dir_all(dir);
    }

    #[test]
    fn without_a_domain_the_host_comes_from_public_url_or_both_are_asked_for() {
        let dir = std::env::temp_dir().join(format!("teams-package-{}", uuid::Uuid::new_v4()));
        std::fs::create_dir_all(&dir).unwrap();
        let out = dir.join(DEFAULT_PACKAGE_FILE);
        let with = |public_url: &'static str| {
            move |name: &str| match name {
                "MICROSOFT_APP_ID" => Some(APP_ID.to_owned()),
                "PUBLIC_URL" => Some(public_url.to_owned()),
                _ => None,
            }
        };
        let (_, host) =
            write_from_lookup(&with("https://Approvals.Example.com"), None, &out).unwrap();
        assert_eq!(host.as_str(), "approvals.example.com");
        assert!(out.exists());

        // A --domain given wins over PUBLIC_URL.
        let (_, host) = write_from_lookup(
            &with("https://approvals.example.com"),
            Some("teams.example.com"),
            &out,
        )
        .unwrap();
        assert_eq!(host.as_str(), "teams.example.com");

        for (public_url, variable, says) in [
            (
                "https://approvals.example.com:8443",
                "PUBLIC_URL",
                "without a port",
            ),
            ("http://127.0.0.1", "PUBLIC_URL", "is an IP address"),
            (
                "https://approvals.example.com/bot",
                "PUBLIC_URL",
                "without a path",
            ),
        ] {
            let Err(PackageError::Config(config)) =
                write_from_lookup(&with(public_url), None, &out)
            else {
                panic!("{public_url} was accepted");
            };
            let problems: Vec<&str> = config.problems.iter().map(|p| p.variable).collect();
            assert_eq!(problems, [variable], "{public_url}");
            assert!(config.to_string().contains(says), "{public_url}: {config}");
        }
        let nothing = |name: &str| (name == "MICROSOFT_APP_ID").then(|| APP_ID.to_owned());
        let Err(PackageError::Config(config)) = write_from_lookup(&nothing, None, &out) else {
            panic!("a package was written with no host");
        };
        assert!(config.to_string().contains("or set PUBLIC_URL"), "{config}");
        let _ = std::fs::remove_dir_all(dir);
    }
}
