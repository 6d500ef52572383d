//! The one test kit for tests, examples and benchmarks (issue 11 part 6): the loopback
//! configuration, a node in this process, a node in its own process, and waiting for a
//! condition with a timeout (never a fixed sleep).
//!
//! Everything here binds to 127.0.0.1 port 0 and switches LAN discovery off: nothing leaves the
//! machine's loopback.

use std::future::Future;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Output, Stdio};
use std::time::{Duration, Instant};

use serde_json::Value;

use crate::config::{Config, DataDir};
use crate::daemon::Node;

/// A node's HTTP router (API and page) over `store`, with no network, every request as if from
/// this machine (127.0.0.1): for tests that drive the API with `Router::oneshot`. The router
/// holds a `Docs` handle: the actor stops once it and the returned handle are dropped.
pub fn local_router(
    store: Box<dyn crate::store::Store>,
    key: ed25519_dalek::SigningKey,
    web: crate::web::WebOptions,
) -> (axum::Router, crate::docs::Docs, crate::docs::DocsThread) {
    let (docs, thread) = crate::docs::start(store, key).expect("the documents actor starts");
    let app = crate::http::router(
        crate::app::AppState {
            docs: docs.clone(),
            http: std::net::SocketAddr::from(([127, 0, 0, 1], 0)),
            net: None,
            group_name: "Test group".into(),
            spool: None,
        },
        web,
    )
    // As if every request came from this machine (the server records real peer addresses).
    .layer(axum::extract::connect_info::MockConnectInfo(
        std::net::SocketAddr::from(([127, 0, 0, 1], 40000)),
    ));
    (app, docs, thread)
}

/// How often the waits check their condition.
const POLL: Duration = Duration::from_millis(10);

/// A node's configuration for a test: HTTP and libp2p on loopback port 0, no LAN beacon, the
/// group named `name`, dialing `bootstrap` at start.
pub fn loopback_config(name: &str, bootstrap: Vec<String>) -> Config {
    Config {
        http_listen: ([127, 0, 0, 1], 0).into(),
        listen: vec!["/ip4/127.0.0.1/tcp/0".into()],
        bootstrap,
        lan: false,
        group_name: Some(name.into()),
        ..Config::default()
    }
}

/// Waits until `check` returns `Some`, checking every 10 ms; after `timeout`, an error naming
/// `what`. Returns the value and how long it took.
pub async fn try_wait_until<T, F, Fut>(
    what: &str,
    timeout: Duration,
    check: F,
) -> Result<(T, Duration), String>
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Option<T>>,
{
    try_wait_every(what, timeout, POLL, check).await
}

/// [`try_wait_until`], checking every `every` (benchmarks that time what they wait for check
/// more often).
pub async fn try_wait_every<T, F, Fut>(
    what: &str,
    timeout: Duration,
    every: Duration,
    mut check: F,
) -> Result<(T, Duration), String>
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Option<T>>,
{
    let start = Instant::now();
    loop {
        if let Some(v) = check().await {
            return Ok((v, start.elapsed()));
        }
        if start.elapsed() >= timeout {
            return Err(format!("timed out after {timeout:?} waiting for {what}"));
        }
        tokio::time::sleep(every).await;
    }
}

/// [`try_wait_until`] for a test: panics on the timeout.
pub async fn wait_until<T, F, Fut>(what: &str, timeout: Duration, check: F) -> T
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Option<T>>,
{
    match try_wait_until(what, timeout, check).await {
        Ok((v, _)) => v,
        Err(e) => panic!("{e}"),
    }
}

/// Waits, blocking the thread, until `f` returns `Some`, checking every `every`; panics after
/// `timeout` naming `what`.
pub fn poll_until<T>(
    what: &str,
    timeout: Duration,
    every: Duration,
    mut f: impl FnMut() -> Option<T>,
) -> T {
    let start = Instant::now();
    loop {
        if let Some(v) = f() {
            return v;
        }
        assert!(
            start.elapsed() < timeout,
            "timed out after {timeout:?} waiting for {what}"
        );
        std::thread::sleep(every);
    }
}

/// [`poll_until`] every 10 ms.
pub fn wait_for<T>(what: &str, timeout: Duration, f: impl FnMut() -> Option<T>) -> T {
    poll_until(what, timeout, POLL, f)
}

