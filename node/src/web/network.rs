//! The network page: this group, the networks it belongs to with their members and roles,
//! connected peers with when each shared document was last in sync, invites (a code and its QR
//! code), and the forms to create or join a network.

use std::collections::BTreeMap;

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect};
use axum::{Extension, Form};
use commonground_protocol::ids::Period;
use commonground_protocol::network::{NetworkView, Role};
use fluent_bundle::FluentValue;
use maud::{Markup, PreEscaped, html};
use qrcode::QrCode;
use qrcode::render::svg;

use super::i18n::Lang;
use super::pages::{
    Ctx, Fields, Filled, Input, Refusal, csrf, field, form_error, layout, region_href, value_of,
};
use super::{PageResult, Web, WebError};
use crate::app::{
    ApiError, InviteView, JoinNetwork, PeerView, join_network, make_invite, peer_views,
};

/// How long invites may be made for, as the API spells them.
const EXPIRIES: [&str; 4] = ["1h", "24h", "48h", "7d"];

/// "N minutes ago" for a unix time, seen at `now`.
fn ago(lang: Lang, now: i64, then: u64) -> String {
    let minutes = (now.max(0) as u64).saturating_sub(then) / 60;
    lang.t_args("minutes-ago", &[("n", FluentValue::from(minutes as i64))])
}

/// An invite code as an SVG QR code, drawn by the `qrcode` crate and embedded in the page.
/// The XML prologue and namespace are dropped: inline SVG in HTML needs neither, and the page
/// then names no address outside the node.
pub fn qr_svg(code: &str) -> Option<String> {
    let qr = QrCode::new(code.as_bytes()).ok()?;
    let image = qr
        .render::<svg::Color<'_>>()
        .min_dimensions(240, 240)
        .quiet_zone(true)
        .build();
    let start = image.find("<svg")?;
    let svg = image[start..].replacen(" xmlns=\"http://www.w3.org/2000/svg\"", "", 1);
    Some(svg.replacen(
        "<svg",
        "<svg class=\"qr\" role=\"img\" aria-hidden=\"true\"",
        1,
    ))
}

/// `GET /network`.
pub async fn page(State(web): State<Web>, Extension(ctx): Extension<Ctx>) -> PageResult {
    render(&web, &ctx, None, &Filled::default(), StatusCode::OK).await
}

async fn render(
    web: &Web,
    ctx: &Ctx,
    invite: Option<&InviteView>,
    filled: &Filled,
    status: StatusCode,
) -> PageResult {
    let lang = ctx.lang;
    let docs = &web.app.docs;
    let me = docs.group();
    let networks = docs.networks().await?;
    let peers = match &web.app.net {
        Some(_) => Some(peer_views(&web.app).await?),
        None => None,
    };
    // Names of the documents peers sync: networks by name, plans by title.
    let mut names: BTreeMap<String, String> = networks
        .iter()
        .map(|n| (n.id.to_string(), n.name.clone()))
        .collect();
    names.extend(
        docs.plans()
            .await?
            .into_iter()
            .map(|p| (p.id.to_string(), p.title)),
    );
    let reach = match web.app.net_status().await {
        Some(status) => Some(reachability(ctx, &status, &docs.names().await?)),
        None => None,
    };
    let expiries: Vec<(String, String)> = EXPIRIES
        .iter()
        .map(|e| (e.to_string(), lang.t(&format!("invite-expires-{e}"))))
        .collect();
    let title = ctx.t("network-title");
    let body = html! {
        h1 { (title) }
        section class="card" aria-labelledby="me-title" {
            h2 id="me-title" { (ctx.t("network-me")) }
            p { bdi { (web.app.group_name) } }
            p { (ctx.t("network-group-id")) " " code class="id" { (me.to_string()) } }
            @if let Some(reach) = &reach { p id="reachability" { (reach) } }
            p class="note" {
                (ctx.t("network-api")) " "
                a href="/api/v1/openapi.json" { "/api/v1/openapi.json" }
            }
        }
        @if let Some(inv) = invite { (invite_card(ctx, inv)) }
        @for n in &networks {
            (network_card(ctx, n, me, &expiries, filled))
        }
        (peers_card(ctx, peers.as_deref(), &names))
        section class="card" aria-labelledby="create-title" {
            h2 id="create-title" { (ctx.t("network-create")) }
            form method="post" action="/network" novalidate {
                (csrf(ctx))
                (form_error(filled, "create", &["name", "group_name"]))
                (field(filled, "create", "name", &ctx.t("network-name"), Input::Typed("text", None, None), "", true))
                (field(filled, "create", "group_name", &ctx.t("network-group-name"), Input::Typed("text", None, None), &web.app.group_name, false))
                button type="submit" { (ctx.t("network-create-submit")) }
            }
        }
        section class="card" aria-labelledby="join-title" {
            h2 id="join-title" { (ctx.t("network-join")) }
            form method="post" action="/network/join" novalidate {
                (csrf(ctx))
                (form_error(filled, "join", &["code", "group_name"]))
                (field(filled, "join", "code", &ctx.t("network-code"), Input::Typed("text", None, None), "", true))
                (field(filled, "join", "group_name", &ctx.t("network-group-name"), Input::Typed("text", None, None), &web.app.group_name, false))
                button type="submit" { (ctx.t("network-join-submit")) }
            }
        }
    };
    Ok((status, layout(ctx, &title, body)).into_response())
}

