//! What a request costs, and how much each caller may spend. Every field costs 1 plus what is
//! selected under it; a connection multiplies what is under it by its page size (`first`,
//! default 20); a short list by the size a list of its kind typically has (and at most may have:
//! see `domain::values::caps`); a root lookup by id costs `LOOKUP` and `portfolioSummary`
//! `SUMMARY`. A request that would cost more than [`MAX_COST`] is refused before anything runs;
//! every answer reports its cost in `extensions.cost`. On top, each caller (a token's role,
//! organisation and `sub`) has a token bucket of cost: a burst, refilled each second; a request
//! that finds too little left is answered `429` with `Retry-After`. Buckets live in the process:
//! behind a load balancer each replica keeps its own, so the effective rate is up to the number of
//! replicas times the configured one (set the rate per replica accordingly).

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use async_graphql::extensions::{
    Extension, ExtensionContext, ExtensionFactory, NextRequest, NextValidation,
};
use async_graphql::{Response, ServerError, ValidationResult, Value};

use crate::domain::actor::Actor;
use crate::error::code;

/// The most one request may cost: a dashboard page of 100 grants with their reports, activities
/// and participation costs about 30,000.
pub const MAX_COST: usize = 50_000;

/// A root lookup by id (`grant(id:)`, `report(id:)`): a statement of its own each.
pub const LOOKUP: usize = 100;

/// `portfolioSummary`: several GROUP BY statements over the whole portfolio.
pub const SUMMARY: usize = 1_000;

/// Typical sizes of the short lists of a parent (what a list costs per item selected under it).
/// Each list is also capped when written (`domain::values::caps`).
pub const TRANCHES: usize = 3;
pub const OBJECTIVES: usize = 3;
pub const INDICATORS: usize = 3;
pub const REPORTS: usize = 3;
pub const ACTIVITIES: usize = 10;
pub const MODES: usize = 3;
pub const ORGANISERS: usize = 3;
pub const OUTCOMES: usize = 5;
pub const LESSONS: usize = 5;
pub const CASE_STUDIES: usize = 5;
pub const INDICATOR_RESULTS: usize = 3;
pub const CORRECTIONS: usize = 10;
pub const JOINT_GROUP: usize = 2;
pub const SCHEMES: usize = 10;
pub const ORGANISATIONS: usize = 100;

/// The cost of a connection's page: what each node costs, times the page size asked for.
pub fn page(first: Option<i32>, child: usize) -> usize {
    let size = first.unwrap_or(20).clamp(0, 100);
    1 + usize::try_from(size).unwrap_or(0).saturating_mul(child)
}

/// The cost of a short list of a parent: what each item costs, times its typical size.
pub fn list(typical: usize, child: usize) -> usize {
    1 + typical.saturating_mul(child)
}

/// Token buckets of cost, one per caller.
#[derive(Debug)]
pub struct RateLimiter {
    burst: f64,
    per_second: f64,
    buckets: Mutex<HashMap<String, Bucket>>,
}

#[derive(Clone, Copy, Debug)]
struct Bucket {
    tokens: f64,
    at: Instant,
}

impl RateLimiter {
    /// `per_second == 0` turns limiting off. The burst is at least one request of `MAX_COST`.
    pub fn new(burst: u64, per_second: u64) -> Self {
        Self {
            burst: (burst as f64).max(MAX_COST as f64),
            per_second: per_second as f64,
            buckets: Mutex::new(HashMap::new()),
        }
    }

