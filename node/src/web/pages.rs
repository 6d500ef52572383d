//! What every page shares: the layout (header, navigation, language switch), form fields with
//! their labels and refusal messages, and the translation of the rules' refusals.
//!
//! It also holds the regional view's rendering ([`region_section`]): a range chart and table of
//! merged counts with honest ranges for suppressed cells, served by the `region` page; and what
//! several pages name the same way: an issue's label ([`issue_label`]) and the regional view's
//! address ([`region_href`]).

use std::collections::HashMap;

use commonground_protocol::ValidationError;
use commonground_protocol::ids::{Day, Period};
use commonground_protocol::privacy::PersonalDataKind;
use commonground_protocol::text::Unprintable;
use fluent_bundle::FluentValue;
use maud::{DOCTYPE, Markup, html};

use super::charts::{RangeRow, range_chart};
use super::i18n::Lang;
use crate::docs::DocsError;

/// What the guard tells every page about its request.
#[derive(Debug, Clone)]
pub struct Ctx {
    /// The page's language.
    pub lang: Lang,
    /// The CSRF token every form must carry.
    pub csrf: String,
    /// Where the language switch leads, ending in `?` or `&` (see the guard).
    pub switch: String,
    /// Whether the request came with a live login session.
    pub signed_in: bool,
    /// Whether the request came from another machine.
    pub remote: bool,
    /// The time of the request, in unix seconds, by the node's clock.
    pub now: i64,
    /// The message key of the banner shown while the store cannot be written (a full or
    /// read-only disk).
    pub storage: Option<&'static str>,
}

impl Ctx {
    /// A message in the page's language.
    pub fn t(&self, id: &str) -> String {
        self.lang.t(id)
    }

    /// The day of the request (UTC).
    pub fn today(&self) -> Day {
        crate::docs::day_of(self.now)
    }
}

/// The page around `body`.
pub fn layout(ctx: &Ctx, title: &str, body: Markup) -> Markup {
    let lang = ctx.lang;
    html! {
        (DOCTYPE)
        html lang=(lang.tag()) dir=(lang.dir()) {
            head {
                meta charset="utf-8";
                meta name="viewport" content="width=device-width, initial-scale=1";
                meta name="referrer" content="no-referrer";
                title { (title) " · Common Ground" }
                link rel="stylesheet" href="/assets/style.css";
                link rel="icon" href="/assets/icon.svg" type="image/svg+xml";
                script src="/assets/live.js" defer {}
            }
            body {
                a class="skip" href="#main" { (lang.t("skip-to-content")) }
                header class="top" {
                    p class="brand" { a href="/" { "Common Ground" } }
                    nav aria-label=(lang.t("nav-label")) {
                        ul {
                            li { a href="/tally" { (lang.t("nav-tally")) } }
                            li { a href="/plans" { (lang.t("nav-plans")) } }
                            li { a href="/network" { (lang.t("nav-network")) } }
                        }
                    }
                    nav class="langs" aria-label=(lang.t("lang-label")) {
                        ul {
                            @for l in Lang::ALL {
                                li {
                                    @if l == lang {
                                        span aria-current="true" lang=(l.tag()) { (l.endonym()) }
                                    } @else {
                                        a href=(format!("{}lang={}", ctx.switch, l.tag())) lang=(l.tag())
                                            hreflang=(l.tag()) { (l.endonym()) }
                                    }
                                }
                            }
                        }
                    }
                    @if ctx.signed_in {
                        form method="post" action="/logout" class="logout" {
                            (csrf(ctx))
                            button type="submit" { (lang.t("logout")) }
                        }
                    }
                }
                @if let Some(key) = ctx.storage {
                    p class="banner" role="alert" { (lang.t(key)) }
                }
                main id="main" tabindex="-1" { (body) }
            }
        }
    }
}

/// The hidden CSRF field of every form.
pub fn csrf(ctx: &Ctx) -> Markup {
    html! { input type="hidden" name="csrf" value=(ctx.csrf); }
}

/// A form's fields as sent, in order (a name may repeat).
pub type Fields = Vec<(String, String)>;

/// The value of a form field, or "" when absent.
pub fn value_of<'a>(fields: &'a Fields, name: &str) -> &'a str {
    fields
        .iter()
        .find(|(k, _)| k == name)
        .map_or("", |(_, v)| v.as_str())
}

