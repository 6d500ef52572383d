//! The organisers' web page, served by the node on the API's listener.
//!
//! Pages are rendered on the server with maud; charts are SVG drawn on the server ([`charts`]);
//! the only script, `live.js`, refreshes an open plan when the server reports (by server-sent
//! events) that its document changed. Every asset is compiled into the binary and served from
//! `/assets/`: no request leaves the machine.
//!
//! - [`pages`]: the layout, form helpers and refusal messages shared by the pages;
//! - `tally`, `region`, `plans`, `network`: the pages themselves, each calling the same [`Docs`] methods
//!   and [`crate::app`] operations as the JSON API, so the same rules refuse the same input;
//! - [`auth`]: loopback or login, sessions, CSRF tokens;
//! - [`i18n`]: Fluent translations (English, Arabic, French) and number and date formats;
//! - [`metrics`]: `/metrics` in Prometheus text, loopback only.
//!
//! [`routes`] are the pages and assets; [`layers`] wraps them and whatever is beside them (the
//! API, see [`crate::http::router`]) in the access guard, the security headers (a strict
//! Content-Security-Policy on every response), the request counter and gzip.
//!
//! [`Docs`]: crate::docs::Docs

pub mod auth;
pub mod charts;
pub mod i18n;
pub mod metrics;
mod network;
pub mod pages;
mod plans;
mod region;
mod tally;

use std::path::PathBuf;
use std::sync::Arc;

