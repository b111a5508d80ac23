//! Keyset pagination for Relay connections. A cursor is the position of a row in one ordering,
//! `(sort value, id)`, so pages stay correct while rows are added or removed in between, and a
//! page costs the same however deep it is.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use chrono::{DateTime, NaiveDate, Utc};
use std::collections::HashMap;

use sea_orm::sea_query::{Alias, Asterisk, Expr, ExprTrait, IntoCondition, Query};
use sea_orm::{
    ColumnTrait, Condition, ConnectionTrait, EntityTrait, FromQueryResult, IdenStatic, Order,
    PaginatorTrait, QueryFilter, QueryOrder, QuerySelect, QueryTrait, Select, Value,
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
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
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

/// Longer than any cursor this API gives out.
const MAX_CURSOR_LEN: usize = 1_000;

/// Whether a cursor's sort value is of the type of the column it is compared with, and one the
/// column could hold: an edited cursor must never reach the database as a comparison of text with
/// a number (PostgreSQL refuses it; SQLite would silently compare across types). Cursors are not
/// signed: a cursor only says where a page starts within what the caller may see anyway, and
/// checking what it holds is what keeps an edited one harmless.
fn fits(key: &SortKey, column: &impl ColumnTrait) -> bool {
    use sea_orm::ColumnType as T;
    match (key, column.def().get_column_type()) {
        (SortKey::Text(text), T::String(_) | T::Text | T::Char(_)) => {
            !text.chars().any(char::is_control)
        }
        (SortKey::Date(day), T::Date) => {
            crate::domain::values::YEARS.contains(&chrono::Datelike::year(day))
        }
        (SortKey::Int(_), T::BigInteger | T::Integer) => true,
        (SortKey::Time(_), T::TimestampWithTimeZone | T::Timestamp) => true,
        _ => false,
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

#[derive(Clone, Debug)]
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

impl<E: EntityTrait> Sort<E> {
    fn ordering(&self) -> String {
        format!(
            "{}{}",
            self.name,
            if self.descending { " desc" } else { "" }
        )
    }

    fn order(&self) -> Order {
        if self.descending {
            Order::Desc
        } else {
            Order::Asc
        }
    }

    /// Narrows `select` to the rows after the `after` cursor, if there is one.
    fn after(&self, select: Select<E>, req: &PageRequest) -> Result<Select<E>> {
        let Some(after) = &req.after else {
            return Ok(select);
        };
        let cursor = (after.len() <= MAX_CURSOR_LEN)
            .then(|| decode(after))
            .flatten()
            .ok_or_else(|| Error::bad_input("after", "is not a cursor this API gave out"))?;
        if cursor.o != self.ordering() {
            return Err(Error::bad_input(
                "after",
                "belongs to a different ordering; start again without `after`",
            ));
        }
        if !fits(&cursor.k, &self.column) {
            return Err(Error::bad_input(
                "after",
                "does not hold a position in this list's ordering; start again without `after`",
            ));
        }
        let key: Value = cursor.k.into();
        let (beyond, tie) = if self.descending {
            (self.column.lt(key.clone()), self.id.lt(cursor.id))
        } else {
            (self.column.gt(key.clone()), self.id.gt(cursor.id))
        };
        let condition = Condition::any()
            .add(beyond)
            .add(Condition::all().add(self.column.eq(key)).add(tie));
        Ok(select.filter(condition.into_condition()))
    }

    /// Turns up to `first + 1` ordered rows into a page.
    fn page(
        &self,
        mut rows: Vec<E::Model>,
        req: &PageRequest,
        total: Option<u64>,
    ) -> Page<E::Model> {
        let has_next_page = rows.len() as u64 > req.first;
        rows.truncate(req.first as usize);
        let ordering = self.ordering();
        let edges = rows
            .into_iter()
            .map(|row| {
                let cursor = Cursor {
                    o: ordering.clone(),
                    k: (self.key)(&row),
                    id: (self.id_of)(&row),
                };
                (encode(&cursor), row)
            })
            .collect();
        Page {
            edges,
            has_next_page,
            has_previous_page: req.after.is_some(),
            total,
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
    fetch_reading_ahead(db, select, sort, req, async |_| Ok(())).await
}

/// [`fetch`], handing the page's rows to `ahead` as soon as they are read, while the count may
/// still be running: what a query reads below the page (`prefetch`) then starts without waiting
/// for the `totalCount`, and the request waits for the slower of the count and the page with
/// what is under it.
pub async fn fetch_reading_ahead<E, C>(
    db: &C,
    select: Select<E>,
    sort: Sort<E>,
    req: &PageRequest,
    ahead: impl AsyncFnOnce(&[E::Model]) -> Result<()>,
) -> Result<Page<E::Model>>
where
    E: EntityTrait,
    E::Model: Sync,
    C: ConnectionTrait,
{
    // The count and the page are independent: asked at once, on two connections, the request
    // waits for the slower of them rather than both.
    let count = async {
        if req.want_total {
            Ok::<_, Error>(Some(select.clone().count(db).await?))
        } else {
            Ok(None)
        }
    };
    let rows = sort
        .after(select.clone(), req)?
        .order_by(sort.column, sort.order())
        .order_by(sort.id, sort.order())
        .limit(req.first + 1)
        .all(db);
    let rows = async {
        let rows = rows.await?;
        // One row beyond the page was read to learn whether there is a next page.
        let shown = rows
            .len()
            .min(usize::try_from(req.first).unwrap_or(usize::MAX));
        ahead(&rows[..shown]).await?;
        Ok(rows)
    };
    let (total, rows) = futures_util::future::try_join(count, rows).await?;
    Ok(sort.page(rows, req, total))
}

/// One page for each of many parents (the grants of each of 100 organisations, say) in a fixed
/// number of statements: the rows of every page in one query, numbered per parent with a window
/// function, and, when asked for, every total in one GROUP BY.
pub async fn fetch_per_parent<E, C>(
    db: &C,
    select: Select<E>,
    parent: E::Column,
    parent_of: fn(&E::Model) -> Uuid,
    parents: &[Uuid],
    sort: Sort<E>,
    req: &PageRequest,
) -> Result<HashMap<Uuid, Page<E::Model>>>
where
    E: EntityTrait,
    E::Model: Sync + FromQueryResult,
    C: ConnectionTrait,
{
    let select = select.filter(parent.is_in(parents.to_vec()));
    let mut totals: HashMap<Uuid, u64> = HashMap::new();
    if req.want_total {
        let counts = select
            .clone()
            .select_only()
            .column_as(parent, "parent")
            .column_as(Expr::cust("COUNT(*)"), "n")
            .group_by(parent)
            .into_tuple::<(Uuid, i64)>()
            .all(db)
            .await?;
        totals = counts
            .into_iter()
            .map(|(id, n)| (id, u64::try_from(n).unwrap_or(0)))
            .collect();
    }
    let table = E::default().table_name().to_owned();
    let direction = if sort.descending { "DESC" } else { "ASC" };
    let mut inner = sort.after(select, req)?.into_query();
    inner.expr_as(
        Expr::cust(format!(
            "ROW_NUMBER() OVER (PARTITION BY \"{table}\".\"{p}\" ORDER BY \"{table}\".\"{c}\" {direction}, \"{table}\".\"{i}\" {direction})",
            p = parent.as_str(),
            c = sort.column.as_str(),
            i = sort.id.as_str(),
        )),
        Alias::new("page_row"),
    );
    let numbered = Alias::new("numbered");
    let outer = Query::select()
        .column(Asterisk)
        .from_subquery(inner, numbered.clone())
        .and_where(Expr::col((numbered.clone(), Alias::new("page_row"))).lte(req.first + 1))
        .order_by((numbered.clone(), Alias::new(parent.as_str())), Order::Asc)
        .order_by((numbered, Alias::new("page_row")), Order::Asc)
        .to_owned();
    let mut rows: HashMap<Uuid, Vec<E::Model>> = HashMap::new();
    for row in db.query_all(&outer).await? {
        let model = E::Model::from_query_result(&row, "")?;
        rows.entry(parent_of(&model)).or_default().push(model);
    }
    Ok(parents
        .iter()
        .map(|id| {
            let total = req.want_total.then(|| totals.get(id).copied().unwrap_or(0));
            (
                *id,
                sort.page(rows.remove(id).unwrap_or_default(), req, total),
            )
        })
        .collect())
}
