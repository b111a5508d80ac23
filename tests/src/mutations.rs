//! One helper per mutation of the schema. Each document is written here once, asks for the
//! fields tests read of the object it returns, and its answer comes back typed, or as the
//! error the server gave:
//!
//! ```ignore
//! let refused = app.add_lesson(&token, json!({ "reportId": report, "kind": "CHALLENGE", "text": "t" }));
//! assert_eq!(refused.await.unwrap_err().code, "FORBIDDEN");
//! ```
//!
//! `input` is the mutation's input object as JSON, so a test can send any value, wrong ones
//! included. `TestApp::graphql` stays for tests about the exact shape of a response.

use serde::Deserialize;
use serde::de::DeserializeOwned;
use serde_json::{Value, json};
use uuid::Uuid;

use crate::TestApp;
use crate::response::{GqlError, result};

/// An object a mutation returns, and the fields its documents ask for.
pub trait Returned: DeserializeOwned {
    const FIELDS: &'static str;
}

/// A nested object a test only identifies.
#[derive(Clone, Debug, PartialEq, Eq, Deserialize)]
pub struct Ref {
    pub id: Uuid,
}

#[derive(Clone, Debug, PartialEq, Eq, Deserialize)]
pub struct Money {
    pub amount: String,
    pub currency: String,
}

#[derive(Clone, Debug, PartialEq, Eq, Deserialize)]
pub struct Organisation {
    pub id: Uuid,
    pub name: String,
    pub kind: String,
}

impl Returned for Organisation {
    const FIELDS: &'static str = "id name kind";
}

#[derive(Clone, Debug, PartialEq, Eq, Deserialize)]
pub struct Scheme {
    pub id: Uuid,
    pub name: String,
    pub currency: String,
}

impl Returned for Scheme {
    const FIELDS: &'static str = "id name currency";
}

#[derive(Clone, Debug, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Grant {
    pub id: Uuid,
    pub reference: String,
    pub title: String,
    pub status: String,
    pub version: i64,
    pub total_funding: Money,
    pub start_date: String,
    pub end_date: String,
}

impl Returned for Grant {
    const FIELDS: &'static str =
        "id reference title status version totalFunding { amount currency } startDate endDate";
}

#[derive(Clone, Debug, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct FundingPeriod {
    pub id: Uuid,
    pub label: Option<String>,
    pub start_date: String,
    pub end_date: String,
    pub amount: Money,
}

impl Returned for FundingPeriod {
    const FIELDS: &'static str = "id label startDate endDate amount { amount currency }";
}

#[derive(Clone, Debug, PartialEq, Eq, Deserialize)]
pub struct Objective {
    pub id: Uuid,
    pub number: i64,
    pub statement: String,
}

impl Returned for Objective {
    const FIELDS: &'static str = "id number statement";
}

#[derive(Clone, Debug, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Indicator {
    pub id: Uuid,
    pub objective_id: Uuid,
    pub statement: String,
    pub unit: String,
    pub baseline: Option<String>,
    pub target: Option<String>,
}

impl Returned for Indicator {
    const FIELDS: &'static str = "id objectiveId statement unit baseline target";
}

#[derive(Clone, Debug, PartialEq, Eq, Deserialize)]
pub struct Person {
    pub name: String,
    pub role: Option<String>,
}

#[derive(Clone, Debug, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Report {
    pub id: Uuid,
    pub kind: String,
    pub status: String,
    pub version: i64,
    pub period_start: String,
    pub period_end: String,
    pub due_date: String,
    pub submitted_at: Option<String>,
    pub return_reason: Option<String>,
    pub prepared_by: Person,
}

impl Returned for Report {
    const FIELDS: &'static str = "id kind status version periodStart periodEnd dueDate submittedAt returnReason preparedBy { name role }";
}

impl Report {
    /// The report as read, the input of `submitReport` and `acceptReport`.
    pub fn as_read(&self) -> Value {
        json!({ "id": self.id, "version": self.version })
    }
}

/// A value of a report that had to be inferred or corrected to be stored.
#[derive(Clone, Debug, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Correction {
    pub id: Uuid,
    pub field: String,
    pub as_reported: Option<String>,
    pub recorded_as: String,
    pub reason: String,
}

impl Returned for Correction {
    const FIELDS: &'static str = "id field asReported recordedAs reason";
}

/// One participation row of an activity, as sent and as returned.
#[derive(Clone, Debug, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ParticipantCount {
    pub mode: String,
    pub total: i64,
    pub female: Option<i64>,
    pub male: Option<i64>,
    pub with_disability: Option<i64>,
}

#[derive(Clone, Debug, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Activity {
    pub id: Uuid,
    pub version: i64,
    pub kind: String,
    pub title: String,
    pub start_date: String,
    pub end_date: String,
    pub venue: Option<String>,
    pub location: Option<String>,
    pub objective: Option<Ref>,
    pub participation: Vec<ParticipantCount>,
    pub organisers: Vec<Organisation>,
}