fn network_card(
    ctx: &Ctx,
    n: &NetworkView,
    me: commonground_protocol::GroupId,
    expiries: &[(String, String)],
    filled: &Filled,
) -> Markup {
    let lang = ctx.lang;
    let coordinator = n
        .members
        .iter()
        .any(|m| m.group == me && m.role == Role::Coordinator);
    let form = "invite";
    html! {
        section class="card" aria-labelledby=(format!("net-{}", n.id)) {
            h2 id=(format!("net-{}", n.id)) { bdi { (n.name) } }
            table {
                caption { (ctx.t("network-members")) }
                thead { tr {
                    th scope="col" { (ctx.t("col-group")) }
                    th scope="col" { (ctx.t("col-role")) }
                    th scope="col" { (ctx.t("col-joined")) }
                } }
                tbody {
                    @for m in &n.members {
                        tr {
                            th scope="row" {
                                bdi { (m.name) }
                                @if m.group == me { " " span class="badge" { (ctx.t("network-this-group")) } }
                            }
                            td { (lang.t(&format!("role-{}", m.role))) }
                            td { (lang.date(m.joined)) }
                        }
                    }
                }
            }
            p {
                a href=(region_href(&n.id.to_string(), Period::of(ctx.today()))) {
                    (lang.t_args("region-link", &[("network", FluentValue::from(n.name.clone()))]))
                }
                (lang.sep())
                a href="/tally#publish" { (ctx.t("network-publish-link")) }
            }
            (settings_text(lang, n))
            @if coordinator {
                (settings_form(ctx, n, filled))
                form method="post" action=(format!("/network/{}/invite", n.id)) class="inline" {
                    (csrf(ctx))
                    (form_error(filled, form, &["expires", "role"]))
                    // One invite form per network: ids carry the network's.
                    div class="field" {
                        label for=(format!("expires-{}", n.id)) { (ctx.t("invite-expires")) }
                        select id=(format!("expires-{}", n.id)) name="expires" {
                            @for (v, l) in expiries {
                                option value=(v) selected[v == "48h"] { (l) }
                            }
                        }
                    }
                    div class="field" {
                        label for=(format!("role-{}", n.id)) { (ctx.t("invite-role")) }
                        select id=(format!("role-{}", n.id)) name="role" {
                            @for r in [Role::Member, Role::Aggregator, Role::Coordinator] {
                                option value=(r.to_string()) selected[r == Role::Member] { (ctx.t(&format!("role-{r}"))) }
                            }
                        }
                    }
                    button type="submit" { (ctx.t("invite-make")) }
                }
            }
        }
    }
}

