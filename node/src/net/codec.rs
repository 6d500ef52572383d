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

use super::Traffic;

/// A request as read from a stream.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Inbound {
    /// A request that reads.
    Read(Request),
    /// Bytes that are no request, or too many: why, in words (never the bytes).
    Unreadable(String),
}

/// Reads and writes sync messages, counting their bytes in `traffic` (a codec of its own,
/// `Codec::default()`, counts for no one: for a test's hand-made peer).
#[derive(Clone, Default)]
pub struct Codec {
    pub(crate) traffic: Arc<Traffic>,
}

impl Codec {
    async fn read<M: DeserializeOwned, T: AsyncRead + Unpin + Send>(
        &self,
        io: &mut T,
    ) -> io::Result<M> {
        let mut bytes = Vec::new();
        io.take(MAX_MESSAGE_BYTES).read_to_end(&mut bytes).await?;
        self.traffic
            .received
            .fetch_add(bytes.len() as u64, Ordering::Relaxed);
        wire::decode(&bytes, MAX_MESSAGE_BYTES)
            .map_err(|e| io::Error::new(io::ErrorKind::InvalidData, e))
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
            Ok(request) => Ok(Inbound::Read(request)),
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
        self.read(io).await
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
            Inbound::Read(request) => self.write(io, request).await,
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
