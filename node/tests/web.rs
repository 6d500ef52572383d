//! The organisers' web page through `Router::oneshot`: every page and form, refusals of personal
//! data beside their fields, CSRF tokens, login for requests from other machines, the security
//! headers, `/metrics`, translations, live updates, and a scan of everything served for
//! addresses outside the node.

// A test that cannot set itself up should stop at once, saying where.
#![allow(clippy::unwrap_used)]

use std::collections::HashMap;
use std::net::SocketAddr;
use std::time::Duration;

use axum::Router;
use axum::body::Body;
use axum::extract::ConnectInfo;
use axum::http::{HeaderMap, Method, Request, StatusCode, header};
use commonground_node::app::AppState;
use commonground_node::config::DataDir;
use commonground_node::docs::{self, Docs, DocsThread};
use commonground_node::http::router;
use commonground_node::store::SledStore;
use commonground_node::web::{ASSETS, CONTENT_SECURITY_POLICY, WebOptions, auth};
use commonground_protocol::ids::GroupId;
use http_body_util::BodyExt;
use tempfile::TempDir;
use tower::ServiceExt;

/// A node's router over a fresh store, with a data directory for the web passphrase.
struct Node {
    app: Router,
    docs: Docs,
    data: DataDir,
    _thread: DocsThread,
    _dir: TempDir,
}

fn key() -> ed25519_dalek::SigningKey {
    ed25519_dalek::SigningKey::from_bytes(&[11; 32])
}

fn group() -> GroupId {
    GroupId::from_public_key(key().verifying_key().to_bytes()).unwrap()
}

fn node() -> Node {
    let dir = tempfile::tempdir().unwrap();
    let store = SledStore::open(&dir.path().join("store")).unwrap();
    let (docs, thread) = docs::start(Box::new(store), key()).unwrap();
    let data = DataDir::new(dir.path());
    let app = router(
        AppState {
            docs: docs.clone(),
            http: "127.0.0.1:0".parse().unwrap(),
            net: None,
            group_name: "Coventry Sanctuary".into(),
            spool: None,
        },
        WebOptions {
            data_dir: Some(data.clone()),
            ..WebOptions::default()
        },
    );
    Node {
        app,
        docs,
        data,
        _thread: thread,
        _dir: dir,
    }
}

/// A month long past, so that no test depends on today's date.
const PAST: &str = "2001-03";
const PAST_DAY: &str = "2001-03-14";

/// A browser: its address, its cookies and its language.
struct Browser {
    from: SocketAddr,
    cookies: HashMap<String, String>,
    accept_language: Option<String>,
}

/// A response: status, headers and body text.
struct Page {
    status: StatusCode,
    headers: HeaderMap,
    body: String,
}

impl Page {
    #[track_caller]
    fn ok(&self) -> &str {
        assert_eq!(self.status, StatusCode::OK, "{}", self.body);
        &self.body
    }

    fn location(&self) -> &str {
        self.headers
            .get(header::LOCATION)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
    }

    /// The value of hidden input `csrf` in the page's first form.
    fn csrf(&self) -> String {
        let at = self.body.find("name=\"csrf\" value=\"").expect("a form");
        let rest = &self.body[at + 19..];
        rest[..rest.find('"').unwrap()].to_string()
    }
}

impl Browser {
    fn local() -> Self {
        Self::at("127.0.0.1:50000")
    }

    fn remote() -> Self {
        Self::at("192.0.2.7:50000")
    }

    fn at(addr: &str) -> Self {
        Self {
            from: addr.parse().unwrap(),
            cookies: HashMap::new(),
            accept_language: None,
        }
    }

    async fn send(&mut self, app: &Router, mut req: Request<Body>) -> Page {
        req.extensions_mut().insert(ConnectInfo(self.from));
        let cookie: Vec<String> = self
            .cookies
            .iter()
            .map(|(k, v)| format!("{k}={v}"))
            .collect();
        if !cookie.is_empty() {
            req.headers_mut()
                .insert(header::COOKIE, cookie.join("; ").parse().unwrap());
        }
        if let Some(l) = &self.accept_language {
            req.headers_mut()
                .insert(header::ACCEPT_LANGUAGE, l.parse().unwrap());
        }
        let res = app.clone().oneshot(req).await.unwrap();
        for c in res.headers().get_all(header::SET_COOKIE) {
            let c = c.to_str().unwrap();
            let (kv, attrs) = c.split_once(';').unwrap_or((c, ""));
            let (k, v) = kv.split_once('=').unwrap();
            if attrs.contains("Max-Age=0") {
                self.cookies.remove(k);
            } else {
                self.cookies.insert(k.to_string(), v.to_string());
            }
        }
        let status = res.status();
        let headers = res.headers().clone();
        let bytes = res.into_body().collect().await.unwrap().to_bytes();
        Page {
            status,
            headers,
            body: String::from_utf8(bytes.to_vec()).unwrap(),
        }
    }

    async fn get(&mut self, app: &Router, uri: &str) -> Page {
        self.send(app, Request::get(uri).body(Body::empty()).unwrap())
            .await
    }

    /// Posts a form with fields as given (no token added).
    async fn post_raw(&mut self, app: &Router, uri: &str, fields: &[(&str, &str)]) -> Page {
        let body: String = form_urlencoded::Serializer::new(String::new())
            .extend_pairs(fields)
            .finish();
        let req = Request::builder()
            .method(Method::POST)
            .uri(uri)
            .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
            .body(Body::from(body))
            .unwrap();
        self.send(app, req).await
    }

    /// Logs in with `passphrase`, as the login form sends it; must be let in.
    async fn log_in(&mut self, app: &Router, passphrase: &str) {
        let res = self
            .submit(
                app,
                "/login",
                "/login",
                &[("passphrase", passphrase), ("next", "/tally")],
            )
            .await;
        assert_eq!(res.status, StatusCode::SEE_OTHER, "{}", res.body);
    }

    /// Fills in the new-plan form of `/plans` and sends it.
    async fn new_plan_form(&mut self, app: &Router, fields: &[(&str, &str)]) -> Page {
        self.submit(app, "/plans", "/plans", fields).await
    }

    /// Opens `page` as a person would, then posts a form with the token it carried.
    async fn submit(
        &mut self,
        app: &Router,
        page: &str,
        uri: &str,
        fields: &[(&str, &str)],
    ) -> Page {
        let token = self.get(app, page).await.csrf();
        let mut all = vec![("csrf", token.as_str())];
        all.extend_from_slice(fields);
        self.post_raw(app, uri, &all).await
    }
}

fn meeting<'a>(extra: &[(&'a str, &'a str)]) -> Vec<(&'a str, &'a str)> {
    let mut f = vec![
        ("date", PAST_DAY),
        ("kind", "weekly-meeting"),
        ("attendees", "12"),
        ("issue:housing", "3"),
        ("issue:detention", "1"),
        ("issue:health", ""),
        ("decisions", "Write to the council about the hostel"),
    ];
    for (k, v) in extra {
        f.retain(|(fk, _)| fk != k);
        f.push((k, v));
    }
    f
}

async fn new_plan(n: &Node, b: &mut Browser) -> String {
    let res = b
        .submit(
            &n.app,
            "/plans",
            "/plans",
            &[
                ("title", "Legal aid for every asylum seeker"),
                ("goal", "Free legal advice within a week of arrival."),
                ("demands", "Fund two more legal aid posts."),
                ("network", ""),
            ],
        )
        .await;
    assert_eq!(res.status, StatusCode::SEE_OTHER, "{}", res.body);
    res.location().trim_start_matches("/plans/").to_string()
}

