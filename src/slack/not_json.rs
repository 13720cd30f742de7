//! [`NotJson`]: Slack's Web API answered with something other than its JSON — typically an error
//! page from Slack's edge or from a proxy in between. Says what the body looked like (HTML, empty,
//! its content type) and never quotes it, so a page full of markup stays out of reports and logs.

use std::fmt;

/// An answer from Slack's Web API that is not JSON.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("Slack answered HTTP {status} with {body}, not JSON")]
pub struct NotJson {
    /// The HTTP status.
    pub status: u16,
    /// What the body looked like.
    pub body: BodyKind,
}

/// What a body that is not JSON looked like.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum BodyKind {
    /// No body at all.
    Empty,
    /// An HTML page.
    Html,
    /// Something else, with its declared content type when there was one.
    Other(Option<String>),
}

impl BodyKind {
    /// Reads the kind from the `Content-Type` header (when there is one) and the body's start.
    pub fn of(content_type: Option<&str>, body: &[u8]) -> Self {
        let start = String::from_utf8_lossy(&body[..body.len().min(64)])
            .trim_start()
            .to_ascii_lowercase();
        // The media type without parameters: `text/html; charset=utf-8` is `text/html`.
        let media = content_type
            .and_then(|t| t.split(';').next())
            .map(|t| t.trim().to_ascii_lowercase())
            .filter(|t| !t.is_empty());
        if body.iter().all(u8::is_ascii_whitespace) {
            BodyKind::Empty
        } else if media.as_deref() == Some("text/html")
            || start.starts_with("<!doctype html")
            || start.starts_with("<html")
        {
            BodyKind::Html
        } else {
            BodyKind::Other(media)
        }
    }
}

impl fmt::Display for BodyKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            BodyKind::Empty => f.write_str("an empty body"),
            BodyKind::Html => f.write_str("HTML"),
            BodyKind::Other(Some(media)) => write!(f, "a {media} body"),
            BodyKind::Other(None) => f.write_str("a body of no declared type"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_error_page_is_called_html_whatever_its_header_says() {
        assert_eq!(
            BodyKind::of(Some("text/html; charset=utf-8"), b"<h1>502</h1>"),
            BodyKind::Html
        );
        assert_eq!(
            BodyKind::of(None, b"\n<!DOCTYPE html><html>Bad Gateway</html>"),
            BodyKind::Html
        );
    }

    #[test]
    fn other_bodies_are_named_by_their_content_type() {
        assert_eq!(BodyKind::of(Some("text/html"), b"  "), BodyKind::Empty);
        let text = NotJson {
            status: 503,
            body: BodyKind::of(Some("text/plain"), b"upstream connect error"),
        };
        assert_eq!(
            text.to_string(),
            "Slack answered HTTP 503 with a text/plain body, not JSON"
        );
        let html = NotJson {
            status: 502,
            body: BodyKind::Html,
        };
        assert_eq!(
            html.to_string(),
            "Slack answered HTTP 502 with HTML, not JSON"
        );
    }
}
