//! Errors of the rules: every refusal names the field it is about.

use thiserror::Error;

/// A malformed id, period or date.
#[derive(Debug, Error, Clone, PartialEq, Eq)]
pub enum IdError {
    /// Not the text form of a group id.
    #[error("not a group id (expected a peer id such as 12D3KooW...)")]
    GroupText,
    /// Bytes that are not an ed25519 public key.
    #[error("not a valid ed25519 public key")]
    GroupKey,
    /// Not 32 lowercase hex digits.
    #[error("not a document id (expected 32 lowercase hex digits)")]
    DocId,
    /// Not a lowercase slug.
    #[error(
        "`{0}` is not an issue key (lowercase letters, digits and single dashes, 2–40 characters)"
    )]
    IssueKey(String),
    /// Not `YYYY-MM` within the accepted years.
    #[error("`{0}` is not a period (expected YYYY-MM, a year from 2000 to 2100)")]
    Period(String),
    /// Not `YYYY-MM-DD` within the accepted years.
    #[error("`{0}` is not a date (expected YYYY-MM-DD, a real day from 2000 to 2100)")]
    Day(String),
    /// Not an item id.
    #[error("`{0}` is not an item id (expected 12 lowercase hex digits)")]
    ItemId(String),
}

/// Input refused by a rule. Nothing is written when an edit returns one of these.
#[derive(Debug, Error, Clone, PartialEq, Eq)]
pub enum ValidationError {
    /// Free text that looks like it holds personal data.
    #[error(transparent)]
    PersonalData(#[from] crate::privacy::PersonalData),
    /// A field that must not be empty is.
    #[error("{field} must not be empty")]
    Empty {
        /// The field.
        field: &'static str,
    },
    /// Text with a control character, a bidi override, or nothing visible in it.
    #[error("{field} {what}")]
    Unprintable {
        /// The field.
        field: &'static str,
        /// What is wrong with its characters.
        what: crate::text::Unprintable,
    },
    /// Text longer than its field allows.
    #[error("{field} is too long ({len} characters, at most {max})")]
    TooLong {
        /// The field.
        field: &'static str,
        /// Its length in characters.
        len: usize,
        /// The most allowed.
        max: usize,
    },
    /// A number outside its field's range.
    #[error("{field} must be between {min} and {max}, not {value}")]
    OutOfRange {
        /// The field.
        field: &'static str,
        /// The value given.
        value: i64,
        /// The least allowed.
        min: i64,
        /// The most allowed.
        max: i64,
    },
    /// An issue key that is in neither the built-in nor the group's own catalogue.
    #[error("unknown issue `{key}`{}", suggestion.as_ref().map(|s| format!(" (did you mean `{s}`?)")).unwrap_or_default())]
    UnknownIssue {
        /// The key given.
        key: String,
        /// The nearest known key, if one is close.
        suggestion: Option<String>,
    },
    /// A custom issue key that already exists.
    #[error("issue `{key}` already exists")]
    IssueExists {
        /// The key.
        key: String,
    },
    /// A malformed id, date or period in a field.
    #[error("{field}: {source}")]
    Malformed {
        /// The field.
        field: &'static str,
        /// What is wrong with it.
        source: IdError,
    },
    /// An item (action, target, meeting) that the document does not hold.
    #[error("no {what} `{id}` in this document")]
    UnknownItem {
        /// What kind of item.
        what: &'static str,
        /// The id given.
        id: String,
    },
    /// The document is not of the kind the edit expects, or is missing its header.
    #[error("document is not a valid {expected} document: {reason}")]
    WrongDocument {
        /// The kind expected.
        expected: &'static str,
        /// What was wrong.
        reason: String,
    },
    /// The value was refused for a reason given in words.
    #[error("{field}: {reason}")]
    Rejected {
        /// The field.
        field: &'static str,
        /// Why.
        reason: String,
    },
    /// This group's role does not allow the change.
    #[error("not allowed: {reason}")]
    NotPermitted {
        /// What is not allowed, and who may do it.
        reason: String,
    },
}

impl ValidationError {
    /// The field the refusal is about, if it is about one field.
    pub fn field(&self) -> Option<&str> {
        match self {
            Self::PersonalData(p) => Some(&p.field),
            Self::Empty { field }
            | Self::Unprintable { field, .. }
            | Self::TooLong { field, .. }
            | Self::OutOfRange { field, .. }
            | Self::Malformed { field, .. }
            | Self::Rejected { field, .. } => Some(field),
            Self::UnknownIssue { .. } | Self::IssueExists { .. } => Some("issue"),
            Self::UnknownItem { .. } | Self::WrongDocument { .. } | Self::NotPermitted { .. } => {
                None
            }
        }
    }

    /// A stable machine-readable code for the kind of refusal.
    pub fn code(&self) -> &'static str {
        match self {
            Self::PersonalData(_) => "personal_data",
            Self::Empty { .. } => "empty",
            Self::Unprintable { .. } => "unprintable",
            Self::TooLong { .. } => "too_long",
            Self::OutOfRange { .. } => "out_of_range",
            Self::UnknownIssue { .. } => "unknown_issue",
            Self::IssueExists { .. } => "issue_exists",
            Self::Malformed { .. } => "malformed",
            Self::UnknownItem { .. } => "unknown_item",
            Self::WrongDocument { .. } => "wrong_document",
            Self::NotPermitted { .. } => "not_permitted",
            Self::Rejected { .. } => "rejected",
        }
    }
}

/// A word that is not one of an enumeration's values.
#[derive(Debug, Error, Clone, PartialEq, Eq)]
#[error("`{given}` is not one of: {}", expected.join(", "))]
pub struct EnumError {
    /// The word given.
    pub given: String,
    /// The accepted words.
    pub expected: &'static [&'static str],
}
