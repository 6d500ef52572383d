//! `commonground up`: prepares the data directory, loads the group's key and documents, serves the
//! HTTP API, and runs until SIGINT or SIGTERM, then shuts down in order: stop taking requests,
//! let the documents actor store its last batch, remove the recorded address.

use axum::serve::ListenerExt;
use std::net::SocketAddr;
use std::path::PathBuf;

use commonground_protocol::GroupId;
use thiserror::Error;
use tokio::task::JoinHandle;
use tokio_util::sync::CancellationToken;
use tracing::info;

use crate::app::AppState;
use crate::config::{Config, ConfigError, DataDir, LogFormat};
use crate::docs::{self, Docs, DocsError, DocsThread};
use crate::http::router;
use crate::identity::{Identity, IdentityError};
use crate::store::{SledStore, StoreError};
use crate::web::WebOptions;

/// Set (to anything) in the environment of a node in a test's network namespaces: AutoNAT
/// counts private addresses and probes within seconds. Never set in production, where only
/// global addresses count.
pub const AUTONAT_LAB: &str = "COMMONGROUND_TEST_AUTONAT_LAB";

/// What `up` was asked for; `None` fields come from the config file.
#[derive(Debug, Clone)]
pub struct UpOptions {
    /// The data directory.
    pub data_dir: DataDir,
    /// A config file other than the data directory's own.
    pub config_file: Option<PathBuf>,
    /// Overrides the config's HTTP address.
    pub http_listen: Option<SocketAddr>,
    /// Overrides the config's log format.
    pub log_format: Option<LogFormat>,
    /// Overrides the config's listen addresses (when not empty).
    pub listen: Vec<String>,
    /// Adds to the config's bootstrap addresses.
    pub bootstrap: Vec<String>,
    /// Turns LAN beacons off.
    pub no_lan: bool,
    /// Sends a public beacon for this long after start.
    pub discoverable: Option<std::time::Duration>,
    /// Overrides the config's relay mode.
    pub relay: Option<crate::net::reach::RelayMode>,
}

impl UpOptions {
    /// Options with everything from the config file.
    pub fn new(data_dir: DataDir) -> Self {
        Self {
            data_dir,
            config_file: None,
            http_listen: None,
            log_format: None,
            listen: Vec::new(),
            bootstrap: Vec::new(),
            no_lan: false,
            discoverable: None,
            relay: None,
        }
    }

    /// Prepares the data directory and reads the config, with flags applied over it.
    pub fn resolve(&self) -> Result<Config, ConfigError> {
        self.data_dir.prepare()?;
        let file = self
            .config_file
            .clone()
            .unwrap_or_else(|| self.data_dir.config_file());
        let mut config = Config::load(&file)?;
        if let Some(a) = self.http_listen {
            config.http_listen = a;
        }
        if let Some(f) = self.log_format {
            config.log_format = f;
        }
        if !self.listen.is_empty() {
            config.listen = self.listen.clone();
        }
        config.bootstrap.extend(self.bootstrap.iter().cloned());
        if self.no_lan {
            config.lan = false;
        }
        config.discoverable = self.discoverable;
        if let Some(r) = self.relay {
            config.relay = r;
        }
        Ok(config)
    }
}

