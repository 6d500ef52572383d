//! The codec of `/commonground/sync/4`: each request and response is one message as
//! `commonground_protocol::sync::encode` writes it (CBOR, compressed with DEFLATE), read to the
//! end of its stream within `MAX_MESSAGE_BYTES` on the wire and inflated within the same bound.
//! The bytes that cross the wire are counted here, as they are.
//!
//! A request that cannot be read (not DEFLATE'd CBOR of a request, or over the limit) is handed
//! on as [`Inbound::Unreadable`] rather than as an error. libp2p-request-response 0.30 only logs
//! a failed `read_request` at debug level and never tells the behaviour which peer sent it, so
//! the node's rule (PROTOCOL.md §2: such a peer is disconnected) could not run. This is the one
//! place that works around it; the network actor disconnects the sender when it sees one.

use std::io;
use std::sync::Arc;
use std::sync::atomic::Ordering;

use commonground_protocol::sync::{self as wire, MAX_MESSAGE_BYTES, Request, Response};
use libp2p::StreamProtocol;
use libp2p::futures::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};
use libp2p::request_response;
use serde::Serialize;
use serde::de::DeserializeOwned;

use tokio::sync::{OwnedSemaphorePermit, Semaphore};

use super::Traffic;

/// A request as read from a stream.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Inbound {
    /// A request that reads, and the part of the read budget it holds until it is answered.
    Read(Request, Held),
    /// Bytes that are no request, or too many: why, in words (never the bytes).
    Unreadable(String),
}

/// What all messages being read, and requests read and not yet answered, may hold at once: a
/// peer (or many) sending large messages over many streams cannot take the node past it. A
/// read that does not fit fails as busy (the sender tries again in a later session; it is not
/// disconnected for it). 128 MiB: a message of the largest size (64 MiB read, 64 MiB decoded)
/// still fits, and with what a node holds anyway and the transport's own buffers, no flood
/// takes it past 256 MiB (`node/tests/memory.rs` measures it).
pub const READ_BUDGET: usize = 128 * 1024 * 1024;
/// The most DEFLATE inflates one byte to (a run of a repeated byte, coded as its longest match
/// again and again, comes out 1,032 times larger than its code).
const MAX_DEFLATE_RATIO: usize = 1032;
/// The budget's unit.
const UNIT: usize = 1024;
/// A message is read in parts of up to this size...
const PART: usize = 64 * 1024;
/// ...the first of this size, each next one twice the last.
const FIRST_PART: usize = 4 * 1024;

/// The parts of a message read as one stream of bytes.
struct Parts<'a> {
    parts: std::slice::Iter<'a, Vec<u8>>,
    current: &'a [u8],
}

impl<'a> Parts<'a> {
    fn new(parts: &'a [Vec<u8>]) -> Self {
        Self {
            parts: parts.iter(),
            current: &[],
        }
    }
}

impl std::io::Read for Parts<'_> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        while self.current.is_empty() {
            match self.parts.next() {
                Some(p) => self.current = p,
                None => return Ok(0),
            }
        }
        std::io::Read::read(&mut self.current, buf)
    }
}

fn units(bytes: usize) -> u32 {
    u32::try_from(bytes.div_ceil(UNIT)).unwrap_or(u32::MAX)
}

/// A share of the read budget, given back when the last copy is dropped.
#[derive(Debug, Clone, Default)]
pub struct Held(Option<Arc<OwnedSemaphorePermit>>);

impl Held {
    /// How many bytes of the budget this share holds.
    pub fn bytes(&self) -> usize {
        self.0.as_ref().map_or(0, |p| p.num_permits() * UNIT)
    }
}

impl PartialEq for Held {
    /// A request's share of the budget is not part of what it says.
    fn eq(&self, _: &Self) -> bool {
        true
    }
}

impl Eq for Held {}

fn busy() -> io::Error {
    io::Error::other("this node is reading too much at once; try again later")
}

/// Reads and writes sync messages, counting their bytes in `traffic`, within a read budget
/// shared by every connection (a codec of its own, `Codec::default()`, counts for no one: for
/// a test's hand-made peer).
#[derive(Clone)]
pub struct Codec {
    pub(crate) traffic: Arc<Traffic>,
    budget: Arc<Semaphore>,
}

