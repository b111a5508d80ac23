//! Organisations, schemes and the caller itself.

use async_graphql::{Context, ID, InputObject, MaybeUndefined, Object, SimpleObject};
use entity::{organisation, scheme};
use uuid::Uuid;

use super::common::{ContextExt, GqlResult, IatiOrganisationType, OrganisationKind, Role};
use super::cost;
use super::grant::{GrantConnection, GrantFilterInput, nested_grants};
use super::input::{change, run};
use super::loaders::{OrganisationById, SchemeById};
use super::node::node_id;
use crate::domain::portfolio::organisations::{
    CreateOrganisation, CreateScheme, UpdateOrganisation,
};
use crate::domain::portfolio::{self, GrantFilter, GrantParent};

pub struct Organisation(pub organisation::Model);

/// An organisation in the portfolio: a funder, a scheme manager, a grantee or a partner. A
/// grantee sees itself and every organisation that is not a grantee, never another grantee.
#[Object]
impl Organisation {
    /// Stable identifier (UUID) of the organisation: pass it as `granteeId` to the filters,
    /// or in `organiserIds` to name it as an activity's co-organiser.
    pub(crate) async fn id(&self) -> ID {
        node_id(self.0.id)
    }
    /// Full name, unique in the register, e.g. "Advocacy and Policy Institute".
    async fn name(&self) -> &str {
        &self.0.name
    }
    /// The short name the organisation goes by, e.g. "API"; null when none was given.
    async fn acronym(&self) -> Option<&str> {
        self.0.acronym.as_deref()
    }
    /// What the organisation is to a scheme: funder, scheme manager, grantee or partner.
    async fn kind(&self) -> OrganisationKind {
        self.0.kind.into()
    }
    /// What the organisation does, as it was registered; null when not given.
    async fn description(&self) -> Option<&str> {
        self.0.description.as_deref()
    }
    /// Postal or street address as given, possibly over several lines; null when not given.
    async fn address(&self) -> Option<&str> {
        self.0.address.as_deref()
    }
    /// Telephone number as given (not normalised); null when not given.
    async fn phone(&self) -> Option<&str> {
        self.0.phone.as_deref()
    }
    /// Web address, always an absolute `http://` or `https://` URL; null when not given.
    async fn website(&self) -> Option<&str> {
        self.0.website.as_deref()
    }
    /// Country as an upper-case ISO 3166-1 alpha-2 code, e.g. "KH"; null when not given.
    async fn country(&self) -> Option<&str> {
        self.0.country.as_deref()
    }
    /// The organisation's IATI organisation identifier, e.g. "AU-5" for DFAT: unique in the
    /// register; null when not known. The IATI export names the organisation by it, and a
    /// grant's IATI identifier is derived from its reporting organisation's.
    async fn identifier(&self) -> Option<&str> {
        self.0.identifier.as_deref()
    }
    /// The organisation's type in the IATI `OrganisationType` codelist; null when not known.
    async fn iati_type(&self) -> Option<IatiOrganisationType> {
        self.0.iati_type.map(Into::into)
    }
    /// Increases with every change to the organisation; send it back as `version` to
    /// `updateOrganisation` so no change is lost.
    async fn version(&self) -> i32 {
        self.0.version
    }
    /// The grants this organisation receives (as grantee) that the caller may see, by
    /// reference. Empty for funders, scheme managers and partners.
    #[graphql(complexity = "cost::page(first, child_complexity)")]
    async fn grants(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Page size: how many grants to return, 0 to 100 (default 20).")]
        first: Option<i32>,
        #[graphql(
            desc = "Cursor of the last item already read (`pageInfo.endCursor`); the page\n\
                    starts after it. Omit for the first page."
        )]
        after: Option<String>,
    ) -> GqlResult<GrantConnection> {
        let filter = GrantFilter::default();
        nested_grants(ctx, GrantParent::Grantee, self.0.id, filter, first, after).await
    }
}

pub struct Scheme(pub scheme::Model);

