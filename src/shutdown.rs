//! Shutdown, one named mechanism that every task, thread and session observes.
//!
//! A [`Shutdown`] is a token. The daemon holds the root, and sessions hold clones of it.
//! Each replication thread runs under a child: STOP SLAVE requests the child's shutdown, the
//! daemon's shutdown requests the root's, which reaches every child. Async tasks await
//! [`Shutdown::requested`]. Threads that block elsewhere (the applier, session threads)
//! look at [`Shutdown::is_requested`] at their safe points; whoever requests a shutdown also
//! wakes them where they wait (the relay write signal, the session's socket).

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, Weak};

use tokio::sync::Notify;

/// A shutdown token: cheap to clone, every clone sees the same request.
#[derive(Clone, Debug, Default)]
pub struct Shutdown {
    /// Shared by the clones.
    inner: Arc<Inner>,
}

#[derive(Debug, Default)]
struct Inner {
    /// Set once a shutdown was requested, here or on an ancestor.
    requested: AtomicBool,
    /// Wakes the tasks awaiting the request.
    notify: Notify,
    /// Children the request passes on to.
    children: Mutex<Vec<Weak<Inner>>>,
}

impl Shutdown {
    /// A root token, not requested.
    pub fn new() -> Shutdown {
        Shutdown::default()
    }

    /// A token that is requested when this one is (and can be requested alone).
    pub fn child(&self) -> Shutdown {
        let child = Shutdown::new();
        let mut children = self
            .inner
            .children
            .lock()
            .unwrap_or_else(|e| e.into_inner());
        // Checked under the lock `request` drains the children under: a child made while
        // a request runs is either passed on to or requested here.
        if self.is_requested() {
            drop(children);
            child.request();
        } else {
            children.retain(|c| c.strong_count() > 0);
            children.push(Arc::downgrade(&child.inner));
        }
        child
    }

    /// Requests the shutdown of this token and its children; wakes the tasks awaiting it.
    pub fn request(&self) {
        if self.inner.requested.swap(true, Ordering::SeqCst) {
            return;
        }
        self.inner.notify.notify_waiters();
        let children: Vec<Weak<Inner>> = std::mem::take(
            &mut *self
                .inner
                .children
                .lock()
                .unwrap_or_else(|e| e.into_inner()),
        );
        for c in children.iter().filter_map(Weak::upgrade) {
            Shutdown { inner: c }.request();
        }
    }

    /// True once a shutdown was requested.
    pub fn is_requested(&self) -> bool {
        self.inner.requested.load(Ordering::SeqCst)
    }

    /// Returns once a shutdown is requested.
    pub async fn requested(&self) {
        loop {
            let notified = self.inner.notify.notified();
            tokio::pin!(notified);
            // Registered before the check, so a request between the two is not missed.
            notified.as_mut().enable();
            if self.is_requested() {
                return;
            }
            notified.await;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn requests_reach_children_not_parents() {
        let root = Shutdown::new();
        let io = root.child();
        let sql = root.child();
        io.request();
        assert!(io.is_requested() && !sql.is_requested() && !root.is_requested());
        root.request();
        assert!(sql.is_requested());
        // A child made after the request starts requested.
        assert!(root.child().is_requested());
    }

    #[test]
    fn awaiting_tasks_wake() {
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        rt.block_on(async {
            let root = Shutdown::new();
            let child = root.child();
            let waiter = tokio::spawn({
                let child = child.clone();
                async move { child.requested().await }
            });
            tokio::task::yield_now().await;
            root.request();
            tokio::time::timeout(std::time::Duration::from_secs(60), waiter)
                .await
                .expect("woken")
                .unwrap();
        });
    }
}