/// Waits until `counter` (traffic, requests, …) has not moved for `still` — the work in
/// flight is done — checking every 10 ms; after `timeout`, an error naming `what`. Returns how
/// long it took.
pub async fn try_settle(
    what: &str,
    timeout: Duration,
    still: Duration,
    mut counter: impl FnMut() -> u64,
) -> Result<Duration, String> {
    let mut last = counter();
    let mut since = Instant::now();
    let ((), took) = try_wait_until(what, timeout, || {
        let now = counter();
        if now != last {
            last = now;
            since = Instant::now();
        }
        let settled = since.elapsed() >= still;
        async move { settled.then_some(()) }
    })
    .await?;
    Ok(took)
}

/// Any job on a node's documents, for tools that set up or read what the typed jobs do not
/// offer (a benchmark's 10,000 plans in one job, a document's raw heads). Only here: the node's
/// own callers use [`Docs`](crate::docs::Docs)' typed jobs.
pub trait Jobs {
    /// Runs `f` on the documents actor; its result once whatever it changed is stored.
    fn job<T: Send + 'static>(
        &self,
        f: impl FnOnce(&mut crate::docs::DocSet) -> Result<T, crate::docs::DocsError> + Send + 'static,
    ) -> impl Future<Output = Result<T, crate::docs::DocsError>> + Send;
}

impl Jobs for crate::docs::Docs {
    fn job<T: Send + 'static>(
        &self,
        f: impl FnOnce(&mut crate::docs::DocSet) -> Result<T, crate::docs::DocsError> + Send + 'static,
    ) -> impl Future<Output = Result<T, crate::docs::DocsError>> + Send {
        self.run(f)
    }
}

/// A node running in this process, on a data directory it keeps, with a client of its API.
pub struct InProcess {
    /// The running node.
    pub node: Node,
    /// Its group's name.
    pub name: String,
    data: DataDir,
    http: reqwest::Client,
}

impl InProcess {
    /// Starts a node named `name` on `data_dir` (made if missing), dialing `bootstrap`.
    pub async fn start(
        data_dir: &Path,
        name: &str,
        bootstrap: Vec<String>,
    ) -> anyhow::Result<Self> {
        let data = DataDir::new(data_dir);
        data.prepare()?;
        let node = Node::start(data.clone(), &loopback_config(name, bootstrap)).await?;
        Ok(Self {
            node,
            name: name.into(),
            data,
            http: reqwest::Client::new(),
        })
    }

    /// Stops the node and starts it again on the same data (new ports), dialing `bootstrap`.
    pub async fn restart(self, bootstrap: Vec<String>) -> anyhow::Result<Self> {
        let (data, name) = (self.data.clone(), self.name.clone());
        self.node.shutdown().await;
        let node = Node::start(data.clone(), &loopback_config(&name, bootstrap)).await?;
        Ok(Self {
            node,
            name,
            data,
            http: reqwest::Client::new(),
        })
    }

    /// Stops the node.
    pub async fn shutdown(self) {
        self.node.shutdown().await;
    }

    /// The data directory.
    pub fn data_dir(&self) -> &Path {
        self.data.path()
    }

    /// The URL of an API path (`/status` → `http://127.0.0.1:port/api/v1/status`).
    pub fn url(&self, path: &str) -> String {
        format!("http://{}/api/v1{path}", self.node.http)
    }

    /// The HTTP client.
    pub fn http(&self) -> &reqwest::Client {
        &self.http
    }

    /// Calls the API; returns the status and the JSON body (`null` if there is none).
    pub async fn api(
        &self,
        method: reqwest::Method,
        path: &str,
        body: Option<&Value>,
    ) -> anyhow::Result<(reqwest::StatusCode, Value)> {
        let mut req = self.http.request(method, self.url(path));
        if let Some(b) = body {
            req = req.json(b);
        }
        let r = req.send().await?;
        let status = r.status();
        Ok((status, r.json().await.unwrap_or(Value::Null)))
    }

    /// Calls the API; an error unless it succeeds.
    pub async fn api_ok(
        &self,
        method: reqwest::Method,
        path: &str,
        body: Option<&Value>,
    ) -> anyhow::Result<Value> {
        let (status, v) = self.api(method, path, body).await?;
        anyhow::ensure!(status.is_success(), "{} {path}: {status} {v}", self.name);
        Ok(v)
    }

