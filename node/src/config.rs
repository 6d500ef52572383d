//! The data directory, the config file and their defaults.
//!
//! Precedence: command-line flags, then the config file (`<data-dir>/config.toml`, or
//! `--config FILE`), then the defaults here. The data directory is `--data-dir`, else
//! `$COMMONGROUND_DATA_DIR`, else the platform's data directory.

use std::io::Write;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};
use thiserror::Error;

/// Where the HTTP API and web page listen unless told otherwise: loopback only.
pub const DEFAULT_HTTP_LISTEN: &str = "127.0.0.1:7465";

/// The example config, also written into a new data directory.
pub const EXAMPLE_CONFIG: &str = include_str!("../commonground.example.toml");

/// How logs are written.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, clap::ValueEnum)]
#[serde(rename_all = "lowercase")]
pub enum LogFormat {
    /// Readable lines.
    #[default]
    Text,
    /// One JSON object per line.
    Json,
}

/// Where libp2p listens unless told otherwise: TCP and QUIC on one fixed port, all interfaces.
pub const DEFAULT_LISTEN: [&str; 2] = ["/ip4/0.0.0.0/tcp/7466", "/ip4/0.0.0.0/udp/7466/quic-v1"];

/// The node's settings.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Config {
    /// The HTTP API's (and web page's) address.
    pub http_listen: SocketAddr,
    /// How logs are written.
    pub log_format: LogFormat,
    /// libp2p listen multiaddrs.
    pub listen: Vec<String>,
    /// Nodes to dial at start (multiaddrs ending in /p2p/<peer id>).
    pub bootstrap: Vec<String>,
    /// Whether members of this node's networks find each other on the local network with
    /// beacons only members can read (`mdns` in files of earlier releases).
    #[serde(alias = "mdns")]
    pub lan: bool,
    /// The UDP port of LAN beacons (every node of one LAN must use the same).
    pub lan_port: u16,
    /// The IPv4 addresses of the interfaces to send and read beacons on (empty: every interface
    /// but loopback).
    pub lan_interfaces: Vec<std::net::Ipv4Addr>,
    /// For how long after start the node also sends a public beacon with its group id, so that
    /// a group redeeming one of its invites on the same LAN finds it (`up --discoverable 10m`;
    /// never from a file).
    #[serde(skip)]
    pub discoverable: Option<std::time::Duration>,
    /// How this group is named to other groups in networks (default: "group-" and the end of
    /// its id).
    pub group_name: Option<String>,
    /// Whether this node relays for the members of its networks while it is reachable from
    /// outside (`members`, the default), or never (`off`).
    pub relay: crate::net::reach::RelayMode,
}

impl Default for Config {
    fn default() -> Self {
        Self {
            http_listen: DEFAULT_HTTP_LISTEN.parse().expect("valid default address"),
            log_format: LogFormat::Text,
            listen: DEFAULT_LISTEN.iter().map(|s| s.to_string()).collect(),
            bootstrap: Vec::new(),
            lan: true,
            lan_port: crate::net::beacon::PORT,
            lan_interfaces: Vec::new(),
            discoverable: None,
            group_name: None,
            relay: crate::net::reach::RelayMode::Members,
        }
    }
}

/// A problem with the data directory or the config file.
#[derive(Debug, Error)]
pub enum ConfigError {
    /// The data directory cannot be created or written.
    #[error(
        "cannot use data directory {path}: {reason}\n(choose another with --data-dir or COMMONGROUND_DATA_DIR, or fix its permissions)"
    )]
    DataDir {
        /// The directory.
        path: PathBuf,
        /// Why.
        reason: String,
    },
    /// The config file cannot be read or parsed.
    #[error("cannot read config file {path}: {reason}")]
    File {
        /// The file.
        path: PathBuf,
        /// Why.
        reason: String,
    },
}

impl Config {
    /// Reads a config file; a missing file gives the defaults.
    pub fn load(path: &Path) -> Result<Self, ConfigError> {
        let err = |reason: String| ConfigError::File {
            path: path.to_path_buf(),
            reason,
        };
        match std::fs::read_to_string(path) {
            Ok(text) => toml::from_str(&text).map_err(|e| err(e.to_string())),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(Self::default()),
            Err(e) => Err(err(e.to_string())),
        }
    }
}