/// The time zones offered: every whole hour from −12:00 to +14:00 and the half- and
/// three-quarter hours in use (India, Iran, Afghanistan, Nepal, Myanmar, Newfoundland, …).
const ZONES: [i64; 36] = [
    -720, -660, -600, -570, -540, -480, -420, -360, -300, -240, -210, -180, -120, -60, 0, 60, 120,
    180, 210, 240, 270, 300, 330, 345, 360, 390, 420, 480, 525, 540, 570, 600, 630, 660, 720, 780,
];

/// What the network's settings mean for publishing, for every member: the threshold and when
/// a month may be published.
fn settings_text(lang: Lang, n: &NetworkView) -> Markup {
    let s = &n.settings;
    let zone = FluentValue::from(s.zone());
    let k = FluentValue::from(s.k);
    html! {
        p class="note" {
            (lang.t_args("network-threshold", &[("k", k)])) " "
            (lang.t_args(if s.open_months { "network-open-months" } else { "network-closed-months" }, &[("zone", zone)]))
        }
    }
}

/// A coordinator's form for the network's settings: the threshold, open months, time zone.
fn settings_form(ctx: &Ctx, n: &NetworkView, filled: &Filled) -> Markup {
    let s = &n.settings;
    let id = |name: &str| format!("{name}-{}", n.id);
    let mut zones: Vec<i64> = ZONES.to_vec();
    if !zones.contains(&s.utc_offset_minutes) {
        zones.push(s.utc_offset_minutes);
        zones.sort_unstable();
    }
    let zone_text = |m: i64| {
        commonground_protocol::network::Settings {
            utc_offset_minutes: m,
            ..s.clone()
        }
        .zone()
    };
    html! {
        details class="settings" {
            summary { (ctx.t("network-settings")) }
            form method="post" action=(format!("/network/{}/settings", n.id)) {
                (csrf(ctx))
                (form_error(filled, "settings", &[]))
                div class="field" {
                    label for=(id("k")) { (ctx.t("network-k")) }
                    input id=(id("k")) name="k" type="number" min="0" max="100" value=(s.k) required;
                }
                div class="field" {
                    label for=(id("zone")) { (ctx.t("network-zone")) }
                    select id=(id("zone")) name="utc_offset" {
                        @for m in &zones {
                            option value=(m) selected[*m == s.utc_offset_minutes] { (zone_text(*m)) }
                        }
                    }
                }
                p {
                    label {
                        input id=(id("open")) name="open_months" type="checkbox" value="on" checked[s.open_months];
                        " " (ctx.t("network-open-months-label"))
                    }
                }
                p class="note" { (ctx.t("network-k-note")) }
                button type="submit" { (ctx.t("network-settings-submit")) }
            }
        }
    }
}

/// `POST /network/{network}/settings`: a coordinator changes the threshold, open months and
/// time zone. A threshold raised re-issues this group's published counts at once.
pub async fn settings(
    State(web): State<Web>,
    Extension(ctx): Extension<Ctx>,
    Path(network): Path<String>,
    Form(fields): Form<Fields>,
) -> PageResult {
    let k = value_of(&fields, "k").trim().parse::<i64>();
    let offset = value_of(&fields, "utc_offset").trim().parse::<i64>();
    let open = value_of(&fields, "open_months") == "on";
    let refused = match (k, offset) {
        (Ok(k), Ok(offset)) => match web
            .app
            .docs
            .set_settings(network, Some(k), Some(open), Some(offset))
            .await
        {
            Ok(_) => return Ok(Redirect::to("/network").into_response()),
            Err(e) => Refusal::of("settings", ctx.lang, e)?,
        },
        (Err(_), _) => Refusal::malformed("settings", ctx.lang, "k"),
        (_, Err(_)) => Refusal::malformed("settings", ctx.lang, "utc_offset"),
    };
    let filled = Filled::refused(refused, &fields);
    render(&web, &ctx, None, &filled, StatusCode::UNPROCESSABLE_ENTITY).await
}