#[tokio::test]
async fn every_page_and_asset_is_served_with_a_strict_policy() {
    let n = node();
    let mut b = Browser::local();
    let plan = new_plan(&n, &mut b).await;
    let mut uris: Vec<String> = ["/tally", "/plans", "/network", "/login"]
        .map(String::from)
        .to_vec();
    uris.push(format!("/plans/{plan}"));
    uris.push(format!("/plans/{plan}/view"));
    b.submit(&n.app, "/network", "/network", &[("name", "Midlands")])
        .await;
    let net = n.docs.networks().await.unwrap()[0].id.to_string();
    uris.push(format!("/network/{net}/region"));
    uris.push(format!("/network/{net}/region?period={PAST}"));
    uris.extend(ASSETS.iter().map(|(f, _, _)| format!("/assets/{f}")));
    for uri in &uris {
        let p = b.get(&n.app, uri).await;
        assert_eq!(p.status, StatusCode::OK, "{uri}: {}", p.body);
        assert_eq!(
            p.headers[header::CONTENT_SECURITY_POLICY],
            CONTENT_SECURITY_POLICY,
            "{uri}"
        );
        assert_eq!(p.headers[header::X_CONTENT_TYPE_OPTIONS], "nosniff");
    }
    assert!(CONTENT_SECURITY_POLICY.contains("script-src 'self'"));
    assert!(!CONTENT_SECURITY_POLICY.contains("unsafe"));
    // Errors and the API carry it too.
    for uri in ["/nope", "/api/v1/status", "/plans/abcdef"] {
        let p = b.get(&n.app, uri).await;
        assert!(
            p.headers.contains_key(header::CONTENT_SECURITY_POLICY),
            "{uri}"
        );
    }
    let missing = b.get(&n.app, "/plans/abcdef").await;
    assert_eq!(missing.status, StatusCode::NOT_FOUND);
    assert!(
        missing.body.contains("<h1>Not found</h1>"),
        "{}",
        missing.body
    );
    assert_eq!(b.get(&n.app, "/").await.location(), "/tally");
}

#[tokio::test]
async fn a_recorded_meeting_changes_the_chart_and_the_table() {
    let n = node();
    let mut b = Browser::local();
    let before = b.get(&n.app, &format!("/tally?period={PAST}")).await;
    assert!(
        before.ok().contains("Nothing has been counted"),
        "{}",
        before.body
    );
    assert!(!before.body.contains("class=\"bar\""));
    // Every field has a label.
    for id in [
        "meeting-date",
        "meeting-kind",
        "meeting-attendees",
        "meeting-issue-housing",
    ] {
        assert!(
            before.body.contains(&format!("<label for=\"{id}\"")),
            "{id}"
        );
    }

    let res = b.submit(&n.app, "/tally", "/meetings", &meeting(&[])).await;
    assert_eq!(res.status, StatusCode::SEE_OTHER, "{}", res.body);
    assert!(
        res.location()
            .starts_with(&format!("/tally?period={PAST}&done=meeting-recorded&")),
        "{}",
        res.location()
    );

    let after = b.get(&n.app, res.location()).await;
    let html = after.ok();
    assert_eq!(html.matches("class=\"bar\"").count(), 2, "{html}");
    assert!(
        html.contains("<bdi>Housing</bdi></th><td class=\"num\">3</td>"),
        "{html}"
    );
    assert!(html.contains("4 times in all"), "{html}");
    assert!(
        html.contains("14 March 2001"),
        "the meeting is listed: {html}"
    );
    // The same Docs call as the API: the tally holds the counts.
    assert_eq!(n.docs.tally(PAST.parse().unwrap()).await.unwrap().total, 4);
}

#[tokio::test]
async fn personal_data_is_refused_beside_its_field_and_nothing_is_written() {
    let n = node();
    let mut b = Browser::local();
    let res = b
        .submit(
            &n.app,
            "/tally",
            "/meetings",
            &meeting(&[("decisions", "Ring Sam on 07700 900123")]),
        )
        .await;
    assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY);
    let html = &res.body;
    let at = html
        .find("id=\"meeting-decisions-error\"")
        .unwrap_or_else(|| panic!("no message beside the field: {html}"));
    assert!(html[at..].starts_with(
        "id=\"meeting-decisions-error\" role=\"alert\">This seems to hold a phone number"
    ));
    assert!(html.contains("aria-describedby=\"meeting-decisions-error\""));
    assert!(
        html.contains("Ring Sam on 07700 900123</textarea>"),
        "kept for fixing"
    );
    assert_eq!(n.docs.tally(PAST.parse().unwrap()).await.unwrap().total, 0);
    assert!(n.docs.meetings().await.unwrap().is_empty());

    // Out of range and malformed input are refused the same way.
    let res = b
        .submit(
            &n.app,
            "/tally",
            "/meetings",
            &meeting(&[("attendees", "lots")]),
        )
        .await;
    assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        res.body.contains("id=\"meeting-attendees-error\""),
        "{}",
        res.body
    );
    let res = b
        .submit(
            &n.app,
            "/tally",
            "/meetings",
            &meeting(&[("issue:housing", "20000")]),
        )
        .await;
    assert!(
        res.body.contains("id=\"meeting-issues-error\""),
        "{}",
        res.body
    );

    // A plan's goal with an e-mail address, in French.
    b.cookies.insert("lang".into(), "fr".into());
    let res = b
        .submit(
            &n.app,
            "/plans",
            "/plans",
            &[
                ("title", "Logement"),
                ("goal", "Écrire à jo@example.org"),
                ("network", ""),
            ],
        )
        .await;
    assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        res.body.contains(
            "id=\"plan-goal-error\" role=\"alert\">Ceci semble contenir une adresse e-mail"
        ),
        "{}",
        res.body
    );
    assert!(n.docs.plans().await.unwrap().is_empty());
}

#[tokio::test]
async fn forms_without_the_right_csrf_token_are_refused() {
    let n = node();
    let mut b = Browser::local();
    let token = b.get(&n.app, "/tally").await.csrf();
    assert_eq!(token.len(), 64);
    assert_ne!(
        b.cookies["cg_csrf"], token,
        "the token is made from the cookie, not the cookie itself"
    );
    let fields = meeting(&[]);

    let missing = b.post_raw(&n.app, "/meetings", &fields).await;
    assert_eq!(missing.status, StatusCode::FORBIDDEN);
    assert!(
        missing.body.contains("This form has expired"),
        "{}",
        missing.body
    );

    let mut wrong = vec![(
        "csrf",
        "0000000000000000000000000000000000000000000000000000000000000000",
    )];
    wrong.extend_from_slice(&fields);
    assert_eq!(
        b.post_raw(&n.app, "/meetings", &wrong).await.status,
        StatusCode::FORBIDDEN
    );

    // The right token without its cookie (another site's form) is refused too.
    let mut stranger = Browser::local();
    let mut stolen = vec![("csrf", token.as_str())];
    stolen.extend_from_slice(&fields);
    assert_eq!(
        stranger.post_raw(&n.app, "/meetings", &stolen).await.status,
        StatusCode::FORBIDDEN
    );
    for uri in ["/plans", "/network", "/network/join", "/logout", "/login"] {
        assert_eq!(
            b.post_raw(&n.app, uri, &[("title", "x")]).await.status,
            StatusCode::FORBIDDEN,
            "{uri}"
        );
    }
    assert!(n.docs.meetings().await.unwrap().is_empty());
    assert!(n.docs.plans().await.unwrap().is_empty());
    assert!(n.docs.networks().await.unwrap().is_empty());

    let ok = b.post_raw(&n.app, "/meetings", &stolen).await;
    assert_eq!(ok.status, StatusCode::SEE_OTHER, "{}", ok.body);
}

