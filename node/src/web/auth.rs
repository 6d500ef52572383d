//! Who may use the page and the API, and proof that a form came from the page itself.
//!
//! - Requests from loopback need no login: whoever can reach 127.0.0.1 is on the node's machine.
//!   Their `Host` must still be an address or `localhost`, so that a web site cannot rebind its
//!   own name to 127.0.0.1 and script the page.
//! - Every other request, page or API, needs a session, made by logging in with the passphrase
//!   that `commonground web passphrase` stored (an Argon2id hash in the data directory).
//!   Sessions live in memory, expire after [`SESSION_TTL`], and end when the node stops.
//! - `/metrics` answers loopback only.
//! - A request that changes state (any method but GET, HEAD and OPTIONS, page or API, whatever
//!   its content type) is refused when the browser says it comes from another site
//!   (`Sec-Fetch-Site`), or, from a browser too old to say so, when its `Origin` is not this
//!   node's own. Clients that send neither (the CLI, scripts) are not browsers and go on.
//! - Every POST to a page carries a CSRF token bound to the session it was issued for (or,
//!   before logging in, to the browser's random `cg_csrf` cookie): an HMAC under a key made when
//!   the node starts, checked here before any handler runs. A token made up by someone else, or
//!   taken from another session, does not match.
//! - Failed logins are counted per client address ([`LoginLimits`]): after a few, each try must
//!   wait longer, then the address is locked for a while; both are logged once, not per try.
//!   Logging in ends the session the browser had and starts a new one.

use std::collections::HashMap;
use std::io::Write;
use std::net::{IpAddr, SocketAddr};
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::time::{Duration, Instant};

use argon2::Argon2;
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use axum::body::Body;
use axum::extract::connect_info::MockConnectInfo;
use axum::extract::{ConnectInfo, Request, State};
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Redirect, Response};
use axum::{Extension, Form};
use hmac::{Hmac, Mac};
use maud::html;
use rand::RngCore;
use serde::Deserialize;
use sha2::{Digest, Sha256};
use thiserror::Error;

use super::i18n::Lang;
use super::pages::{Ctx, layout};
use super::{ErrorPage, Web, WebError};
use crate::app::{ErrorBody, ErrorDetail};
use crate::config::DataDir;
use crate::store::StoreError;

/// How long a login lasts.
pub const SESSION_TTL: Duration = Duration::from_secs(12 * 3600);
/// The most sessions kept at once; the oldest goes first.
const MAX_SESSIONS: usize = 256;
/// The shortest passphrase accepted.
pub const MIN_PASSPHRASE: usize = 10;
/// The largest form body read (forms are small; a plan's demands at most 10,000 characters).
const MAX_FORM: usize = 256 * 1024;

/// The session cookie.
const SESSION_COOKIE: &str = "cg_session";
/// The CSRF cookie.
const CSRF_COOKIE: &str = "cg_csrf";
/// The language cookie.
const LANG_COOKIE: &str = "lang";

/// Why the passphrase could not be set or checked.
#[derive(Debug, Error)]
pub enum AuthError {
    /// Too short to resist guessing.
    #[error("the passphrase must have at least {min} characters")]
    TooShort {
        /// The least accepted.
        min: usize,
    },
    /// No passphrase has been set on this node.
    #[error("no passphrase is set; run `commonground web passphrase` on the node's machine")]
    NotSet,
    /// Reading or writing the passphrase file.
    #[error("passphrase file {path}: {reason}")]
    Io {
        /// The file.
        path: PathBuf,
        /// What failed.
        reason: String,
    },
    /// Hashing failed, or the stored hash is damaged.
    #[error("passphrase hash: {0}")]
    Hash(String),
}

/// The file that holds the passphrase's hash.
pub fn passphrase_file(dir: &DataDir) -> PathBuf {
    dir.path().join("web-passphrase")
}

/// Hashes `passphrase` with Argon2id and a fresh salt and stores it (mode 0600), replacing any
/// earlier one. Sessions made with the old passphrase last until they expire or the node stops.
pub fn set_passphrase(dir: &DataDir, passphrase: &str) -> Result<(), AuthError> {
    if passphrase.chars().count() < MIN_PASSPHRASE {
        return Err(AuthError::TooShort {
            min: MIN_PASSPHRASE,
        });
    }
    let mut salt = [0u8; 16];
    rand::thread_rng().fill_bytes(&mut salt);
    let salt = SaltString::encode_b64(&salt).map_err(|e| AuthError::Hash(e.to_string()))?;
    let hash = Argon2::default()
        .hash_password(passphrase.as_bytes(), &salt)
        .map_err(|e| AuthError::Hash(e.to_string()))?
        .to_string();
    let path = passphrase_file(dir);
    let io = |e: std::io::Error| AuthError::Io {
        path: path.clone(),
        reason: e.to_string(),
    };
    let tmp = path.with_extension("tmp");
    {
        use std::os::unix::fs::OpenOptionsExt;
        let mut f = std::fs::OpenOptions::new()
            .write(true)
            .create(true)
            .truncate(true)
            .mode(0o600)
            .open(&tmp)
            .map_err(io)?;
        f.write_all(hash.as_bytes()).map_err(io)?;
        f.sync_all().map_err(io)?;
    }
    std::fs::rename(&tmp, &path).map_err(io)
}

