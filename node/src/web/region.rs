//! A network's merged counts for one period: the published counts of its groups summed, drawn as
//! a range chart and a table where a suppressed cell shows the range it may lie in (never a
//! guess), how many groups published, and the same numbers as CSV with headers in the page's language.

use axum::extract::{Path, Query, State};
use axum::response::IntoResponse;
use axum::{Extension, http::StatusCode};
use commonground_protocol::catalogue::IssueEntry;
use commonground_protocol::ids::Period;
use commonground_protocol::publish::{RegionRow, RegionView};
use fluent_bundle::FluentValue;
use maud::html;
use serde::Deserialize;

use super::charts::RangeRow;
use super::i18n::Lang;
use super::pages::{Ctx, issue_label, layout, range_text, region_section};
use super::{PageResult, Web, WebError};

/// The page's query.
#[derive(Debug, Deserialize)]
pub struct RegionQuery {
    period: Option<String>,
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

/// One CSV field, always quoted (RFC 4180: a quote inside is doubled).
fn csv_field(text: &str) -> String {
    format!("\"{}\"", text.replace('"', "\"\""))
}

/// `GET /network/{network}/region.csv?period=YYYY-MM`: the page's table as CSV, with headers,
/// labels and ranges in the page's language and numbers in ASCII digits (spreadsheets read
/// them as numbers). The API's `region.csv` keeps fixed English headers for programs.
pub async fn csv(
    State(web): State<Web>,
    Extension(ctx): Extension<Ctx>,
    Path(network): Path<String>,
    Query(q): Query<RegionQuery>,
) -> PageResult {
    let lang = ctx.lang;
    let (period, view, issues) = load(&web, network, &q).await?;
    let header = ["csv-issue", "csv-label", "csv-low", "csv-high", "csv-total"]
        .map(|id| csv_field(&lang.t(id)))
        .join(",");
    let mut out = format!("{header}\r\n");
    for r in &view.rows {
        let total = if r.low == r.high {
            r.low.to_string()
        } else {
            range_text(lang, r.low, r.high)
        };
        out.push_str(&format!(
            "{},{},{},{},{}\r\n",
            csv_field(r.issue.as_str()),
            csv_field(&label(lang, &issues, r)),
            r.low,
            r.high,
            csv_field(&total)
        ));
    }
    let name = format!(
        "attachment; filename=\"region-{}-{period}.csv\"",
        view.network
    );
    Ok((
        StatusCode::OK,
        [
            (
                axum::http::header::CONTENT_TYPE,
                "text/csv; charset=utf-8".to_string(),
            ),
            (axum::http::header::CONTENT_DISPOSITION, name),
        ],
        out,
    )
        .into_response())
}

/// The merged counts of the period `q` names (this month when it names none), with this
/// group's issues, which translate the built-in labels.
async fn load(
    web: &Web,
    network: String,
    q: &RegionQuery,
) -> Result<(Period, RegionView, Vec<IssueEntry>), WebError> {
    let period = match q.period.as_deref().filter(|p| !p.is_empty()) {
        None => Period::of(web.app.docs.today()),
        Some(p) => p.parse().map_err(|_| WebError::NotFound)?,
    };
    let view = web.app.docs.region(network, period).await?;
    let issues = web.app.docs.issues().await?;
    Ok((period, view, issues))
}

/// `GET /network/{network}/region?period=YYYY-MM`.
pub async fn page(
    State(web): State<Web>,
    Extension(ctx): Extension<Ctx>,
    Path(network): Path<String>,
    Query(q): Query<RegionQuery>,
) -> PageResult {
    let lang = ctx.lang;
    let (period, view, issues) = load(&web, network, &q).await?;
    let id = view.network.to_string();
    let name = web
        .app
        .docs
        .networks()
        .await?
        .into_iter()
        .find(|n| n.id == view.network)
        .map_or_else(|| id.chars().take(8).collect(), |n| n.name);
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
    let csv = format!("/network/{id}/region.csv?period={period}");
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