/// A request as a page of another site would make it: `Origin`, and `Sec-Fetch-Site` when the
/// browser is recent.
fn from_another_site(uri: &str, content_type: &str, body: &str, fetch_site: bool) -> Request<Body> {
    let mut req = Request::builder()
        .method(Method::POST)
        .uri(uri)
        .header(header::HOST, "127.0.0.1:7465")
        .header(header::ORIGIN, "http://evil.example")
        .header(header::CONTENT_TYPE, content_type);
    if fetch_site {
        req = req.header("sec-fetch-site", "cross-site");
    }
    req.body(Body::from(body.to_string())).unwrap()
}

#[tokio::test]
async fn requests_from_another_site_change_nothing_whatever_their_content_type() {
    let n = node();
    let mut b = Browser::local();
    let token = b.get(&n.app, "/tally").await.csrf();
    for fetch_site in [true, false] {
        // The JSON API, and a "simple" text/plain request that needs no preflight.
        for (uri, content_type, body) in [
            (
                "/api/v1/tally",
                "application/json",
                r#"{"issue":"housing"}"#,
            ),
            ("/api/v1/tally", "text/plain", r#"{"issue":"housing"}"#),
            ("/api/v1/bundles", "text/plain", "CGB1 not really a bundle"),
            ("/api/v1/networks/0123/export", "text/plain", ""),
            ("/api/v1/plans", "text/plain", r#"{"title":"x"}"#),
        ] {
            let res = b
                .send(
                    &n.app,
                    from_another_site(uri, content_type, body, fetch_site),
                )
                .await;
            assert_eq!(res.status, StatusCode::FORBIDDEN, "{uri} {content_type}");
            assert!(res.body.contains("\"cross_site\""), "{}", res.body);
        }
        // A page's form, even with the browser's own cookie and the right token.
        let form = form_urlencoded::Serializer::new(String::new())
            .extend_pairs(meeting(&[("csrf", token.as_str())]))
            .finish();
        let res = b
            .send(
                &n.app,
                from_another_site(
                    "/meetings",
                    "application/x-www-form-urlencoded",
                    &form,
                    fetch_site,
                ),
            )
            .await;
        assert_eq!(res.status, StatusCode::FORBIDDEN);
        assert!(
            res.body
                .contains("Another web site tried to change this node"),
            "{}",
            res.body
        );
    }
    let now = b.get(&n.app, "/api/v1/tally").await;
    assert!(
        now.ok().contains("\"total\":0"),
        "nothing counted: {}",
        now.body
    );
    assert!(n.docs.meetings().await.unwrap().is_empty());
    assert!(n.docs.plans().await.unwrap().is_empty());

    // The node's own page (same origin, or an old browser's matching Origin) goes on.
    let form = form_urlencoded::Serializer::new(String::new())
        .extend_pairs(meeting(&[("csrf", token.as_str())]))
        .finish();
    for (k, v) in [
        ("sec-fetch-site", "same-origin"),
        ("origin", "http://127.0.0.1:7465"),
    ] {
        let req = Request::post("/meetings")
            .header(header::HOST, "127.0.0.1:7465")
            .header(k, v)
            .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
            .body(Body::from(form.clone()))
            .unwrap();
        let res = b.send(&n.app, req).await;
        assert_eq!(res.status, StatusCode::SEE_OTHER, "{k}: {}", res.body);
    }
    assert_eq!(n.docs.meetings().await.unwrap().len(), 2);
}

#[tokio::test]
async fn a_planted_cookie_and_token_or_another_sessions_token_are_refused() {
    let n = node();
    // Someone on another machine takes a cookie and its token from the login page, and plants
    // both in a browser on the node's machine (a cookie can be set from a sibling host).
    let mut attacker = Browser::remote();
    let token = attacker.get(&n.app, "/login").await.csrf();
    let mut victim = Browser::local();
    victim
        .cookies
        .insert("cg_csrf".into(), attacker.cookies["cg_csrf"].clone());
    let res = victim
        .post_raw(&n.app, "/meetings", &meeting(&[("csrf", token.as_str())]))
        .await;
    assert_eq!(res.status, StatusCode::FORBIDDEN, "{}", res.body);
    assert!(n.docs.meetings().await.unwrap().is_empty());

    // Two sessions: a token of one is no use in the other, and a token from before logging in
    // is no use after it.
    auth::set_passphrase(&n.data, "correct horse battery").unwrap();
    let mut a = Browser::remote();
    let mut c = Browser::at("198.51.100.4:50000");
    let before = a.get(&n.app, "/login").await.csrf();
    for x in [&mut a, &mut c] {
        x.log_in(&n.app, "correct horse battery").await;
    }
    let c_token = c.get(&n.app, "/tally").await.csrf();
    let a_token = a.get(&n.app, "/tally").await.csrf();
    assert_ne!(a_token, c_token);
    for wrong in [&c_token, &before] {
        let res = a
            .post_raw(&n.app, "/meetings", &meeting(&[("csrf", wrong.as_str())]))
            .await;
        assert_eq!(res.status, StatusCode::FORBIDDEN, "{}", res.body);
    }
    assert!(n.docs.meetings().await.unwrap().is_empty());
    let res = a
        .post_raw(&n.app, "/meetings", &meeting(&[("csrf", a_token.as_str())]))
        .await;
    assert_eq!(res.status, StatusCode::SEE_OTHER, "{}", res.body);
}

#[tokio::test]
async fn wrong_passphrases_slow_a_client_and_logging_in_renews_its_session() {
    let n = node();
    auth::set_passphrase(&n.data, "correct horse battery").unwrap();
    let mut b = Browser::remote();
    b.log_in(&n.app, "correct horse battery").await;
    let first = b.cookies["cg_session"].clone();
    let first_nonce = b.cookies["cg_csrf"].clone();

    // Logging in again ends the session the browser had and starts another.
    b.log_in(&n.app, "correct horse battery").await;
    assert_ne!(b.cookies["cg_session"], first);
    assert_ne!(b.cookies["cg_csrf"], first_nonce, "a new browser value too");
    let mut old = Browser::remote();
    old.cookies.insert("cg_session".into(), first);
    assert_eq!(
        old.get(&n.app, "/tally").await.status,
        StatusCode::SEE_OTHER,
        "the old session ended"
    );

    // Another machine guesses: a few tries are checked, then it must wait, right or wrong.
    let mut guesser = Browser::at("203.0.113.9:50000");
    for i in 0..auth::FREE_TRIES {
        let res = guesser
            .submit(
                &n.app,
                "/login",
                "/login",
                &[("passphrase", &format!("guess number {i}"))],
            )
            .await;
        assert_eq!(res.status, StatusCode::UNAUTHORIZED, "try {i}");
    }
    for passphrase in ["guess number again", "correct horse battery"] {
        let res = guesser
            .submit(&n.app, "/login", "/login", &[("passphrase", passphrase)])
            .await;
        assert_eq!(res.status, StatusCode::TOO_MANY_REQUESTS, "{}", res.body);
        assert!(res.headers.contains_key(header::RETRY_AFTER));
        assert!(
            res.body
                .contains("Too many wrong passphrases from your address"),
            "{}",
            res.body
        );
        assert!(!guesser.cookies.contains_key("cg_session"));
    }
    // In Arabic too; and the browser that logged in is not held up by the guesser.
    guesser.cookies.insert("lang".into(), "ar".into());
    let res = guesser
        .submit(&n.app, "/login", "/login", &[("passphrase", "x")])
        .await;
    assert!(res.body.contains("عبارات مرور خاطئة كثيرة"), "{}", res.body);
    assert_eq!(b.get(&n.app, "/tally").await.status, StatusCode::OK);
}

#[tokio::test]
async fn control_characters_overrides_and_invisible_titles_are_refused_beside_the_field() {
    let n = node();
    let mut b = Browser::local();
    for (title, message) in [
        ("\u{202E}gnisuoH", "reverses how text reads"),
        ("Housing\u{1b}[31m", "invisible control character (U+001B)"),
        ("\u{200B}\u{200B}\u{200B}", "nothing visible in it"),
    ] {
        let res = b
            .new_plan_form(&n.app, &[("title", title), ("goal", ""), ("network", "")])
            .await;
        assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY, "{title:?}");
        assert!(
            res.body.contains("id=\"plan-title-error\"") && res.body.contains(message),
            "{title:?}: {}",
            res.body
        );
    }
    let res = b
        .new_plan_form(
            &n.app,
            &[
                ("title", "Logement"),
                ("goal", "\u{202D}x"),
                ("network", ""),
            ],
        )
        .await;
    assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(res.body.contains("id=\"plan-goal-error\""), "{}", res.body);
    assert!(n.docs.plans().await.unwrap().is_empty());
    // The marks scripts need are kept, exactly: RLM, ZWNJ, isolates; line breaks in long text.
    let title = "سكن\u{200F} می\u{200C}خواهم \u{2067}عربي\u{2069}";
    let goal = "Line one\r\nLine\ttwo";
    let res = b
        .new_plan_form(&n.app, &[("title", title), ("goal", goal), ("network", "")])
        .await;
    assert_eq!(res.status, StatusCode::SEE_OTHER, "{}", res.body);
    let plans = n.docs.plans().await.unwrap();
    assert_eq!(plans[0].title, title);
    assert_eq!(plans[0].goal, goal);
}

#[tokio::test]
async fn a_plan_is_created_and_edited_through_its_forms() {
    let n = node();
    let mut b = Browser::local();
    let id = new_plan(&n, &mut b).await;
    let page = format!("/plans/{id}");
    let html = b.get(&n.app, &page).await.ok().to_string();
    assert!(html.contains("No actions yet."));
    assert!(html.contains(&format!("data-live-events=\"/plans/{id}/events\"")));

    let post = |uri: &str| format!("{page}{uri}");
    let res = b
        .submit(
            &n.app,
            &page,
            &post("/actions"),
            &[
                ("title", "Meet the cabinet member"),
                ("date", "2026-12-10"),
                ("kind", "meeting"),
                ("notes", ""),
            ],
        )
        .await;
    assert_eq!(res.status, StatusCode::SEE_OTHER, "{}", res.body);
    let res = b
        .submit(
            &n.app,
            &page,
            &post("/targets"),
            &[
                ("kind", "target"),
                ("role", "Cabinet member for communities"),
                ("institution", "City Council"),
                ("influence", "5"),
                ("stance", "-1"),
            ],
        )
        .await;
    assert_eq!(res.status, StatusCode::SEE_OTHER, "{}", res.body);
    b.submit(
        &n.app,
        &page,
        &post("/targets"),
        &[
            ("kind", "ally"),
            ("role", "Law centre"),
            ("institution", ""),
            ("influence", "2"),
            ("stance", "2"),
        ],
    )
    .await;
    let res = b
        .submit(
            &n.app,
            &page,
            &post("/meetings"),
            &[
                ("with", "Cabinet member, City Council"),
                ("date", "2026-12-10"),
                ("agenda", "Waiting times\n\nA drop-in at the library\n"),
            ],
        )
        .await;
    assert_eq!(res.status, StatusCode::SEE_OTHER, "{}", res.body);
    let res = b
        .submit(
            &n.app,
            &page,
            &page,
            &[
                ("title", "Legal aid now"),
                ("goal", "Advice within a week."),
                ("demands", "Two posts."),
                ("status", "active"),
            ],
        )
        .await;
    assert_eq!(res.status, StatusCode::SEE_OTHER, "{}", res.body);

    let plan = n.docs.plan(id.clone()).await.unwrap();
    assert_eq!(plan.title, "Legal aid now");
    assert_eq!(plan.targets.len(), 2);
    assert_eq!(plan.meetings[0].agenda.len(), 2);
    let action = plan.actions[0].id.as_str().to_string();
    let res = b
        .submit(
            &n.app,
            &page,
            &post(&format!("/actions/{action}")),
            &[("status", "done")],
        )
        .await;
    assert_eq!(res.status, StatusCode::SEE_OTHER, "{}", res.body);

    let html = b.get(&n.app, &page).await.ok().to_string();
    // Paragraphs people type take their own direction (an Arabic goal on an English page).
    assert!(
        html.contains("<p class=\"text\" dir=\"auto\">Advice within a week.</p>"),
        "{html}"
    );
    assert!(
        html.contains("<strong><bdi>Meet the cabinet member</bdi></strong> · 10 December 2026"),
        "{html}"
    );
    assert!(
        html.contains("<option value=\"done\" selected>Done</option>"),
        "{html}"
    );
    assert_eq!(html.matches("<circle").count(), 2, "power map: {html}");
    assert!(html.contains("point ally") && html.contains("point target"));
    assert!(
        html.contains("<li><bdi>A drop-in at the library</bdi>"),
        "{html}"
    );
    assert!(html.contains("<strong>Active</strong>"));
    let list = b.get(&n.app, "/plans").await.ok().to_string();
    assert!(
        list.contains("Legal aid now") && list.contains("1 action"),
        "{list}"
    );

    // Refusals sit beside the field of the form that was sent, not a namesake in another form.
    let res = b
        .submit(
            &n.app,
            &page,
            &post("/actions"),
            &[("title", "  "), ("date", ""), ("kind", "other")],
        )
        .await;
    assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        res.body
            .contains("id=\"action-title-error\" role=\"alert\">This must not be empty.")
    );
    assert!(!res.body.contains("id=\"edit-title-error\""));
    let res = b
        .submit(
            &n.app,
            &page,
            &post("/targets"),
            &[
                ("kind", "target"),
                ("role", "Councillor, call 0121 496 0000"),
                ("influence", "3"),
                ("stance", "0"),
            ],
        )
        .await;
    assert!(
        res.body.contains("id=\"target-role-error\""),
        "{}",
        res.body
    );
    let res = b
        .submit(
            &n.app,
            &page,
            &post("/meetings"),
            &[("with", "MP"), ("date", "soon")],
        )
        .await;
    assert!(
        res.body.contains("id=\"ameeting-date-error\""),
        "{}",
        res.body
    );
    assert_eq!(n.docs.plan(id).await.unwrap().actions.len(), 1);
}