/// Whether `passphrase` matches the stored hash. Slow on purpose (Argon2): call it off the async
/// workers.
pub fn check_passphrase(file: &Path, passphrase: &str) -> Result<bool, AuthError> {
    let stored = match std::fs::read_to_string(file) {
        Ok(s) => s,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Err(AuthError::NotSet),
        Err(e) => {
            return Err(AuthError::Io {
                path: file.to_path_buf(),
                reason: e.to_string(),
            });
        }
    };
    let hash = PasswordHash::new(stored.trim()).map_err(|e| AuthError::Hash(e.to_string()))?;
    Ok(Argon2::default()
        .verify_password(passphrase.as_bytes(), &hash)
        .is_ok())
}

fn random_token() -> String {
    let mut b = [0u8; 32];
    rand::thread_rng().fill_bytes(&mut b);
    hex::encode(b)
}

/// Compares two strings in time independent of where they differ.
fn same(a: &str, b: &str) -> bool {
    a.len() == b.len()
        && a.bytes()
            .zip(b.bytes())
            .fold(0u8, |acc, (x, y)| acc | (x ^ y))
            == 0
}

/// Logged-in sessions, by the SHA-256 of their token (so that a lookup leaks nothing by timing),
/// and the key their CSRF tokens are made with.
pub struct Sessions {
    live: Mutex<HashMap<[u8; 32], Instant>>,
    csrf_key: [u8; 32],
}

impl Default for Sessions {
    fn default() -> Self {
        let mut csrf_key = [0u8; 32];
        rand::thread_rng().fill_bytes(&mut csrf_key);
        Self {
            live: Mutex::default(),
            csrf_key,
        }
    }
}

/// What a CSRF token is bound to: a live session, or, before logging in, the browser's random
/// `cg_csrf` cookie and whether it is on this machine (so that a pair of cookie and token that
/// another machine was given on the login page is no use to a form on loopback, even if someone
/// managed to plant that cookie in the browser).
#[derive(Debug, Clone, Copy)]
pub enum Binding<'a> {
    /// A session's token.
    Session(&'a str),
    /// The `cg_csrf` cookie of a browser with no session, and whether it is on loopback.
    Browser(&'a str, bool),
}

impl Sessions {
    /// The CSRF token of forms sent under `binding`.
    pub fn csrf_token(&self, binding: Binding<'_>) -> String {
        let mut mac = Hmac::<Sha256>::new_from_slice(&self.csrf_key).expect("any key length");
        let (kind, value): (&[u8], _) = match binding {
            Binding::Session(t) => (b"session\0", t),
            Binding::Browser(t, true) => (b"loopback browser\0", t),
            Binding::Browser(t, false) => (b"remote browser\0", t),
        };
        mac.update(kind);
        mac.update(value.as_bytes());
        hex::encode(mac.finalize().into_bytes())
    }

    fn key(token: &str) -> [u8; 32] {
        Sha256::digest(token.as_bytes()).into()
    }

    /// Starts a session and returns its token.
    pub fn start(&self) -> String {
        let token = random_token();
        let now = Instant::now();
        let mut live = self.live.lock().unwrap_or_else(|e| e.into_inner());
        live.retain(|_, until| *until > now);
        if live.len() >= MAX_SESSIONS
            && let Some(oldest) = live.iter().min_by_key(|(_, u)| **u).map(|(k, _)| *k)
        {
            live.remove(&oldest);
        }
        live.insert(Self::key(&token), now + SESSION_TTL);
        token
    }

    /// Whether `token` names a live session.
    pub fn valid(&self, token: &str) -> bool {
        let key = Self::key(token);
        let mut live = self.live.lock().unwrap_or_else(|e| e.into_inner());
        match live.get(&key) {
            Some(until) if *until > Instant::now() => true,
            Some(_) => {
                live.remove(&key);
                false
            }
            None => false,
        }
    }

    /// Ends a session.
    pub fn end(&self, token: &str) {
        let mut live = self.live.lock().unwrap_or_else(|e| e.into_inner());
        live.remove(&Self::key(token));
    }

    /// Makes every session look older by `by` (for tests of expiry).
    pub fn age(&self, by: Duration) {
        let mut live = self.live.lock().unwrap_or_else(|e| e.into_inner());
        for until in live.values_mut() {
            *until = until.checked_sub(by).unwrap_or(*until);
        }
    }
}

/// Failed logins allowed from one client before each further try must wait.
pub const FREE_TRIES: u32 = 5;
/// The wait after the last free try.
pub const FIRST_WAIT: Duration = Duration::from_secs(5);
/// The longest wait between tries before the lock.
const MAX_WAIT: Duration = Duration::from_secs(60);
/// Failed logins after which a client is locked out for [`LOCK_FOR`].
pub const LOCK_AFTER: u32 = 20;
/// How long a locked client waits.
pub const LOCK_FOR: Duration = Duration::from_secs(15 * 60);
/// How long a client's failures are remembered after its last one.
const FORGET_AFTER: Duration = Duration::from_secs(3600);
/// The most clients whose failures are remembered; the one whose last try is oldest goes first.
const MAX_CLIENTS: usize = 4096;

/// The client a limit applies to: its IPv4 address, or its IPv6 /64 (one machine can hold a
/// whole /64).
fn client_key(ip: IpAddr) -> IpAddr {
    match ip.to_canonical() {
        IpAddr::V6(v6) => {
            let s = v6.segments();
            IpAddr::V6(std::net::Ipv6Addr::new(s[0], s[1], s[2], s[3], 0, 0, 0, 0))
        }
        v4 => v4,
    }
}

#[derive(Debug, Clone, Copy)]
struct Tries {
    failures: u32,
    not_before: Instant,
    last: Instant,
}

/// What a login try may do now.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LoginTurn {
    /// Check the passphrase.
    Go,
    /// Too many recent failures: try again after this long.
    Wait(Duration),
    /// Locked out: try again after this long.
    Locked(Duration),
}