    /// The first libp2p address the node listens on, as its status gives it.
    pub async fn addr(&self) -> anyhow::Result<String> {
        let s = self.api_ok(reqwest::Method::GET, "/status", None).await?;
        Ok(s["listen"][0].as_str().unwrap_or_default().to_string())
    }
}

/// The arguments of `commonground up` for a test: HTTP on `http`, libp2p on a free loopback
/// port, no LAN beacon; the data directory follows.
pub fn up_args(http: &str) -> [&str; 7] {
    [
        "up",
        "--http-listen",
        http,
        "--no-lan",
        "--listen",
        "/ip4/127.0.0.1/tcp/0",
        "--data-dir",
    ]
}

/// The command that starts `bin up` on `data_dir` with its API on 127.0.0.1 port 0 and `args`
/// after (libp2p listen addresses, `--no-lan`, `--bootstrap …`), inside the network namespace
/// `netns` if one is given (`ip netns exec NS …`). The caller sets its output and environment.
pub fn up_command(
    bin: impl AsRef<Path>,
    data_dir: &Path,
    args: &[String],
    netns: Option<&str>,
) -> Command {
    let mut cmd = in_netns(bin.as_ref(), netns);
    cmd.args(["up", "--http-listen", "127.0.0.1:0"])
        .args(args)
        .arg("--data-dir")
        .arg(data_dir)
        .stdin(Stdio::null());
    cmd
}

/// The arguments that keep a node's libp2p on loopback and its LAN beacon off, then
/// `--bootstrap` for each of `bootstrap`.
pub fn loopback_args(bootstrap: &[&str]) -> Vec<String> {
    let mut args: Vec<String> = ["--no-lan", "--listen", "/ip4/127.0.0.1/tcp/0"]
        .map(String::from)
        .into();
    for b in bootstrap {
        args.extend(["--bootstrap".to_string(), (*b).to_string()]);
    }
    args
}

/// The command that runs a CLI command of `bin` against the node on `data_dir`, inside `netns`
/// if one is given.
pub fn cli_command(
    bin: impl AsRef<Path>,
    data_dir: &Path,
    args: &[&str],
    netns: Option<&str>,
) -> Command {
    let mut cmd = in_netns(bin.as_ref(), netns);
    cmd.args(args)
        .arg("--data-dir")
        .arg(data_dir)
        .stdin(Stdio::null());
    cmd
}

fn in_netns(bin: &Path, netns: Option<&str>) -> Command {
    match netns {
        Some(ns) => {
            let mut cmd = Command::new("ip");
            cmd.args(["netns", "exec", ns]).arg(bin);
            cmd
        }
        None => Command::new(bin),
    }
}

/// A node in its own process: `commonground up` of the binary at `bin`.
pub struct Process {
    /// The process.
    pub child: Child,
    /// Its data directory.
    pub data_dir: PathBuf,
    /// Its API address, as it recorded it in `api.addr`.
    pub addr: String,
    /// Its log (standard error), beside the data directory: `<data_dir>.log`.
    pub log: PathBuf,
    bin: PathBuf,
}

impl Process {
    /// Starts `bin up` on `data_dir` and waits (20 s at most) until it records its API address.
    pub fn start(bin: impl AsRef<Path>, data_dir: &Path) -> Self {
        Self::start_with_env(bin, data_dir, &[])
    }

    /// [`Process::start`] with the environment variables `env` set for the node.
    pub fn start_with_env(bin: impl AsRef<Path>, data_dir: &Path, env: &[(&str, &str)]) -> Self {
        let bin = bin.as_ref();
        let _ = std::fs::remove_file(data_dir.join("api.addr"));
        // Into files, not pipes: a pipe no one reads would stop a node that logs much.
        let log = data_dir.with_extension("log");
        let file = |p: &Path| std::fs::File::create(p).expect("create the node's log");
        let mut child = up_command(bin, data_dir, &loopback_args(&[]), None)
            .envs(env.iter().copied())
            .stdout(file(&data_dir.with_extension("out")))
            .stderr(file(&log))
            .spawn()
            .expect("start commonground up");
        let addr = wait_for(
            "the node to record its address",
            Duration::from_secs(20),
            || {
                if let Ok(Some(status)) = child.try_wait() {
                    panic!("node exited early with {status}");
                }
                std::fs::read_to_string(data_dir.join("api.addr")).ok()
            },
        );
        Self {
            child,
            data_dir: data_dir.to_path_buf(),
            addr: addr.trim().to_string(),
            log,
            bin: bin.to_path_buf(),
        }
    }