#[tokio::test]
async fn the_network_page_creates_networks_and_shows_invites_as_code_and_qr() {
    let n = node();
    let mut b = Browser::local();
    let html = b.get(&n.app, "/network").await.ok().to_string();
    assert!(html.contains("This node runs no network."));
    assert!(html.contains(&group().to_string()));
    let res = b
        .submit(
            &n.app,
            "/network",
            "/network",
            &[
                ("name", "West Midlands Sanctuary Network"),
                ("group_name", ""),
            ],
        )
        .await;
    assert_eq!(res.status, StatusCode::SEE_OTHER, "{}", res.body);
    let html = b.get(&n.app, "/network").await.ok().to_string();
    assert!(html.contains("<bdi>West Midlands Sanctuary Network</bdi>"));
    assert!(html.contains("<td>Coordinator</td>"), "{html}");
    let net = n.docs.networks().await.unwrap()[0].id.to_string();
    let res = b
        .submit(
            &n.app,
            "/network",
            &format!("/network/{net}/invite"),
            &[("expires", "24h"), ("role", "aggregator")],
        )
        .await;
    let html = res.ok();
    assert!(
        html.contains("The joining group’s role: Aggregator."),
        "{html}"
    );
    assert!(
        html.contains("<textarea id=\"invite-code\" readonly"),
        "{html}"
    );
    assert!(html.contains(">cg1-"), "{html}");
    assert!(html.contains("<svg class=\"qr\""), "{html}");
    // Validity in the largest honest unit, and a button that copies the code.
    assert!(
        html.contains("Valid for 23 more hours") || html.contains("Valid for 24 more hours"),
        "{html}"
    );
    assert!(
        html.contains("<button type=\"button\" data-copy=\"invite-code\""),
        "{html}"
    );
    assert_eq!(res.headers[header::CACHE_CONTROL], "no-store");

    let res = b
        .submit(
            &n.app,
            "/network",
            "/network",
            &[("name", "mail me at a@b.org")],
        )
        .await;
    assert!(
        res.body.contains("id=\"create-name-error\""),
        "{}",
        res.body
    );
    let res = b
        .submit(
            &n.app,
            "/network",
            "/network/join",
            &[("code", "not-a-code")],
        )
        .await;
    assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(res.body.contains("id=\"join-code-error\""), "{}", res.body);
}

