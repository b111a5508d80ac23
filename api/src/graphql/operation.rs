//! Which operation a request ran, for the access log and the per-operation metrics: the
//! engine tells this extension the operation's name once it has parsed the document.

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

pub struct OperationName;

impl ExtensionFactory for OperationName {
    fn create(&self) -> Arc<dyn Extension> {
        Arc::new(OperationName)
    }
}

#[async_trait::async_trait]
impl Extension for OperationName {
    async fn execute(
        &self,
        ctx: &ExtensionContext<'_>,
        operation_name: Option<&str>,
        next: NextExecute<'_>,
    ) -> Response {
        if let Some(slot) = ctx.data_opt::<OperationSlot>() {
            *slot.0.lock().unwrap_or_else(PoisonError::into_inner) =
                Some(operation_name.unwrap_or("anonymous").to_owned());
        }
        next.run(ctx, operation_name).await
    }
}