/// The platform's data directory for Common Ground (`~/.local/share/commonground` on Linux).
pub fn default_data_dir() -> PathBuf {
    directories::ProjectDirs::from("org", "Common Ground", "commonground")
        .map(|d| d.data_dir().to_path_buf())
        .unwrap_or_else(|| PathBuf::from("commonground-data"))
}

/// The layout of a data directory.
#[derive(Debug, Clone)]
pub struct DataDir(PathBuf);

impl DataDir {
    /// The data directory at `path`.
    pub fn new(path: impl Into<PathBuf>) -> Self {
        Self(path.into())
    }

    /// The directory itself.
    pub fn path(&self) -> &Path {
        &self.0
    }

    /// The config file.
    pub fn config_file(&self) -> PathBuf {
        self.0.join("config.toml")
    }

    /// The group's key.
    pub fn identity_file(&self) -> PathBuf {
        self.0.join("identity.key")
    }

    /// The database folder.
    pub fn store_dir(&self) -> PathBuf {
        self.0.join("store")
    }

    /// Where uploaded bundles wait while they are checked; emptied at start (what a crash left).
    pub fn incoming_dir(&self) -> PathBuf {
        self.0.join("incoming")
    }

    /// Empties (and makes, private) the folder of uploads waiting to be checked: what is there
    /// at start was cut short by a crash.
    pub fn clear_incoming(&self) -> std::io::Result<()> {
        let dir = self.incoming_dir();
        match std::fs::remove_dir_all(&dir) {
            Err(e) if e.kind() != std::io::ErrorKind::NotFound => return Err(e),
            _ => {}
        }
        std::fs::DirBuilder::new().mode(0o700).create(&dir)
    }

    /// Where a running node records its HTTP address for the CLI.
    pub fn api_addr_file(&self) -> PathBuf {
        self.0.join("api.addr")
    }

    /// Creates the directory (mode 0700) if needed, proves it is writable, writes the example
    /// config on first use, and makes the directory private (see [`make_private`]).
    pub fn prepare(&self) -> Result<(), ConfigError> {
        let err = |e: std::io::Error| ConfigError::DataDir {
            path: self.0.clone(),
            reason: e.to_string(),
        };
        if self.0.exists() && !self.0.is_dir() {
            return Err(ConfigError::DataDir {
                path: self.0.clone(),
                reason: "it exists and is not a directory".into(),
            });
        }
        std::fs::DirBuilder::new()
            .recursive(true)
            .mode(0o700)
            .create(&self.0)
            .map_err(err)?;
        let probe = self.0.join(".write-test");
        std::fs::File::create(&probe)
            .and_then(|mut f| f.write_all(b"ok").and_then(|()| f.sync_all()))
            .map_err(err)?;
        std::fs::remove_file(&probe).map_err(err)?;
        let config = self.config_file();
        if !config.exists() {
            std::fs::write(&config, EXAMPLE_CONFIG).map_err(err)?;
        }
        self.make_private()
    }

    /// Makes the directory and everything in it private to this user (see [`make_private`]):
    /// at start, and again once the store and the API address file exist.
    pub fn make_private(&self) -> Result<(), ConfigError> {
        make_private(&self.0).map_err(|e| ConfigError::DataDir {
            path: self.0.clone(),
            reason: format!(
                "cannot make it private to this user ({e}); run `chmod -R go-rwx {}` as its owner",
                self.0.display()
            ),
        })
    }

    /// Records the running node's HTTP address (written to a temporary file, then renamed, so a
    /// reader never sees half of it).
    pub fn write_api_addr(&self, addr: SocketAddr) -> std::io::Result<()> {
        let tmp = self.0.join("api.addr.tmp");
        let mut file = std::fs::OpenOptions::new()
            .write(true)
            .create(true)
            .truncate(true)
            .mode(0o600)
            .open(&tmp)?;
        file.write_all(addr.to_string().as_bytes())?;
        drop(file);
        std::fs::rename(tmp, self.api_addr_file())
    }

