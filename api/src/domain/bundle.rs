//! Several selects read in one statement.
//!
//! A request that asks for a grant and everything under it would otherwise cost one statement
//! per relation (one grant with everything under it is eleven relations). A `Bundle` sends the
//! selects together as one `UNION ALL`, each row tagged with the part it belongs to. Each part
//! keeps its own filter, so its scoping is exactly the select it was given. Each part's rows are
//! put in its order here, as they are decoded: ordering them in the statement took a window
//! function and a sort per part, a tenth of the statement's time in PostgreSQL.
//!
//! The union's columns are shared between parts by name: every part with an `id` reads it into
//! the one `id` column, and a row's other parts' columns are null. Parts share most of their
//! names (`id`, `grant_id`, `kind`, `created_at`, ...), so the union is about half as wide as
//! one column per part and column, and PostgreSQL plans and starts it in about half the time.
//! A part with a name another part uses for a different type gets columns of its own,
//! `p<part>_<column>`.
//!
//! PostgreSQL decides a union's column types pairwise from left to right, so there the first
//! branch is a template that returns no rows but gives every column its type: the nulls of the
//! later branches then take those types.
//!
//! Which columns a union has, and the text of every part's select list, depend only on which
//! tables it reads, in which order: a `Shape`, worked out once per sequence of tables and kept.
//! A request then builds only its parts' filters. (Building a select list of some sixty columns
//! per part, for a dozen parts, was a sixth of the processor time of reading one grant.)

use std::cmp::Ordering;
use std::collections::HashMap;
use std::fmt::Write as _;
use std::marker::PhantomData;
use std::sync::{Arc, LazyLock, Mutex};

use sea_orm::sea_query::{ColumnType, Expr, ExprTrait, Query, SelectStatement, UnionType, Value};
use sea_orm::{
    ColumnTrait, ConnectionTrait, DbBackend, DbErr, EntityTrait, FromQueryResult, IdenStatic,
    Iterable, ModelTrait, QueryResult, QueryTrait, Select,
};
use uuid::Uuid;

/// Names one part of a bundle and the model its rows decode to.
pub struct Part<E>(usize, PhantomData<E>);

impl<E> Clone for Part<E> {
    fn clone(&self) -> Self {
        *self
    }
}

impl<E> Copy for Part<E> {}