/// What a failed login led to, for the one log line each deserves.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Failed {
    /// Nothing yet.
    Counted,
    /// From now on each try waits.
    Slowed,
    /// The client is locked out.
    Locked,
}

/// Failed logins per client address: the first [`FREE_TRIES`] are free, then each further try
/// waits twice as long as the last ([`FIRST_WAIT`], 10 s, 20 s ... up to a minute), and after
/// [`LOCK_AFTER`] failures the client is locked out for [`LOCK_FOR`]. A success forgets the
/// client's failures. Time is passed in, so that the rule is tested without waiting.
#[derive(Default)]
pub struct LoginLimits {
    clients: Mutex<HashMap<IpAddr, Tries>>,
}

impl LoginLimits {
    /// Whether a try from `ip` may check the passphrase at `now`.
    pub fn turn(&self, ip: IpAddr, now: Instant) -> LoginTurn {
        let clients = self.clients.lock().unwrap_or_else(|e| e.into_inner());
        match clients.get(&client_key(ip)) {
            Some(t) if t.not_before > now => {
                let left = t.not_before - now;
                if t.failures >= LOCK_AFTER {
                    LoginTurn::Locked(left)
                } else {
                    LoginTurn::Wait(left)
                }
            }
            _ => LoginTurn::Go,
        }
    }

    /// Counts a failed try from `ip` at `now`.
    pub fn failed(&self, ip: IpAddr, now: Instant) -> Failed {
        let mut clients = self.clients.lock().unwrap_or_else(|e| e.into_inner());
        clients.retain(|_, t| now.saturating_duration_since(t.last) < FORGET_AFTER);
        let key = client_key(ip);
        if !clients.contains_key(&key)
            && clients.len() >= MAX_CLIENTS
            && let Some(oldest) = clients.iter().min_by_key(|(_, t)| t.last).map(|(k, _)| *k)
        {
            clients.remove(&oldest);
        }
        let t = clients.entry(key).or_insert(Tries {
            failures: 0,
            not_before: now,
            last: now,
        });
        t.failures += 1;
        t.last = now;
        if t.failures >= LOCK_AFTER {
            // Tries while locked are refused before they count, so this is once a lock (at most
            // once in LOCK_FOR).
            t.not_before = now + LOCK_FOR;
            return Failed::Locked;
        }
        if t.failures >= FREE_TRIES {
            let doublings = (t.failures - FREE_TRIES).min(6);
            t.not_before = now + (FIRST_WAIT * (1u32 << doublings)).min(MAX_WAIT);
            if t.failures == FREE_TRIES {
                return Failed::Slowed;
            }
        }
        Failed::Counted
    }

    /// Forgets `ip`'s failures after it logged in.
    pub fn succeeded(&self, ip: IpAddr) {
        let mut clients = self.clients.lock().unwrap_or_else(|e| e.into_inner());
        clients.remove(&client_key(ip));
    }
}

/// The client's address, as the guard saw it, for handlers that limit per client.
#[derive(Debug, Clone, Copy)]
pub struct Client(pub Option<IpAddr>);

/// The value of cookie `name` in a request's headers.
pub fn cookie<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|kv| kv.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v)
}

fn set_cookie(name: &str, value: &str, max_age: Option<u64>) -> Option<HeaderValue> {
    let age = max_age
        .map(|s| format!("; Max-Age={s}"))
        .unwrap_or_default();
    HeaderValue::from_str(&format!(
        "{name}={value}; Path=/; HttpOnly; SameSite=Strict{age}"
    ))
    .ok()
}