impl Default for Codec {
    fn default() -> Self {
        Self::new(Arc::default(), READ_BUDGET)
    }
}

impl Codec {
    /// A codec counting in `traffic`, within a read budget of `budget` bytes.
    pub fn new(traffic: Arc<Traffic>, budget: usize) -> Self {
        Self {
            traffic,
            budget: Arc::new(Semaphore::new(units(budget) as usize)),
        }
    }

    /// Reads a message within the budget: the bytes as they arrive, then, while they are
    /// inflated, as much as is left up to the protocol's limit; the message keeps a share the
    /// size it inflated to.
    async fn read<M: DeserializeOwned, T: AsyncRead + Unpin + Send>(
        &self,
        io: &mut T,
    ) -> io::Result<(M, Held)> {
        // The bytes as they came, read straight into parts that double from `FIRST_PART` to
        // `PART` bytes: the budget counts what is allocated (a stream that sends one byte and
        // stalls holds 4 KiB), and a growing message is never copied to a larger buffer.
        let mut parts: Vec<Vec<u8>> = Vec::new();
        let mut len = 0usize;
        let mut reading: Option<OwnedSemaphorePermit> = None;
        let mut io = io.take(MAX_MESSAGE_BYTES);
        loop {
            if parts.last().is_none_or(|p| p.len() == p.capacity()) {
                let size = (FIRST_PART << parts.len().min(4)).min(PART);
                let p = self
                    .budget
                    .clone()
                    .try_acquire_many_owned(units(size))
                    .map_err(|_| busy())?;
                match reading.as_mut() {
                    Some(r) => r.merge(p),
                    None => reading = Some(p),
                }
                parts.push(Vec::with_capacity(size));
            }
            let Some(part) = parts.last_mut() else {
                break;
            };
            let at = part.len();
            part.resize(part.capacity(), 0);
            let n = io.read(&mut part[at..]).await?;
            part.truncate(at + n);
            if n == 0 {
                break;
            }
            len += n;
        }
        self.traffic
            .received
            .fetch_add(len as u64, Ordering::Relaxed);
        // Inflating needs room up to what it inflates to: as much as is left, up to the limit,
        // and no more than DEFLATE can make of these bytes (at most 1,032 to 1), so that a
        // small message does not hold the budget that other reads need meanwhile.
        let room = (self.budget.available_permits() * UNIT)
            .min(MAX_MESSAGE_BYTES as usize)
            .min(len.saturating_mul(MAX_DEFLATE_RATIO) + UNIT);
        let inflating = self
            .budget
            .clone()
            .try_acquire_many_owned(units(room))
            .map_err(|_| busy())?;
        let (message, size) = match wire::decode_from(Parts::new(&parts), room as u64) {
            Ok(decoded) => decoded,
            // Short of the limit only because the budget is: busy, not the sender's fault.
            Err(wire::DecodeError::TooLarge(_))
                if (room as u64) < MAX_MESSAGE_BYTES
                    && room < len.saturating_mul(MAX_DEFLATE_RATIO) =>
            {
                return Err(busy());
            }
            Err(e) => return Err(io::Error::new(io::ErrorKind::InvalidData, e)),
        };
        drop(parts);
        drop(reading);
        drop(inflating);
        // What holding the message costs; just given back, so it fits unless others took it.
        let held = self
            .budget
            .clone()
            .try_acquire_many_owned(units(size))
            .map_err(|_| busy())?;
        Ok((message, Held(Some(Arc::new(held)))))
    }

    async fn write<M: Serialize, T: AsyncWrite + Unpin + Send>(
        &self,
        io: &mut T,
        message: M,
    ) -> io::Result<()> {
        let bytes = wire::encode(&message);
        if bytes.len() as u64 > MAX_MESSAGE_BYTES {
            return Err(io::Error::new(
                io::ErrorKind::InvalidInput,
                "a sync message larger than the protocol allows",
            ));
        }
        self.traffic
            .sent
            .fetch_add(bytes.len() as u64, Ordering::Relaxed);
        io.write_all(&bytes).await
    }
}

