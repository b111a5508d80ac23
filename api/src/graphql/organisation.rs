//! Organisations, schemes and the caller itself.

use async_graphql::{Context, ID, InputObject, Object, SimpleObject};
use entity::{organisation, scheme};
use uuid::Uuid;

use super::common::{ContextExt, GqlResult, OrganisationKind, Role};
use super::cost;
use super::grant::{GrantConnection, GrantFilterInput, nested_grants};
use super::input::run;
use super::loaders::{OrganisationById, SchemeById};
use super::node::node_id;
use crate::domain::portfolio::organisations::{CreateOrganisation, CreateScheme};
use crate::domain::portfolio::{self, GrantFilter, GrantParent};

pub struct Organisation(pub organisation::Model);

#[Object]
impl Organisation {
    pub(crate) async fn id(&self) -> ID {
        node_id(self.0.id)
    }
    async fn name(&self) -> &str {
        &self.0.name
    }
    async fn acronym(&self) -> Option<&str> {
        self.0.acronym.as_deref()
    }
    async fn kind(&self) -> OrganisationKind {
        self.0.kind.into()
    }
    async fn description(&self) -> Option<&str> {
        self.0.description.as_deref()
    }
    async fn address(&self) -> Option<&str> {
        self.0.address.as_deref()
    }
    async fn phone(&self) -> Option<&str> {
        self.0.phone.as_deref()
    }
    async fn website(&self) -> Option<&str> {
        self.0.website.as_deref()
    }
    /// ISO 3166-1 alpha-2 code, e.g. "KH".
    async fn country(&self) -> Option<&str> {
        self.0.country.as_deref()
    }
    /// The grants this organisation receives (as grantee) that the caller may see.
    #[graphql(complexity = "cost::page(first, child_complexity)")]
    async fn grants(
        &self,
        ctx: &Context<'_>,
        first: Option<i32>,
        after: Option<String>,
    ) -> GqlResult<GrantConnection> {
        let filter = GrantFilter::default();
        nested_grants(ctx, GrantParent::Grantee, self.0.id, filter, first, after).await
    }
}

pub struct Scheme(pub scheme::Model);

#[Object]
impl Scheme {
    pub(crate) async fn id(&self) -> ID {
        node_id(self.0.id)
    }
    async fn name(&self) -> &str {
        &self.0.name
    }
    /// The scheme's default currency (ISO 4217).
    async fn currency(&self) -> &str {
        &self.0.currency
    }
    async fn funder(&self, ctx: &Context<'_>) -> GqlResult<Organisation> {
        organisation_by_id(ctx, self.0.funder_id).await
    }
    async fn manager(&self, ctx: &Context<'_>) -> GqlResult<Organisation> {
        organisation_by_id(ctx, self.0.manager_id).await
    }
    #[graphql(complexity = "cost::page(first, child_complexity)")]
    async fn grants(
        &self,
        ctx: &Context<'_>,
        filter: Option<GrantFilterInput>,
        first: Option<i32>,
        after: Option<String>,
    ) -> GqlResult<GrantConnection> {
        let filter = filter
            .map(GrantFilterInput::into_domain)
            .transpose()?
            .unwrap_or_default();
        nested_grants(ctx, GrantParent::Scheme, self.0.id, filter, first, after).await
    }
}

/// An organisation that a visible object refers to. Missing means the caller may not see it,
/// which for a required relation is an internal inconsistency, not the caller's fault.
pub async fn organisation_by_id(ctx: &Context<'_>, id: Uuid) -> GqlResult<Organisation> {
    ctx.loader()?
        .load_one(OrganisationById(id))
        .await?
        .map(Organisation)
        .ok_or_else(|| crate::error::Error::NotFound("organisation").into())
}

/// Who the token says is calling.
#[derive(SimpleObject)]
#[graphql(complex)]
pub struct Viewer {
    /// The token's `sub`.
    pub sub: String,
    pub role: Role,
    #[graphql(skip)]
    org_id: Option<Uuid>,
}

#[async_graphql::ComplexObject]
impl Viewer {
    /// The grantee organisation the caller acts for (grantees only).
    async fn organisation(&self, ctx: &Context<'_>) -> GqlResult<Option<Organisation>> {
        match self.org_id {
            Some(id) => Ok(ctx
                .loader()?
                .load_one(OrganisationById(id))
                .await?
                .map(Organisation)),
            None => Ok(None),
        }
    }
}

