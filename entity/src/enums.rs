//! Closed sets stored as text, each also fenced by a CHECK constraint in the migration.

use sea_orm::entity::prelude::*;
use serde::{Deserialize, Serialize};

macro_rules! text_enum {
    ($(#[$meta:meta])* $name:ident { $($variant:ident = $value:literal),+ $(,)? }) => {
        $(#[$meta])*
        #[derive(
            Clone, Copy, Debug, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum, Serialize, Deserialize,
        )]
        #[sea_orm(rs_type = "String", db_type = "String(StringLen::N(32))")]
        pub enum $name {
            $(
                #[sea_orm(string_value = $value)]
                #[serde(rename = $value)]
                $variant,
            )+
        }

        impl $name {
            pub const fn as_str(self) -> &'static str {
                match self {
                    $(Self::$variant => $value,)+
                }
            }
        }
    };
}

text_enum!(OrganisationKind {
    Funder = "FUNDER",
    SchemeManager = "SCHEME_MANAGER",
    Grantee = "GRANTEE",
    Partner = "PARTNER",
});

text_enum!(GrantStatus {
    Active = "ACTIVE",
    Closed = "CLOSED",
});

text_enum!(ReportKind {
    Progress = "PROGRESS",
    Completion = "COMPLETION",
});

text_enum!(ReportStatus {
    Draft = "DRAFT",
    Submitted = "SUBMITTED",
    Returned = "RETURNED",
    Accepted = "ACCEPTED",
});

text_enum!(ActivityKind {
    PolicyDialogue = "POLICY_DIALOGUE",
    Forum = "FORUM",
    Workshop = "WORKSHOP",
    Training = "TRAINING",
    Campaign = "CAMPAIGN",
    Research = "RESEARCH",
    Other = "OTHER",
});

text_enum!(AttendanceMode {
    InPerson = "IN_PERSON",
    Online = "ONLINE",
    Unspecified = "UNSPECIFIED",
});

text_enum!(OutcomeKind {
    PolicyCommitment = "POLICY_COMMITMENT",
    PolicyChange = "POLICY_CHANGE",
    PracticeChange = "PRACTICE_CHANGE",
    Capacity = "CAPACITY",
    Partnership = "PARTNERSHIP",
    Other = "OTHER",
});

text_enum!(LessonKind {
    Challenge = "CHALLENGE",
    LessonLearned = "LESSON_LEARNED",
});

text_enum!(Role {
    SchemeManager = "SCHEME_MANAGER",
    Grantee = "GRANTEE",
    Analyst = "ANALYST",
});

text_enum!(
    /// The IATI 2.03 `OrganisationType` codelist, stored as its code.
    IatiOrganisationType {
        Government = "10",
        LocalGovernment = "11",
        OtherPublicSector = "15",
        InternationalNgo = "21",
        NationalNgo = "22",
        RegionalNgo = "23",
        PartnerCountryBasedNgo = "24",
        PublicPrivatePartnership = "30",
        Multilateral = "40",
        Foundation = "60",
        PrivateSector = "70",
        PrivateSectorInProviderCountry = "71",
        PrivateSectorInAidRecipientCountry = "72",
        PrivateSectorInThirdCountry = "73",
        AcademicTrainingAndResearch = "80",
        Other = "90",
    }
);