struct Branch {
    table: &'static str,
    columns: Vec<(&'static str, ColumnType)>,
    select: SelectStatement,
    order: Vec<&'static str>,
}

/// Selects to be read together; see the module documentation.
#[derive(Default)]
pub struct Bundle {
    branches: Vec<Branch>,
}

/// The rows of a bundle, by part, with the prefix of each part's column names and its order.
pub struct Rows {
    parts: Vec<Vec<QueryResult>>,
    prefixes: Vec<String>,
    orders: Vec<Vec<&'static str>>,
}

const PART: &str = "bundle_part";

/// One column of the union: its name, and the table, column and type of the first part that
/// reads into it (which the template takes its type from).
struct Slot {
    name: String,
    table: &'static str,
    column: &'static str,
    ty: ColumnType,
}

/// Which columns the union has, the prefix each part's columns are named with, and which column
/// each part reads into each of the union's (none where the part's rows hold null).
struct Layout {
    slots: Vec<Slot>,
    prefixes: Vec<String>,
    reads: Vec<Vec<Option<&'static str>>>,
}

impl Layout {
    fn of(branches: &[Branch]) -> Self {
        let mut slots: Vec<Slot> = Vec::new();
        let mut by_name: HashMap<String, usize> = HashMap::new();
        let mut prefixes = Vec::with_capacity(branches.len());
        let mut reads = Vec::with_capacity(branches.len());
        for (i, branch) in branches.iter().enumerate() {
            let shares = branch.columns.iter().all(|(column, ty)| {
                by_name
                    .get(*column)
                    .is_none_or(|&slot| same_type(&slots[slot].ty, ty))
            });
            let prefix = if shares {
                String::new()
            } else {
                format!("p{i}_")
            };
            let mut own = Vec::with_capacity(branch.columns.len());
            for (column, ty) in &branch.columns {
                let name = format!("{prefix}{column}");
                let slot = *by_name.entry(name.clone()).or_insert_with(|| {
                    slots.push(Slot {
                        name,
                        table: branch.table,
                        column,
                        ty: ty.clone(),
                    });
                    slots.len() - 1
                });
                own.push((slot, *column));
            }
            prefixes.push(prefix);
            reads.push(own);
        }
        let reads = reads
            .into_iter()
            .map(|own| {
                let mut read = vec![None; slots.len()];
                for (slot, column) in own {
                    read[slot] = Some(column);
                }
                read
            })
            .collect();
        Self {
            slots,
            prefixes,
            reads,
        }
    }
}

/// The type PostgreSQL gives a column of this type, where it is one the tables use; text for
/// every kind of string (a union of text and varchar is text).
fn postgres_type(ty: &ColumnType) -> Option<&'static str> {
    Some(match ty {
        ColumnType::Char(_) | ColumnType::String(_) | ColumnType::Text => "text",
        ColumnType::SmallInteger => "smallint",
        ColumnType::Integer => "integer",
        ColumnType::BigInteger => "bigint",
        ColumnType::Float => "real",
        ColumnType::Double => "double precision",
        ColumnType::Decimal(_) => "numeric",
        ColumnType::Date => "date",
        ColumnType::DateTime | ColumnType::Timestamp => "timestamp",
        ColumnType::TimestampWithTimeZone => "timestamptz",
        ColumnType::Boolean => "boolean",
        ColumnType::Json => "json",
        ColumnType::JsonBinary => "jsonb",
        ColumnType::Uuid => "uuid",
        _ => return None,
    })
}

/// Whether two parts' columns can share a union column: the same type as PostgreSQL sees it
/// (any two strings), or, for a type not listed there, the very same type.
fn same_type(a: &ColumnType, b: &ColumnType) -> bool {
    match (postgres_type(a), postgres_type(b)) {
        (Some(a), Some(b)) => a == b,
        _ => a == b,
    }
}

impl Bundle {
    pub fn is_empty(&self) -> bool {
        self.branches.is_empty()
    }

    /// Adds a select, whose rows come back in the order of `order` (ascending).
    pub fn add<E>(&mut self, select: Select<E>, order: &[E::Column]) -> Part<E>
    where
        E: EntityTrait,
    {
        let table = E::default().table_name();
        let order = order.iter().map(|column| column.as_str()).collect();
        let mut select = select.into_query();
        select.clear_order_by();
        self.branches.push(Branch {
            table,
            columns: E::Column::iter()
                .map(|c| (c.as_str(), c.def().get_column_type().clone()))
                .collect(),
            select,
            order,
        });
        Part(self.branches.len() - 1, PhantomData)
    }

    /// Reads every part in one statement.
    pub async fn run(self, db: &impl ConnectionTrait) -> Result<Rows, DbErr> {
        let mut parts: Vec<Vec<QueryResult>> = self.branches.iter().map(|_| Vec::new()).collect();
        if self.branches.is_empty() {
            return Ok(Rows {
                parts,
                prefixes: Vec::new(),
                orders: Vec::new(),
            });
        }
        let backend = db.get_database_backend();
        let shape = Shape::of(backend, &self.branches);
        let mut orders = Vec::with_capacity(self.branches.len());
        let mut union = match &shape.template {
            Some(template) => {
                let mut select = Query::select();
                select.expr(Expr::cust(template.clone()));
                select.and_where(Expr::cust("FALSE"));
                select
            }
            // SQLite takes each value's type from the value: no template is needed, and the
            // first part's select heads the union.
            None => Query::select(),
        };
        for (i, branch) in self.branches.into_iter().enumerate() {
            let mut select = branch.select;
            select.clear_selects();
            select.expr(Expr::cust(shape.selects[i].clone()));
            orders.push(branch.order);
            if i == 0 && shape.template.is_none() {
                union = select;
            } else {
                union.union(UnionType::All, select);
            }
        }
        for row in db.query_all(&union).await? {
            let part: i32 = row.try_get("", PART)?;
            if let Some(rows) = usize::try_from(part).ok().and_then(|p| parts.get_mut(p)) {
                rows.push(row);
            }
        }
        Ok(Rows {
            parts,
            prefixes: shape.prefixes.clone(),
            orders,
        })
    }
}