/// A grants scheme: a funder's programme, run by a scheme manager, that funds many grantees,
/// e.g. the Cambodia Aid Advisory Services Grants Scheme. A grantee sees the schemes that fund
/// it.
#[Object]
impl Scheme {
    /// Stable identifier (UUID) of the scheme: pass it as `schemeId` to the filters and to
    /// `createGrant`.
    pub(crate) async fn id(&self) -> ID {
        node_id(self.0.id)
    }
    /// Full name, unique among schemes, e.g. "Cambodia Aid Advisory Services Grants Scheme".
    async fn name(&self) -> &str {
        &self.0.name
    }
    /// The scheme's default currency, an upper-case ISO 4217 code such as "AUD". Each grant
    /// states its own currency in `totalFunding`.
    async fn currency(&self) -> &str {
        &self.0.currency
    }
    /// The organisation (of kind FUNDER) that funds the scheme, e.g. DFAT.
    async fn funder(&self, ctx: &Context<'_>) -> GqlResult<Organisation> {
        organisation_by_id(ctx, self.0.funder_id).await
    }
    /// The organisation (of kind SCHEME_MANAGER) that runs the scheme, e.g. Tetra Tech
    /// International Development.
    async fn manager(&self, ctx: &Context<'_>) -> GqlResult<Organisation> {
        organisation_by_id(ctx, self.0.manager_id).await
    }
    /// The scheme's grants that the caller may see, by reference. A grantee sees only its own.
    #[graphql(complexity = "cost::page(first, child_complexity)")]
    async fn grants(
        &self,
        ctx: &Context<'_>,
        #[graphql(
            desc = "Narrows the scheme's grants by grantee, status or funding dates; all\n\
                    of them when omitted."
        )]
        filter: Option<GrantFilterInput>,
        #[graphql(desc = "Page size: how many grants to return, 0 to 100 (default 20).")]
        first: Option<i32>,
        #[graphql(
            desc = "Cursor of the last item already read (`pageInfo.endCursor`); the page\n\
                    starts after it. Omit for the first page."
        )]
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
    /// The token's `sub` claim: the caller as its identity provider names it. Audit events
    /// record it as `actor`.
    pub sub: String,
    /// The token's role: what the caller may read and write.
    pub role: Role,
    #[graphql(skip)]
    org_id: Option<Uuid>,
}

#[async_graphql::ComplexObject]
impl Viewer {
    /// The grantee organisation the caller acts for: the token's `org_id`. Null for scheme
    /// managers and analysts.
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
    /// The caller, as its token describes it: who, in which role, for which organisation. Any
    /// valid token may ask; use it to check what a token allows.
    async fn me(&self, ctx: &Context<'_>) -> GqlResult<Viewer> {
        let actor = ctx.actor()?;
        Ok(Viewer {
            sub: actor.sub.clone(),
            role: actor.role().into(),
            org_id: actor.grantee_org(),
        })
    }

    /// The schemes the caller may see, by name: every scheme for scheme managers and analysts,
    /// the schemes that fund it for a grantee. At most 500.
    #[graphql(complexity = "cost::list(cost::SCHEMES, child_complexity)")]
    async fn schemes(&self, ctx: &Context<'_>) -> GqlResult<Vec<Scheme>> {
        let rows = portfolio::schemes(ctx.db()?, ctx.actor()?).await?;
        Ok(rows.into_iter().map(Scheme).collect())
    }

    /// The organisations the caller may see, by name. A grantee sees itself and every
    /// organisation that is not a grantee (funders, scheme managers, partners). At most 10,000.
    #[graphql(complexity = "cost::list(cost::ORGANISATIONS, child_complexity)")]
    async fn organisations(
        &self,
        ctx: &Context<'_>,
        #[graphql(
            desc = "Only organisations of this kind, e.g. GRANTEE; every kind when\n\
                    omitted."
        )]
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

