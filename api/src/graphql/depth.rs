//! How deeply a request may nest its fields. Ordinary selections may nest [`MAX_DEPTH`] fields;
//! the introspection fields (`__schema`, `__type`) have a bound of their own,
//! [`MAX_INTROSPECTION_DEPTH`], because the standard introspection queries of GraphiQL,
//! graphql-js and Apollo's tools nest `ofType` nine levels deep to unwrap list and non-null types.
//! Their cost stays priced and capped by `cost::Costing` like any other request.

use std::collections::HashMap;
use std::sync::Arc;

use async_graphql::extensions::{Extension, ExtensionContext, ExtensionFactory, NextParseQuery};
use async_graphql::parser::types::{
    DocumentOperations, ExecutableDocument, FragmentDefinition, Selection, SelectionSet,
};
use async_graphql::{Name, Positioned, ServerError, ServerResult, Variables};

use crate::error::code;

/// Fields of a user query nested inside one another.
pub const MAX_DEPTH: usize = 12;

/// Levels inside `__schema` or `__type`, counting the introspection field itself.
pub const MAX_INTROSPECTION_DEPTH: usize = 20;

/// The extension that measures each parsed document.
pub struct DepthLimit;

impl ExtensionFactory for DepthLimit {
    fn create(&self) -> Arc<dyn Extension> {
        Arc::new(DepthLimit)
    }
}

#[async_trait::async_trait]
impl Extension for DepthLimit {
    async fn parse_query(
        &self,
        ctx: &ExtensionContext<'_>,
        query: &str,
        variables: &Variables,
        next: NextParseQuery<'_>,
    ) -> ServerResult<ExecutableDocument> {
        let document = next.run(ctx, query, variables).await?;
        check(&document)?;
        Ok(document)
    }
}

/// The deepest user selection and the deepest introspection selection of a document.
#[derive(Debug, Default, PartialEq, Eq)]
struct Depths {
    user: usize,
    introspection: usize,
}

fn check(document: &ExecutableDocument) -> ServerResult<()> {
    let measure = Measure {
        fragments: &document.fragments,
    };
    let mut depths = Depths::default();
    let operations: Vec<&SelectionSet> = match &document.operations {
        DocumentOperations::Single(op) => vec![&op.node.selection_set.node],
        DocumentOperations::Multiple(ops) => {
            ops.values().map(|op| &op.node.selection_set.node).collect()
        }
    };
    for set in operations {
        measure.selection_set(set, 0, None, &mut Vec::new(), &mut depths);
    }
    if depths.user > MAX_DEPTH {
        return Err(too_deep(format!(
            "the query nests fields {} levels deep; at most {MAX_DEPTH} are allowed (ask for less at once, or follow ids in a second request)",
            depths.user
        )));
    }
    if depths.introspection > MAX_INTROSPECTION_DEPTH {
        return Err(too_deep(format!(
            "the introspection query nests {} levels deep; at most {MAX_INTROSPECTION_DEPTH} are allowed",
            depths.introspection
        )));
    }
    Ok(())
}

fn too_deep(message: String) -> ServerError {
    let mut err = ServerError::new(message, None);
    err.extensions
        .get_or_insert_with(Default::default)
        .set("code", code::GRAPHQL_VALIDATION_FAILED);
    err
}

struct Measure<'a> {
    fragments: &'a HashMap<Name, Positioned<FragmentDefinition>>,
}

impl Measure<'_> {
    /// `depth` is the number of fields above this selection set; `introspection` the depth at
    /// which an introspection field started, if inside one. Fragment spreads add no depth; a
    /// fragment already being expanded on this path is not expanded again (validation refuses
    /// such cycles afterwards).
    fn selection_set<'a>(
        &'a self,
        set: &'a SelectionSet,
        depth: usize,
        introspection: Option<usize>,
        expanding: &mut Vec<&'a Name>,
        depths: &mut Depths,
    ) {
        for selection in &set.items {
            match &selection.node {
                Selection::Field(field) => {
                    let field = &field.node;
                    let depth = depth + 1;
                    let introspection = introspection.or_else(|| {
                        matches!(field.name.node.as_str(), "__schema" | "__type").then_some(depth)
                    });
                    match introspection {
                        Some(start) => {
                            depths.introspection = depths.introspection.max(depth - start + 1);
                        }
                        None => depths.user = depths.user.max(depth),
                    }
                    self.selection_set(
                        &field.selection_set.node,
                        depth,
                        introspection,
                        expanding,
                        depths,
                    );
                }
                Selection::InlineFragment(fragment) => self.selection_set(
                    &fragment.node.selection_set.node,
                    depth,
                    introspection,
                    expanding,
                    depths,
                ),
                Selection::FragmentSpread(spread) => {
                    let name = &spread.node.fragment_name.node;
                    if expanding.contains(&name) {
                        continue;
                    }
                    if let Some(fragment) = self.fragments.get(name) {
                        expanding.push(name);
                        self.selection_set(
                            &fragment.node.selection_set.node,
                            depth,
                            introspection,
                            expanding,
                            depths,
                        );
                        expanding.pop();
                    }
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn depths(query: &str) -> Depths {
        let document = async_graphql::parser::parse_query(query).unwrap();
        let measure = Measure {
            fragments: &document.fragments,
        };
        let mut depths = Depths::default();
        match &document.operations {
            DocumentOperations::Single(op) => measure.selection_set(
                &op.node.selection_set.node,
                0,
                None,
                &mut Vec::new(),
                &mut depths,
            ),
            DocumentOperations::Multiple(_) => unreachable!(),
        }
        depths
    }

    #[test]
    fn fields_count_and_fragments_do_not() {
        assert_eq!(
            depths("{ a { b { c } } }"),
            Depths {
                user: 3,
                introspection: 0
            }
        );
        assert_eq!(
            depths("query { a { ...F } } fragment F on T { b { ... on T { c } } }").user,
            3
        );
    }

    #[test]
    fn introspection_is_measured_apart_from_user_fields() {
        let type_ref = format!("{}name{}", "ofType { ".repeat(9), " }".repeat(9));
        let d = depths(&format!(
            "{{ me {{ sub }} __schema {{ types {{ fields {{ type {{ {type_ref} }} }} }} }} }}"
        ));
        assert_eq!(d.user, 2);
        assert_eq!(d.introspection, 14);
    }

    #[test]
    fn a_fragment_cycle_ends() {
        let d = depths("{ a { ...F } } fragment F on T { b { ...F } }");
        assert_eq!(d.user, 2);
    }

    #[test]
    fn a_deep_user_query_is_refused() {
        let query = format!("{}{}", "{ a ".repeat(13), "}".repeat(13));
        let document = async_graphql::parser::parse_query(&query).unwrap();
        assert!(check(&document).is_err());
        let query = format!("{}{}", "{ a ".repeat(12), "}".repeat(12));
        let document = async_graphql::parser::parse_query(&query).unwrap();
        assert!(check(&document).is_ok());
    }
}
