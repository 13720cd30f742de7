//! The HTTP server: accepts connections and serves each over HTTP/1 with a deadline for its
//! request headers, so idle or slow-sending clients cannot hold connections open; stops
//! accepting on shutdown and lets requests in progress finish.

use std::time::Duration;

use hyper::server::conn::http1;
use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::server::graceful::GracefulShutdown;
use hyper_util::service::TowerToHyperService;
use tokio::net::TcpListener;
use tokio_util::sync::CancellationToken;

use crate::telemetry::chain;

/// How long to wait before accepting again after the listener fails (for example when the
/// process is out of file descriptors), so the failure does not spin.
const ACCEPT_RETRY: Duration = Duration::from_secs(1);

/// Serves `router` on `listener` until `stop` is cancelled, then waits for the connections'
/// requests in progress to finish (the caller bounds that wait).
pub async fn serve(
    listener: TcpListener,
    router: axum::Router,
    header_read_timeout: Duration,
    stop: CancellationToken,
) {
    let mut http = http1::Builder::new();
    http.timer(TokioTimer::new())
        .header_read_timeout(header_read_timeout);
    let graceful = GracefulShutdown::new();
    loop {
        let stream = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok((stream, _peer)) => stream,
                Err(err) => {
                    tracing::warn!(error = %chain(&err), "cannot accept a connection; retrying");
                    tokio::time::sleep(ACCEPT_RETRY).await;
                    continue;
                }
            },
            () = stop.cancelled() => break,
        };
        let connection = http.serve_connection(
            TokioIo::new(stream),
            TowerToHyperService::new(router.clone()),
        );
        let connection = graceful.watch(connection);
        tokio::spawn(async move {
            // Clients that go away or are cut off by the header deadline end up here.
            if let Err(err) = connection.await {
                tracing::debug!(error = %chain(&err), "HTTP connection ended with an error");
            }
        });
    }
    drop(listener);
    graceful.shutdown().await;
}
