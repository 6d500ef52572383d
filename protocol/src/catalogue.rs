//! The catalogue of issues people raise: built-in keys with English labels, plus a group's own.

use std::collections::BTreeMap;

use crate::error::ValidationError;
use crate::ids::IssueKey;
use crate::privacy::check_text;

/// The issues every node knows, with their English labels.
pub const BUILT_IN: &[(&str, &str)] = &[
    ("housing", "Housing"),
    ("legal-aid", "Legal aid"),
    ("health", "Health care"),
    ("education", "Education"),
    ("detention", "Detention"),
    ("destitution", "Destitution"),
    ("employment", "Employment"),
    ("immigration-status", "Immigration status"),
    ("hate-crime", "Hate crime"),
    ("mental-health", "Mental health"),
    ("family-reunion", "Family reunion"),
];

/// The longest label accepted.
pub const MAX_LABEL: usize = 80;

/// One issue of a catalogue.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct IssueEntry {
    /// The stable key.
    #[cfg_attr(feature = "openapi", schema(value_type = String, example = "legal-aid"))]
    pub key: IssueKey,
    /// The label shown to people.
    pub label: String,
    /// Whether the key is one of the built-in ones.
    pub built_in: bool,
}

/// The issues a group can count: the built-in ones plus its own custom ones.
#[derive(Debug, Clone, Default)]
pub struct Catalogue {
    custom: BTreeMap<String, String>,
}

impl Catalogue {
    /// A catalogue with the given custom issues (key → label) beside the built-in ones.
    pub fn new(custom: BTreeMap<String, String>) -> Self {
        Self { custom }
    }

    /// Every issue, built-in first, then custom ones by key.
    pub fn entries(&self) -> Vec<IssueEntry> {
        let built_in = BUILT_IN.iter().map(|(k, l)| (*k, *l, true));
        let custom = self
            .custom
            .iter()
            .map(|(k, l)| (k.as_str(), l.as_str(), false));
        built_in
            .chain(custom)
            .filter_map(|(key, label, built_in)| {
                Some(IssueEntry {
                    key: key.parse().ok()?,
                    label: label.to_string(),
                    built_in,
                })
            })
            .collect()
    }

    fn contains(&self, key: &str) -> bool {
        BUILT_IN.iter().any(|(k, _)| *k == key) || self.custom.contains_key(key)
    }

    /// The key of a known issue, or a refusal that suggests the nearest known key.
    pub fn resolve(&self, text: &str) -> Result<IssueKey, ValidationError> {
        if let Some(key) = self.contains(text).then(|| text.parse().ok()).flatten() {
            return Ok(key);
        }
        let wanted = normalise(text);
        let suggestion = self
            .entries()
            .into_iter()
            .map(|e| {
                let by_key = strsim::normalized_damerau_levenshtein(&wanted, e.key.as_str());
                let by_label =
                    strsim::normalized_damerau_levenshtein(&wanted, &normalise(&e.label));
                (by_key.max(by_label), e.key)
            })
            .filter(|(score, _)| *score >= 0.5)
            .max_by(|a, b| a.0.total_cmp(&b.0))
            .map(|(_, key)| key.to_string());
        Err(ValidationError::UnknownIssue {
            key: text.chars().take(50).collect(),
            suggestion,
        })
    }

    /// Checks a new custom issue: a well-formed key not yet known, a label that is not empty, not
    /// too long and free of personal data.
    pub fn check_new(&self, key: &str, label: &str) -> Result<IssueKey, ValidationError> {
        let key: IssueKey = key.parse().map_err(|source| ValidationError::Malformed {
            field: "issue key",
            source,
        })?;
        if self.contains(key.as_str()) {
            return Err(ValidationError::IssueExists {
                key: key.to_string(),
            });
        }
        check_label("issue label", label, MAX_LABEL)?;
        Ok(key)
    }
}