impl request_response::Codec for Codec {
    type Protocol = StreamProtocol;
    type Request = Inbound;
    type Response = Response;

    async fn read_request<T>(&mut self, _: &StreamProtocol, io: &mut T) -> io::Result<Inbound>
    where
        T: AsyncRead + Unpin + Send,
    {
        match self.read(io).await {
            Ok((request, held)) => Ok(Inbound::Read(request, held)),
            // Bytes that do not read: handed on, so that the sender is known (see above).
            Err(e) if e.kind() == io::ErrorKind::InvalidData => {
                Ok(Inbound::Unreadable(e.to_string()))
            }
            // The stream itself failed: nothing was sent to judge.
            Err(e) => Err(e),
        }
    }

    async fn read_response<T>(&mut self, _: &StreamProtocol, io: &mut T) -> io::Result<Response>
    where
        T: AsyncRead + Unpin + Send,
    {
        // An answer is taken as soon as it arrives: its share goes back now.
        self.read(io).await.map(|(response, _)| response)
    }

    async fn write_request<T>(
        &mut self,
        _: &StreamProtocol,
        io: &mut T,
        request: Inbound,
    ) -> io::Result<()>
    where
        T: AsyncWrite + Unpin + Send,
    {
        match request {
            Inbound::Read(request, _) => self.write(io, request).await,
            Inbound::Unreadable(_) => Err(io::Error::new(
                io::ErrorKind::InvalidInput,
                "an unreadable request is never sent",
            )),
        }
    }

    async fn write_response<T>(
        &mut self,
        _: &StreamProtocol,
        io: &mut T,
        response: Response,
    ) -> io::Result<()>
    where
        T: AsyncWrite + Unpin + Send,
    {
        self.write(io, response).await
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use commonground_protocol::ids::DocId;
    use commonground_protocol::sync::Catchup;
    use libp2p::futures::io::Cursor;
    use rand::RngCore;

    /// A `Hello` whose catch-up is `n` bytes that do not compress.
    fn hello(n: usize) -> Vec<u8> {
        let mut changes = vec![0u8; n];
        rand::thread_rng().fill_bytes(&mut changes);
        wire::encode(&Request::Hello {
            network: DocId::from_bytes([1; 16]),
            digest: [0; 32],
            changed: vec![],
            catchup: vec![Catchup {
                at: 0,
                changes,
                signed: vec![],
            }],
            wanted: vec![],
        })
    }

    async fn read(codec: &mut Codec, bytes: &[u8]) -> io::Result<Inbound> {
        let protocol = StreamProtocol::new(wire::PROTOCOL);
        request_response::Codec::read_request(codec, &protocol, &mut Cursor::new(bytes)).await
    }

    #[tokio::test]
    async fn requests_hold_their_share_of_the_read_budget_until_answered() {
        let mut codec = Codec::new(Arc::default(), 1024 * 1024);
        let message = hello(300 * 1024);
        let mut held = Vec::new();
        for _ in 0..2 {
            match read(&mut codec, &message).await.unwrap() {
                Inbound::Read(_, h) => {
                    assert!(h.bytes() >= 300 * 1024, "{}", h.bytes());
                    held.push(h);
                }
                other => panic!("{other:?}"),
            }
        }
        // A third does not fit beside the two not yet answered: busy, not an offence.
        let e = read(&mut codec, &message).await.unwrap_err();
        assert_eq!(e.kind(), io::ErrorKind::Other, "{e}");
        assert!(e.to_string().contains("too much at once"), "{e}");
        // One answered: it fits again, and every share comes back in the end.
        held.pop();
        assert!(matches!(
            read(&mut codec, &message).await.unwrap(),
            Inbound::Read(..)
        ));
        held.clear();
        assert_eq!(
            codec.budget.available_permits(),
            units(1024 * 1024) as usize
        );
        // Garbage still reads as unreadable, for its sender to be disconnected.
        assert!(matches!(
            read(&mut codec, b"garbage").await.unwrap(),
            Inbound::Unreadable(_)
        ));
    }
}