#[tokio::test]
async fn other_machines_must_log_in_and_sessions_end() {
    let n = node();
    let mut b = Browser::remote();
    let res = b.get(&n.app, "/tally?period=2001-03").await;
    assert_eq!(res.status, StatusCode::SEE_OTHER);
    assert_eq!(res.location(), "/login?next=%2Ftally%3Fperiod%3D2001-03");
    let api = b.get(&n.app, "/api/v1/status").await;
    assert_eq!(api.status, StatusCode::UNAUTHORIZED);
    assert!(api.body.contains("\"login_required\""), "{}", api.body);
    let res = b.post_raw(&n.app, "/meetings", &[("csrf", "x")]).await;
    assert_eq!(
        res.status,
        StatusCode::SEE_OTHER,
        "no form reaches a handler"
    );
    assert_eq!(
        b.get(&n.app, "/assets/style.css").await.status,
        StatusCode::OK
    );
    assert_eq!(
        b.get(&n.app, "/metrics").await.status,
        StatusCode::FORBIDDEN
    );

    // No passphrase set yet: nobody gets in.
    let res = b
        .submit(
            &n.app,
            "/login",
            "/login",
            &[("passphrase", "anything at all"), ("next", "/tally")],
        )
        .await;
    assert_eq!(res.status, StatusCode::FORBIDDEN);
    assert!(res.body.contains("No passphrase is set"), "{}", res.body);

    auth::set_passphrase(&n.data, "correct horse battery").unwrap();
    let res = b
        .submit(
            &n.app,
            "/login",
            "/login",
            &[("passphrase", "wrong horse battery"), ("next", "/tally")],
        )
        .await;
    assert_eq!(res.status, StatusCode::UNAUTHORIZED);
    assert!(res.body.contains("id=\"passphrase-error\""));
    assert!(!b.cookies.contains_key("cg_session"));
    let res = b
        .submit(
            &n.app,
            "/login",
            "/login",
            &[
                ("passphrase", "correct horse battery"),
                ("next", "//evil.example/"),
            ],
        )
        .await;
    assert_eq!(res.status, StatusCode::SEE_OTHER, "{}", res.body);
    assert_eq!(res.location(), "/", "never to another site");
    let set = res.headers[header::SET_COOKIE].to_str().unwrap();
    assert!(
        set.contains("HttpOnly")
            && set.contains("SameSite=Strict")
            && set.contains("Max-Age=43200"),
        "{set}"
    );

    let page = b.get(&n.app, "/tally").await;
    assert!(page.ok().contains("Log out"));
    assert_eq!(b.get(&n.app, "/api/v1/status").await.status, StatusCode::OK);
    assert_eq!(
        b.get(&n.app, "/metrics").await.status,
        StatusCode::FORBIDDEN,
        "loopback only"
    );
    let res = b.submit(&n.app, "/tally", "/meetings", &meeting(&[])).await;
    assert_eq!(res.status, StatusCode::SEE_OTHER, "{}", res.body);

    // A stolen-looking cookie that names no session is no session.
    let mut other = Browser::remote();
    other.cookies.insert("cg_session".into(), "0".repeat(64));
    assert_eq!(
        other.get(&n.app, "/tally").await.status,
        StatusCode::SEE_OTHER
    );

    let res = b.submit(&n.app, "/tally", "/logout", &[]).await;
    assert_eq!(res.location(), "/login");
    b.cookies.insert(
        "cg_session".into(),
        set.split(';').next().unwrap()[11..].to_string(),
    );
    assert_eq!(
        b.get(&n.app, "/tally").await.status,
        StatusCode::SEE_OTHER,
        "ended"
    );
}

#[tokio::test]
async fn loopback_needs_no_login_but_rejects_rebound_host_names() {
    let n = node();
    let mut b = Browser::local();
    assert_eq!(b.get(&n.app, "/tally").await.status, StatusCode::OK);
    let mut v6 = Browser::at("[::1]:50000");
    assert_eq!(v6.get(&n.app, "/tally").await.status, StatusCode::OK);
    let req = Request::get("/tally")
        .header(header::HOST, "rebound.example:7465")
        .body(Body::empty())
        .unwrap();
    assert_eq!(b.send(&n.app, req).await.status, StatusCode::FORBIDDEN);
    let req = Request::get("/tally")
        .header(header::HOST, "localhost:7465")
        .body(Body::empty())
        .unwrap();
    assert_eq!(b.send(&n.app, req).await.status, StatusCode::OK);
}

