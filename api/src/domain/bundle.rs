//! Several selects read in one statement.
//!
//! A request that asks for a grant and everything under it would otherwise cost one statement
//! per relation (one grant with everything under it is eleven relations). A `Bundle` sends the
//! selects together as one `UNION ALL`, each part's rows in its own columns (`p<part>_<column>`,
//! null in the other parts' rows), tagged with the part they belong to and numbered in the part's
//! own order. Each part keeps its own filter, so its scoping is exactly the select it was given.
//!
//! PostgreSQL decides a union's column types pairwise from left to right, so there the first
//! branch is a template that returns no rows but gives every part's columns their types: the
//! nulls of the later branches then take those types.

use std::marker::PhantomData;

use sea_orm::sea_query::{Alias, Expr, ExprTrait, Order, Query, SelectStatement, UnionType};
use sea_orm::{
    ConnectionTrait, DbBackend, DbErr, EntityTrait, FromQueryResult, IdenStatic, Iterable,
    QueryResult, QueryTrait, Select,
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
    table: String,
    columns: Vec<&'static str>,
    select: SelectStatement,
    order: String,
}

/// Selects to be read together; see the module documentation.
#[derive(Default)]
pub struct Bundle {
    branches: Vec<Branch>,
}

/// The rows of a bundle, by part.
pub struct Rows {
    parts: Vec<Vec<QueryResult>>,
}

const PART: &str = "bundle_part";
const ORDINAL: &str = "bundle_ordinal";

fn alias(part: usize, column: &str) -> String {
    format!("p{part}_{column}")
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
        let table = E::default().table_name().to_owned();
        let order = order
            .iter()
            .map(|column| format!("\"{table}\".\"{}\" ASC", column.as_str()))
            .collect::<Vec<_>>()
            .join(", ");
        let mut select = select.into_query();
        select.clear_order_by();
        self.branches.push(Branch {
            table,
            columns: E::Column::iter().map(|c| c.as_str()).collect(),
            select,
            order,
        });
        Part(self.branches.len() - 1, PhantomData)
    }

    /// Reads every part in one statement.
    pub async fn run(self, db: &impl ConnectionTrait) -> Result<Rows, DbErr> {
        let mut parts: Vec<Vec<QueryResult>> = self.branches.iter().map(|_| Vec::new()).collect();
        if self.branches.is_empty() {
            return Ok(Rows { parts });
        }
        let backend = db.get_database_backend();
        let mut union = if backend == DbBackend::Postgres {
            template(&self.branches)
        } else {
            // SQLite takes each value's type from the value: no template is needed, and the
            // first part's select heads the union.
            Query::select()
        };
        let columns: Vec<Vec<&'static str>> =
            self.branches.iter().map(|b| b.columns.clone()).collect();
        for (i, branch) in self.branches.into_iter().enumerate() {
            let mut select = branch.select;
            select.clear_selects();
            select
                .expr_as(Expr::val(i as i32), Alias::new(PART))
                .expr_as(
                    Expr::cust(format!("ROW_NUMBER() OVER (ORDER BY {})", branch.order)),
                    Alias::new(ORDINAL),
                );
            for (j, part_columns) in columns.iter().enumerate() {
                for column in part_columns {
                    let value = if i == j {
                        Expr::col((Alias::new(&branch.table), Alias::new(*column)))
                    } else {
                        Expr::cust("NULL")
                    };
                    select.expr_as(value, Alias::new(alias(j, column)));
                }
            }
            if i == 0 && backend != DbBackend::Postgres {
                union = select;
            } else {
                union.union(UnionType::All, select);
            }
        }
        union
            .order_by(Alias::new(PART), Order::Asc)
            .order_by(Alias::new(ORDINAL), Order::Asc);
        for row in db.query_all(&union).await? {
            let part: i32 = row.try_get("", PART)?;
            if let Some(rows) = usize::try_from(part).ok().and_then(|p| parts.get_mut(p)) {
                rows.push(row);
            }
        }
        Ok(Rows { parts })
    }
}

/// PostgreSQL's first branch: every part's columns read from its own table, and no row. (Casting
/// nulls to the columns' types instead took longer to plan and to run.)
fn template(branches: &[Branch]) -> SelectStatement {
    let mut template = Query::select();
    template
        .expr_as(Expr::val(-1), Alias::new(PART))
        .expr_as(Expr::val(0i64), Alias::new(ORDINAL));
    for (i, branch) in branches.iter().enumerate() {
        let table = Alias::new(format!("bundle_t{i}"));
        template.from_as(Alias::new(&branch.table), table.clone());
        for column in &branch.columns {
            template.expr_as(
                Expr::col((table.clone(), Alias::new(*column))),
                Alias::new(alias(i, column)),
            );
        }
    }
    template.and_where(Expr::cust("1 = 0"));
    template
}

impl Rows {
    /// The rows of one part, decoded, in the part's order.
    pub fn take<E>(&mut self, part: Part<E>) -> Result<Vec<E::Model>, DbErr>
    where
        E: EntityTrait,
        E::Model: FromQueryResult,
    {
        let prefix = format!("p{}_", part.0);
        std::mem::take(&mut self.parts[part.0])
            .iter()
            .map(|row| E::Model::from_query_result(row, &prefix))
            .collect()
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
    use sea_orm::sea_query::{PostgresQueryBuilder, QueryBuilder, SqliteQueryBuilder};

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
    }
}
