//! Memory under hostile load (issue 12), measured on the real binary in its own process: its
//! peak resident memory (`VmHWM` in `/proc/PID/status`) while a client uploads a 1 GiB bundle
//! (and a second upload meanwhile is told to wait),
//! and while a member's connection, then a stranger's, send 64 sync requests of 60 MiB at once.
//! The bounds here are the (64 MiB over idle for an upload; 256 MiB in all for the
//! flood); BENCHMARKS.md has the figures these runs print.

#![allow(clippy::unwrap_used)]

mod common;

use std::path::{Path, PathBuf};
use std::time::Duration;

use common::bin;
use commonground_node::testkit::{Process, poll_until};
use libp2p::futures::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt, StreamExt};
use libp2p::request_response::{self, ProtocolSupport};
use libp2p::swarm::SwarmEvent;
use libp2p::{Multiaddr, PeerId, StreamProtocol, Swarm};
use serde_json::Value;

const MIB: u64 = 1024 * 1024;
/// How long a node may take to answer, sync, or close a connection here.
const WAIT: Duration = Duration::from_secs(90);

/// A figure of `/proc/PID/status` (`VmRSS`, `VmHWM`), in bytes.
fn proc_status(pid: u32, key: &str) -> u64 {
    let text = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap();
    let line = text
        .lines()
        .find(|l| l.starts_with(&format!("{key}:")))
        .unwrap_or_else(|| panic!("no {key} in /proc/{pid}/status"));
    let kib: u64 = line
        .split_whitespace()
        .nth(1)
        .and_then(|n| n.parse().ok())
        .unwrap();
    kib * 1024
}

fn start(dir: &Path, name: &str) -> Process {
    Process::start(bin(), &dir.join(name))
}

/// The node's HTTP API base URL.
fn api(node: &Process) -> String {
    format!("http://{}/api/v1", node.addr)
}

/// Files left in the node's folder of uploads being checked.
fn incoming(node: &Process) -> Vec<PathBuf> {
    std::fs::read_dir(node.data_dir.join("incoming"))
        .map(|d| d.map(|e| e.unwrap().path()).collect())
        .unwrap_or_default()
}

