//! Keyset pagination for Relay connections. A cursor is the position of a row in one ordering,
//! `(sort value, id)`, so pages stay correct while rows are added or removed in between, and a
//! page costs the same however deep it is.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use chrono::{DateTime, NaiveDate, Utc};
use sea_orm::sea_query::IntoCondition;
use sea_orm::{
    ColumnTrait, Condition, ConnectionTrait, EntityTrait, Order, PaginatorTrait, QueryFilter,
    QueryOrder, QuerySelect, Select, Value,
};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::error::{Error, Result};

pub const DEFAULT_PAGE_SIZE: u64 = 20;
pub const MAX_PAGE_SIZE: u64 = 100;

/// The sort value of a row, as carried in its cursor.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub enum SortKey {
    Text(String),
    Date(NaiveDate),
    Int(i64),
    Time(DateTime<Utc>),
}

impl From<SortKey> for Value {
    fn from(key: SortKey) -> Self {
        match key {
            SortKey::Text(v) => v.into(),
            SortKey::Date(v) => v.into(),
            SortKey::Int(v) => v.into(),
            SortKey::Time(v) => v.into(),
        }
    }
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
struct Cursor {
    /// The ordering the cursor was made for.
    o: String,
    k: SortKey,
    id: Uuid,
}

fn encode(cursor: &Cursor) -> String {
    // Serializing this plain struct cannot fail.
    let json = serde_json::to_vec(cursor).unwrap_or_default();
    URL_SAFE_NO_PAD.encode(json)
}

fn decode(text: &str) -> Option<Cursor> {
    let bytes = URL_SAFE_NO_PAD.decode(text.trim()).ok()?;
    serde_json::from_slice(&bytes).ok()
}

/// `first` and `after`, checked.
#[derive(Clone, Debug)]
pub struct PageRequest {
    first: u64,
    after: Option<String>,
    /// Whether to count the whole result (`totalCount` was asked for).
    pub want_total: bool,
}

impl PageRequest {
    pub fn new(first: Option<i32>, after: Option<String>, want_total: bool) -> Result<Self> {
        let first = match first {
            None => DEFAULT_PAGE_SIZE,
            Some(n) if n < 0 => {
                return Err(Error::bad_input(
                    "first",
                    format!("is {n}; it must be 0 or more"),
                ));
            }
            Some(n) if n as u64 > MAX_PAGE_SIZE => {
                return Err(Error::bad_input(
                    "first",
                    format!("is {n}; a page holds at most {MAX_PAGE_SIZE}"),
                ));
            }
            Some(n) => n as u64,
        };
        Ok(Self {
            first,
            after,
            want_total,
        })
    }

    pub fn first(&self) -> u64 {
        self.first
    }
}

/// How a list is ordered: one column, then the id as a tie-breaker.
pub struct Sort<E: EntityTrait> {
    /// Names the ordering inside cursors, so a cursor is never applied to another ordering.
    pub name: &'static str,
    pub column: E::Column,
    pub id: E::Column,
    pub descending: bool,
    pub key: fn(&E::Model) -> SortKey,
    pub id_of: fn(&E::Model) -> Uuid,
}

pub struct Page<T> {
    /// Each row with its cursor.
    pub edges: Vec<(String, T)>,
    pub has_next_page: bool,
    pub has_previous_page: bool,
    pub total: Option<u64>,
}

impl<T> Page<T> {
    pub fn map<U>(self, f: impl Fn(T) -> U) -> Page<U> {
        Page {
            edges: self.edges.into_iter().map(|(c, t)| (c, f(t))).collect(),
            has_next_page: self.has_next_page,
            has_previous_page: self.has_previous_page,
            total: self.total,
        }
    }
}

/// Fetches one page of `select` (already scoped and filtered): one statement for the rows, and
/// one more for the total only when it was asked for.
pub async fn fetch<E, C>(
    db: &C,
    select: Select<E>,
    sort: Sort<E>,
    req: &PageRequest,
) -> Result<Page<E::Model>>
where
    E: EntityTrait,
    E::Model: Sync,
    C: ConnectionTrait,
{
    let ordering = format!(
        "{}{}",
        sort.name,
        if sort.descending { " desc" } else { "" }
    );
    let total = if req.want_total {
        Some(select.clone().count(db).await?)
    } else {
        None
    };
    let mut select = select;
    if let Some(after) = &req.after {
        let cursor = decode(after)
            .ok_or_else(|| Error::bad_input("after", "is not a cursor this API gave out"))?;
        if cursor.o != ordering {
            return Err(Error::bad_input(
                "after",
                "belongs to a different ordering; start again without `after`",
            ));
        }
        let key: Value = cursor.k.into();
        let condition = if sort.descending {
            Condition::any().add(sort.column.lt(key.clone())).add(
                Condition::all()
                    .add(sort.column.eq(key))
                    .add(sort.id.lt(cursor.id)),
            )
        } else {
            Condition::any().add(sort.column.gt(key.clone())).add(
                Condition::all()
                    .add(sort.column.eq(key))
                    .add(sort.id.gt(cursor.id)),
            )
        };
        select = select.filter(condition.into_condition());
    }
    let order = if sort.descending {
        Order::Desc
    } else {
        Order::Asc
    };
    let mut rows = select
        .order_by(sort.column, order.clone())
        .order_by(sort.id, order)
        .limit(req.first + 1)
        .all(db)
        .await?;
    let has_next_page = rows.len() as u64 > req.first;
    rows.truncate(req.first as usize);
    let edges = rows
        .into_iter()
        .map(|row| {
            let cursor = Cursor {
                o: ordering.clone(),
                k: (sort.key)(&row),
                id: (sort.id_of)(&row),
            };
            (encode(&cursor), row)
        })
        .collect();
    Ok(Page {
        edges,
        has_next_page,
        has_previous_page: req.after.is_some(),
        total,
    })
}