/// The peer's address, if the server recorded it (or a test stood in for the server with
/// axum's `MockConnectInfo`, as the `ConnectInfo` extractor allows). Unknown peers are remote.
fn peer_ip(req: &Request) -> Option<IpAddr> {
    let ext = req.extensions();
    ext.get::<ConnectInfo<SocketAddr>>()
        .map(|c| c.0)
        .or_else(|| ext.get::<MockConnectInfo<SocketAddr>>().map(|m| m.0))
        .map(|a| a.ip().to_canonical())
}

/// Whether a `Host` header names this machine by address or as `localhost` (not a DNS name that
/// could have been rebound to 127.0.0.1).
fn host_is_local_name(headers: &HeaderMap) -> bool {
    let Some(host) = headers.get(header::HOST).and_then(|h| h.to_str().ok()) else {
        return true;
    };
    let name = match host.strip_prefix('[') {
        Some(rest) => rest.split(']').next().unwrap_or(""),
        None => host.rsplit_once(':').map_or(host, |(h, _)| h),
    };
    name.eq_ignore_ascii_case("localhost") || name.parse::<IpAddr>().is_ok()
}

fn api_error(status: StatusCode, code: &str, message: &str) -> Response {
    (
        status,
        axum::Json(ErrorBody {
            error: ErrorDetail {
                code: code.into(),
                message: message.into(),
                field: None,
            },
        }),
    )
        .into_response()
}

fn api_unauthorised() -> Response {
    api_error(
        StatusCode::UNAUTHORIZED,
        "login_required",
        "log in on the web page first; requests from other machines need a session",
    )
}

/// Whether a path may be fetched before logging in.
fn public(path: &str) -> bool {
    path == "/login" || path.starts_with("/assets/")
}