/// The non-empty lines of a text area, trimmed: one decision or agenda item a line.
pub fn lines(text: &str) -> Vec<String> {
    text.lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .map(str::to_string)
        .collect()
}

/// A refusal of a form by a rule: the input it concerns (if the form has it) and a message in
/// the page's language.
#[derive(Debug, Clone)]
pub struct Refusal {
    /// The form that was refused, so that the message sits beside the right one (item forms are
    /// named after their item, e.g. `action-0a1b2c3d4e5f`).
    pub form: String,
    /// The input the refusal names, if any.
    pub input: Option<String>,
    /// What to tell the organiser.
    pub message: String,
}

/// The form input that a rule's field name stands for.
fn input_of(field: &str) -> &str {
    match field {
        "action title" | "plan title" => "title",
        "action notes" => "notes",
        "target role" => "role",
        "target institution" => "institution",
        "meeting with" => "with",
        "agenda item" => "agenda",
        "meeting outcome" => "outcome",
        "decision" => "decisions",
        "count" | "issue" => "issues",
        "network name" => "name",
        other => other,
    }
}

/// Kinds of personal data that share the same advice share its message.
fn advice_key(kind: PersonalDataKind) -> &'static str {
    match kind {
        PersonalDataKind::Phone | PersonalDataKind::Email => "contact",
        PersonalDataKind::NationalInsurance
        | PersonalDataKind::NhsNumber
        | PersonalDataKind::Reference => "reference",
        other => other.key(),
    }
}

/// A rule's refusal in the page's language.
pub fn refusal_message(lang: Lang, e: &ValidationError) -> String {
    let n = FluentValue::from;
    match e {
        ValidationError::PersonalData(p) => {
            let kind = lang.t(&format!("pd-{}", p.kind.key()));
            let advice = lang.t(&format!("pd-advice-{}", advice_key(p.kind)));
            lang.t_args(
                "refused-personal-data",
                &[
                    ("kind", FluentValue::from(kind)),
                    ("advice", FluentValue::from(advice)),
                ],
            )
        }
        ValidationError::Empty { .. } => lang.t("refused-empty"),
        ValidationError::Unprintable { what, .. } => match what {
            Unprintable::Control(c) => lang.t_args(
                "refused-control",
                &[("code", FluentValue::from(format!("U+{:04X}", *c as u32)))],
            ),
            Unprintable::BidiOverride(c) => lang.t_args(
                "refused-bidi-override",
                &[("code", FluentValue::from(format!("U+{:04X}", *c as u32)))],
            ),
            Unprintable::Invisible => lang.t("refused-invisible"),
        },
        ValidationError::TooLong { max, .. } => {
            lang.t_args("refused-too-long", &[("max", n(*max as i64))])
        }
        ValidationError::OutOfRange { min, max, .. } => lang.t_args(
            "refused-out-of-range",
            &[("min", n(*min)), ("max", n(*max))],
        ),
        ValidationError::UnknownIssue { .. } => lang.t("refused-unknown-issue"),
        ValidationError::IssueExists { .. } => lang.t("refused-issue-exists"),
        ValidationError::Malformed { .. } => lang.t("refused-malformed"),
        ValidationError::UnknownItem { .. } => lang.t("refused-unknown-item"),
        ValidationError::Rejected { field: "base", .. } => lang.t("refused-base"),
        ValidationError::Rejected {
            field: "period",
            reason,
        } if reason.contains("not over") => lang.t("refused-month-not-over"),
        ValidationError::Rejected { .. } | ValidationError::WrongDocument { .. } => {
            lang.t("refused-malformed")
        }
        // The reasons are the rules' own sentences; each known one has its translation.
        ValidationError::NotPermitted { reason } => {
            lang.t(if reason.contains("plan's collaborating") {
                "refused-not-collaborator"
            } else if reason.contains("coordinators") {
                "refused-not-coordinator"
            } else if reason.contains("at least one collaborating") {
                "refused-last-collaborator"
            } else if reason.contains("collaborator must be a member") {
                "refused-collaborator-member"
            } else {
                "refused-not-permitted"
            })
        }
    }
}