/// An organisation to register.
#[derive(InputObject)]
pub struct CreateOrganisationInput {
    /// Full name, 1 to 300 characters, unique in the register (a name already taken is
    /// `BAD_USER_INPUT` on `name`).
    pub name: String,
    /// The short name it goes by, e.g. "API", at most 40 characters.
    pub acronym: Option<String>,
    /// What it is to a scheme. A scheme's funder must be a FUNDER and its manager a
    /// SCHEME_MANAGER; a grant goes to a GRANTEE; co-organisers are usually PARTNERs.
    pub kind: OrganisationKind,
    /// What the organisation does, at most 50,000 characters.
    pub description: Option<String>,
    /// Postal or street address, at most 5,000 characters; line breaks are kept.
    pub address: Option<String>,
    /// Telephone number as it should be shown, at most 100 characters.
    pub phone: Option<String>,
    /// An absolute `http://` or `https://` address with a host, at most 300 characters;
    /// anything else is `BAD_USER_INPUT` on `website`.
    pub website: Option<String>,
    /// Upper-case ISO 3166-1 alpha-2 code, e.g. "KH"; anything else is `BAD_USER_INPUT` on
    /// `country`.
    pub country: Option<String>,
    /// IATI organisation identifier: a registration agency's prefix and the organisation's
    /// number there, e.g. "AU-5", at most 100 characters of letters, digits and `- . _ :`.
    /// Unique in the register; a malformed or taken one is `BAD_USER_INPUT` on `identifier`.
    pub identifier: Option<String>,
    /// The organisation's type in the IATI `OrganisationType` codelist.
    pub iati_type: Option<IatiOrganisationType>,
}

/// What IATI needs of an organisation, to set or clear.
#[derive(InputObject)]
pub struct UpdateOrganisationInput {
    /// Id of the organisation to change.
    pub id: Uuid,
    /// The version the change is based on: `Organisation.version` as last read. A stale
    /// version is `CONFLICT` and changes nothing.
    pub version: i32,
    /// New IATI organisation identifier (see `CreateOrganisationInput.identifier`); null
    /// clears it, omitted leaves it.
    pub identifier: MaybeUndefined<String>,
    /// New IATI organisation type; null clears it, omitted leaves it.
    pub iati_type: MaybeUndefined<IatiOrganisationType>,
}

impl From<UpdateOrganisationInput> for UpdateOrganisation {
    fn from(input: UpdateOrganisationInput) -> Self {
        Self {
            id: input.id,
            version: input.version,
            identifier: change(input.identifier, |v| v),
            iati_type: change(input.iati_type, Into::into),
        }
    }
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
            identifier: input.identifier,
            iati_type: input.iati_type.map(Into::into),
        }
    }
}

/// A grants scheme to open.
#[derive(InputObject)]
pub struct CreateSchemeInput {
    /// Full name, 1 to 300 characters, unique among schemes (a name already taken is
    /// `BAD_USER_INPUT` on `name`).
    pub name: String,
    /// Id of the organisation that funds the scheme; it must be of kind FUNDER
    /// (`BAD_USER_INPUT` on `funderId` otherwise).
    pub funder_id: Uuid,
    /// Id of the organisation that runs the scheme; it must be of kind SCHEME_MANAGER
    /// (`BAD_USER_INPUT` on `managerId` otherwise).
    pub manager_id: Uuid,
    /// The scheme's default currency: an ISO 4217 code the service supports (see
    /// `MoneyInput.currency`), e.g. "AUD"; any letter case.
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
    /// Registers an organisation: a funder, scheme manager, grantee or partner. Scheme managers
    /// only (`FORBIDDEN` for others). The register holds at most 10,000 organisations
    /// (`BAD_USER_INPUT` on `name` beyond). Returns the new organisation.
    async fn create_organisation(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The organisation to register.")] input: CreateOrganisationInput,
    ) -> GqlResult<Organisation> {
        Ok(Organisation(
            run(ctx, CreateOrganisation::from(input)).await?,
        ))
    }

    /// Sets or clears what IATI needs of an organisation: its IATI organisation identifier and
    /// type. Scheme managers only (`FORBIDDEN` for others). Based on the `version` last read: a
    /// stale one is `CONFLICT`. Returns the organisation at its new version.
    async fn update_organisation(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The organisation, the version read, and what to change.")]
        input: UpdateOrganisationInput,
    ) -> GqlResult<Organisation> {
        Ok(Organisation(
            run(ctx, UpdateOrganisation::from(input)).await?,
        ))
    }

    /// Opens a grants scheme with its funder, manager and default currency. Scheme managers
    /// only (`FORBIDDEN` for others). At most 500 schemes (`BAD_USER_INPUT` on `name` beyond).
    /// Returns the new scheme.
    async fn create_scheme(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The scheme to open.")] input: CreateSchemeInput,
    ) -> GqlResult<Scheme> {
        Ok(Scheme(run(ctx, CreateScheme::from(input)).await?))
    }
}