#[tokio::test]
async fn pages_speak_the_visitors_language() {
    let n = node();
    n.docs
        .tally_add("housing".into(), 1234, PAST.parse().unwrap())
        .await
        .unwrap();
    let mut b = Browser::local();
    b.accept_language = Some("ar-EG,ar;q=0.9,en;q=0.5".into());
    let ar = b.get(&n.app, &format!("/tally?period={PAST}")).await;
    let html = ar.ok();
    assert!(html.contains("<html lang=\"ar\" dir=\"rtl\">"), "{html}");
    assert!(html.contains("الإحصاءات"));
    assert!(
        html.contains("مارس ٢٠٠١"),
        "Arabic month and digits: {html}"
    );
    assert!(
        html.contains(">١٬٢٣٤<"),
        "Arabic digits with grouping: {html}"
    );

    let fr = b
        .get(&n.app, &format!("/tally?period={PAST}&lang=fr"))
        .await;
    assert!(fr.ok().contains("<html lang=\"fr\" dir=\"ltr\">"));
    assert!(
        fr.body.contains("mars 2001") && fr.body.contains(">1\u{202F}234<"),
        "{}",
        fr.body
    );
    assert_eq!(b.cookies["lang"], "fr", "the switch is remembered");
    let again = b.get(&n.app, "/plans").await;
    assert!(again.ok().contains("Plans de campagne"));

    b.cookies.clear();
    b.accept_language = None;
    let en = b.get(&n.app, &format!("/tally?period={PAST}")).await;
    assert!(en.ok().contains("<html lang=\"en\" dir=\"ltr\">") && en.body.contains(">1,234<"));
    // The switch offers each language in its own name, staying on the same page.
    let link = "href=\"/tally?period=2001-03&amp;lang=ar\" lang=\"ar\" hreflang=\"ar\">العربية</a>";
    assert!(en.body.contains(link), "{}", en.body);
    // After a refused form, it leads back to the form's page.
    let res = b
        .submit(
            &n.app,
            "/tally",
            "/meetings",
            &meeting(&[("attendees", "x")]),
        )
        .await;
    assert!(res.body.contains("href=\"/tally?lang=fr\""), "{}", res.body);
}

#[tokio::test]
async fn metrics_are_prometheus_text_for_this_machine_only() {
    let n = node();
    let mut b = Browser::local();
    b.get(&n.app, "/tally").await;
    b.get(&n.app, "/api/v1/status").await;
    let m = b.get(&n.app, "/metrics").await;
    let text = m.ok();
    assert!(
        text.contains("# TYPE commonground_http_requests counter"),
        "{text}"
    );
    assert!(
        text.contains("commonground_http_requests_total{area=\"api\",status=\"200\"} 1"),
        "{text}"
    );
    assert!(
        text.contains("commonground_http_requests_total{area=\"page\",status=\"200\"} 1"),
        "{text}"
    );
    assert!(
        text.contains("commonground_documents{kind=\"tally\"} 1"),
        "{text}"
    );
    assert!(text.ends_with("# EOF\n"));
    let mut far = Browser::remote();
    let refused = far.get(&n.app, "/metrics").await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN);
}

/// Reads the next server-sent event of a stream, or panics after `timeout`.
async fn next_event(body: &mut Body, timeout: Duration) -> String {
    let mut text = String::new();
    tokio::time::timeout(timeout, async {
        while !text.contains("\n\n") || text.trim_start().starts_with(':') {
            if text.trim_start().starts_with(':') && text.contains("\n\n") {
                text.clear(); // a keep-alive comment
            }
            let frame = body.frame().await.expect("stream open").unwrap();
            if let Some(data) = frame.data_ref() {
                text.push_str(std::str::from_utf8(data).unwrap());
            }
        }
    })
    .await
    .expect("an event in time");
    text
}

#[tokio::test]
async fn an_open_plan_hears_of_changes_by_server_sent_events() {
    let n = node();
    let mut b = Browser::local();
    let id = new_plan(&n, &mut b).await;
    let mut req = Request::get(format!("/plans/{id}/events"))
        .body(Body::empty())
        .unwrap();
    req.extensions_mut().insert(ConnectInfo(b.from));
    let res = n.app.clone().oneshot(req).await.unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    assert_eq!(res.headers()[header::CONTENT_TYPE], "text/event-stream");
    let mut body = res.into_body();
    n.docs
        .add_action(
            id.clone(),
            serde_json::from_value(serde_json::json!({"title": "Vigil"})).unwrap(),
        )
        .await
        .unwrap();
    let event = next_event(&mut body, Duration::from_secs(10)).await;
    assert!(event.contains("event: changed"), "{event}");
    let fragment = b.get(&n.app, &format!("/plans/{id}/view")).await;
    assert!(fragment.ok().contains("Vigil"));
    assert!(!fragment.body.contains("<html"), "a fragment, not a page");
}

/// Publishes `period` to `network` with the tally page's form, as a person would.
async fn publish(n: &Node, b: &mut Browser, network: &str, period: &str) -> Page {
    b.submit(
        &n.app,
        "/tally",
        "/tally/publish",
        &[("network", network), ("period", period)],
    )
    .await
}

/// A node in a network of its own, with counts of 12 (housing) and 3 (detention) in `PAST`.
async fn counted_network(n: &Node, b: &mut Browser) -> String {
    let res = b
        .submit(
            &n.app,
            "/network",
            "/network",
            &[("name", "West Midlands Sanctuary Network")],
        )
        .await;
    assert_eq!(res.status, StatusCode::SEE_OTHER, "{}", res.body);
    let res = b
        .submit(
            &n.app,
            "/tally",
            "/meetings",
            &meeting(&[("issue:housing", "12"), ("issue:detention", "3")]),
        )
        .await;
    assert_eq!(res.status, StatusCode::SEE_OTHER, "{}", res.body);
    n.docs.networks().await.unwrap()[0].id.to_string()
}

#[tokio::test]
async fn publishing_needs_the_forms_csrf_token() {
    let n = node();
    let mut b = Browser::local();
    let net = counted_network(&n, &mut b).await;
    let fields = [("network", net.as_str()), ("period", PAST)];

    let missing = b.post_raw(&n.app, "/tally/publish", &fields).await;
    assert_eq!(missing.status, StatusCode::FORBIDDEN, "{}", missing.body);
    let mut wrong = vec![(
        "csrf",
        "0000000000000000000000000000000000000000000000000000000000000000",
    )];
    wrong.extend_from_slice(&fields);
    let wrong = b.post_raw(&n.app, "/tally/publish", &wrong).await;
    assert_eq!(wrong.status, StatusCode::FORBIDDEN);
    let region = n
        .docs
        .region(net.clone(), PAST.parse().unwrap())
        .await
        .unwrap();
    assert!(
        region.groups.is_empty(),
        "nothing was published: {region:?}"
    );

    // The tally page offers the form and the link to the merged counts.
    let page = b.get(&n.app, &format!("/tally?period={PAST}")).await;
    let html = page.ok();
    assert!(html.contains("action=\"/tally/publish\""), "{html}");
    assert!(
        html.contains("Publish March 2001 to West Midlands Sanctuary Network"),
        "{html}"
    );
    assert!(
        html.contains(&format!("href=\"/network/{net}/region?period={PAST}\"")),
        "{html}"
    );

    let done = publish(&n, &mut b, &net, PAST).await;
    let html = done.ok();
    assert!(
        html.contains("Published March 2001 to West Midlands Sanctuary Network: 2 issues."),
        "{html}"
    );
    assert!(
        html.contains("1 count was under 5 and is shown only as a range."),
        "{html}"
    );
    let region = n
        .docs
        .region(net.clone(), PAST.parse().unwrap())
        .await
        .unwrap();
    assert_eq!(region.groups, vec![group()]);

    // A period that does not parse is refused beside the form, and nothing more is published.
    let bad = publish(&n, &mut b, &net, "March").await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        bad.body.contains("class=\"error\" role=\"alert\""),
        "{}",
        bad.body
    );

    // The network page links to the merged counts too.
    let html = b.get(&n.app, "/network").await.ok().to_string();
    assert!(
        html.contains(&format!("href=\"/network/{net}/region?period=")),
        "{html}"
    );
    assert!(html.contains("See West Midlands Sanctuary Network’s merged counts"));
}

