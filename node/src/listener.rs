//! The HTTP listener, with limits a stranger cannot push the node past: at most
//! [`Limits::per_client`] connections from one address at once, at most [`Limits::total`] in
//! all, and room beyond that for the organiser on the node's own machine (connections from
//! 127.0.0.1 and ::1, where the page is served by default); a connection over a limit is closed
//! as soon as it is accepted, so it holds no file for long. A connection on which nothing is read
//! or written for [`Limits::idle`] while no request is being answered is closed (the page's live
//! updates send a keep-alive every 15 s; a slow answer is not cut short). Accept errors (such as
//! running out of files) are logged once a minute, not per try.

use std::collections::HashMap;
use std::future::Future;
use std::io;
use std::net::{IpAddr, SocketAddr};
use std::pin::Pin;
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll};
use std::time::Duration;

use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::{TcpListener, TcpStream};
use tokio::time::{Instant, Sleep};

/// The listener's limits.
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    /// Connections from one address at once (the organiser's own machine: `own_machine`).
    pub per_client: usize,
    /// Connections from other addresses in all.
    pub total: usize,
    /// Connections from 127.0.0.1 and ::1, beyond `total`.
    pub own_machine: usize,
    /// How long a connection may stay with nothing read or written.
    pub idle: Duration,
}

impl Default for Limits {
    /// Within the 1,024 open files a process gets by default, with room for the store and the
    /// peer-to-peer side (the systemd unit raises the limit further).
    fn default() -> Self {
        Self {
            per_client: 32,
            total: 256,
            own_machine: 64,
            idle: Duration::from_secs(60),
        }
    }
}

/// Whether `ip` is the node's own machine as the page sees it by default.
fn own_machine(ip: IpAddr) -> bool {
    let ip = ip.to_canonical();
    ip == IpAddr::from([127, 0, 0, 1]) || ip == IpAddr::from(std::net::Ipv6Addr::LOCALHOST)
}

#[derive(Debug, Default)]
struct Open {
    by_client: HashMap<IpAddr, usize>,
    others: usize,
    own: usize,
}

/// Counts of the connections open, shared with each connection's guard.
#[derive(Debug, Default, Clone)]
struct Counts(Arc<Mutex<Open>>);

impl Counts {
    fn lock(&self) -> std::sync::MutexGuard<'_, Open> {
        self.0.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Takes a place for a connection from `ip`, if the limits leave one.
    fn admit(&self, ip: IpAddr, limits: &Limits) -> Option<Place> {
        let ip = ip.to_canonical();
        let own = own_machine(ip);
        let mut open = self.lock();
        let from_client = open.by_client.get(&ip).copied().unwrap_or(0);
        let room = if own {
            from_client < limits.own_machine && open.own < limits.own_machine
        } else {
            from_client < limits.per_client && open.others < limits.total
        };
        if !room {
            return None;
        }
        *open.by_client.entry(ip).or_default() += 1;
        if own {
            open.own += 1;
        } else {
            open.others += 1;
        }
        Some(Place {
            counts: self.clone(),
            ip,
            own,
        })
    }

    /// Connections open now (own machine, others).
    fn open(&self) -> (usize, usize) {
        let open = self.lock();
        (open.own, open.others)
    }
}

/// A connection's place in the counts, given back when it closes.
#[derive(Debug)]
struct Place {
    counts: Counts,
    ip: IpAddr,
    own: bool,
}

impl Drop for Place {
    fn drop(&mut self) {
        let mut open = self.counts.lock();
        if let Some(n) = open.by_client.get_mut(&self.ip) {
            *n -= 1;
            if *n == 0 {
                open.by_client.remove(&self.ip);
            }
        }
        if self.own {
            open.own -= 1;
        } else {
            open.others -= 1;
        }
    }
}

/// A TCP listener under [`Limits`], for `axum::serve`.
pub struct Limited {
    inner: TcpListener,
    limits: Limits,
    counts: Counts,
    /// Accept errors since the last one logged, and when that was.
    errors: (u64, Option<Instant>),
    /// Connections refused since the last line about them, and when that was.
    refused: (u64, Option<Instant>),
}

/// How often accept errors and refused connections are logged at most.
const SAY_EVERY: Duration = Duration::from_secs(60);

impl Limited {
    /// `inner` under `limits`.
    pub fn new(inner: TcpListener, limits: Limits) -> Self {
        Self {
            inner,
            limits,
            counts: Counts::default(),
            errors: (0, None),
            refused: (0, None),
        }
    }