/// A body of `len` bytes that starts like a bundle, made as it is sent, 64 KiB at a time.
fn upload_body(len: u64) -> reqwest::Body {
    let magic = commonground_protocol::bundle::MAGIC;
    let chunk = 64 * 1024;
    let chunks = len.div_ceil(chunk);
    let stream = libp2p::futures::stream::iter(0..chunks).map(move |i| {
        let size = chunk.min(len - i * chunk) as usize;
        let mut bytes = vec![0u8; size];
        if i == 0 {
            bytes[..magic.len()].copy_from_slice(magic);
        }
        Ok::<_, std::io::Error>(bytes)
    });
    reqwest::Body::wrap_stream(stream)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_1_gib_bundle_upload_is_refused_with_memory_bounded_and_the_node_serves_on() {
    let dir = tempfile::tempdir().unwrap();
    let node = start(dir.path(), "a");
    let pid = node.child.id();
    let http = reqwest::Client::new();
    let status = |http: reqwest::Client, url: String| async move {
        http.get(format!("{url}/status")).send().await.unwrap()
    };
    assert!(status(http.clone(), api(&node)).await.status().is_success());
    let idle = proc_status(pid, "VmHWM");
    let gib = 1024 * MIB;

    // Said to be 1 GiB: refused before any of it is read.
    let declared = http
        .post(format!("{}/bundles", api(&node)))
        .header(reqwest::header::CONTENT_LENGTH, gib)
        .body(upload_body(gib))
        .send()
        .await;
    match declared {
        Ok(r) => {
            assert_eq!(r.status(), reqwest::StatusCode::PAYLOAD_TOO_LARGE);
            let body: Value = r.json().await.unwrap();
            assert_eq!(body["error"]["code"], "too_large", "{body}");
        }
        // The node answered and closed while the client was still sending: also a refusal.
        Err(e) => eprintln!("declared upload: the node closed the connection ({e})"),
    }

    // 1 GiB with no length given (chunked): refused once it passes the limit.
    let started = std::time::Instant::now();
    let chunked = http
        .post(format!("{}/bundles", api(&node)))
        .body(upload_body(gib))
        .send()
        .await;
    let answer = match chunked {
        Ok(r) => {
            let code = r.status();
            let body: Value = r.json().await.unwrap();
            assert_eq!(code, reqwest::StatusCode::PAYLOAD_TOO_LARGE, "{body}");
            assert_eq!(body["error"]["code"], "too_large", "{body}");
            "413 too_large".to_string()
        }
        Err(e) => format!("connection closed ({e})"),
    };
    let peak = proc_status(pid, "VmHWM");
    eprintln!(
        "1 GiB upload: {answer} after {:.1} s; node's peak resident memory {} MiB, {} MiB over idle ({} MiB)",
        started.elapsed().as_secs_f64(),
        peak / MIB,
        peak.saturating_sub(idle) / MIB,
        idle / MIB,
    );
    assert!(
        peak <= idle + 64 * MIB,
        "memory rose by {} MiB during a refused upload",
        (peak - idle) / MIB
    );
    // Nothing kept of it, and the node goes on serving.
    poll_until(
        "the upload's file removed",
        WAIT,
        Duration::from_millis(50),
        || incoming(&node).is_empty().then_some(()),
    );
    assert!(status(http.clone(), api(&node)).await.status().is_success());
    assert!(node.child.id() == pid);

    // One import at a time: while an upload is still arriving, a second is told to wait.
    let (go, wait) = tokio::sync::oneshot::channel::<()>();
    let magic = commonground_protocol::bundle::MAGIC.to_vec();
    let slow = libp2p::futures::stream::once(async move { Ok::<_, std::io::Error>(magic) }).chain(
        libp2p::futures::stream::once(async move {
            let _ = wait.await;
            Ok(b"and then nothing that verifies".to_vec())
        }),
    );
    let first = tokio::spawn(
        http.post(format!("{}/bundles", api(&node)))
            .body(reqwest::Body::wrap_stream(slow))
            .send(),
    );
    poll_until(
        "the first upload to arrive",
        WAIT,
        Duration::from_millis(20),
        || (!incoming(&node).is_empty()).then_some(()),
    );
    let second = http
        .post(format!("{}/bundles", api(&node)))
        .body(upload_body(1024))
        .send()
        .await
        .unwrap();
    assert_eq!(second.status(), reqwest::StatusCode::SERVICE_UNAVAILABLE);
    let body: Value = second.json().await.unwrap();
    assert_eq!(body["error"]["code"], "busy", "{body}");
    go.send(()).unwrap();
    let first = first.await.unwrap().unwrap();
    assert!(first.status().is_success());
    let lines = first.text().await.unwrap();
    assert!(lines.contains("\"refused\""), "{lines}");
    poll_until(
        "the first upload's file removed",
        WAIT,
        Duration::from_millis(20),
        || incoming(&node).is_empty().then_some(()),
    );

    // Not a bundle at all: refused on its first bytes.
    let r = http
        .post(format!("{}/bundles", api(&node)))
        .body("PK\u{3}\u{4} a zip file, not a bundle")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), reqwest::StatusCode::UNPROCESSABLE_ENTITY);
    node.stop();
}

/// Sends sync requests of a given size, made as they are written: DEFLATE stored blocks of
/// bytes that inflate to exactly that many bytes of noise, which no CBOR decoder reads as a
/// request. The node must read (and inflate) all of one to find that out.
#[derive(Clone, Default)]
struct Flood;

impl request_response::Codec for Flood {
    type Protocol = StreamProtocol;
    type Request = usize;
    type Response = Vec<u8>;

    async fn read_request<T: AsyncRead + Unpin + Send>(
        &mut self,
        _: &StreamProtocol,
        _: &mut T,
    ) -> std::io::Result<usize> {
        Err(std::io::Error::other("this peer only sends"))
    }

    async fn read_response<T: AsyncRead + Unpin + Send>(
        &mut self,
        _: &StreamProtocol,
        io: &mut T,
    ) -> std::io::Result<Vec<u8>> {
        let mut b = Vec::new();
        io.take(MIB).read_to_end(&mut b).await?;
        Ok(b)
    }

