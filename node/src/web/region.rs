//! A network's merged counts for one period: the published counts of its groups summed, drawn as
//! a range chart and a table where a suppressed cell shows the range it may lie in (never a
//! guess), how many groups published, and the same numbers as CSV from the JSON API's route.

use axum::extract::{Path, Query, State};
use axum::response::IntoResponse;
use axum::{Extension, http::StatusCode};
use commonground_protocol::catalogue::IssueEntry;
use commonground_protocol::ids::Period;
use commonground_protocol::publish::RegionRow;
use fluent_bundle::FluentValue;
use maud::html;
use serde::Deserialize;

use super::charts::RangeRow;
use super::i18n::Lang;
use super::pages::{Ctx, layout, region_section};
use super::tally::issue_label;
use super::{PageResult, Web, WebError};
use crate::docs::today_utc;

/// The page's query.
#[derive(Debug, Deserialize)]
pub struct RegionQuery {
    period: Option<String>,
}

/// The merged view's address on this page.
pub fn region_href(network: &str, period: Period) -> String {
    format!("/network/{network}/region?period={period}")
}

/// A row's label in the page's language: built-in issues this group knows are translated, the
/// rest keep the label the network's groups published.
fn label(lang: Lang, issues: &[IssueEntry], row: &RegionRow) -> String {
    issues
        .iter()
        .find(|e| e.key == row.issue && e.built_in)
        .map_or_else(
            || row.label.clone(),
            |e| issue_label(lang, e.key.as_str(), &row.label, true),
        )
}

/// `GET /network/{network}/region?period=YYYY-MM`.
pub async fn page(
    State(web): State<Web>,
    Extension(ctx): Extension<Ctx>,
    Path(network): Path<String>,
    Query(q): Query<RegionQuery>,
) -> PageResult {
    let lang = ctx.lang;
    let period = match q.period.as_deref().filter(|p| !p.is_empty()) {
        None => Period::of(today_utc()),
        Some(p) => p.parse().map_err(|_| WebError::NotFound)?,
    };
    let docs = &web.app.docs;
    let view = docs.region(network, period).await?;
    let id = view.network.to_string();
    let name = docs
        .networks()
        .await?
        .into_iter()
        .find(|n| n.id == view.network)
        .map_or_else(|| id.chars().take(8).collect(), |n| n.name);
    let issues = docs.issues().await?;
    let rows: Vec<RangeRow> = view
        .rows
        .iter()
        .map(|r| RangeRow {
            label: label(lang, &issues, r),
            low: r.low,
            high: r.high,
        })
        .collect();
    let title = lang.t_args("region-title", &[("network", FluentValue::from(name))]);
    let heading = lang.t_args(
        "region-heading",
        &[("period", FluentValue::from(lang.period(period)))],
    );
    let csv = format!("/api/v1/networks/{id}/region.csv?period={period}");
    let body = html! {
        h1 { bdi { (title) } }
        form method="get" action=(format!("/network/{id}/region")) class="inline" {
            div class="field" {
                label for="period" { (ctx.t("tally-period")) }
                input id="period" name="period" type="month" value=(period.to_string());
            }
            button type="submit" { (ctx.t("tally-show")) }
        }
        @if !view.groups.is_empty() {
            p { (lang.t_args("region-groups", &[("n", FluentValue::from(view.groups.len() as i64))])) }
        }
        (region_section(lang, &heading, &rows, &csv))
        p {
            a href=(format!("/tally?period={period}#publish")) { (ctx.t("region-back")) }
        }
    };
    Ok((StatusCode::OK, layout(&ctx, &title, body)).into_response())
}