#[tokio::test]
async fn the_tally_page_says_what_was_published_when_and_what_the_network_sees() {
    let n = node();
    let mut b = Browser::local();
    let net = counted_network(&n, &mut b).await;

    // The month going on is not over: no form, but when it can be, and a link to the last
    // month that is.
    let now = commonground_protocol::ids::Period::of(docs::today_utc());
    let html = b
        .get(&n.app, &format!("/tally?period={now}"))
        .await
        .ok()
        .to_string();
    assert!(
        html.contains("is not over yet in West Midlands Sanctuary Network’s time zone (UTC)"),
        "{html}"
    );
    assert!(!html.contains("action=\"/tally/publish\""), "{html}");
    assert!(
        html.contains(&format!(
            "href=\"/tally?period={}#publish\"",
            now.previous()
        )),
        "{html}"
    );
    // A hand-made form for it is refused, in the page's words.
    let refused = publish(&n, &mut b, &net, &now.to_string()).await;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        refused.body.contains("This month is not over yet"),
        "{}",
        refused.body
    );

    // Published: the day, and each issue as the network's members see it.
    let html = publish(&n, &mut b, &net, PAST).await.ok().to_string();
    assert!(html.contains("Published on "), "{html}");
    assert!(
        html.contains("What members of West Midlands Sanctuary Network see:"),
        "{html}"
    );
    assert!(html.contains("Housing</bdi>: 12"), "{html}");
    assert!(html.contains("Detention</bdi>: fewer than 5"), "{html}");
    // Still said when the page is opened again later.
    let html = b
        .get(&n.app, &format!("/tally?period={PAST}"))
        .await
        .ok()
        .to_string();
    assert!(html.contains("Housing</bdi>: 12"), "{html}");

    // One more person raised housing: published again, 13 would tell exactly that. It goes
    // out as a range that holds it, and the page says so.
    let res = b
        .submit(
            &n.app,
            "/tally",
            "/meetings",
            &meeting(&[("issue:housing", "1"), ("issue:detention", "")]),
        )
        .await;
    assert_eq!(res.status, StatusCode::SEE_OTHER, "{}", res.body);
    let html = publish(&n, &mut b, &net, PAST).await.ok().to_string();
    assert!(html.contains("One count moved by fewer than 5"), "{html}");
    assert!(html.contains("Housing</bdi>: between 12 and 17"), "{html}");
}

#[tokio::test]
async fn the_merged_counts_show_suppressed_cells_as_ranges() {
    let n = node();
    let mut b = Browser::local();
    let net = counted_network(&n, &mut b).await;
    let uri = format!("/network/{net}/region?period={PAST}");
    let empty = b.get(&n.app, &uri).await;
    assert!(
        empty.ok().contains("No counts have been published"),
        "{}",
        empty.body
    );
    let res = publish(&n, &mut b, &net, PAST).await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.body);

    let page = b.get(&n.app, &uri).await;
    let html = page.ok();
    assert!(
        html.contains("<h1><bdi>West Midlands Sanctuary Network: merged counts"),
        "{html}"
    );
    assert!(html.contains("Merged counts for March 2001"), "{html}");
    assert!(
        html.contains("1 group published counts for this month."),
        "{html}"
    );
    assert!(
        html.contains("<bdi>Housing</bdi></th><td class=\"num\">12</td>"),
        "{html}"
    );
    let row = "<bdi>Detention</bdi></th><td class=\"num\">";
    let at = html.find(row).expect("a detention row");
    let cell = &html[at + row.len()..];
    let cell = &cell[..cell.find("</td>").unwrap()];
    assert_eq!(cell, "between 0 and 4", "{html}");
    assert!(!cell.contains('3'));
    assert!(html.contains("class=\"bar-range\""), "{html}");
    // The CSV comes from the page, its headers and labels in the page's language; the API's
    // keeps fixed English headers for programs.
    let csv_href = format!("/network/{net}/region.csv?period={PAST}");
    assert!(html.contains(&format!("href=\"{csv_href}\"")), "{html}");
    let reply = b.get(&n.app, &csv_href).await;
    let csv = reply.ok();
    let mut lines = csv.lines();
    assert_eq!(
        lines.next(),
        Some("\"Issue key\",\"Issue\",\"Lowest\",\"Highest\",\"Count\""),
        "{csv}"
    );
    assert!(
        csv.contains("\"housing\",\"Housing\",12,12,\"12\""),
        "{csv}"
    );
    assert!(csv.contains(",0,4,\"between 0 and 4\""), "{csv}");
    let reply = b.get(&n.app, &format!("{csv_href}&lang=ar")).await;
    let ar = reply.ok();
    assert!(
        ar.starts_with("\"مفتاح القضية\",\"القضية\",\"الأدنى\",\"الأعلى\",\"العدد\""),
        "{ar}"
    );
    let reply = b
        .get(
            &n.app,
            &format!("/api/v1/networks/{net}/region.csv?period={PAST}"),
        )
        .await;
    let api = reply.ok();
    assert!(api.starts_with("issue,label,low,high,total\n"), "{api}");
    assert!(
        html.contains("<input id=\"period\" name=\"period\" type=\"month\" value=\"2001-03\""),
        "{html}"
    );
    assert!(html.contains(&format!("href=\"/tally?period={PAST}#publish\"")));

    // In Arabic, right to left, with Arabic digits.
    let ar = b.get(&n.app, &format!("{uri}&lang=ar")).await;
    let html = ar.ok();
    assert!(html.contains("<html lang=\"ar\" dir=\"rtl\">"), "{html}");
    assert!(html.contains("الأعداد المدمجة"), "{html}");
    assert!(html.contains(">١٢<"), "{html}");
    assert!(html.contains("بين ٠ و٤"), "{html}");
    let fr = b.get(&n.app, &format!("{uri}&lang=fr")).await;
    assert!(fr.ok().contains("entre 0 et 4"), "{}", fr.body);

    // An unknown network or a malformed month is not a page.
    let missing = b.get(&n.app, "/network/abcdef/region").await;
    assert_eq!(missing.status, StatusCode::NOT_FOUND);
    let bad = b
        .get(&n.app, &format!("/network/{net}/region?period=x"))
        .await;
    assert_eq!(bad.status, StatusCode::NOT_FOUND);
}

/// Every address a text names that is not this node's own: absolute URLs and protocol-relative
/// ones in attributes, CSS `url(...)` and `@import`.
fn outside_addresses(text: &str) -> Vec<String> {
    // The SVG namespace is a name, never fetched; the icon file must declare it.
    const NAMESPACE: &str = "http://www.w3.org/2000/svg";
    let mut found = Vec::new();
    for scheme in ["http://", "https://", "ftp://", "ws://", "wss://"] {
        for (at, _) in text.match_indices(scheme) {
            let rest = &text[at..];
            if !rest.starts_with(NAMESPACE) {
                found.push(rest.chars().take(60).collect());
            }
        }
    }
    for pattern in ["=\"//", "='//", "url(//", "url(\"//", "@import"] {
        for (at, _) in text.match_indices(pattern) {
            found.push(text[at..].chars().take(60).collect());
        }
    }
    found
}