/// Why the node could not start.
#[derive(Debug, Error)]
pub enum StartError {
    /// The data directory or config file.
    #[error(transparent)]
    Config(#[from] ConfigError),
    /// The group's key.
    #[error(transparent)]
    Identity(#[from] IdentityError),
    /// The database (often: another node already runs on this data directory).
    #[error("{0}\n(is another node already running with this data directory?)")]
    Store(StoreError),
    /// Loading the documents.
    #[error("cannot load the documents: {0}")]
    Docs(#[from] DocsError),
    /// The peer-to-peer network.
    #[error("cannot start networking: {0}")]
    Net(#[from] crate::net::NetError),
    /// The HTTP address.
    #[error(
        "cannot listen on {addr}: {reason}\n(choose another with --http-listen, e.g. 127.0.0.1:0 for any free port)"
    )]
    Listen {
        /// The address.
        addr: SocketAddr,
        /// Why.
        reason: String,
    },
}

/// A running node.
pub struct Node {
    /// The HTTP API's actual address (useful when the port was 0).
    pub http: SocketAddr,
    /// The group this node belongs to.
    pub group: GroupId,
    data_dir: DataDir,
    cancel: CancellationToken,
    server: JoinHandle<()>,
    net_task: JoinHandle<()>,
    engine: JoinHandle<()>,
    docs_thread: DocsThread,
    net: crate::net::Net,
    docs: Docs,
}

fn multiaddrs(list: &[String], what: &str) -> Result<Vec<libp2p::Multiaddr>, StartError> {
    list.iter()
        .map(|a| {
            a.parse().map_err(|e| {
                StartError::Net(crate::net::NetError::Invalid(format!(
                    "{what} address `{a}`: {e}"
                )))
            })
        })
        .collect()
}

impl Node {
    /// Starts a node with a resolved config.
    pub async fn start(data_dir: DataDir, config: &Config) -> Result<Self, StartError> {
        let identity = Identity::load_or_create(&data_dir.identity_file())?;
        let group = identity.group();
        let key = identity.signing_key().clone();
        let store_dir = data_dir.store_dir();
        let store = tokio::task::spawn_blocking(move || SledStore::open(&store_dir))
            .await
            .map_err(|e| StartError::Store(StoreError::Io(e.to_string())))?
            .map_err(StartError::Store)?;
        let (docs, docs_thread) =
            tokio::task::spawn_blocking(move || docs::start(Box::new(store), key))
                .await
                .map_err(|e| StartError::Store(StoreError::Io(e.to_string())))??;
        let listen_err = |e: std::io::Error| StartError::Listen {
            addr: config.http_listen,
            reason: e.to_string(),
        };
        let listener = tokio::net::TcpListener::bind(config.http_listen)
            .await
            .map_err(listen_err)?;
        let http = listener.local_addr().map_err(listen_err)?;
        let cancel = CancellationToken::new();
        let net_config = crate::net::NetConfig {
            listen: multiaddrs(&config.listen, "listen")?,
            bootstrap: multiaddrs(&config.bootstrap, "bootstrap")?,
            lan: config.lan.then(|| crate::net::beacon::LanConfig {
                group,
                port: config.lan_port,
                interfaces: (!config.lan_interfaces.is_empty())
                    .then(|| config.lan_interfaces.clone()),
                discoverable_until: config.discoverable.map(|d| std::time::Instant::now() + d),
            }),
            admission: docs.admission().await?,
            relay: config.relay,
            autonat_lab: std::env::var_os(AUTONAT_LAB).is_some(),
        };
        let (net, events, net_task) = crate::net::start(
            identity.signing_key().to_bytes(),
            net_config,
            cancel.clone(),
        )
        .await?;
        let engine = tokio::spawn(
            crate::sync::Engine::new(docs.clone(), net.clone(), events).run(cancel.clone()),
        );
        let group_name = config
            .group_name
            .clone()
            .unwrap_or_else(|| format!("group-{}", group.short()));
        // A crash may have left an upload half-written; the node goes on without the folder (an
        // import then says why it cannot be written).
        if let Err(e) = data_dir.clear_incoming() {
            tracing::warn!(dir = %data_dir.incoming_dir().display(), error = %e, "cannot empty the uploads folder");
        }
        // The store's files were made after `prepare`. Private before the address file appears:
        // whoever waits for that file (the CLI, tests) sees a private directory.
        data_dir.make_private()?;
        data_dir
            .write_api_addr(http)
            .map_err(|e| ConfigError::DataDir {
                path: data_dir.api_addr_file(),
                reason: e.to_string(),
            })?;
        let app = router(
            AppState {
                docs: docs.clone(),
                http,
                net: Some(net.clone()),
                group_name,
                spool: Some(data_dir.incoming_dir()),
            },
            WebOptions {
                data_dir: Some(data_dir.clone()),
                shutdown: cancel.clone(),
            },
        );
        let stop = cancel.clone();
        let server = tokio::spawn(async move {
            // `tap_io` only so that axum gives the connection's address to `ConnectInfo`.
            let listener =
                crate::listener::Limited::new(listener, crate::listener::Limits::default())
                    .tap_io(|_| {});
            let served = axum::serve(
                listener,
                // The web page's access guard needs each request's peer address.
                app.into_make_service_with_connect_info::<SocketAddr>(),
            )
            .with_graceful_shutdown(async move { stop.cancelled().await })
            .await;
            if let Err(e) = served {
                tracing::error!(error = %e, "HTTP server failed");
            }
        });
        info!(group = %group, %http, "node started");
        Ok(Self {
            http,
            group,
            data_dir,
            cancel,
            server,
            net_task,
            engine,
            docs_thread,
            net,
            docs,
        })
    }

    /// The node's documents actor (for tests and benchmarks that work below the API).
    pub fn docs(&self) -> &Docs {
        &self.docs
    }

    /// The node's network handle (for tests that speak the wire protocol directly).
    pub fn net(&self) -> &crate::net::Net {
        &self.net
    }

    /// Stops taking requests, waits for the documents actor to store its last batch and stop,
    /// and removes the recorded address.
    pub async fn shutdown(self) {
        info!("shutting down");
        self.cancel.cancel();
        if let Err(e) = self.server.await {
            tracing::error!(error = %e, "HTTP server task failed");
        }
        let _ = self.engine.await;
        let _ = self.net_task.await;
        // Everything that sent work is stopped; the actor stores what it has and ends.
        self.docs.stop().await;
        let thread = self.docs_thread;
        let _ = tokio::task::spawn_blocking(move || thread.join()).await;
        let _ = std::fs::remove_file(self.data_dir.api_addr_file());
        info!("stopped");
    }
}

/// Waits for SIGINT (Ctrl-C) or SIGTERM.
pub async fn signalled() {
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(e) => {
                tracing::warn!(error = %e, "cannot listen for SIGTERM");
                std::future::pending::<()>().await;
            }
        }
    };
    tokio::select! {
        _ = tokio::signal::ctrl_c() => {}
        _ = term => {}
    }
}
