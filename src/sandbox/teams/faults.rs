//! Refusals scripted for calls to come, shared by the fakes of Microsoft's services (the Bot
//! Connector and Graph): the next `n` calls whose raw path contains a fragment (or any call)
//! are answered with a chosen status and, when given, `Retry-After`. Each fake words the answer
//! its own way.

use std::collections::VecDeque;

use axum::http::{HeaderValue, StatusCode, header};
use axum::response::Response;

/// The refusals still to be given, in the order they were scripted.
#[derive(Debug, Default)]
pub(crate) struct ScriptedFaults {
    faults: VecDeque<Fault>,
}

#[derive(Debug)]
struct Fault {
    /// Only calls whose raw path contains this (all calls when `None`).
    path_contains: Option<String>,
    remaining: usize,
    status: StatusCode,
    retry_after: Option<String>,
}

/// A refusal due now: its status, and what to put in `Retry-After`.
#[derive(Debug)]
pub(crate) struct Scripted {
    pub status: StatusCode,
    retry_after: Option<String>,
}

impl ScriptedFaults {
    /// Refuses the next `n` calls whose path contains `path_contains` (any call when `None`)
    /// with `status` (500 when it is no status) and `retry_after`.
    pub(crate) fn push(
        &mut self,
        path_contains: Option<&str>,
        n: usize,
        status: u16,
        retry_after: Option<&str>,
    ) {
        self.faults.push_back(Fault {
            path_contains: path_contains.map(str::to_owned),
            remaining: n,
            status: StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR),
            retry_after: retry_after.map(str::to_owned),
        });
    }

    /// The refusal due for a call to `path`, spending it; `None` when the call goes on.
    pub(crate) fn take(&mut self, path: &str) -> Option<Scripted> {
        let index = self.faults.iter().position(|f| {
            f.remaining > 0 && f.path_contains.as_ref().is_none_or(|p| path.contains(p))
        })?;
        let fault = &mut self.faults[index];
        fault.remaining -= 1;
        let scripted = Scripted {
            status: fault.status,
            retry_after: fault.retry_after.clone(),
        };
        if fault.remaining == 0 {
            self.faults.remove(index);
        }
        Some(scripted)
    }
}

impl Scripted {
    /// `response` with this refusal's `Retry-After`, when it has one.
    pub(crate) fn with_retry_after(&self, mut response: Response) -> Response {
        if let Some(value) = self
            .retry_after
            .as_deref()
            .and_then(|v| HeaderValue::from_str(v).ok())
        {
            response.headers_mut().insert(header::RETRY_AFTER, value);
        }
        response
    }
}