/// The language of a request: `?lang=` (remembered in a cookie), then the cookie, then
/// `Accept-Language`. Returns it and whether the cookie must be set.
fn language(req: &Request) -> (Lang, bool) {
    let asked = req.uri().query().and_then(|q| {
        q.split('&')
            .filter_map(|kv| kv.split_once('='))
            .find(|(k, _)| *k == "lang")
            .and_then(|(_, v)| Lang::from_tag(v))
    });
    if let Some(l) = asked {
        return (l, true);
    }
    if let Some(l) = cookie(req.headers(), LANG_COOKIE).and_then(Lang::from_tag) {
        return (l, false);
    }
    let accept = req
        .headers()
        .get(header::ACCEPT_LANGUAGE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    (Lang::negotiate(accept), false)
}

/// Where the language switch of a response leads, ending in `?` or `&` for `lang=…`: the same
/// page for a GET (its query kept), the page a form belongs to for a POST.
fn switch_base(req: &Request) -> String {
    let path = req.uri().path();
    if req.method() == Method::GET {
        let query: Vec<(String, String)> =
            form_urlencoded::parse(req.uri().query().unwrap_or("").as_bytes())
                .filter(|(k, _)| k != "lang")
                .map(|(k, v)| (k.into_owned(), v.into_owned()))
                .collect();
        if query.is_empty() {
            return format!("{path}?");
        }
        let q = form_urlencoded::Serializer::new(String::new())
            .extend_pairs(query)
            .finish();
        return format!("{path}?{q}&");
    }
    let page = match path.split('/').collect::<Vec<_>>().as_slice() {
        ["", "meetings"] | ["", "tally", ..] => "/tally".to_string(),
        ["", "plans", id, ..] => format!("/plans/{id}"),
        ["", "network", ..] => "/network".to_string(),
        ["", "login"] => "/login".to_string(),
        _ => "/".to_string(),
    };
    format!("{page}?")
}

/// The CSRF token of a form body, if it has one.
fn form_token(body: &[u8]) -> Option<String> {
    form_urlencoded::parse(body)
        .find(|(k, _)| k == "csrf")
        .map(|(_, v)| v.into_owned())
}

/// Whether a request that changes state was sent by a page of another site: the browser says so
/// in `Sec-Fetch-Site`, or, if it is too old to, sends an `Origin` that is not the `Host` it
/// asked. A request with neither header is not a browser's (the CLI, curl) and goes on.
fn cross_site(req: &Request) -> bool {
    if matches!(*req.method(), Method::GET | Method::HEAD | Method::OPTIONS) {
        return false;
    }
    let headers = req.headers();
    if let Some(site) = headers.get("sec-fetch-site") {
        return !matches!(site.to_str(), Ok("same-origin" | "none"));
    }
    let Some(origin) = headers.get(header::ORIGIN) else {
        return false;
    };
    let authority = origin
        .to_str()
        .ok()
        .and_then(|o| o.split_once("://"))
        .map(|(_, a)| a);
    let host = headers.get(header::HOST).and_then(|h| h.to_str().ok());
    !matches!((authority, host), (Some(a), Some(h)) if a.eq_ignore_ascii_case(h))
}

/// The access guard: decides who may go on, refuses cross-site requests, checks CSRF tokens on
/// form posts, and hands pages their [`Ctx`] (language, CSRF token, whether signed in).
pub async fn guard(State(web): State<Web>, req: Request, next: Next) -> Response {
    let path = req.uri().path().to_string();
    let ip = peer_ip(&req);
    let local = ip.is_some_and(|ip| ip.is_loopback());
    if cross_site(&req) {
        tracing::debug!(path = %path, "cross-site request refused");
        if path.starts_with("/api/") {
            return api_error(
                StatusCode::FORBIDDEN,
                "cross_site",
                "a page of another site cannot change this node",
            );
        }
        let ctx = Ctx {
            lang: language(&req).0,
            switch: "/?".into(),
            csrf: String::new(),
            signed_in: false,
            remote: !local,
            now: web.app.docs.now(),
            storage: None,
        };
        return WebError::CrossSite.into_page(&ctx);
    }
    if path == "/metrics" {
        return if local && host_is_local_name(req.headers()) {
            next.run(req).await
        } else {
            (
                StatusCode::FORBIDDEN,
                "metrics are served to this machine only\n",
            )
                .into_response()
        };
    }
    let session = cookie(req.headers(), SESSION_COOKIE)
        .filter(|t| web.sessions.valid(t))
        .map(str::to_string);
    if local && session.is_none() && !host_is_local_name(req.headers()) {
        return (
            StatusCode::FORBIDDEN,
            "use the node's address, not a host name\n",
        )
            .into_response();
    }
    if !local && session.is_none() && !public(&path) {
        if path.starts_with("/api/") {
            return api_unauthorised();
        }
        let next_path = req
            .uri()
            .path_and_query()
            .map_or("/", |p| p.as_str())
            .to_string();
        let target = format!(
            "/login?next={}",
            form_urlencoded::byte_serialize(next_path.as_bytes()).collect::<String>()
        );
        return Redirect::to(&target).into_response();
    }
    if path.starts_with("/api/") || path.starts_with("/assets/") {
        return next.run(req).await;
    }

    let (lang, remember_lang) = language(&req);
    // The browser's own random value, which binds the CSRF token of a browser with no session.
    let known_nonce = cookie(req.headers(), CSRF_COOKIE)
        .filter(|c| c.len() == 64 && c.bytes().all(|b| b.is_ascii_hexdigit()))
        .map(str::to_string);
    let nonce = known_nonce.clone().unwrap_or_else(random_token);
    let csrf = web.sessions.csrf_token(match &session {
        Some(t) => Binding::Session(t),
        None => Binding::Browser(&nonce, local),
    });
    let ctx = Ctx {
        lang,
        switch: switch_base(&req),
        csrf: csrf.clone(),
        signed_in: session.is_some(),
        remote: !local,
        now: web.app.docs.now(),
        storage: web.app.docs.storage_failing().map(|e| match e {
            StoreError::ReadOnly { .. } => "banner-disk-read-only",
            _ => "banner-disk-full",
        }),
    };
    let mut req = req;
    if req.method() == Method::POST {
        let (parts, body) = req.into_parts();
        let Ok(bytes) = axum::body::to_bytes(body, MAX_FORM).await else {
            return WebError::TooLarge.into_page(&ctx);
        };
        let sent = form_token(&bytes);
        // With no session, a token only counts with the cookie it was made for.
        let bound = session.is_some() || known_nonce.is_some();
        let good = bound && sent.as_deref().is_some_and(|s| same(&csrf, s));
        if !good {
            tracing::debug!(path = %path, "form refused: missing or wrong CSRF token");
            let mut res = WebError::Csrf.into_page(&ctx);
            if known_nonce.is_none() {
                add_cookie(&mut res, set_cookie(CSRF_COOKIE, &nonce, None));
            }
            return res;
        }
        req = Request::from_parts(parts, Body::from(bytes));
    }
    req.extensions_mut().insert(ctx.clone());
    req.extensions_mut().insert(Client(ip));
    let mut res = next.run(req).await;
    if let Some(page) = res.extensions_mut().remove::<ErrorPage>() {
        res = page.render(&ctx);
    }
    let handler_set_nonce = res
        .headers()
        .get_all(header::SET_COOKIE)
        .iter()
        .any(|v| v.as_bytes().starts_with(CSRF_COOKIE.as_bytes()));
    if known_nonce.is_none() && !handler_set_nonce {
        add_cookie(&mut res, set_cookie(CSRF_COOKIE, &nonce, None));
    }
    if remember_lang {
        add_cookie(
            &mut res,
            HeaderValue::from_str(&format!(
                "{LANG_COOKIE}={}; Path=/; Max-Age=31536000; SameSite=Lax",
                lang.tag()
            ))
            .ok(),
        );
    }
    res
}

fn add_cookie(res: &mut Response, value: Option<HeaderValue>) {
    if let Some(v) = value {
        res.headers_mut().append(header::SET_COOKIE, v);
    }
}

/// Where to go after logging in: a path on this node, never another site.
fn safe_next(next: Option<&str>) -> String {
    match next {
        Some(n) if n.starts_with('/') && !n.starts_with("//") && !n.contains('\\') => n.into(),
        _ => "/".into(),
    }
}

/// The login form's query.
#[derive(Debug, Deserialize)]
pub struct LoginQuery {
    next: Option<String>,
}

/// The login form.
#[derive(Debug, Deserialize)]
pub struct LoginForm {
    passphrase: String,
    next: Option<String>,
}

fn login_page(ctx: &Ctx, next: &str, error: Option<&str>) -> maud::Markup {
    layout(
        ctx,
        &ctx.lang.t("login-title"),
        html! {
            h1 { (ctx.lang.t("login-title")) }
            p { (ctx.lang.t("login-intro")) }
            form method="post" action="/login" class="card" {
                input type="hidden" name="csrf" value=(ctx.csrf);
                input type="hidden" name="next" value=(next);
                div class="field" {
                    label for="passphrase" { (ctx.lang.t("login-passphrase")) }
                    input id="passphrase" name="passphrase" type="password" required
                        autocomplete="current-password"
                        aria-invalid=[error.map(|_| "true")]
                        aria-describedby=[error.map(|_| "passphrase-error")];
                    @if let Some(e) = error {
                        p class="error" id="passphrase-error" role="alert" { (e) }
                    }
                }
                button type="submit" { (ctx.lang.t("login-submit")) }
            }
        },
    )
}

/// `GET /login`.
pub async fn login_form(
    Extension(ctx): Extension<Ctx>,
    axum::extract::Query(q): axum::extract::Query<LoginQuery>,
) -> maud::Markup {
    login_page(&ctx, &safe_next(q.next.as_deref()), None)
}

/// A login try refused before its passphrase is checked: 429 with `Retry-After`.
fn login_later(ctx: &Ctx, next: &str, wait: Duration, locked: bool) -> Response {
    let secs = wait.as_secs().max(1);
    let message = if locked {
        ctx.lang.t_args(
            "login-locked",
            &[(
                "minutes",
                fluent_bundle::FluentValue::from(secs.div_ceil(60)),
            )],
        )
    } else {
        ctx.lang.t_args(
            "login-wait",
            &[("seconds", fluent_bundle::FluentValue::from(secs))],
        )
    };
    let mut res = (
        StatusCode::TOO_MANY_REQUESTS,
        login_page(ctx, next, Some(&message)),
    )
        .into_response();
    if let Ok(v) = HeaderValue::from_str(&secs.to_string()) {
        res.headers_mut().insert(header::RETRY_AFTER, v);
    }
    res
}

/// `POST /login`: checks the passphrase (at most two checks at a time: Argon2 is costly on
/// purpose; a client with too many failures waits, see [`LoginLimits`]) and starts a new
/// session, ending the one the browser had.
pub async fn login(
    State(web): State<Web>,
    Extension(ctx): Extension<Ctx>,
    Extension(Client(ip)): Extension<Client>,
    headers: HeaderMap,
    Form(form): Form<LoginForm>,
) -> Result<Response, WebError> {
    let next = safe_next(form.next.as_deref());
    let Some(file) = web.passphrase_file() else {
        return Ok((
            StatusCode::FORBIDDEN,
            login_page(&ctx, &next, Some(&ctx.lang.t("login-not-set"))),
        )
            .into_response());
    };
    // A request the server did not record the address of counts as one client.
    let ip = ip.unwrap_or(IpAddr::V4(std::net::Ipv4Addr::UNSPECIFIED));
    match web.login_limits.turn(ip, Instant::now()) {
        LoginTurn::Go => {}
        LoginTurn::Wait(d) => return Ok(login_later(&ctx, &next, d, false)),
        LoginTurn::Locked(d) => return Ok(login_later(&ctx, &next, d, true)),
    }
    let _permit = web.logins.acquire().await.map_err(|_| WebError::Busy)?;
    let pass = form.passphrase;
    let checked = tokio::task::spawn_blocking(move || check_passphrase(&file, &pass))
        .await
        .map_err(|_| WebError::Busy)?;
    let (status, message) = match checked {
        Ok(true) => {
            web.login_limits.succeeded(ip);
            if let Some(old) = cookie(&headers, SESSION_COOKIE) {
                web.sessions.end(old);
            }
            let token = web.sessions.start();
            let mut res = Redirect::to(&next).into_response();
            add_cookie(
                &mut res,
                set_cookie(SESSION_COOKIE, &token, Some(SESSION_TTL.as_secs())),
            );
            // A new browser value too: nothing issued before the login binds anything after it.
            add_cookie(&mut res, set_cookie(CSRF_COOKIE, &random_token(), None));
            return Ok(res);
        }
        Ok(false) => {
            match web.login_limits.failed(ip, Instant::now()) {
                Failed::Counted => {}
                Failed::Slowed => tracing::warn!(
                    client = %client_key(ip),
                    "{FREE_TRIES} wrong passphrases from one client: its further tries wait"
                ),
                Failed::Locked => tracing::warn!(
                    client = %client_key(ip),
                    "{LOCK_AFTER} wrong passphrases from one client: locked out for {} minutes",
                    LOCK_FOR.as_secs() / 60
                ),
            }
            (StatusCode::UNAUTHORIZED, ctx.lang.t("login-wrong"))
        }
        Err(AuthError::NotSet) => (StatusCode::FORBIDDEN, ctx.lang.t("login-not-set")),
        Err(e) => {
            tracing::error!(error = %e, "cannot check the web passphrase");
            (StatusCode::FORBIDDEN, ctx.lang.t("login-not-set"))
        }
    };
    Ok((status, login_page(&ctx, &next, Some(&message))).into_response())
}

/// `POST /logout`: ends the session.
pub async fn logout(State(web): State<Web>, headers: HeaderMap) -> Response {
    if let Some(t) = cookie(&headers, SESSION_COOKIE) {
        web.sessions.end(t);
    }
    let mut res = Redirect::to("/login").into_response();
    add_cookie(&mut res, set_cookie(SESSION_COOKIE, "", Some(0)));
    res
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn passphrases_are_hashed_checked_and_private() {
        let dir = tempfile::tempdir().unwrap();
        let data = DataDir::new(dir.path());
        let file = passphrase_file(&data);
        assert!(matches!(
            check_passphrase(&file, "x"),
            Err(AuthError::NotSet)
        ));
        assert!(matches!(
            set_passphrase(&data, "short"),
            Err(AuthError::TooShort { .. })
        ));
        set_passphrase(&data, "correct horse battery").unwrap();
        let stored = std::fs::read_to_string(&file).unwrap();
        assert!(stored.starts_with("$argon2id$"), "{stored}");
        assert!(!stored.contains("horse"));
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&file).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o600);
        assert!(check_passphrase(&file, "correct horse battery").unwrap());
        assert!(!check_passphrase(&file, "correct horse batter").unwrap());
    }

    #[test]
    fn sessions_expire_and_end() {
        let s = Sessions::default();
        let t = s.start();
        assert!(s.valid(&t));
        assert!(!s.valid("nope"));
        s.age(SESSION_TTL + Duration::from_secs(1));
        assert!(!s.valid(&t), "expired");
        let t = s.start();
        s.end(&t);
        assert!(!s.valid(&t), "ended");
    }

    #[test]
    fn failed_logins_slow_then_lock_a_client_and_a_success_forgets() {
        let limits = LoginLimits::default();
        let ip: IpAddr = "192.0.2.7".parse().unwrap();
        let other: IpAddr = "192.0.2.8".parse().unwrap();
        let t0 = Instant::now();
        for _ in 1..FREE_TRIES {
            assert_eq!(limits.turn(ip, t0), LoginTurn::Go);
            assert_eq!(limits.failed(ip, t0), Failed::Counted);
        }
        assert_eq!(limits.failed(ip, t0), Failed::Slowed, "said once");
        assert_eq!(limits.turn(ip, t0), LoginTurn::Wait(FIRST_WAIT));
        assert_eq!(limits.turn(other, t0), LoginTurn::Go, "per client");
        // Each further failure doubles the wait, up to a minute.
        let mut now = t0;
        let mut waits = vec![];
        for _ in FREE_TRIES + 1..LOCK_AFTER {
            now += Duration::from_secs(61);
            assert_eq!(limits.turn(ip, now), LoginTurn::Go);
            assert_eq!(limits.failed(ip, now), Failed::Counted);
            let LoginTurn::Wait(w) = limits.turn(ip, now) else {
                panic!("waits")
            };
            waits.push(w.as_secs());
        }
        assert_eq!(&waits[..5], &[10, 20, 40, 60, 60], "{waits:?}");
        now += Duration::from_secs(61);
        assert_eq!(limits.failed(ip, now), Failed::Locked);
        assert_eq!(limits.turn(ip, now), LoginTurn::Locked(LOCK_FOR));
        assert_eq!(
            limits.turn(ip, now + LOCK_FOR - Duration::from_secs(1)),
            LoginTurn::Locked(Duration::from_secs(1))
        );
        assert_eq!(limits.turn(ip, now + LOCK_FOR), LoginTurn::Go);
        // Another address in the same IPv6 /64 is the same client.
        let a: IpAddr = "2001:db8:1:2::5".parse().unwrap();
        let b: IpAddr = "2001:db8:1:2:ffff::9".parse().unwrap();
        for _ in 0..FREE_TRIES {
            limits.failed(a, t0);
        }
        assert!(matches!(limits.turn(b, t0), LoginTurn::Wait(_)));
        limits.succeeded(b);
        assert_eq!(limits.turn(a, t0), LoginTurn::Go, "a success forgets");
        // Failures are forgotten an hour after the last one.
        for _ in 0..FREE_TRIES {
            limits.failed(other, t0);
        }
        limits.failed(ip, t0 + FORGET_AFTER);
        assert_eq!(limits.turn(other, t0 + FORGET_AFTER), LoginTurn::Go);
    }

    #[test]
    fn the_clients_remembered_are_bounded() {
        let limits = LoginLimits::default();
        let t0 = Instant::now();
        for i in 0..MAX_CLIENTS as u32 + 10 {
            let ip = IpAddr::V4(std::net::Ipv4Addr::from(0x0a00_0000 + i));
            limits.failed(ip, t0 + Duration::from_millis(u64::from(i)));
        }
        assert_eq!(limits.clients.lock().unwrap().len(), MAX_CLIENTS);
    }

    #[test]
    fn csrf_tokens_are_bound_to_what_they_were_issued_for() {
        let s = Sessions::default();
        let a = s.start();
        let b = s.start();
        let nonce = random_token();
        let tokens = [
            s.csrf_token(Binding::Session(&a)),
            s.csrf_token(Binding::Session(&b)),
            s.csrf_token(Binding::Browser(&nonce, true)),
            s.csrf_token(Binding::Browser(&nonce, false)),
        ];
        for (i, t) in tokens.iter().enumerate() {
            assert_eq!(t.len(), 64);
            for u in &tokens[i + 1..] {
                assert_ne!(t, u);
            }
        }
        assert_eq!(tokens[0], s.csrf_token(Binding::Session(&a)), "stable");
        assert_ne!(
            tokens[0],
            Sessions::default().csrf_token(Binding::Session(&a)),
            "another node's key makes another token"
        );
    }

    #[test]
    fn cross_site_requests_that_change_state_are_known() {
        let req = |method: Method, headers: &[(&str, &str)]| {
            let mut r = Request::builder().method(method).uri("/api/v1/tally");
            for (k, v) in headers {
                r = r.header(*k, *v);
            }
            cross_site(&r.body(Body::empty()).unwrap())
        };
        let host = ("host", "127.0.0.1:7465");
        assert!(!req(Method::POST, &[host]), "no browser headers: the CLI");
        assert!(!req(
            Method::POST,
            &[host, ("sec-fetch-site", "same-origin")]
        ));
        assert!(!req(Method::POST, &[host, ("sec-fetch-site", "none")]));
        for site in ["cross-site", "same-site"] {
            assert!(
                req(Method::POST, &[host, ("sec-fetch-site", site)]),
                "{site}"
            );
        }
        assert!(!req(
            Method::POST,
            &[host, ("origin", "http://127.0.0.1:7465")]
        ));
        for origin in ["http://evil.example", "null", "http://127.0.0.1:7466"] {
            assert!(req(Method::POST, &[host, ("origin", origin)]), "{origin}");
        }
        assert!(req(
            Method::DELETE,
            &[host, ("origin", "http://evil.example")]
        ));
        assert!(
            !req(Method::GET, &[host, ("sec-fetch-site", "cross-site")]),
            "reads go on"
        );
    }

    #[test]
    fn next_stays_on_this_node() {
        assert_eq!(safe_next(Some("/plans?x=1")), "/plans?x=1");
        for bad in ["//evil.example", "https://evil.example", "/\\evil", "plans"] {
            assert_eq!(safe_next(Some(bad)), "/", "{bad}");
        }
    }

    #[test]
    fn host_names_other_than_localhost_are_not_local() {
        let h = |v: &str| {
            let mut m = HeaderMap::new();
            m.insert(header::HOST, HeaderValue::from_str(v).unwrap());
            host_is_local_name(&m)
        };
        assert!(h("127.0.0.1:7465") && h("localhost:7465") && h("[::1]:7465") && h("localhost"));
        assert!(!h("rebound.example:7465"));
    }

    #[test]
    fn the_language_switch_stays_on_the_page() {
        let base = |method: Method, uri: &str| {
            switch_base(
                &Request::builder()
                    .method(method)
                    .uri(uri)
                    .body(Body::empty())
                    .unwrap(),
            )
        };
        assert_eq!(base(Method::GET, "/tally"), "/tally?");
        assert_eq!(
            base(Method::GET, "/tally?period=2001-03&lang=fr"),
            "/tally?period=2001-03&"
        );
        assert_eq!(base(Method::POST, "/meetings"), "/tally?");
        assert_eq!(base(Method::POST, "/tally/publish"), "/tally?");
        assert_eq!(base(Method::POST, "/plans/abcd/actions/x1"), "/plans/abcd?");
        assert_eq!(base(Method::POST, "/network/abcd/invite"), "/network?");
    }
}