impl Refusal {
    /// The refusal in a documents error, if it is one; other errors stay errors.
    pub fn of(form: impl Into<String>, lang: Lang, e: DocsError) -> Result<Self, DocsError> {
        match e {
            DocsError::Invalid(v) => Ok(Self {
                form: form.into(),
                input: v.field().map(|f| input_of(f).to_string()),
                message: refusal_message(lang, &v),
            }),
            DocsError::NotFound { .. } => Ok(Self {
                form: form.into(),
                input: None,
                message: lang.t("refused-unknown-item"),
            }),
            other => Err(other),
        }
    }

    /// A refusal of malformed input the form itself caught (a date or number that does not
    /// parse), before any rule ran.
    pub fn malformed(form: impl Into<String>, lang: Lang, input: &str) -> Self {
        Self {
            form: form.into(),
            input: Some(input.to_string()),
            message: lang.t("refused-malformed"),
        }
    }
}

/// A form as the organiser filled it in, kept to show again beside a refusal.
#[derive(Debug, Clone, Default)]
pub struct Filled {
    refusal: Option<Refusal>,
    values: HashMap<String, String>,
}

impl Filled {
    /// A refused form and its values.
    pub fn refused(refusal: Refusal, values: &[(String, String)]) -> Self {
        Self {
            refusal: Some(refusal),
            values: values
                .iter()
                .filter(|(k, _)| k != "csrf")
                .cloned()
                .collect(),
        }
    }

    /// What `form`'s input `name` should show: what was typed if this form was refused, else
    /// `default`.
    pub fn value(&self, form: &str, name: &str, default: &str) -> String {
        match &self.refusal {
            Some(r) if r.form == form => self.values.get(name).cloned().unwrap_or_default(),
            _ => default.to_string(),
        }
    }

    /// The refusal message for `form`'s input `name`, if it is the one refused.
    pub fn error(&self, form: &str, name: &str) -> Option<&str> {
        self.refusal
            .as_ref()
            .filter(|r| r.form == form && r.input.as_deref() == Some(name))
            .map(|r| r.message.as_str())
    }

    /// A refusal of `form` that names none of the inputs given, to show above the form.
    pub fn general(&self, form: &str, inputs: &[&str]) -> Option<&str> {
        self.refusal
            .as_ref()
            .filter(|r| r.form == form)
            .filter(|r| r.input.as_deref().is_none_or(|i| !inputs.contains(&i)))
            .map(|r| r.message.as_str())
    }
}