    async fn write_request<T: AsyncWrite + Unpin + Send>(
        &mut self,
        _: &StreamProtocol,
        io: &mut T,
        size: usize,
    ) -> std::io::Result<()> {
        const BLOCK: usize = 65_535;
        let mut state = 0x9e37_79b9_7f4a_7c15u64 ^ size as u64;
        let mut left = size;
        let mut block = Vec::with_capacity(BLOCK + 5);
        while left > 0 {
            let n = left.min(BLOCK);
            left -= n;
            block.clear();
            // BFINAL on the last block, BTYPE 00 (stored), then LEN and its complement.
            block.push(u8::from(left == 0));
            block.extend_from_slice(&(n as u16).to_le_bytes());
            block.extend_from_slice(&(!(n as u16)).to_le_bytes());
            block.extend((0..n).map(|_| {
                state ^= state << 13;
                state ^= state >> 7;
                state ^= state << 17;
                state as u8
            }));
            io.write_all(&block).await?;
        }
        io.close().await
    }

    async fn write_response<T: AsyncWrite + Unpin + Send>(
        &mut self,
        _: &StreamProtocol,
        _: &mut T,
        _: Vec<u8>,
    ) -> std::io::Result<()> {
        Err(std::io::Error::other("this peer only sends"))
    }
}

/// The flooding peer: ping (a node closes a connection that does not answer it) and the flood.
#[derive(libp2p::swarm::NetworkBehaviour)]
struct Flooder {
    ping: libp2p::ping::Behaviour,
    sync: request_response::Behaviour<Flood>,
}

fn flooder(key: libp2p::identity::Keypair) -> Swarm<Flooder> {
    commonground_node::testkit::raw_swarm(key, |_| Flooder {
        ping: libp2p::ping::Behaviour::default(),
        sync: request_response::Behaviour::with_codec(
            Flood,
            [(
                StreamProtocol::new(commonground_protocol::sync::PROTOCOL),
                ProtocolSupport::Outbound,
            )],
            request_response::Config::default()
                .with_request_timeout(WAIT)
                .with_max_concurrent_streams(128),
        ),
    })
}

/// What became of a flood.
#[derive(Debug)]
struct Flooded {
    /// Whether a connection was made at all.
    connected: bool,
    /// Requests that got an answer (a stream closed with no answer reads as an empty one).
    answered: usize,
}

/// Sends `streams` requests of `size` bytes at once over one connection to `target`, and waits
/// until the node closes it.
async fn flood(
    key: libp2p::identity::Keypair,
    target: PeerId,
    addr: Multiaddr,
    streams: usize,
    size: usize,
) -> Flooded {
    let mut swarm = flooder(key);
    for _ in 0..streams {
        swarm
            .behaviour_mut()
            .sync
            .send_request_with_addresses(&target, size, vec![addr.clone()]);
    }
    let mut out = Flooded {
        connected: false,
        answered: 0,
    };
    tokio::time::timeout(WAIT, async {
        loop {
            match swarm.select_next_some().await {
                SwarmEvent::ConnectionEstablished { peer_id, .. } if peer_id == target => {
                    out.connected = true;
                }
                // (The node's own requests to a member come as messages too: not counted.)
                SwarmEvent::Behaviour(FlooderEvent::Sync(request_response::Event::Message {
                    message: request_response::Message::Response { response, .. },
                    ..
                })) if !response.is_empty() => {
                    out.answered += 1;
                }
                SwarmEvent::ConnectionClosed { peer_id, .. } if peer_id == target => return,
                SwarmEvent::OutgoingConnectionError { .. } => return,
                _ => {}
            }
        }
    })
    .await
    .expect("the node closes the flooding connection");
    out
}