    /// Connections open now: (from the node's own machine, from elsewhere).
    pub fn open(&self) -> (usize, usize) {
        self.counts.open()
    }

    /// Whether a line about `what` is due: the first, then one every [`SAY_EVERY`] with the
    /// count since.
    fn due(what: &mut (u64, Option<Instant>)) -> Option<u64> {
        what.0 += 1;
        let now = Instant::now();
        match what.1 {
            Some(last) if now.duration_since(last) < SAY_EVERY => None,
            _ => {
                what.1 = Some(now);
                Some(std::mem::take(&mut what.0))
            }
        }
    }
}

impl axum::serve::Listener for Limited {
    type Io = Guarded;
    type Addr = SocketAddr;

    async fn accept(&mut self) -> (Self::Io, Self::Addr) {
        loop {
            match self.inner.accept().await {
                Ok((stream, addr)) => match self.counts.admit(addr.ip(), &self.limits) {
                    Some(place) => {
                        let _ = stream.set_nodelay(true);
                        return (Guarded::new(stream, place, self.limits.idle), addr);
                    }
                    None => {
                        // Closed at once: the file goes back before the next accept.
                        drop(stream);
                        if let Some(n) = Self::due(&mut self.refused) {
                            tracing::warn!(
                                client = %addr.ip(),
                                refused = n,
                                "HTTP connections over the limit closed (one line a minute)"
                            );
                        }
                    }
                },
                Err(e) => {
                    if let Some(n) = Self::due(&mut self.errors) {
                        tracing::error!(error = %e, errors = n, "HTTP accept failed (one line a minute)");
                    }
                    // Out of files, most likely: give connections time to close.
                    tokio::time::sleep(Duration::from_millis(100)).await;
                }
            }
        }
    }

    fn local_addr(&self) -> io::Result<Self::Addr> {
        self.inner.local_addr()
    }
}

/// An accepted connection: holds its place in the counts, and ends when idle too long.
pub struct Guarded {
    stream: TcpStream,
    _place: Place,
    idle: Duration,
    deadline: Pin<Box<Sleep>>,
    /// Bytes were read and nothing written since: a request is being answered, however long
    /// that takes, so the connection is not idle (the deadline waits for the answer).
    answering: bool,
}

impl Guarded {
    fn new(stream: TcpStream, place: Place, idle: Duration) -> Self {
        Self {
            stream,
            _place: place,
            idle,
            deadline: Box::pin(tokio::time::sleep(idle)),
            answering: false,
        }
    }

    fn active(&mut self) {
        let next = Instant::now() + self.idle;
        self.deadline.as_mut().reset(next);
    }
}

impl AsyncRead for Guarded {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        let before = buf.filled().len();
        match Pin::new(&mut self.stream).poll_read(cx, buf) {
            Poll::Ready(r) => {
                if buf.filled().len() > before {
                    self.answering = true;
                    self.active();
                }
                Poll::Ready(r)
            }
            Poll::Pending if self.answering => Poll::Pending,
            Poll::Pending => match self.deadline.as_mut().poll(cx) {
                Poll::Ready(()) => Poll::Ready(Err(io::Error::new(
                    io::ErrorKind::TimedOut,
                    "nothing read or written for too long",
                ))),
                Poll::Pending => Poll::Pending,
            },
        }
    }
}