/// How an input is drawn.
#[derive(Debug, Clone, Copy)]
pub enum Input<'a> {
    /// `<input type=…>` with extra `min`/`max` where given.
    Typed(&'a str, Option<i64>, Option<i64>),
    /// A `<textarea>`.
    Area,
    /// A `<select>` of (value, label).
    Choice(&'a [(String, String)]),
}

/// A labelled field of form `form`: its label, the input, and the refusal beside it if the
/// form was refused for this input. Ids are `form-name`, unique on the page.
pub fn field(
    filled: &Filled,
    form: &str,
    name: &str,
    label: &str,
    input: Input<'_>,
    default: &str,
    required: bool,
) -> Markup {
    let id = format!("{form}-{name}");
    let error_id = format!("{id}-error");
    let error = filled.error(form, name);
    let value = filled.value(form, name, default);
    let invalid = error.map(|_| "true");
    let described = error.map(|_| error_id.as_str());
    html! {
        div class=(if error.is_some() { "field invalid" } else { "field" }) {
            label for=(id) { (label) }
            @match input {
                Input::Typed(kind, min, max) => {
                    // dir=auto: text typed in another script than the page's shows in its own
                    // direction (an English goal on the Arabic page), as it is stored.
                    input id=(id) name=(name) type=(kind) value=(value) required[required]
                        dir=[(kind == "text").then_some("auto")]
                        min=[min] max=[max] aria-invalid=[invalid] aria-describedby=[described];
                }
                Input::Area => {
                    textarea id=(id) name=(name) rows="3" required[required] dir="auto"
                        aria-invalid=[invalid] aria-describedby=[described] { (value) }
                }
                Input::Choice(options) => {
                    select id=(id) name=(name) aria-invalid=[invalid] aria-describedby=[described] {
                        @for (v, l) in options {
                            option value=(v) selected[*v == value] { (l) }
                        }
                    }
                }
            }
            @if let Some(e) = error {
                p class="error" id=(error_id) role="alert" { (e) }
            }
        }
    }
}

/// What happened, at the top of the page after a save or a refusal: the page's script moves
/// focus here (`#flash`). A refusal names the field and links to it.
pub fn flash(ctx: &Ctx, filled: &Filled, done: Option<&str>) -> Markup {
    html! {
        @if let Some(r) = &filled.refusal {
            div id="flash" class="flash refused" role="alert" tabindex="-1" {
                p {
                    strong { (ctx.t("flash-not-saved")) } " " (r.message) " "
                    a href=(format!("#{}-{}", r.form, r.input.as_deref().unwrap_or("form"))) { (ctx.t("flash-to-field")) }
                }
            }
        } @else if let Some(message) = done {
            div id="flash" class="flash done" role="status" tabindex="-1" { p { (message) } }
        }
    }
}

/// A refusal shown above a form when it names no input of it.
pub fn form_error(filled: &Filled, form: &str, inputs: &[&str]) -> Markup {
    html! {
        @if let Some(e) = filled.general(form, inputs) {
            p class="error" role="alert" { (e) }
        }
    }
}

/// A suppressed cell as the range it may lie in: "between 0 and 4".
pub fn range_text(lang: Lang, low: i64, high: i64) -> String {
    lang.t_args(
        "region-between",
        &[
            ("low", FluentValue::from(low)),
            ("high", FluentValue::from(high)),
        ],
    )
}

/// The regional view: merged counts of a network's groups for one period as a range chart
/// (suppressed cells drawn as the range they may lie in, never as a guess) and a table, with a
/// link to the same numbers as CSV. `csv_href` is the CSV's address on this node.
pub fn region_section(lang: Lang, title: &str, rows: &[RangeRow], csv_href: &str) -> Markup {
    html! {
        section class="card" aria-labelledby="region-title" {
            h2 id="region-title" { (title) }
            @if rows.is_empty() {
                p { (lang.t("region-empty")) }
            } @else {
                (range_chart(title, rows, lang))
                table {
                    caption { (title) }
                    thead { tr { th scope="col" { (lang.t("col-issue")) } th scope="col" { (lang.t("col-count")) } } }
                    tbody {
                        @for r in rows {
                            tr {
                                th scope="row" { bdi { (r.label) } }
                                td class="num" {
                                    @if r.low == r.high { (lang.number(r.low)) }
                                    @else { (range_text(lang, r.low, r.high)) }
                                }
                            }
                        }
                    }
                }
                p class="note" { (lang.t("region-ranges")) }
                p { a href=(csv_href) download { (lang.t("region-csv")) } }
            }
        }
    }
}

/// An issue's label in the page's language: built-in issues are translated, the group's own
/// keep the label it gave them.
pub fn issue_label(lang: Lang, entry_key: &str, label: &str, built_in: bool) -> String {
    let id = format!("issue-{entry_key}");
    if built_in && lang.has(&id) {
        lang.t(&id)
    } else {
        label.to_string()
    }
}

/// The merged view's address on the region page.
pub fn region_href(network: &str, period: Period) -> String {
    format!("/network/{network}/region?period={period}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_region_section_shows_ranges_honestly() {
        let rows = [
            RangeRow::exact("Housing", 31),
            RangeRow {
                label: "Detention".into(),
                low: 0,
                high: 8,
            },
        ];
        let html = region_section(Lang::En, "West Midlands", &rows, "/region.csv").into_string();
        assert!(
            html.contains(">31<") && html.contains(">between 0 and 8<"),
            "{html}"
        );
        assert!(html.contains("href=\"/region.csv\""));
        assert_eq!(html.matches("class=\"bar-range\"").count(), 1);
        let empty = region_section(Lang::Fr, "x", &[], "/r.csv").into_string();
        assert!(!empty.contains("<svg"));
    }

    #[test]
    fn refusals_name_the_form_input() {
        let e = DocsError::Invalid(ValidationError::Empty {
            field: "action title",
        });
        let r = Refusal::of("action", Lang::Fr, e).unwrap();
        assert_eq!(r.input.as_deref(), Some("title"));
        let filled = Filled::refused(r, &[("title".into(), " ".into())]);
        assert!(filled.error("action", "title").is_some());
        assert!(
            filled.error("edit", "title").is_none(),
            "another form's title"
        );
        assert_eq!(filled.value("edit", "title", "Plan"), "Plan");
    }
}