    /// The running node's HTTP address, if one recorded it.
    pub fn read_api_addr(&self) -> Option<SocketAddr> {
        std::fs::read_to_string(self.api_addr_file())
            .ok()?
            .trim()
            .parse()
            .ok()
    }
}

use std::os::unix::fs::{DirBuilderExt, OpenOptionsExt, PermissionsExt};

/// Makes `dir` and everything in it private to this user: directories 0700, files 0600 (a data
/// directory made by an older release, or by hand, could be 0755 with its store readable by
/// every user of the machine). Symbolic links are not followed. Files the node creates later
/// sit inside the 0700 directory, which no one else can enter.
fn make_private(dir: &Path) -> std::io::Result<()> {
    let set = |path: &Path, mode: u32| -> std::io::Result<()> {
        let now = std::fs::symlink_metadata(path)?.permissions().mode() & 0o777;
        if now != mode {
            std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode))?;
        }
        Ok(())
    };
    set(dir, 0o700)?;
    for entry in std::fs::read_dir(dir)? {
        let entry = entry?;
        let kind = entry.file_type()?;
        if kind.is_dir() {
            make_private(&entry.path())?;
        } else if kind.is_file() {
            set(&entry.path(), 0o600)?;
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_example_config_is_the_default() {
        let parsed: Config = toml::from_str(EXAMPLE_CONFIG).unwrap();
        assert_eq!(parsed, Config::default());
    }

    #[test]
    fn unknown_keys_and_bad_values_are_refused() {
        let dir = tempfile::tempdir().unwrap();
        let f = dir.path().join("c.toml");
        std::fs::write(&f, "http_listn = \"127.0.0.1:1\"").unwrap();
        assert!(
            Config::load(&f)
                .unwrap_err()
                .to_string()
                .contains("http_listn")
        );
        std::fs::write(&f, "http_listen = \"nowhere\"").unwrap();
        assert!(Config::load(&f).is_err());
        assert_eq!(
            Config::load(&dir.path().join("missing.toml")).unwrap(),
            Config::default()
        );
    }

    #[test]
    fn an_existing_open_data_directory_is_made_private() {
        let dir = tempfile::tempdir().unwrap();
        let data = dir.path().join("data");
        std::fs::create_dir_all(data.join("store/blobs")).unwrap();
        let files = [
            data.join("store/db"),
            data.join("store/blobs/1"),
            data.join("config.toml"),
        ];
        for f in &files {
            std::fs::write(f, "x").unwrap();
            std::fs::set_permissions(f, std::fs::Permissions::from_mode(0o644)).unwrap();
        }
        for d in [&data, &data.join("store"), &data.join("store/blobs")] {
            std::fs::set_permissions(d, std::fs::Permissions::from_mode(0o755)).unwrap();
        }
        DataDir::new(&data).prepare().unwrap();
        let mode = |p: &Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
        for d in [&data, &data.join("store"), &data.join("store/blobs")] {
            assert_eq!(mode(d), 0o700, "{}", d.display());
        }
        for f in &files {
            assert_eq!(mode(f), 0o600, "{}", f.display());
        }
        // A fresh one is private from the start.
        let fresh = DataDir::new(dir.path().join("fresh"));
        fresh.prepare().unwrap();
        assert_eq!(mode(&dir.path().join("fresh")), 0o700);
        assert_eq!(mode(&fresh.config_file()), 0o600);
    }

    #[test]
    fn prepare_creates_the_directory_and_refuses_a_file() {
        let dir = tempfile::tempdir().unwrap();
        let d = DataDir::new(dir.path().join("a/b"));
        d.prepare().unwrap();
        assert!(d.config_file().exists());
        let file = dir.path().join("file");
        std::fs::write(&file, "x").unwrap();
        assert!(
            DataDir::new(&file)
                .prepare()
                .unwrap_err()
                .to_string()
                .contains("not a directory")
        );
    }
}
