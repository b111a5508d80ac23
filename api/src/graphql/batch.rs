//! Runs a request's data-loader batches inside the request's own task.
//!
//! async-graphql resolves the fields of one nesting level together: every resolver of the level
//! runs until it waits on a loader, and only then does the request's future return `Pending`.
//! The loaders' batch futures are queued here instead of being spawned, and are first polled
//! right after that, so a batch always holds every key of its level without waiting on a timer
//! (the data loader's default is to sleep 1 ms per batch, on another thread), and a level's
//! batches of different relations run concurrently. No batch outlives its request.

use std::future::Future;
use std::pin::pin;
use std::sync::{Arc, Mutex, PoisonError};
use std::task::{Context, Poll, Waker};

use futures_util::future::BoxFuture;
use futures_util::stream::{FuturesUnordered, StreamExt};

/// The batches a request's loaders have asked to run, and the task that runs them.
#[derive(Clone, Default)]
pub struct Batches {
    queue: Arc<Mutex<Queue>>,
}

#[derive(Default)]
struct Queue {
    waiting: Vec<BoxFuture<'static, ()>>,
    driver: Option<Waker>,
}

impl Batches {
    /// What the data loader calls instead of `tokio::spawn`: queues the batch and wakes the
    /// request's task, which starts it once the current level has asked for all its keys.
    pub fn spawner(&self) -> impl Fn(BoxFuture<'static, ()>) + Send + Sync + 'static {
        let queue = self.queue.clone();
        move |batch| {
            let mut queue = queue.lock().unwrap_or_else(PoisonError::into_inner);
            queue.waiting.push(batch);
            if let Some(driver) = &queue.driver {
                driver.wake_by_ref();
            }
        }
    }

    /// Runs `request` to completion, running the batches it queues alongside it.
    pub async fn drive<F: Future>(self, request: F) -> F::Output {
        let mut request = pin!(request);
        let mut running: FuturesUnordered<BoxFuture<'static, ()>> = FuturesUnordered::new();
        std::future::poll_fn(move |cx: &mut Context<'_>| {
            if let Poll::Ready(output) = request.as_mut().poll(cx) {
                return Poll::Ready(output);
            }
            let queued = {
                let mut queue = self.queue.lock().unwrap_or_else(PoisonError::into_inner);
                if !queue
                    .driver
                    .as_ref()
                    .is_some_and(|w| w.will_wake(cx.waker()))
                {
                    queue.driver = Some(cx.waker().clone());
                }
                std::mem::take(&mut queue.waiting)
            };
            running.extend(queued);
            // A batch that finishes answers its keys' waiters, which wakes this task again.
            while let Poll::Ready(Some(())) = running.poll_next_unpin(cx) {}
            Poll::Pending
        })
        .await
    }
}

#[cfg(test)]
mod tests {
    use std::collections::HashMap;
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::time::Duration;

    use async_graphql::dataloader::{DataLoader, Loader};

    use super::*;

    /// Counts its batches and remembers their sizes.
    #[derive(Default)]
    struct Doubler {
        batches: AtomicUsize,
        largest: AtomicUsize,
    }

    impl Loader<u32> for Doubler {
        type Value = u32;
        type Error = String;

        async fn load(&self, keys: &[u32]) -> Result<HashMap<u32, u32>, String> {
            self.batches.fetch_add(1, Ordering::SeqCst);
            self.largest.fetch_max(keys.len(), Ordering::SeqCst);
            tokio::task::yield_now().await;
            Ok(keys.iter().map(|k| (*k, k * 2)).collect())
        }
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn keys_asked_for_together_load_in_one_batch_and_each_gets_its_value() {
        let batches = Batches::default();
        let loader = DataLoader::new(Doubler::default(), batches.spawner()).delay(Duration::ZERO);
        let answers = batches
            .clone()
            .drive(async {
                let level: Vec<_> = (0..50u32).map(|k| loader.load_one(k)).collect();
                let first = futures_util::future::join_all(level).await;
                // A second level, asked for after the first came back, is a second batch.
                let second =
                    futures_util::future::join_all((50..60u32).map(|k| loader.load_one(k))).await;
                (first, second)
            })
            .await;
        let values: Vec<u32> = answers
            .0
            .into_iter()
            .chain(answers.1)
            .map(|v| v.ok().flatten().unwrap_or_default())
            .collect();
        assert_eq!(values, (0..60u32).map(|k| k * 2).collect::<Vec<_>>());
        assert_eq!(loader.loader().batches.load(Ordering::SeqCst), 2);
        assert_eq!(loader.loader().largest.load(Ordering::SeqCst), 50);
    }
}
