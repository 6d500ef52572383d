//! The codec of `/commonground/sync/4`: each request and response is one message as
//! `commonground_protocol::sync::encode` writes it (CBOR, compressed with DEFLATE), read to the
//! end of its stream within `MAX_MESSAGE_BYTES` on the wire and inflated within the same bound.
//! The bytes that cross the wire are counted here, as they are.

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
    type Request = Request;
    type Response = Response;

    async fn read_request<T>(&mut self, _: &StreamProtocol, io: &mut T) -> io::Result<Request>
    where
        T: AsyncRead + Unpin + Send,
    {
        self.read(io).await
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
        request: Request,
    ) -> io::Result<()>
    where
        T: AsyncWrite + Unpin + Send,
    {
        self.write(io, request).await
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
