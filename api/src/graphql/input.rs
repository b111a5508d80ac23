//! What the mutations share: running a domain write for the request's caller, and the shapes of
//! input that several mutations take. Each GraphQL input becomes the domain's write in one
//! `From` impl beside it; the domain checks it and reports every problem at once.

use async_graphql::{Context, InputObject, MaybeUndefined};
use uuid::Uuid;

use super::common::ContextExt;
use crate::domain::write::Write;
use crate::error::Result;

/// Runs one domain write as the request's caller.
pub async fn run<W: Write>(ctx: &Context<'_>, write: W) -> Result<W::Output> {
    ctx.writer()?.run(ctx.actor()?, &write).await
}

/// `MaybeUndefined` as "leave" (`None`), "clear" (`Some(None)`) or "set" (`Some(Some(v))`).
pub fn change<T, U>(value: MaybeUndefined<T>, into: impl FnOnce(T) -> U) -> Option<Option<U>> {
    match value {
        MaybeUndefined::Undefined => None,
        MaybeUndefined::Null => Some(None),
        MaybeUndefined::Value(v) => Some(Some(into(v))),
    }
}

/// Deletes one object at the version the caller saw.
#[derive(InputObject)]
pub struct DeleteInput {
    /// Id (UUID) of the object to delete, as read from its `id`. An id the caller may not see
    /// is `NOT_FOUND`.
    pub id: Uuid,
    /// The `version` the caller last read. If the object has changed since, nothing is deleted
    /// and the answer is `CONFLICT`: read it again and decide.
    pub version: i32,
}