/// What a union over one sequence of tables looks like: each part's column prefix, the text of
/// each part's select list, and PostgreSQL's template (see the module documentation).
struct Shape {
    prefixes: Vec<String>,
    selects: Vec<String>,
    template: Option<String>,
}

/// Shapes already worked out, by whether the backend is PostgreSQL and by sequence of tables. The read-ahead names at most a
/// few dozen sequences; the bound only guards against a future caller that makes many.
static SHAPES: LazyLock<Mutex<HashMap<ShapeKey, Arc<Shape>>>> = LazyLock::new(Mutex::default);

type ShapeKey = (bool, Vec<&'static str>);

const MAX_SHAPES: usize = 256;

impl Shape {
    fn of(backend: DbBackend, branches: &[Branch]) -> Arc<Shape> {
        let postgres = backend == DbBackend::Postgres;
        let key = (
            postgres,
            branches.iter().map(|b| b.table).collect::<Vec<_>>(),
        );
        let kept = SHAPES
            .lock()
            .map(|shapes| shapes.get(&key).cloned())
            .unwrap_or_default();
        if let Some(shape) = kept {
            return shape;
        }
        let shape = Arc::new(Self::work_out(postgres, branches));
        if let Ok(mut shapes) = SHAPES.lock()
            && shapes.len() < MAX_SHAPES
        {
            shapes.insert(key, shape.clone());
        }
        shape
    }

    fn work_out(postgres: bool, branches: &[Branch]) -> Self {
        let layout = Layout::of(branches);
        let selects = branches
            .iter()
            .enumerate()
            .map(|(i, branch)| {
                let mut text = format!("{i} AS \"{PART}\"");
                for (slot, read) in layout.slots.iter().zip(&layout.reads[i]) {
                    match read {
                        Some(column) => {
                            write!(text, ", \"{}\".\"{column}\"", branch.table)
                        }
                        None => write!(text, ", NULL"),
                    }
                    .and_then(|()| write!(text, " AS \"{}\"", slot.name))
                    .unwrap_or_default();
                }
                text
            })
            .collect();
        Self {
            template: postgres.then(|| template(&layout.slots)),
            prefixes: layout.prefixes,
            selects,
        }
    }
}

/// PostgreSQL's first branch: a null of each column's type, and no row. A type the tables do
/// not use is read from the column itself. (Reading every column from its table took a join
/// of every table, which cost more to plan than the rest of the statement.)
fn template(slots: &[Slot]) -> String {
    let mut text = format!("CAST(NULL AS integer) AS \"{PART}\"");
    for slot in slots {
        match postgres_type(&slot.ty) {
            Some(ty) => write!(text, ", CAST(NULL AS {ty})"),
            None => write!(
                text,
                ", (SELECT \"{}\" FROM \"{}\" WHERE FALSE)",
                slot.column, slot.table
            ),
        }
        .and_then(|()| write!(text, " AS \"{}\"", slot.name))
        .unwrap_or_default();
    }
    text
}

impl Rows {
    /// The rows of one part, decoded, in the part's order.
    pub fn take<E>(&mut self, part: Part<E>) -> Result<Vec<E::Model>, DbErr>
    where
        E: EntityTrait,
        E::Model: FromQueryResult,
    {
        let prefix = &self.prefixes[part.0];
        let mut models = std::mem::take(&mut self.parts[part.0])
            .iter()
            .map(|row| E::Model::from_query_result(row, prefix))
            .collect::<Result<Vec<_>, _>>()?;
        let order: Vec<E::Column> = self.orders[part.0]
            .iter()
            .filter_map(|name| E::Column::iter().find(|c| c.as_str() == *name))
            .collect();
        models.sort_by(|a, b| {
            order
                .iter()
                .map(|column| ascending(&a.get(*column), &b.get(*column)))
                .find(|o| o.is_ne())
                .unwrap_or(Ordering::Equal)
        });
        Ok(models)
    }
}

/// Two values of an order column in ascending order, as PostgreSQL orders them (nulls last;
/// text by code point, as under the `C` collation).
fn ascending(a: &Value, b: &Value) -> Ordering {
    fn nulls_last<T: Ord>(a: &Option<T>, b: &Option<T>) -> Ordering {
        match (a, b) {
            (Some(a), Some(b)) => a.cmp(b),
            (None, None) => Ordering::Equal,
            (None, Some(_)) => Ordering::Greater,
            (Some(_), None) => Ordering::Less,
        }
    }
    match (a, b) {
        (Value::Uuid(a), Value::Uuid(b)) => nulls_last(a, b),
        (Value::String(a), Value::String(b)) => nulls_last(a, b),
        (Value::SmallInt(a), Value::SmallInt(b)) => nulls_last(a, b),
        (Value::Int(a), Value::Int(b)) => nulls_last(a, b),
        (Value::BigInt(a), Value::BigInt(b)) => nulls_last(a, b),
        (Value::Bool(a), Value::Bool(b)) => nulls_last(a, b),
        (Value::ChronoDate(a), Value::ChronoDate(b)) => nulls_last(a, b),
        (Value::ChronoDateTimeUtc(a), Value::ChronoDateTimeUtc(b)) => nulls_last(a, b),
        (Value::ChronoDateTimeWithTimeZone(a), Value::ChronoDateTimeWithTimeZone(b)) => {
            nulls_last(a, b)
        }
        // No order column is of another type; were one added, its rows keep the order the
        // statement gave them, and the test that compares every read-ahead with the loaders'
        // answer says so.
        _ => Ordering::Equal,
    }
}

/// `column IN ids`, written so that PostgreSQL looks each id up in the column's index.
///
/// Given a list of a hundred constants, PostgreSQL's planner reckons a scan of a table of some
/// thousands of rows cheaper than a hundred index lookups, and then compares every row with the
/// list: 4 ms for the activities of a page of 100 grants out of 5,000, against 0.3 ms through the
/// index. Behind `ARRAY(SELECT ...)` the list's length is not known when the statement is planned,
/// and the index is used. SQLite looks an `IN` list up in the index anyway.
pub fn among(backend: DbBackend, column: Expr, ids: &[Uuid]) -> Expr {
    if let [id] = ids {
        // One grant's rows: a plain lookup, which PostgreSQL plans without a subquery.
        return column.eq(*id);
    }
    if backend != DbBackend::Postgres || ids.is_empty() {
        return column.is_in(ids.iter().copied());
    }
    // `ARRAY(VALUES ($2), ($3), ...)`: no brackets, which the template's tokenizer would take
    // for a quoted name.
    let list = (2..ids.len() + 2)
        .map(|n| format!("(${n})"))
        .collect::<Vec<_>>()
        .join(", ");
    let exprs = std::iter::once(column).chain(ids.iter().map(|id| Expr::val(*id)));
    Expr::cust_with_exprs(format!("$1 = ANY(ARRAY(VALUES {list}))"), exprs)
}

/// `column IN (query)`, planned as [`among`] is: the query's ids first, then an index lookup
/// for each.
pub fn among_query(backend: DbBackend, column: Expr, query: SelectStatement) -> Expr {
    if backend != DbBackend::Postgres {
        return column.in_subquery(query);
    }
    let query = Expr::SubQuery(None, Box::new(query.into()));
    Expr::cust_with_exprs("$1 = ANY(ARRAY $2)", [column, query])
}

#[cfg(test)]
mod tests {
    use sea_orm::sea_query::{Alias, PostgresQueryBuilder, QueryBuilder, SqliteQueryBuilder};

    use super::*;

    fn render(builder: impl QueryBuilder, expr: Expr) -> (String, usize) {
        let (sql, values) = Query::select()
            .expr(Expr::val(7i64))
            .and_where(expr)
            .build(builder);
        (sql, values.0.len())
    }

    #[test]
    fn among_binds_every_id_and_hides_the_list_s_length_from_postgresql_s_planner() {
        let ids = [Uuid::nil(), Uuid::max()];
        let (sql, bound) = render(
            PostgresQueryBuilder,
            among(DbBackend::Postgres, Expr::col(Alias::new("grant_id")), &ids),
        );
        assert_eq!(
            sql,
            r#"SELECT $1 WHERE "grant_id" = ANY(ARRAY(VALUES ($2), ($3)))"#
        );
        assert_eq!(bound, 3);
        let (sql, bound) = render(
            SqliteQueryBuilder,
            among(DbBackend::Sqlite, Expr::col(Alias::new("grant_id")), &ids),
        );
        assert_eq!(sql, r#"SELECT ? WHERE "grant_id" IN (?, ?)"#);
        assert_eq!(bound, 3);
        let (sql, bound) = render(
            PostgresQueryBuilder,
            among(
                DbBackend::Postgres,
                Expr::col(Alias::new("grant_id")),
                &ids[..1],
            ),
        );
        assert_eq!(sql, r#"SELECT $1 WHERE "grant_id" = $2"#);
        assert_eq!(bound, 2);
    }

    #[test]
    #[expect(
        clippy::disallowed_methods,
        reason = "only the statement's text is built; nothing is read"
    )]
    fn parts_share_the_union_s_columns_by_name_and_type_and_read_null_into_the_rest() {
        use entity::{activity, participation};
        use sea_orm::EntityTrait;

        let mut bundle = Bundle::default();
        bundle.add(activity::Entity::find(), &[activity::Column::Id]);
        bundle.add(
            participation::Entity::find(),
            &[participation::Column::Mode],
        );
        let shape = Shape::work_out(true, &bundle.branches);
        assert_eq!(shape.prefixes, ["", ""]);
        let activities = &shape.selects[0];
        let participation = &shape.selects[1];
        assert!(activities.starts_with(r#"0 AS "bundle_part", "activities"."id" AS "id", "activities"."grant_id" AS "grant_id""#), "{activities}");
        assert!(activities.contains(r#"NULL AS "mode""#), "{activities}");
        // Participation has no `id`; its activity's id is a column of its own.
        assert!(
            participation.starts_with(r#"1 AS "bundle_part", NULL AS "id", NULL AS "grant_id""#),
            "{participation}"
        );
        assert!(
            participation.contains(r#""activity_participation"."activity_id" AS "activity_id""#),
            "{participation}"
        );
        assert!(
            participation
                .ends_with(r#""activity_participation"."with_disability" AS "with_disability""#),
            "{participation}"
        );
        let template = shape.template.unwrap_or_default();
        assert!(
            template.starts_with(
                r#"CAST(NULL AS integer) AS "bundle_part", CAST(NULL AS uuid) AS "id""#
            ),
            "{template}"
        );
        assert_eq!(
            template.matches(r#" AS ""#).count(),
            activities.matches(r#" AS ""#).count()
        );
        assert!(Shape::work_out(false, &bundle.branches).template.is_none());
    }
}