/// How long an invite stays valid, `left` seconds from now, in the largest unit that keeps it
/// honest: whole days from two days on, whole hours from two hours on, else minutes.
fn validity(lang: Lang, left: i64) -> String {
    let left = left.max(0);
    let (id, n) = match left {
        l if l >= 2 * 86_400 => ("invite-valid-days", l / 86_400),
        l if l >= 2 * 3_600 => ("invite-valid-hours", l / 3_600),
        l => ("invite-valid-minutes", l / 60),
    };
    lang.t_args(
        id,
        &[
            ("n", FluentValue::from(n)),
            ("shown", FluentValue::from(lang.number(n))),
        ],
    )
}

fn invite_card(ctx: &Ctx, inv: &InviteView) -> Markup {
    html! {
        section class="card invite" aria-labelledby="invite-title" {
            h2 id="invite-title" { (ctx.t("invite-title")) }
            p { (ctx.t("invite-intro")) }
            div class="field" {
                label for="invite-code" { (ctx.t("invite-code")) }
                textarea id="invite-code" readonly rows="4" class="code" { (inv.code) }
                // live.js copies the code and says so in the status line beside it.
                button type="button" data-copy="invite-code" data-copied=(ctx.t("invite-copied"))
                    data-copy-failed=(ctx.t("invite-copy-failed")) {
                    (ctx.t("invite-copy"))
                }
                span role="status" class="note" {}
            }
            @if let Some(svg) = qr_svg(&inv.code) {
                figure {
                    (PreEscaped(svg))
                    figcaption { (ctx.t("invite-qr")) }
                }
            }
            p { (ctx.lang.t_args("invite-grants", &[("role", FluentValue::from(ctx.t(&format!("role-{}", inv.role))))])) }
            p class="note" {
                (validity(ctx.lang, inv.expires_at - ctx.now))
            }
        }
    }
}

/// How other groups reach this node, and whether it relays for them, in words.
fn reachability(
    ctx: &Ctx,
    status: &crate::net::NetStatus,
    names: &BTreeMap<commonground_protocol::GroupId, String>,
) -> String {
    use crate::net::reach::Reachability;
    let lang = ctx.lang;
    let reach = match &status.reachability {
        Reachability::Unknown => ctx.t("reach-unknown"),
        Reachability::Direct { .. } => ctx.t("reach-direct"),
        Reachability::Relayed { relay } => {
            let name = relay
                .parse()
                .ok()
                .and_then(|g| names.get(&g).cloned())
                .unwrap_or_else(|| relay.chars().take(12).collect());
            lang.t_args("reach-relayed", &[("relay", FluentValue::from(name))])
        }
        Reachability::Unreachable => ctx.t("reach-unreachable"),
    };
    if status.relaying {
        let count = FluentValue::from(status.relayed_members as i64);
        format!(
            "{reach} {}",
            lang.t_args("reach-relaying", &[("count", count)])
        )
    } else {
        reach
    }
}

fn peers_card(ctx: &Ctx, peers: Option<&[PeerView]>, names: &BTreeMap<String, String>) -> Markup {
    let lang = ctx.lang;
    html! {
        section class="card" aria-labelledby="peers-title" {
            h2 id="peers-title" { (ctx.t("peers-title")) }
            @match peers {
                None => p { (ctx.t("peers-no-network")) },
                Some([]) => p { (ctx.t("peers-none")) },
                Some(peers) => ul class="records" {
                    @for p in peers {
                        @let who = p.name.clone().unwrap_or_else(|| p.group.chars().take(12).collect());
                        li {
                            strong { bdi { (who) } } (lang.sep())
                            (lang.t_args("peer-connected", &[("ago", FluentValue::from(ago(lang, ctx.now, p.connected_since)))]))
                            (lang.sep())
                            @match (&p.relay, &p.relay_name) {
                                (None, _) => (ctx.t("peer-direct")),
                                (Some(r), name) => (lang.t_args("peer-relayed", &[("relay", FluentValue::from(name.clone().unwrap_or_else(|| r.chars().take(12).collect())))])),
                            }
                            @if !p.last_synced.is_empty() {
                                ul {
                                    @for (doc, t) in &p.last_synced {
                                        li {
                                            bdi { (names.get(doc).cloned().unwrap_or_else(|| doc.chars().take(8).collect())) } (lang.colon())
                                            (lang.t_args("last-synced", &[
                                                ("group", FluentValue::from(who.clone())),
                                                ("ago", FluentValue::from(ago(lang, ctx.now, *t))),
                                            ]))
                                        }
                                    }
                                }
                            }
                        }
                    }
                },
            }
        }
    }
}