impl AsyncWrite for Guarded {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        let r = Pin::new(&mut self.stream).poll_write(cx, buf);
        if matches!(r, Poll::Ready(Ok(n)) if n > 0) {
            self.answering = false;
            self.active();
        }
        r
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.stream).poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.stream).poll_shutdown(cx)
    }

    fn poll_write_vectored(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        let r = Pin::new(&mut self.stream).poll_write_vectored(cx, bufs);
        if matches!(r, Poll::Ready(Ok(n)) if n > 0) {
            self.answering = false;
            self.active();
        }
        r
    }

    fn is_write_vectored(&self) -> bool {
        self.stream.is_write_vectored()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::serve::Listener;
    use tokio::io::{AsyncReadExt, AsyncWriteExt};

    async fn limited(limits: Limits) -> (Limited, SocketAddr) {
        let l = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = l.local_addr().unwrap();
        (Limited::new(l, limits), addr)
    }

    async fn connect_from(from: &str, to: SocketAddr) -> TcpStream {
        let s = tokio::net::TcpSocket::new_v4().unwrap();
        s.bind(format!("{from}:0").parse().unwrap()).unwrap();
        s.connect(to).await.unwrap()
    }

    #[tokio::test]
    async fn connections_over_the_limit_are_closed_at_once_and_the_own_machine_gets_in() {
        let (mut l, addr) = limited(Limits {
            per_client: 4,
            ..Limits::default()
        })
        .await;
        let mut held = Vec::new();
        let mut over = Vec::new();
        for i in 0..10 {
            let c = connect_from("127.0.0.2", addr).await;
            if i < 4 {
                held.push(l.accept().await);
            }
            over.push(c);
        }
        // The node's own machine is served while the stranger's extra connections wait.
        let own = connect_from("127.0.0.1", addr).await;
        let (_io, from) = l.accept().await;
        assert_eq!(from.ip(), own.local_addr().unwrap().ip());
        assert_eq!(l.open(), (1, 4));
        // The six over the limit were closed: each reads the end of the stream.
        for c in over.iter_mut().skip(4) {
            let mut b = [0u8; 1];
            let n = tokio::time::timeout(Duration::from_secs(10), c.read(&mut b))
                .await
                .expect("closed, not left hanging")
                .unwrap_or(0);
            assert_eq!(n, 0);
        }
        drop(held);
        assert_eq!(l.open(), (1, 0));
    }

    #[tokio::test(start_paused = true)]
    async fn a_connection_with_nothing_read_or_written_is_ended() {
        let (mut l, addr) = limited(Limits::default()).await;
        let mut client = connect_from("127.0.0.2", addr).await;
        let (mut io, _) = l.accept().await;
        // Activity keeps it open...
        client.write_all(b"GET / HTTP/1.1\r\n").await.unwrap();
        let mut buf = [0u8; 64];
        assert!(io.read(&mut buf).await.unwrap() > 0);
        // A request being answered is not idle, however long the answer takes...
        let slow = tokio::time::timeout(3 * Limits::default().idle, io.read(&mut buf)).await;
        assert!(
            slow.is_err(),
            "still waiting for the answer, not ended: {slow:?}"
        );
        io.write_all(b"HTTP/1.1 200 OK\r\n\r\n").await.unwrap();
        // ...and once answered, a minute of nothing ends it (the clock is paused: no real wait).
        let started = Instant::now();
        let e = io.read(&mut buf).await.unwrap_err();
        assert_eq!(e.kind(), io::ErrorKind::TimedOut);
        assert!(started.elapsed() >= Limits::default().idle);
        drop(io);
        assert_eq!(l.open(), (0, 0));
    }

    #[test]
    fn the_systemd_unit_raises_the_open_files_limit_above_what_http_may_hold() {
        // Its system-call filter blocks setrlimit, so the unit must set the limit itself.
        let unit = include_str!("../../deploy/commonground.service");
        assert!(unit.contains("SystemCallFilter=~@privileged @resources"));
        let limit: usize = unit
            .lines()
            .find_map(|l| l.strip_prefix("LimitNOFILE="))
            .expect("LimitNOFILE is set")
            .parse()
            .unwrap();
        let l = Limits::default();
        assert!(limit >= 4 * (l.total + l.own_machine), "{limit}");
    }

    #[test]
    fn each_client_and_all_clients_are_bounded_with_room_for_the_own_machine() {
        let limits = Limits {
            per_client: 3,
            total: 5,
            own_machine: 2,
            idle: Duration::from_secs(60),
        };
        let counts = Counts::default();
        let a: IpAddr = "192.0.2.1".parse().unwrap();
        let b: IpAddr = "192.0.2.2".parse().unwrap();
        let c: IpAddr = "::ffff:192.0.2.3".parse().unwrap();
        let mut places: Vec<Place> = (0..3).map(|_| counts.admit(a, &limits).unwrap()).collect();
        assert!(counts.admit(a, &limits).is_none(), "per client");
        places.extend((0..2).map(|_| counts.admit(b, &limits).unwrap()));
        assert!(counts.admit(c, &limits).is_none(), "in all");
        // The organiser's own machine still gets in, up to its own room.
        let own: Vec<Place> = (0..2)
            .map(|_| counts.admit("127.0.0.1".parse().unwrap(), &limits).unwrap())
            .collect();
        assert!(counts.admit("::1".parse().unwrap(), &limits).is_none());
        assert_eq!(counts.open(), (2, 5));
        // Other loopback addresses are clients like any other.
        assert!(
            counts
                .admit("127.0.0.2".parse().unwrap(), &limits)
                .is_none()
        );
        drop(places.remove(0));
        assert!(
            counts.admit(c, &limits).is_some(),
            "a place given back is free"
        );
        drop(own);
        drop(places);
        assert_eq!(counts.open(), (0, 0));
        assert!(counts.0.lock().unwrap().by_client.is_empty());
    }
}
