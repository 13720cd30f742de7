//! Reading variables one at a time while collecting every problem instead of stopping at the
//! first, and the rules shared by more than one variable (URLs that carry credentials, numbers
//! in a range).

use std::str::FromStr;

use secrecy::SecretString;
use url::Url;

use super::Problem;

/// Reads variables one at a time and collects problems instead of stopping at the first.
pub(super) struct Reader<'a> {
    pub(super) lookup: &'a dyn Fn(&str) -> Option<String>,
    pub(super) problems: Vec<Problem>,
}

impl Reader<'_> {
    /// The trimmed value, treating empty as unset (a blank line in `.env` means "not set").
    pub(super) fn get(&self, variable: &str) -> Option<String> {
        (self.lookup)(variable)
            .map(|v| v.trim().to_owned())
            .filter(|v| !v.is_empty())
    }

    pub(super) fn problem(&mut self, variable: &'static str, expected: impl Into<String>) {
        self.problems.push(Problem {
            variable,
            expected: expected.into(),
        });
    }

    pub(super) fn required(&mut self, variable: &'static str, what: &str) -> Option<String> {
        let value = self.get(variable);
        if value.is_none() {
            self.problem(variable, format!("missing; set it to {what}"));
        }
        value
    }

    pub(super) fn secret_with_prefix(
        &mut self,
        variable: &'static str,
        value: Option<String>,
        prefix: &str,
        what: &str,
    ) -> Option<SecretString> {
        let value = value?;
        if !value.starts_with(prefix) {
            self.problem(
                variable,
                format!("must start with `{prefix}` ({what}); the value given does not"),
            );
            return None;
        }
        Some(SecretString::from(value))
    }

    /// An `https` URL, or plain `http` to a loopback address only: Coupa and Slack calls carry
    /// the bot's credentials and decide money, so they never cross a network in clear text.
    pub(super) fn url(
        &mut self,
        variable: &'static str,
        value: Option<String>,
        example: &str,
    ) -> Option<Url> {
        let value = value?;
        match Url::parse(&value) {
            Ok(url) if url.scheme() == "https" && url.has_host() => Some(url),
            Ok(url) if url.scheme() == "http" && is_loopback(&url) => Some(url),
            Ok(url) if url.scheme() == "http" && url.has_host() => {
                self.problem(
                    variable,
                    format!(
                        "must use https (plain http is accepted only for a loopback host such as 127.0.0.1 or localhost, for tests and the demo), like `{example}`; got http for {}",
                        url.host_str().unwrap_or_default()
                    ),
                );
                None
            }
            Ok(_) => {
                self.problem(
                    variable,
                    format!("must be an http(s) URL with a host, like `{example}`"),
                );
                None
            }
            Err(e) => {
                self.problem(
                    variable,
                    format!("is not a valid URL ({e}); expected something like `{example}`"),
                );
                None
            }
        }
    }

    pub(super) fn parse<T: FromStr>(
        &mut self,
        variable: &'static str,
        default: T,
        what: &str,
    ) -> Option<T> {
        match self.get(variable) {
            None => Some(default),
            Some(value) => match value.parse::<T>() {
                Ok(parsed) => Some(parsed),
                Err(_) => {
                    self.problem(variable, format!("must be {what}; got `{value}`"));
                    None
                }
            },
        }
    }

    pub(super) fn whole_number(
        &mut self,
        variable: &'static str,
        default: u64,
        range: std::ops::RangeInclusive<u64>,
    ) -> Option<u64> {
        let what = format!("a whole number from {} to {}", range.start(), range.end());
        let value = self.parse::<u64>(variable, default, &what)?;
        if range.contains(&value) {
            Some(value)
        } else {
            self.problem(variable, format!("must be {what}; got `{value}`"));
            None
        }
    }
}

/// Whether `url`'s host is this machine: `localhost`, 127.0.0.0/8 or `::1`.
pub(super) fn is_loopback(url: &Url) -> bool {
    match url.host() {
        Some(url::Host::Domain(name)) => {
            name.trim_end_matches('.').eq_ignore_ascii_case("localhost")
        }
        Some(url::Host::Ipv4(ip)) => ip.is_loopback(),
        Some(url::Host::Ipv6(ip)) => ip.is_loopback(),
        None => false,
    }
}
