//! The node's one HTTP listener: the API's routes ([`crate::api::routes`]) and the page's
//! ([`crate::web::routes`]) side by side, both behind the page's access guard, security headers
//! and compression ([`crate::web::layers`]).
//!
//! This is the only place that knows both; neither imports the other.

use axum::Router;

use crate::app::AppState;
use crate::web::{self, Web, WebOptions};

/// Everything the node serves over HTTP.
pub fn router(state: AppState, page: WebOptions) -> Router {
    let web = Web::new(state.clone(), page);
    let routes = crate::api::routes(state).merge(web::routes(web.clone()));
    web::layers(routes, web)
}