/// Checks a short required text (one line): not blank, at most `max` characters, no control
/// character, no bidi override, something visible, no personal data.
pub fn check_label(field: &'static str, text: &str, max: usize) -> Result<(), ValidationError> {
    if crate::text::is_blank(text) {
        return Err(ValidationError::Empty { field });
    }
    check_chars(field, text, max, false, true)
}

/// Checks an optional text: at most `max` characters, no control character but line breaks and
/// tabs, no bidi override, something visible if not empty, no personal data.
pub fn check_long_text(field: &'static str, text: &str, max: usize) -> Result<(), ValidationError> {
    check_chars(field, text, max, true, true)
}

/// Checks a long text as merged from edits made elsewhere: as [`check_long_text`], except that
/// a text with nothing visible in it passes. Two edits that each leave something visible can
/// merge into a text that has nothing visible (one deletes the word before a line break, the
/// other the word after it); that is refused when typed, never when merged, so that replicas
/// never disagree about a merge. Control characters and overrides cannot appear by merging:
/// some edit typed them.
pub fn check_merged_text(
    field: &'static str,
    text: &str,
    max: usize,
) -> Result<(), ValidationError> {
    check_chars(field, text, max, true, false)
}

fn check_chars(
    field: &'static str,
    text: &str,
    max: usize,
    long: bool,
    visible: bool,
) -> Result<(), ValidationError> {
    let len = text.chars().count();
    if len > max {
        return Err(ValidationError::TooLong { field, len, max });
    }
    match crate::text::unprintable(text, long) {
        Some(crate::text::Unprintable::Invisible) if !visible => {}
        Some(what) => return Err(ValidationError::Unprintable { field, what }),
        None => {}
    }
    check_text(field, text)?;
    Ok(())
}

fn normalise(text: &str) -> String {
    text.trim()
        .to_lowercase()
        .chars()
        .map(|c| if c.is_alphanumeric() { c } else { '-' })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn built_in_keys_are_valid_and_resolve() {
        let c = Catalogue::default();
        for (key, _) in BUILT_IN {
            assert_eq!(c.resolve(key).unwrap().as_str(), *key);
        }
        assert_eq!(c.entries().len(), BUILT_IN.len());
    }

    #[test]
    fn unknown_keys_get_the_nearest_suggestion() {
        let c = Catalogue::default();
        let suggest = |t: &str| match c.resolve(t) {
            Err(ValidationError::UnknownIssue { suggestion, .. }) => suggestion,
            other => panic!("{other:?}"),
        };
        assert_eq!(suggest("housng").as_deref(), Some("housing"));
        assert_eq!(suggest("legal_aid").as_deref(), Some("legal-aid"));
        assert_eq!(suggest("Legal aid").as_deref(), Some("legal-aid"));
        assert_eq!(suggest("healthcare").as_deref(), Some("health"));
        assert_eq!(suggest("xyzzy-quux-frobnicate"), None);
        let msg = c.resolve("housng").unwrap_err().to_string();
        assert_eq!(msg, "unknown issue `housng` (did you mean `housing`?)");
    }

    #[test]
    fn custom_issues_join_the_catalogue() {
        let mut custom = BTreeMap::new();
        custom.insert("food-banks".to_string(), "Food banks".to_string());
        let c = Catalogue::new(custom);
        assert!(c.resolve("food-banks").is_ok());
        assert!(matches!(
            c.check_new("housing", "Housing"),
            Err(ValidationError::IssueExists { .. })
        ));
        assert!(matches!(
            c.check_new("food-banks", "x"),
            Err(ValidationError::IssueExists { .. })
        ));
        assert!(matches!(
            c.check_new("Bad Key", "x"),
            Err(ValidationError::Malformed { .. })
        ));
        assert!(matches!(
            c.check_new("transport", " "),
            Err(ValidationError::Empty { .. })
        ));
        assert!(matches!(
            c.check_new("transport", "Ask jo@example.org"),
            Err(ValidationError::PersonalData(_))
        ));
        assert_eq!(
            c.check_new("transport", "Transport").unwrap().as_str(),
            "transport"
        );
    }
}