#[derive(Default)]
pub struct OrganisationQuery;

#[Object]
impl OrganisationQuery {
    /// The caller, as its token describes it.
    async fn me(&self, ctx: &Context<'_>) -> GqlResult<Viewer> {
        let actor = ctx.actor()?;
        Ok(Viewer {
            sub: actor.sub.clone(),
            role: actor.role().into(),
            org_id: actor.grantee_org(),
        })
    }

    /// The schemes the caller may see, by name.
    #[graphql(complexity = "cost::list(cost::SCHEMES, child_complexity)")]
    async fn schemes(&self, ctx: &Context<'_>) -> GqlResult<Vec<Scheme>> {
        let rows = portfolio::schemes(ctx.db()?, ctx.actor()?).await?;
        Ok(rows.into_iter().map(Scheme).collect())
    }

    /// The organisations the caller may see, by name. A grantee sees itself and every
    /// organisation that is not a grantee (funders, scheme managers, partners).
    #[graphql(complexity = "cost::list(cost::ORGANISATIONS, child_complexity)")]
    async fn organisations(
        &self,
        ctx: &Context<'_>,
        kind: Option<OrganisationKind>,
    ) -> GqlResult<Vec<Organisation>> {
        let rows = portfolio::organisations(ctx.db()?, ctx.actor()?, kind.map(Into::into)).await?;
        Ok(rows.into_iter().map(Organisation).collect())
    }

    /// One organisation, or null if there is none the caller may see (a grantee sees itself and
    /// every organisation that is not a grantee).
    #[graphql(complexity = "cost::LOOKUP + child_complexity")]
    async fn organisation(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The organisation's id.")] id: Uuid,
    ) -> GqlResult<Option<Organisation>> {
        Ok(ctx
            .loader()?
            .load_one(OrganisationById(id))
            .await?
            .map(Organisation))
    }

    /// One scheme, or null if there is none the caller may see (a grantee sees the schemes
    /// that fund it).
    #[graphql(complexity = "cost::LOOKUP + child_complexity")]
    async fn scheme(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The scheme's id.")] id: Uuid,
    ) -> GqlResult<Option<Scheme>> {
        Ok(ctx.loader()?.load_one(SchemeById(id)).await?.map(Scheme))
    }
}

#[derive(InputObject)]
pub struct CreateOrganisationInput {
    pub name: String,
    pub acronym: Option<String>,
    pub kind: OrganisationKind,
    pub description: Option<String>,
    pub address: Option<String>,
    pub phone: Option<String>,
    pub website: Option<String>,
    /// ISO 3166-1 alpha-2 code, e.g. "KH".
    pub country: Option<String>,
}

impl From<CreateOrganisationInput> for CreateOrganisation {
    fn from(input: CreateOrganisationInput) -> Self {
        Self {
            name: input.name,
            acronym: input.acronym,
            kind: input.kind.into(),
            description: input.description,
            address: input.address,
            phone: input.phone,
            website: input.website,
            country: input.country,
        }
    }
}

#[derive(InputObject)]
pub struct CreateSchemeInput {
    pub name: String,
    pub funder_id: Uuid,
    pub manager_id: Uuid,
    /// ISO 4217, e.g. "AUD".
    pub currency: String,
}

impl From<CreateSchemeInput> for CreateScheme {
    fn from(input: CreateSchemeInput) -> Self {
        Self {
            name: input.name,
            funder_id: input.funder_id,
            manager_id: input.manager_id,
            currency: input.currency,
        }
    }
}

#[derive(Default)]
pub struct OrganisationMutation;

#[Object]
impl OrganisationMutation {
    /// Registers an organisation (scheme managers).
    async fn create_organisation(
        &self,
        ctx: &Context<'_>,
        input: CreateOrganisationInput,
    ) -> GqlResult<Organisation> {
        Ok(Organisation(
            run(ctx, CreateOrganisation::from(input)).await?,
        ))
    }

    /// Opens a grants scheme (scheme managers).
    async fn create_scheme(
        &self,
        ctx: &Context<'_>,
        input: CreateSchemeInput,
    ) -> GqlResult<Scheme> {
        Ok(Scheme(run(ctx, CreateScheme::from(input)).await?))
    }
}