use axum::Router;
use axum::extract::{Request, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use maud::html;
use thiserror::Error;
use tokio::sync::Semaphore;
use tokio_util::sync::CancellationToken;

use crate::app::{ApiError, AppState};
use crate::config::DataDir;
use crate::docs::DocsError;
use pages::Ctx;

/// The policy sent with every response: only this node's own scripts, styles and images, no
/// inline script or style, no framing, forms post only here.
pub const CONTENT_SECURITY_POLICY: &str = "default-src 'none'; script-src 'self'; \
    style-src 'self'; img-src 'self'; connect-src 'self'; form-action 'self'; \
    frame-ancestors 'none'; base-uri 'none'";

/// The most live-update streams open at once.
const MAX_STREAMS: usize = 64;

/// What the page needs from the node beyond the state it shares with the API ([`AppState`]).
#[derive(Debug, Clone, Default)]
pub struct WebOptions {
    /// The data directory, where `commonground web passphrase` keeps the passphrase's hash.
    /// Without one, no passphrase can be set and only loopback may use the node.
    pub data_dir: Option<DataDir>,
    /// Cancelled when the node stops: live-update streams end so that the server can.
    pub shutdown: CancellationToken,
}

/// The state of the page's handlers.
#[derive(Clone)]
pub struct Web {
    app: AppState,
    options: WebOptions,
    sessions: Arc<auth::Sessions>,
    login_limits: Arc<auth::LoginLimits>,
    metrics: Arc<metrics::Metrics>,
    streams: Arc<Semaphore>,
    logins: Arc<Semaphore>,
}

impl Web {
    /// The page's state over the handlers' shared state.
    pub fn new(app: AppState, options: WebOptions) -> Self {
        Self {
            app,
            options,
            sessions: Arc::default(),
            login_limits: Arc::default(),
            metrics: Arc::default(),
            streams: Arc::new(Semaphore::new(MAX_STREAMS)),
            logins: Arc::new(Semaphore::new(2)),
        }
    }

    fn passphrase_file(&self) -> Option<PathBuf> {
        self.options.data_dir.as_ref().map(auth::passphrase_file)
    }

    /// The login sessions (tests age them to check expiry).
    pub fn sessions(&self) -> &auth::Sessions {
        &self.sessions
    }
}

/// Why a page could not be served.
#[derive(Debug, Error)]
pub enum WebError {
    /// The documents actor failed or refused.
    #[error(transparent)]
    Docs(#[from] DocsError),
    /// An API operation failed (joining, invites, peers).
    #[error("{}", .0.detail().message)]
    Api(ApiError),
    /// No such page.
    #[error("no such page")]
    NotFound,
    /// Too many requests of this kind at once, or the node is stopping.
    #[error("busy")]
    Busy,
    /// A form body over the size limit.
    #[error("form too large")]
    TooLarge,
    /// A form without the page's CSRF token.
    #[error("missing or wrong CSRF token")]
    Csrf,
    /// A request that changes state, sent by a page of another site.
    #[error("cross-site request")]
    CrossSite,
}

impl From<ApiError> for WebError {
    fn from(e: ApiError) -> Self {
        Self::Api(e)
    }
}

/// An error page to render once the guard knows the request's language.
#[derive(Debug, Clone)]
pub struct ErrorPage {
    status: StatusCode,
    message: &'static str,
    detail: Option<String>,
}

impl ErrorPage {
    /// The page, in the request's language.
    pub fn render(&self, ctx: &Ctx) -> Response {
        let title = ctx.lang.t(self.message);
        let body = html! {
            h1 { (title) }
            @if let Some(d) = &self.detail { p { bdi { (d) } } }
            p { a href="/" { (ctx.lang.t("error-home")) } }
        };
        (self.status, pages::layout(ctx, &title, body)).into_response()
    }
}

impl WebError {
    fn page(&self) -> ErrorPage {
        let (status, message, detail) = match self {
            Self::Docs(DocsError::NotFound { .. }) | Self::NotFound => {
                (StatusCode::NOT_FOUND, "error-not-found", None)
            }
            Self::Docs(DocsError::Invalid(v)) => (
                StatusCode::UNPROCESSABLE_ENTITY,
                "error-refused",
                Some(v.to_string()),
            ),
            Self::Docs(DocsError::Ambiguous { .. }) => {
                (StatusCode::BAD_REQUEST, "error-not-found", None)
            }
            Self::Docs(DocsError::Stopped) | Self::Busy => {
                (StatusCode::SERVICE_UNAVAILABLE, "error-busy", None)
            }
            Self::Docs(_) => (StatusCode::INTERNAL_SERVER_ERROR, "error-internal", None),
            Self::Api(e) => (
                e.status(),
                "error-refused",
                Some(e.detail().message.clone()),
            ),
            Self::TooLarge => (StatusCode::PAYLOAD_TOO_LARGE, "error-too-large", None),
            Self::Csrf => (StatusCode::FORBIDDEN, "error-csrf", None),
            Self::CrossSite => (StatusCode::FORBIDDEN, "error-cross-site", None),
        };
        ErrorPage {
            status,
            message,
            detail,
        }
    }

    /// The error page, in the request's language.
    pub fn into_page(self, ctx: &Ctx) -> Response {
        self.page().render(ctx)
    }
}

impl IntoResponse for WebError {
    fn into_response(self) -> Response {
        if let Self::Docs(e @ (DocsError::Damaged { .. } | DocsError::Store(_))) = &self {
            tracing::error!(error = %e, "page failed");
        }
        // The guard renders the page once it knows the request's language.
        let page = self.page();
        let mut res = page.status.into_response();
        res.extensions_mut().insert(page);
        res
    }
}

/// A page handler's result.
pub type PageResult = Result<Response, WebError>;

/// The pages' and assets' routes.
pub fn routes(web: Web) -> Router {
    Router::new()
        .route("/", get(|| async { Redirect::to("/tally") }))
        .route("/tally", get(tally::page))
        .route("/tally/publish", post(tally::publish))
        .route("/meetings", post(tally::record_meeting))
        .route("/plans", get(plans::list).post(plans::create))
        .route("/plans/{plan}", get(plans::page).post(plans::edit))
        .route("/plans/{plan}/view", get(plans::fragment))
        .route("/plans/{plan}/events", get(plans::events))
        .route("/plans/{plan}/actions", post(plans::add_action))
        .route("/plans/{plan}/actions/{action}", post(plans::set_action))
        .route(
            "/plans/{plan}/actions/{action}/delete",
            post(plans::delete_action),
        )
        .route("/plans/{plan}/targets", post(plans::add_target))
        .route("/plans/{plan}/targets/{target}", post(plans::set_target))
        .route(
            "/plans/{plan}/targets/{target}/delete",
            post(plans::delete_target),
        )
        .route("/plans/{plan}/meetings", post(plans::add_meeting))
        .route("/plans/{plan}/meetings/{meeting}", post(plans::set_meeting))
        .route(
            "/plans/{plan}/meetings/{meeting}/delete",
            post(plans::delete_meeting),
        )
        .route(
            "/plans/{plan}/meetings/{meeting}/agenda",
            post(plans::change_agenda),
        )
        .route("/plans/{plan}/archive", post(plans::archive))
        .route("/plans/{plan}/share", post(plans::share))
        .route("/plans/{plan}/forget", post(plans::forget))
        .route("/plans/{plan}/collaborators", post(plans::add_collaborator))
        .route(
            "/plans/{plan}/collaborators/{group}/delete",
            post(plans::remove_collaborator),
        )
        .route("/meetings/{meeting}", post(tally::edit_meeting))
        .route("/meetings/{meeting}/delete", post(tally::delete_meeting))
        .route("/network", get(network::page).post(network::create))
        .route("/network/join", post(network::join))
        .route("/network/{network}/invite", post(network::invite))
        .route("/network/{network}/settings", post(network::settings))
        .route("/network/{network}/region", get(region::page))
        .route("/network/{network}/region.csv", get(region::csv))
        .route("/login", get(auth::login_form).post(auth::login))
        .route("/logout", post(auth::logout))
        .route("/metrics", get(metrics::serve))
        .route("/assets/{file}", get(asset))
        .fallback(|| async { WebError::NotFound })
        .with_state(web)
}

/// Puts `routes` (the pages and the API beside them) behind the access guard and the security
/// headers, and gzips what they answer.
pub fn layers(routes: Router, web: Web) -> Router {
    // Pages, the API's JSON and the assets go gzipped to a browser that asks (a phone on a
    // slow link gets a plan page in a few kilobytes); live updates (server-sent events) do
    // not, as tower-http's default predicate leaves them alone.
    routes
        .layer(middleware::from_fn_with_state(web.clone(), auth::guard))
        .layer(middleware::from_fn_with_state(web, headers))
        .layer(tower_http::compression::CompressionLayer::new())
}

/// Adds the security headers to every response and counts it.
async fn headers(State(web): State<Web>, req: Request, next: Next) -> Response {
    let area = metrics::Area::of(req.uri().path());
    let mut res = next.run(req).await;
    web.metrics.count(area, res.status());
    let h = res.headers_mut();
    h.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(CONTENT_SECURITY_POLICY),
    );
    h.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    h.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("no-referrer"),
    );
    h.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    // Pages may hold invite codes and counts: never kept in a cache.
    if !h.contains_key(header::CACHE_CONTROL) {
        h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    }
    res
}

/// The files under `/assets/`, compiled into the binary.
pub const ASSETS: [(&str, &str, &str); 3] = [
    (
        "style.css",
        "text/css; charset=utf-8",
        include_str!("../../assets/style.css"),
    ),
    (
        "live.js",
        "text/javascript; charset=utf-8",
        include_str!("../../assets/live.js"),
    ),
    (
        "icon.svg",
        "image/svg+xml",
        include_str!("../../assets/icon.svg"),
    ),
];

async fn asset(axum::extract::Path(file): axum::extract::Path<String>) -> Response {
    match ASSETS.iter().find(|(name, _, _)| *name == file) {
        Some((_, kind, body)) => (
            [
                (header::CONTENT_TYPE, *kind),
                (header::CACHE_CONTROL, "no-cache"),
            ],
            *body,
        )
            .into_response(),
        None => WebError::NotFound.into_response(),
    }
}
