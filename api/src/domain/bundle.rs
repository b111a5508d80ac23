//! Several selects read in one statement.
//!
//! A request that asks for a grant and everything under it would otherwise cost one statement
//! per relation (one grant with everything under it is eleven relations). A `Bundle` sends the
//! selects together as one `UNION ALL`, each part's rows in its own columns (`p<part>_<column>`,
//! null in the other parts' rows), tagged with the part they belong to and numbered in the part's
//! own order. Each part keeps its own filter, so its scoping is exactly the select it was given.
//!
//! PostgreSQL decides a union's column types pairwise from left to right, so the first branch is
//! a template that returns no rows but names every part's real columns: the nulls of the later
//! branches then take those columns' types.

use std::marker::PhantomData;

use sea_orm::sea_query::{Alias, Expr, Order, Query, SelectStatement, UnionType};
use sea_orm::{
    ConnectionTrait, DbErr, EntityTrait, FromQueryResult, IdenStatic, Iterable, QueryResult,
    QueryTrait, Select,
};

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
        // The template: every part's columns from its own table, and no row.
        let mut union = Query::select();
        union
            .expr_as(Expr::val(-1), Alias::new(PART))
            .expr_as(Expr::val(0i64), Alias::new(ORDINAL));
        for (i, branch) in self.branches.iter().enumerate() {
            let table = Alias::new(format!("bundle_t{i}"));
            union.from_as(Alias::new(&branch.table), table.clone());
            for column in &branch.columns {
                union.expr_as(
                    Expr::col((table.clone(), Alias::new(*column))),
                    Alias::new(alias(i, column)),
                );
            }
        }
        union.and_where(Expr::cust("1 = 0"));
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
            union.union(UnionType::All, select);
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
