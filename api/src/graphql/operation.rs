//! Which operation a request ran, for the access log and the per-operation metrics: the gate
//! (see `AppSchema`) writes the operation's name once the request has passed it.

use std::sync::{Arc, Mutex, PoisonError};

use async_graphql::Response;
use async_graphql::extensions::{Extension, ExtensionContext, ExtensionFactory, NextExecute};

/// Where a request's operation name is written; the HTTP layer puts one in each request.
#[derive(Clone, Default)]
pub struct OperationSlot(Arc<Mutex<Option<String>>>);

impl OperationSlot {
    /// The operation's name, `anonymous` for an unnamed one, or `None` when the request never
    /// reached execution (it did not parse or validate).
    pub fn name(&self) -> Option<String> {
        self.0
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }
}

/// The last hook of the gate (see `AppSchema`): the request parsed, validated and was priced;
/// its operation's name is written to the request's slot, and it stops there, unexecuted.
pub struct Gate;

impl ExtensionFactory for Gate {
    fn create(&self) -> Arc<dyn Extension> {
        Arc::new(Gate)
    }
}

#[async_trait::async_trait]
impl Extension for Gate {
    async fn execute(
        &self,
        ctx: &ExtensionContext<'_>,
        operation_name: Option<&str>,
        _next: NextExecute<'_>,
    ) -> Response {
        if let Some(slot) = ctx.data_opt::<OperationSlot>() {
            *slot.0.lock().unwrap_or_else(PoisonError::into_inner) =
                Some(operation_name.unwrap_or("anonymous").to_owned());
        }
        Response::default()
    }
}