    /// Takes `cost` from the caller's bucket, or says how long until it holds enough.
    fn take(&self, caller: &str, cost: usize) -> Result<(), Duration> {
        if self.per_second <= 0.0 {
            return Ok(());
        }
        let now = Instant::now();
        let mut buckets = self
            .buckets
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        if buckets.len() > 100_000 {
            // Forget callers whose buckets have refilled: they are as if new.
            let (burst, rate) = (self.burst, self.per_second);
            buckets.retain(|_, b| b.tokens + now.duration_since(b.at).as_secs_f64() * rate < burst);
        }
        let bucket = buckets.entry(caller.to_owned()).or_insert(Bucket {
            tokens: self.burst,
            at: now,
        });
        let refilled =
            bucket.tokens + now.duration_since(bucket.at).as_secs_f64() * self.per_second;
        let tokens = refilled.min(self.burst);
        let cost = cost as f64;
        if tokens >= cost {
            *bucket = Bucket {
                tokens: tokens - cost,
                at: now,
            };
            Ok(())
        } else {
            *bucket = Bucket { tokens, at: now };
            Err(Duration::from_secs_f64(
                ((cost - tokens) / self.per_second).ceil(),
            ))
        }
    }
}

/// The schema extension that prices each request, refuses what costs too much or more than the
/// caller has left, and reports the cost.
pub struct Costing {
    limiter: Arc<RateLimiter>,
}

impl Costing {
    pub fn new(limiter: Arc<RateLimiter>) -> Self {
        Self { limiter }
    }
}

impl ExtensionFactory for Costing {
    fn create(&self) -> Arc<dyn Extension> {
        Arc::new(CostOfRequest {
            limiter: self.limiter.clone(),
            cost: Mutex::new(None),
        })
    }
}

struct CostOfRequest {
    limiter: Arc<RateLimiter>,
    cost: Mutex<Option<usize>>,
}

fn refused(message: String, code: &str, retry_after: Option<Duration>) -> Vec<ServerError> {
    let mut err = ServerError::new(message, None);
    let extensions = err.extensions.get_or_insert_with(Default::default);
    extensions.set("code", code);
    if let Some(wait) = retry_after {
        extensions.set("retryAfter", wait.as_secs());
        extensions.set("retryable", true);
    }
    vec![err]
}

#[async_trait::async_trait]
impl Extension for CostOfRequest {
    async fn request(&self, ctx: &ExtensionContext<'_>, next: NextRequest<'_>) -> Response {
        let response = next.run(ctx).await;
        let cost = *self
            .cost
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        match cost {
            Some(cost) => response.extension(
                "cost",
                Value::from_json(serde_json::json!({ "requested": cost, "limit": MAX_COST }))
                    .unwrap_or(Value::Null),
            ),
            None => response,
        }
    }

    async fn validation(
        &self,
        ctx: &ExtensionContext<'_>,
        next: NextValidation<'_>,
    ) -> Result<ValidationResult, Vec<ServerError>> {
        let result = next.run(ctx).await?;
        *self
            .cost
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner) = Some(result.complexity);
        if result.complexity > MAX_COST {
            return Err(refused(
                format!(
                    "this request would cost {}; a request may cost at most {MAX_COST} (ask for smaller pages or fewer nested lists)",
                    result.complexity
                ),
                code::COST_LIMIT_EXCEEDED,
                None,
            ));
        }
        if let Some(actor) = ctx.data_opt::<Actor>()
            && let Err(wait) = self
                .limiter
                .take(&actor.idempotency_owner(), result.complexity)
        {
            return Err(refused(
                format!(
                    "rate limit: this caller has spent its allowance; retry in {} s",
                    wait.as_secs()
                ),
                code::RATE_LIMITED,
                Some(wait),
            ));
        }
        Ok(result)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_bucket_refuses_what_it_does_not_hold_and_says_when_it_will() {
        let limiter = RateLimiter::new(60_000, 1_000);
        assert!(limiter.take("a", 50_000).is_ok());
        let wait = limiter.take("a", 50_000).err();
        assert!(
            matches!(wait, Some(w) if (39..=41).contains(&w.as_secs())),
            "{wait:?}"
        );
        // Another caller has its own bucket.
        assert!(limiter.take("b", 50_000).is_ok());
        // Limiting off.
        assert!(RateLimiter::new(0, 0).take("a", usize::MAX).is_ok());
    }
}
