//! A cap on the size of Slack's answers, applied below slack-morphism.
//!
//! slack-morphism reads each Web API answer whole into a string, with no limit of its own, and
//! offers no hook to change that. What it does let us choose is the connector its HTTP client
//! opens connections with, so [`CappedConnector`] wraps each connection and counts the bytes read
//! since the bot last wrote a request on it: over HTTP/1 without pipelining, that is the size of
//! one answer (status line, headers and body). Past [`MAX_ANSWER_BYTES`] the read fails with
//! [`AnswerTooLarge`], the connection is dropped, and the call fails as a transport error whose
//! causes name the cap. Counting sits above TLS, so it counts what Slack sent, not ciphertext.

use std::future::Future;
use std::io;
use std::pin::Pin;
use std::task::{Context, Poll, ready};

use hyper::Uri;
use hyper::rt::{Read, ReadBuf, ReadBufCursor, Write};
use hyper_util::client::legacy::connect::{Connected, Connection};

/// The largest answer read from Slack: 4 MiB. Slack's biggest answers (a message or an App Home
/// echoed back with its blocks, a user's profile) are tens to hundreds of kilobytes.
pub const MAX_ANSWER_BYTES: usize = 4 * 1024 * 1024;

/// How much is read from the connection at a time.
const READ_CHUNK: usize = 16 * 1024;

/// Slack (or whatever answers at `SLACK_API_URL`) sent more than the cap.
#[derive(Debug, thiserror::Error)]
#[error(
    "the answer from {host} is larger than {} MiB; the bot stops reading there (check SLACK_API_URL)",
    limit_bytes / (1024 * 1024)
)]
pub struct AnswerTooLarge {
    /// The host the connection was made to.
    pub host: String,
    /// The cap, in bytes.
    pub limit_bytes: usize,
}

/// Opens connections through `C`, each capped at `limit_bytes` per answer.
#[derive(Debug, Clone)]
pub struct CappedConnector<C> {
    inner: C,
    limit_bytes: usize,
}

impl<C> CappedConnector<C> {
    /// Wraps `inner`, capping each answer at `limit_bytes`.
    pub fn new(inner: C, limit_bytes: usize) -> Self {
        Self { inner, limit_bytes }
    }
}

impl<C> tower_service::Service<Uri> for CappedConnector<C>
where
    C: tower_service::Service<Uri>,
    C::Future: Send + 'static,
{
    type Response = CappedStream<C::Response>;
    type Error = C::Error;
    type Future = Pin<Box<dyn Future<Output = Result<Self::Response, Self::Error>> + Send>>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, uri: Uri) -> Self::Future {
        let host = uri.host().unwrap_or_default().to_owned();
        let limit_bytes = self.limit_bytes;
        let connecting = self.inner.call(uri);
        Box::pin(async move {
            let inner = connecting.await?;
            Ok(CappedStream {
                inner,
                host,
                limit_bytes,
                read_since_write: 0,
                scratch: vec![0; READ_CHUNK].into_boxed_slice(),
            })
        })
    }
}

/// A connection that fails a read once more than `limit_bytes` have arrived since the last write.
#[derive(Debug)]
pub struct CappedStream<T> {
    inner: T,
    host: String,
    limit_bytes: usize,
    read_since_write: usize,
    scratch: Box<[u8]>,
}

impl<T: Read + Unpin> Read for CappedStream<T> {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        mut buf: ReadBufCursor<'_>,
    ) -> Poll<io::Result<()>> {
        let this = self.get_mut();
        // Read into our own buffer first: hyper's cursor does not say how much a read filled.
        let want = buf.remaining().min(this.scratch.len());
        let mut scratch = ReadBuf::new(&mut this.scratch[..want]);
        ready!(Pin::new(&mut this.inner).poll_read(cx, scratch.unfilled()))?;
        let read = scratch.filled().len();
        this.read_since_write += read;
        if this.read_since_write > this.limit_bytes {
            return Poll::Ready(Err(io::Error::other(AnswerTooLarge {
                host: this.host.clone(),
                limit_bytes: this.limit_bytes,
            })));
        }
        buf.put_slice(&this.scratch[..read]);
        Poll::Ready(Ok(()))
    }
}

impl<T: Write + Unpin> Write for CappedStream<T> {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        let this = self.get_mut();
        let written = ready!(Pin::new(&mut this.inner).poll_write(cx, buf))?;
        // A new request: whatever is read next is its answer.
        if written > 0 {
            this.read_since_write = 0;
        }
        Poll::Ready(Ok(written))
    }

    fn poll_write_vectored(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        let this = self.get_mut();
        let written = ready!(Pin::new(&mut this.inner).poll_write_vectored(cx, bufs))?;
        if written > 0 {
            this.read_since_write = 0;
        }
        Poll::Ready(Ok(written))
    }

    fn is_write_vectored(&self) -> bool {
        self.inner.is_write_vectored()
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.get_mut().inner).poll_flush(cx)
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.get_mut().inner).poll_shutdown(cx)
    }
}

impl<T: Connection> Connection for CappedStream<T> {
    fn connected(&self) -> Connected {
        self.inner.connected()
    }
}

/// The cap that stopped a call, if that is why it failed: found among `error`'s causes.
pub fn too_large<'a>(error: &'a (dyn std::error::Error + 'static)) -> Option<&'a AnswerTooLarge> {
    let mut cause = Some(error);
    while let Some(current) = cause {
        if let Some(found) = current.downcast_ref::<AnswerTooLarge>() {
            return Some(found);
        }
        // `io::Error::other` keeps its payload as the inner error, which `source` may skip.
        if let Some(io) = current.downcast_ref::<io::Error>()
            && let Some(found) = io
                .get_ref()
                .and_then(|inner| inner.downcast_ref::<AnswerTooLarge>())
        {
            return Some(found);
        }
        cause = current.source();
    }
    None
}