#[tokio::test]
async fn nothing_served_names_an_address_outside_the_node() {
    let n = node();
    let mut b = Browser::local();
    // Fill every page with everything it can show.
    b.submit(&n.app, "/tally", "/meetings", &meeting(&[])).await;
    let id = new_plan(&n, &mut b).await;
    let page = format!("/plans/{id}");
    b.submit(
        &n.app,
        &page,
        &format!("{page}/actions"),
        &[
            ("title", "Vigil"),
            ("date", "2026-12-01"),
            ("kind", "public-action"),
        ],
    )
    .await;
    b.submit(
        &n.app,
        &page,
        &format!("{page}/targets"),
        &[
            ("kind", "target"),
            ("role", "Council leader"),
            ("influence", "5"),
            ("stance", "-2"),
        ],
    )
    .await;
    b.submit(
        &n.app,
        &page,
        &format!("{page}/meetings"),
        &[
            ("with", "MP"),
            ("date", "2026-12-02"),
            ("agenda", "Housing"),
        ],
    )
    .await;
    b.submit(&n.app, "/network", "/network", &[("name", "Midlands")])
        .await;
    let net = n.docs.networks().await.unwrap()[0].id.to_string();
    let invite = b
        .submit(
            &n.app,
            "/network",
            &format!("/network/{net}/invite"),
            &[("expires", "1h")],
        )
        .await;
    let published = publish(&n, &mut b, &net, PAST).await;
    let region = format!("/network/{net}/region?period={PAST}");
    let mut served = vec![
        ("invite".to_string(), invite.body),
        ("published".to_string(), published.body),
    ];
    for lang in ["en", "ar", "fr"] {
        for uri in [
            "/tally?period=2001-03",
            &region,
            "/plans",
            &page,
            &format!("{page}/view"),
            "/network",
            "/login",
            "/no-such-page",
        ] {
            let sep = if uri.contains('?') { '&' } else { '?' };
            let full = format!("{uri}{sep}lang={lang}");
            served.push((full.clone(), b.get(&n.app, &full).await.body));
        }
    }
    for (f, _, _) in ASSETS {
        let uri = format!("/assets/{f}");
        served.push((uri.clone(), b.get(&n.app, &uri).await.body));
    }
    let bad = b
        .submit(
            &n.app,
            "/tally",
            "/meetings",
            &meeting(&[("decisions", "a@b.org")]),
        )
        .await;
    served.push(("refused meeting".into(), bad.body));
    for (what, body) in &served {
        assert!(!body.is_empty(), "{what} is empty");
        assert_eq!(outside_addresses(body), Vec::<String>::new(), "{what}");
        if what.starts_with("/assets/") {
            continue;
        }
        // No inline script or style: the policy would block them anyway.
        assert!(!body.contains(" style="), "{what} has an inline style");
        assert!(!body.contains("<style"), "{what} has a style element");
        for (at, _) in body.match_indices("<script") {
            assert!(
                body[at..].starts_with("<script src=\"/assets/"),
                "{what}: inline script"
            );
        }
        assert!(
            !body.contains(" on") || !body.contains(" onclick="),
            "{what}"
        );
    }
    // The scan itself finds what it must.
    assert_eq!(
        outside_addresses("<img src=\"https://cdn.example/x.png\">").len(),
        1
    );
    assert_eq!(
        outside_addresses("<link href=\"//cdn.example/f.css\">").len(),
        1
    );
    assert_eq!(
        outside_addresses("a { background: url(//x.example/i.png) }").len(),
        1
    );
}

#[test]
fn the_cli_sets_the_passphrase_from_standard_input() {
    use std::io::Write;
    use std::process::{Command, Stdio};
    let dir = tempfile::tempdir().unwrap();
    let run = |input: &str| {
        let mut child = Command::new(env!("CARGO_BIN_EXE_commonground"))
            .args(["web", "passphrase", "--data-dir"])
            .arg(dir.path())
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        child
            .stdin
            .take()
            .unwrap()
            .write_all(input.as_bytes())
            .unwrap();
        child.wait_with_output().unwrap()
    };
    let short = run("tiny\n");
    assert_eq!(short.status.code(), Some(2), "{short:?}");
    let file = auth::passphrase_file(&DataDir::new(dir.path()));
    assert!(!file.exists());
    let ok = run("correct horse battery\n");
    assert!(ok.status.success(), "{ok:?}");
    assert!(auth::check_passphrase(&file, "correct horse battery").unwrap());
}

#[tokio::test]
async fn a_private_plan_is_shared_with_a_network_from_its_page() {
    let n = node();
    let mut b = Browser::local();
    let id = new_plan(&n, &mut b).await;
    let page = format!("/plans/{id}");
    let html = b.get(&n.app, &page).await.ok().to_string();
    // Its one collaborator is this group, named so, not by a short id.
    assert!(html.contains("<li><bdi>This group</bdi>"), "{html}");
    assert!(
        html.contains("must first create or join a network"),
        "{html}"
    );
    assert!(!html.contains(&format!("action=\"{page}/share\"")));
    let net = n
        .docs
        .create_network("Sanctuary North".into(), "Leeds".into(), vec![])
        .await
        .unwrap();
    let html = b.get(&n.app, &page).await.ok().to_string();
    assert!(html.contains(&format!("action=\"{page}/share\"")), "{html}");
    assert!(html.contains("Sanctuary North"), "{html}");
    let res = b
        .submit(
            &n.app,
            &page,
            &format!("{page}/share"),
            &[("network", &net.id.to_string())],
        )
        .await;
    assert_eq!(res.status, StatusCode::SEE_OTHER, "{}", res.body);
    let to = res.location().to_string();
    assert!(to.ends_with("?done=plan-shared#flash"), "{to}");
    let new = to
        .trim_start_matches("/plans/")
        .split('?')
        .next()
        .unwrap()
        .to_string();
    assert_ne!(new, id);
    let shared = b
        .get(&n.app, &to.replace("#flash", ""))
        .await
        .ok()
        .to_string();
    assert!(shared.contains("now shared with the network"), "{shared}");
    let view = n.docs.plan(new).await.unwrap();
    assert_eq!(view.header.network, Some(net.id));
    assert!(n.docs.plan(id).await.unwrap().archived);
}

/// The plan page's "forget" form: refused until the organiser ticks that earlier versions
/// cannot come back, then the plan is re-issued (generation 1) with the same content and the
/// page says so.
#[tokio::test]
async fn a_plans_history_is_forgotten_from_its_page_once_confirmed() {
    let n = node();
    let mut b = Browser::local();
    let id = new_plan(&n, &mut b).await;
    let page = format!("/plans/{id}");
    let html = b.get(&n.app, &page).await.ok().to_string();
    assert!(
        html.contains(&format!("action=\"{page}/forget\"")),
        "{html}"
    );
    assert!(html.contains("cannot be recalled"), "{html}");
    let before = n.docs.plan(id.clone()).await.unwrap();
    let res = b
        .submit(&n.app, &page, &format!("{page}/forget"), &[])
        .await;
    assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", res.body);
    assert!(res.body.contains("Tick the box to confirm"), "{}", res.body);
    assert_eq!(
        n.docs.plan(id.clone()).await.unwrap().header.generation.n,
        0
    );
    let res = b
        .submit(
            &n.app,
            &page,
            &format!("{page}/forget"),
            &[("confirm", "yes")],
        )
        .await;
    assert_eq!(res.status, StatusCode::SEE_OTHER, "{}", res.body);
    assert!(res.location().ends_with("?done=plan-forgotten#flash"));
    let after = n.docs.plan(id.clone()).await.unwrap();
    assert_eq!(after.header.generation.n, 1);
    assert_eq!((after.title, after.goal), (before.title, before.goal));
    let shown = b
        .get(&n.app, &res.location().replace("#flash", ""))
        .await
        .ok()
        .to_string();
    assert!(shown.contains("history is forgotten"), "{shown}");
}