impl Returned for Activity {
    const FIELDS: &'static str = "id version kind title startDate endDate venue location objective { id } participation { mode total female male withDisability } organisers { id name kind }";
}

#[derive(Clone, Debug, PartialEq, Eq, Deserialize)]
pub struct Outcome {
    pub id: Uuid,
    pub version: i64,
    pub kind: String,
    pub statement: String,
    pub actor: Option<String>,
    pub institution: Option<String>,
    pub evidence: Option<String>,
    pub date: Option<String>,
    pub activity: Ref,
}

impl Returned for Outcome {
    const FIELDS: &'static str =
        "id version kind statement actor institution evidence date activity { id }";
}

#[derive(Clone, Debug, PartialEq, Eq, Deserialize)]
pub struct IndicatorResult {
    pub id: Uuid,
    pub version: i64,
    pub actual: String,
    pub narrative: Option<String>,
    pub indicator: Ref,
}

impl Returned for IndicatorResult {
    const FIELDS: &'static str = "id version actual narrative indicator { id }";
}

#[derive(Clone, Debug, PartialEq, Eq, Deserialize)]
pub struct Lesson {
    pub id: Uuid,
    pub version: i64,
    pub kind: String,
    pub text: String,
    pub activity: Option<Ref>,
}

impl Returned for Lesson {
    const FIELDS: &'static str = "id version kind text activity { id }";
}

#[derive(Clone, Debug, PartialEq, Eq, Deserialize)]
pub struct CaseStudy {
    pub id: Uuid,
    pub version: i64,
    pub title: String,
    pub narrative: String,
    pub activity: Option<Ref>,
}

impl Returned for CaseStudy {
    const FIELDS: &'static str = "id version title narrative activity { id }";
}

/// A single-use export link.
#[derive(Clone, Debug, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ExportLink {
    pub url: String,
    pub path: String,
    pub format: String,
    pub expires_at: String,
}

impl Returned for ExportLink {
    const FIELDS: &'static str = "url path format expiresAt";
}

/// A list of objects a mutation returns asks for the fields of each.
impl<T: Returned> Returned for Vec<T> {
    const FIELDS: &'static str = T::FIELDS;
}

/// The one mutation document: `mutation(<Input>!) { <name>(input: $input) { <T::FIELDS> } }`.
fn document<T: Returned>(name: &str, input_type: &str) -> String {
    format!(
        "mutation($input: {input_type}!) {{ {name}(input: $input) {{ {} }} }}",
        T::FIELDS
    )
}

impl TestApp {
    /// Runs mutation `name` with `input` as `token`.
    async fn mutate<T: Returned>(
        &self,
        name: &str,
        input_type: &str,
        token: &str,
        input: Value,
    ) -> Result<T, GqlError> {
        let response = self
            .graphql(
                &document::<T>(name, input_type),
                json!({ "input": input }),
                Some(token),
            )
            .await;
        result(response, name)
    }

    pub async fn create_organisation(
        &self,
        token: &str,
        input: Value,
    ) -> Result<Organisation, GqlError> {
        self.mutate(
            "createOrganisation",
            "CreateOrganisationInput",
            token,
            input,
        )
        .await
    }

    pub async fn update_organisation(
        &self,
        token: &str,
        input: Value,
    ) -> Result<Organisation, GqlError> {
        self.mutate(
            "updateOrganisation",
            "UpdateOrganisationInput",
            token,
            input,
        )
        .await
    }

    pub async fn create_scheme(&self, token: &str, input: Value) -> Result<Scheme, GqlError> {
        self.mutate("createScheme", "CreateSchemeInput", token, input)
            .await
    }

    pub async fn create_grant(&self, token: &str, input: Value) -> Result<Grant, GqlError> {
        self.mutate("createGrant", "CreateGrantInput", token, input)
            .await
    }

    pub async fn update_grant(&self, token: &str, input: Value) -> Result<Grant, GqlError> {
        self.mutate("updateGrant", "UpdateGrantInput", token, input)
            .await
    }

    pub async fn add_funding_period(
        &self,
        token: &str,
        input: Value,
    ) -> Result<FundingPeriod, GqlError> {
        self.mutate("addFundingPeriod", "AddFundingPeriodInput", token, input)
            .await
    }

    pub async fn add_objective(&self, token: &str, input: Value) -> Result<Objective, GqlError> {
        self.mutate("addObjective", "AddObjectiveInput", token, input)
            .await
    }

    pub async fn add_indicator(&self, token: &str, input: Value) -> Result<Indicator, GqlError> {
        self.mutate("addIndicator", "AddIndicatorInput", token, input)
            .await
    }

    pub async fn create_report(&self, token: &str, input: Value) -> Result<Report, GqlError> {
        self.mutate("createReport", "CreateReportInput", token, input)
            .await
    }