/// The libp2p identity of the node whose data directory is `dir` (its group key).
fn identity_of(dir: &Path) -> libp2p::identity::Keypair {
    let text = std::fs::read_to_string(dir.join("identity.key")).unwrap();
    let mut secret = hex::decode(text.trim()).unwrap();
    libp2p::identity::Keypair::ed25519_from_bytes(&mut secret).unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sixty_four_streams_of_60_mib_from_a_member_or_a_stranger_keep_the_node_under_256_mib() {
    let dir = tempfile::tempdir().unwrap();
    let a = start(dir.path(), "a");
    let pid = a.child.id();
    let status = a.json(&["status"]);
    let target: PeerId = status["group"].as_str().unwrap().parse().unwrap();
    let addr: Multiaddr = status["listen"][0].as_str().unwrap().parse().unwrap();
    let net = a.json(&["network", "create", "--name", "Réseau d'accueil"])["id"]
        .as_str()
        .unwrap()
        .to_string();
    // Two members: b, whose key the flood will use, and c, an honest one.
    let mut members = Vec::new();
    for name in ["b", "c"] {
        let code = a.json(&["network", "invite", &net, "--expires", "1h"])["code"]
            .as_str()
            .unwrap()
            .to_string();
        let node = start(dir.path(), name);
        node.json(&["network", "join", &code]);
        members.push(node);
    }
    let c = members.pop().unwrap();
    let b = members.pop().unwrap();
    let b_dir = b.data_dir.clone();
    let b_group = b.json(&["status"])["group"].as_str().unwrap().to_string();
    poll_until(
        "a to count b a member",
        WAIT,
        Duration::from_millis(100),
        || {
            let m = a.json(&["network", "members", &net]);
            m["members"]
                .as_array()?
                .iter()
                .any(|m| m["group"] == b_group.as_str())
                .then_some(())
        },
    );
    b.stop();
    let idle = proc_status(pid, "VmRSS");

    // The member's flood, while c makes a plan that must still reach a.
    let flooding = tokio::spawn(flood(
        identity_of(&b_dir),
        target,
        addr.clone(),
        64,
        60 * MIB as usize,
    ));
    let title = "خطة السكن المشتركة";
    let plan = c.json(&["plan", "new", "--title", title, "--network", &net]);
    let plan_id = plan["id"].as_str().unwrap().to_string();
    let (mut rss_max, started) = (0, std::time::Instant::now());
    let got = tokio::task::spawn_blocking({
        let a_dir = a.data_dir.clone();
        move || {
            poll_until(
                "c's plan to reach a during the flood",
                WAIT,
                Duration::from_millis(200),
                || {
                    let out = commonground_node::testkit::cli(
                        bin(),
                        &a_dir,
                        &["plan", "show", &plan_id, "--json"],
                    );
                    out.status
                        .success()
                        .then(|| serde_json::from_slice::<Value>(&out.stdout).unwrap())
                },
            )
        }
    });
    while !flooding.is_finished() {
        rss_max = rss_max.max(proc_status(pid, "VmRSS"));
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let member = flooding.await.unwrap();
    let plan_at_a = got.await.unwrap();
    assert_eq!(plan_at_a["title"], title, "{plan_at_a}");
    assert!(member.connected, "the member's flood never connected");
    assert_eq!(member.answered, 0, "a flood request was answered");
    let member_secs = started.elapsed().as_secs_f64();
    let member_peak = proc_status(pid, "VmHWM");

    // A stranger's flood: disconnected before anything is read.
    let started = std::time::Instant::now();
    let stranger = flood(
        libp2p::identity::Keypair::generate_ed25519(),
        target,
        addr,
        64,
        60 * MIB as usize,
    )
    .await;
    assert_eq!(stranger.answered, 0);
    let stranger_secs = started.elapsed().as_secs_f64();

    let peak = proc_status(pid, "VmHWM");
    eprintln!(
        "64 × 60 MiB sync requests: member's connection closed after {member_secs:.1} s, a \
         stranger's after {stranger_secs:.1} s; node idle {} MiB, highest sampled {} MiB, peak \
         resident (VmHWM) {} MiB after the member's, {} MiB after the stranger's",
        idle / MIB,
        rss_max / MIB,
        member_peak / MIB,
        peak / MIB
    );
    assert!(
        peak < 256 * MIB,
        "the node's memory reached {} MiB",
        peak / MIB
    );
    // It goes on serving and syncing.
    assert!(a.json(&["status"])["group"].is_string());
    a.stop();
    c.stop();
}