    /// Runs a CLI command against this node.
    pub fn cli(&self, args: &[&str]) -> Output {
        cli(&self.bin, &self.data_dir, args)
    }

    /// Runs a CLI command that must succeed, and returns its standard output.
    pub fn ok(&self, args: &[&str]) -> String {
        let out = self.cli(args);
        assert!(
            out.status.success(),
            "`commonground {}` failed: {}\n{}",
            args.join(" "),
            out.status,
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8_lossy(&out.stdout).into_owned()
    }

    /// Runs a CLI command with `--json` that must succeed, and parses its output.
    pub fn json(&self, args: &[&str]) -> Value {
        let mut all = args.to_vec();
        all.push("--json");
        serde_json::from_str(&self.ok(&all)).expect("JSON output")
    }

    /// Sends SIGTERM and waits (20 s at most) for the process to exit.
    pub fn stop(mut self) -> ExitStatus {
        let pid = self.child.id().to_string();
        // The `kill` command keeps this free of unsafe code.
        Command::new("kill")
            .args(["-TERM", &pid])
            .status()
            .expect("kill");
        wait_for("the node to exit", Duration::from_secs(20), || {
            self.child.try_wait().ok().flatten()
        })
    }

    /// Kills the process with SIGKILL and reaps it.
    pub fn kill(mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Drop for Process {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Runs a CLI command of the binary at `bin` with the given data directory.
pub fn cli(bin: impl AsRef<Path>, data_dir: &Path, args: &[&str]) -> Output {
    cli_command(bin, data_dir, args, None)
        .output()
        .expect("run commonground")
}

/// A bare libp2p swarm on TCP, noise and yamux with identity `key` and `behaviour`: a hand-made
/// peer (a stranger, an old release, a peer that sends garbage or floods). Its connections stay
/// open while idle for 90 s, so that a test sees the node close them.
pub fn raw_swarm<B: libp2p::swarm::NetworkBehaviour>(
    key: libp2p::identity::Keypair,
    behaviour: impl FnOnce(&libp2p::identity::Keypair) -> B,
) -> libp2p::Swarm<B> {
    use libp2p::{noise, tcp, yamux};
    libp2p::SwarmBuilder::with_existing_identity(key)
        .with_tokio()
        .with_tcp(
            tcp::Config::default(),
            noise::Config::new,
            yamux::Config::default,
        )
        .expect("TCP with noise and yamux builds")
        .with_behaviour(|key| behaviour(key))
        .expect("the behaviour builds")
        .with_swarm_config(|c| c.with_idle_connection_timeout(Duration::from_secs(90)))
        .build()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_wait_returns_the_value_once_the_condition_holds_and_fails_after_the_timeout() {
        let mut n = 0;
        let (v, _) = try_wait_until("three tries", Duration::from_secs(5), || {
            n += 1;
            let got = (n >= 3).then_some(n);
            async move { got }
        })
        .await
        .unwrap();
        assert_eq!(v, 3);
        let e = try_wait_until("never", Duration::from_millis(30), || async { None::<()> })
            .await
            .unwrap_err();
        assert!(e.contains("waiting for never"), "{e}");
    }

    #[tokio::test]
    async fn an_in_process_node_answers_on_loopback_and_restarts_on_its_data() {
        let dir = tempfile::tempdir().unwrap();
        let node = InProcess::start(&dir.path().join("a"), "kit", vec![])
            .await
            .unwrap();
        assert!(node.node.http.ip().is_loopback());
        let addr = node.addr().await.unwrap();
        assert!(addr.starts_with("/ip4/127.0.0.1/tcp/"), "{addr}");
        let group = node.node.group;
        let node = node.restart(vec![]).await.unwrap();
        assert_eq!(
            node.node.group, group,
            "the same identity from the same data"
        );
        node.node.shutdown().await;
    }
}