    pub async fn update_report(&self, token: &str, input: Value) -> Result<Report, GqlError> {
        self.mutate("updateReport", "UpdateReportInput", token, input)
            .await
    }

    pub async fn submit_report(&self, token: &str, input: Value) -> Result<Report, GqlError> {
        self.mutate("submitReport", "SubmitReportInput", token, input)
            .await
    }

    pub async fn return_report(&self, token: &str, input: Value) -> Result<Report, GqlError> {
        self.mutate("returnReport", "ReturnReportInput", token, input)
            .await
    }

    pub async fn accept_report(&self, token: &str, input: Value) -> Result<Report, GqlError> {
        self.mutate("acceptReport", "AcceptReportInput", token, input)
            .await
    }

    pub async fn create_activity(&self, token: &str, input: Value) -> Result<Activity, GqlError> {
        self.mutate("createActivity", "CreateActivityInput", token, input)
            .await
    }

    pub async fn update_activity(&self, token: &str, input: Value) -> Result<Activity, GqlError> {
        self.mutate("updateActivity", "UpdateActivityInput", token, input)
            .await
    }

    pub async fn delete_activity(&self, token: &str, input: Value) -> Result<Activity, GqlError> {
        self.mutate("deleteActivity", "DeleteInput", token, input)
            .await
    }

    /// Returns the group's activities the caller may see.
    pub async fn link_joint_activities(
        &self,
        token: &str,
        input: Value,
    ) -> Result<Vec<Activity>, GqlError> {
        self.mutate(
            "linkJointActivities",
            "LinkJointActivitiesInput",
            token,
            input,
        )
        .await
    }

    pub async fn unlink_joint_activity(
        &self,
        token: &str,
        input: Value,
    ) -> Result<Activity, GqlError> {
        self.mutate(
            "unlinkJointActivity",
            "UnlinkJointActivityInput",
            token,
            input,
        )
        .await
    }

    pub async fn record_outcome(&self, token: &str, input: Value) -> Result<Outcome, GqlError> {
        self.mutate("recordOutcome", "RecordOutcomeInput", token, input)
            .await
    }

    pub async fn update_outcome(&self, token: &str, input: Value) -> Result<Outcome, GqlError> {
        self.mutate("updateOutcome", "UpdateOutcomeInput", token, input)
            .await
    }

    pub async fn delete_outcome(&self, token: &str, input: Value) -> Result<Outcome, GqlError> {
        self.mutate("deleteOutcome", "DeleteInput", token, input)
            .await
    }

    pub async fn record_indicator_result(
        &self,
        token: &str,
        input: Value,
    ) -> Result<IndicatorResult, GqlError> {
        self.mutate(
            "recordIndicatorResult",
            "RecordIndicatorResultInput",
            token,
            input,
        )
        .await
    }

    pub async fn update_indicator_result(
        &self,
        token: &str,
        input: Value,
    ) -> Result<IndicatorResult, GqlError> {
        self.mutate(
            "updateIndicatorResult",
            "UpdateIndicatorResultInput",
            token,
            input,
        )
        .await
    }

    pub async fn delete_indicator_result(
        &self,
        token: &str,
        input: Value,
    ) -> Result<IndicatorResult, GqlError> {
        self.mutate("deleteIndicatorResult", "DeleteInput", token, input)
            .await
    }

    pub async fn add_lesson(&self, token: &str, input: Value) -> Result<Lesson, GqlError> {
        self.mutate("addLesson", "AddLessonInput", token, input)
            .await
    }

    pub async fn update_lesson(&self, token: &str, input: Value) -> Result<Lesson, GqlError> {
        self.mutate("updateLesson", "UpdateLessonInput", token, input)
            .await
    }

    pub async fn delete_lesson(&self, token: &str, input: Value) -> Result<Lesson, GqlError> {
        self.mutate("deleteLesson", "DeleteInput", token, input)
            .await
    }

    pub async fn add_case_study(&self, token: &str, input: Value) -> Result<CaseStudy, GqlError> {
        self.mutate("addCaseStudy", "AddCaseStudyInput", token, input)
            .await
    }

    pub async fn update_case_study(
        &self,
        token: &str,
        input: Value,
    ) -> Result<CaseStudy, GqlError> {
        self.mutate("updateCaseStudy", "UpdateCaseStudyInput", token, input)
            .await
    }

    pub async fn delete_case_study(
        &self,
        token: &str,
        input: Value,
    ) -> Result<CaseStudy, GqlError> {
        self.mutate("deleteCaseStudy", "DeleteInput", token, input)
            .await
    }

    pub async fn add_correction(&self, token: &str, input: Value) -> Result<Correction, GqlError> {
        self.mutate("addCorrection", "AddCorrectionInput", token, input)
            .await
    }

    pub async fn create_export_link(
        &self,
        token: &str,
        input: Value,
    ) -> Result<ExportLink, GqlError> {
        self.mutate("createExportLink", "CreateExportLinkInput", token, input)
            .await
    }
}
