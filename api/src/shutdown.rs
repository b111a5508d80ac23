//! Stopping without dropping a request. On SIGTERM (or Ctrl-C) the service
//!
//! 1. stops accepting connections, and `/readyz` answers 503;
//! 2. lets every request it has received finish, for up to the drain period (`SHUTDOWN_DRAIN`,
//!    30 s), closing each connection after its answer;
//! 3. when the drain period is over with requests still running, ends them cleanly: every
//!    write still open is rolled back where it was opened (`domain::write`) and answered
//!    `UNAVAILABLE` (retryable), and the statements still running on PostgreSQL are cancelled;
//! 4. closes the database pool and exits 0.
//!
//! [`Drain`] is what the HTTP layer and the write frame share: it counts the requests in
//! flight and tells when the drain period is over. A request's GraphQL execution runs inside
//! [`scope`], so that the write frame can see the drain of the request it serves without every
//! layer in between passing it along.

use std::future::Future;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::time::Duration;

use tokio::sync::{Notify, watch};

/// How long the service waits, once it has seen no request in flight, before it closes its
/// connections: a request that reached a connection a moment before is read and served too.
pub const QUIET_BEFORE_CLOSING: Duration = Duration::from_millis(100);

/// What SIGTERM sets in motion, shared by every worker thread.
#[derive(Clone)]
pub struct Drain(Arc<State>);

struct State {
    draining: AtomicBool,
    in_flight: AtomicUsize,
    idle: Notify,
    over: watch::Sender<bool>,
}

impl Default for Drain {
    fn default() -> Self {
        Self(Arc::new(State {
            draining: AtomicBool::new(false),
            in_flight: AtomicUsize::new(0),
            idle: Notify::new(),
            over: watch::Sender::new(false),
        }))
    }
}

impl Drain {
    pub fn new() -> Self {
        Self::default()
    }

    /// SIGTERM arrived: the service is finishing what it has and taking nothing new.
    pub fn begin(&self) {
        self.0.draining.store(true, Ordering::SeqCst);
    }

    pub fn is_draining(&self) -> bool {
        self.0.draining.load(Ordering::SeqCst)
    }

    /// The drain period is over: what is still open gives up (see [`Drain::over`]).
    pub fn end(&self) {
        self.0.over.send_replace(true);
    }

    /// Resolves once the drain period is over with work still open; never before SIGTERM.
    pub async fn over(&self) {
        let mut over = self.0.over.subscribe();
        let _ = over.wait_for(|over| *over).await;
    }

    /// Counts a request as in flight until the guard is dropped.
    pub fn request(&self) -> InFlight {
        self.0.in_flight.fetch_add(1, Ordering::SeqCst);
        InFlight(self.clone())
    }

    pub fn in_flight(&self) -> usize {
        self.0.in_flight.load(Ordering::SeqCst)
    }

    /// Resolves when no request has been in flight for [`QUIET_BEFORE_CLOSING`].
    pub async fn until_quiet(&self) {
        loop {
            while self.in_flight() > 0 {
                let idle = self.0.idle.notified();
                if self.in_flight() == 0 {
                    break;
                }
                idle.await;
            }
            tokio::time::sleep(QUIET_BEFORE_CLOSING).await;
            if self.in_flight() == 0 {
                return;
            }
        }
    }
}

/// A request in flight; dropping it (the answer is ready) counts it out.
pub struct InFlight(Drain);

impl Drop for InFlight {
    fn drop(&mut self) {
        if self.0.0.in_flight.fetch_sub(1, Ordering::SeqCst) == 1 {
            self.0.0.idle.notify_waiters();
        }
    }
}

tokio::task_local! {
    static DRAIN: Drain;
}

/// Runs a request's work knowing the drain it belongs to.
pub async fn scope<F: Future>(drain: Drain, work: F) -> F::Output {
    DRAIN.scope(drain, work).await
}

/// Runs `work` to its end, unless the drain period of the request it serves ends first (then
/// `None`, and `work` is dropped). Outside a request (the demo seed, tests) nothing cuts it.
pub async fn unless_drained<F: Future>(work: F) -> Option<F::Output> {
    let Ok(drain) = DRAIN.try_with(Drain::clone) else {
        return Some(work.await);
    };
    tokio::select! {
        biased;
        output = work => Some(output),
        () = drain.over() => None,
    }
}

/// Resolves on SIGTERM or Ctrl-C (SIGINT).
pub async fn signal() {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{SignalKind, signal};
        match (
            signal(SignalKind::terminate()),
            signal(SignalKind::interrupt()),
        ) {
            (Ok(mut term), Ok(mut int)) => {
                tokio::select! {
                    _ = term.recv() => tracing::info!("SIGTERM received"),
                    _ = int.recv() => tracing::info!("SIGINT received"),
                }
            }
            (Err(err), _) | (_, Err(err)) => {
                tracing::error!(error = %err, "cannot listen for SIGTERM; stopping on Ctrl-C only");
                let _ = tokio::signal::ctrl_c().await;
            }
        }
    }
    #[cfg(not(unix))]
    {
        let _ = tokio::signal::ctrl_c().await;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn work_outside_a_request_is_never_cut() {
        assert_eq!(unless_drained(async { 7 }).await, Some(7));
    }

    #[tokio::test]
    async fn the_end_of_the_drain_cuts_the_work_of_its_requests() {
        let drain = Drain::new();
        let waiting = tokio::spawn(scope(
            drain.clone(),
            unless_drained(std::future::pending::<()>()),
        ));
        drain.begin();
        drain.end();
        assert_eq!(waiting.await.unwrap(), None);
    }

    #[tokio::test]
    async fn quiet_means_no_request_in_flight_for_a_moment() {
        let drain = Drain::new();
        let request = drain.request();
        let quiet = tokio::spawn({
            let drain = drain.clone();
            async move { drain.until_quiet().await }
        });
        tokio::time::sleep(Duration::from_millis(50)).await;
        assert!(!quiet.is_finished());
        drop(request);
        tokio::time::timeout(Duration::from_secs(2), quiet)
            .await
            .unwrap()
            .unwrap();
        assert_eq!(drain.in_flight(), 0);
    }
}