/// A refusal from an API operation, beside `form`'s input if it names one.
fn api_refusal(form: &'static str, e: ApiError) -> Result<Refusal, WebError> {
    if !e.status().is_client_error() && e.status() != StatusCode::BAD_GATEWAY {
        return Err(e.into());
    }
    Ok(Refusal {
        form: form.to_string(),
        input: e.detail().field.clone(),
        message: e.detail().message.clone(),
    })
}

/// `POST /network`: creates a network with this group as its coordinator.
pub async fn create(
    State(web): State<Web>,
    Extension(ctx): Extension<Ctx>,
    Form(fields): Form<Fields>,
) -> PageResult {
    let group_name = Some(value_of(&fields, "group_name"))
        .filter(|g| !g.is_empty())
        .map_or_else(|| web.app.group_name.clone(), str::to_string);
    let addrs = match &web.app.net {
        Some(n) => n.status().await.map(|s| s.listen).unwrap_or_default(),
        None => Vec::new(),
    };
    match web
        .app
        .docs
        .create_network(value_of(&fields, "name").to_string(), group_name, addrs)
        .await
    {
        Ok(_) => Ok(Redirect::to("/network").into_response()),
        Err(e) => {
            let filled = Filled::refused(Refusal::of("create", ctx.lang, e)?, &fields);
            render(&web, &ctx, None, &filled, StatusCode::UNPROCESSABLE_ENTITY).await
        }
    }
}

/// `POST /network/join`.
pub async fn join(
    State(web): State<Web>,
    Extension(ctx): Extension<Ctx>,
    Form(fields): Form<Fields>,
) -> PageResult {
    let req = JoinNetwork {
        code: value_of(&fields, "code").trim().to_string(),
        group_name: Some(value_of(&fields, "group_name").to_string()).filter(|g| !g.is_empty()),
    };
    match join_network(&web.app, req).await {
        Ok(_) => Ok(Redirect::to("/network").into_response()),
        Err(e) => {
            let filled = Filled::refused(api_refusal("join", e)?, &fields);
            render(&web, &ctx, None, &filled, StatusCode::UNPROCESSABLE_ENTITY).await
        }
    }
}

/// `POST /network/{network}/invite`: makes an invite and shows it (code and QR code) once.
pub async fn invite(
    State(web): State<Web>,
    Extension(ctx): Extension<Ctx>,
    Path(network): Path<String>,
    Form(fields): Form<Fields>,
) -> PageResult {
    let expires = value_of(&fields, "expires");
    let expires = if EXPIRIES.contains(&expires) {
        expires
    } else {
        "48h"
    };
    // An unknown role word (a hand-made form) grants the default, member.
    let role = value_of(&fields, "role").parse().unwrap_or(Role::Member);
    match make_invite(&web.app, network, expires, role).await {
        Ok(inv) => render(&web, &ctx, Some(&inv), &Filled::default(), StatusCode::OK).await,
        Err(e) => {
            let filled = Filled::refused(api_refusal("invite", e)?, &fields);
            render(&web, &ctx, None, &filled, StatusCode::UNPROCESSABLE_ENTITY).await
        }
    }
}
