//! A response on its way to the socket: a list of chunks, each either bytes
//! in memory or a region of a segment file sent with sendfile(2), so fetched
//! records go from the page cache to the socket without passing through
//! user space.

use std::io;
use std::os::fd::AsRawFd;

use bytes::{Bytes, BytesMut};
use strata_protocol::frame::encode_response;
use strata_protocol::ResponseBody;
use strata_storage::FileRegion;
use tokio::io::{AsyncWriteExt, Interest};
use tokio::net::tcp::OwnedWriteHalf;

/// One piece of a response.
#[derive(Debug)]
pub(crate) enum Chunk {
    /// Bytes in memory.
    Bytes(Bytes),
    /// Bytes of a segment file.
    File(FileRegion),
}

/// A whole response frame, size prefix included.
#[derive(Debug, Default)]
pub(crate) struct Response {
    pub(crate) chunks: Vec<Chunk>,
}

impl Response {
    /// Encodes a response body with its header and size prefix.
    pub(crate) fn encode(correlation_id: i32, version: i16, body: &ResponseBody) -> Response {
        let mut out = BytesMut::with_capacity(256);
        if let Err(e) = encode_response(correlation_id, version, body, &mut out) {
            // Only a handler bug can build a response its version cannot carry.
            tracing::error!(api = body.api_key().name(), version, error = %e, "cannot encode a response");
            return Response::default();
        }
        Response { chunks: vec![Chunk::Bytes(out.freeze())] }
    }
}

impl Response {
    /// A whole response frame already encoded (one forwarded from the controller).
    pub(crate) fn from_bytes(frame: Bytes) -> Response {
        Response { chunks: vec![Chunk::Bytes(frame)] }
    }
}

/// Writes a response: memory chunks with write, file chunks with sendfile.
pub(crate) async fn write(socket: &mut OwnedWriteHalf, response: Response) -> io::Result<()> {
    if response.chunks.is_empty() {
        return Err(io::Error::other("no response could be encoded"));
    }
    for chunk in response.chunks {
        match chunk {
            Chunk::Bytes(b) => socket.write_all(&b).await?,
            Chunk::File(region) => send_file(socket, &region).await?,
        }
    }
    Ok(())
}

async fn send_file(socket: &mut OwnedWriteHalf, region: &FileRegion) -> io::Result<()> {
    let stream = socket.as_ref();
    let mut offset = region.position as libc::off_t;
    let mut left = region.len;
    while left > 0 {
        stream.writable().await?;
        let sent = stream.try_io(Interest::WRITABLE, || {
            // SAFETY: both descriptors are open for the call (the socket is
            // borrowed, the file is held by the region's Arc) and `offset`
            // is a valid pointer to a local.
            let n = unsafe { libc::sendfile(stream.as_raw_fd(), region.file.as_raw_fd(), &mut offset, left) };
            if n < 0 {
                Err(io::Error::last_os_error())
            } else {
                Ok(n as usize)
            }
        });
        match sent {
            Ok(0) => {
                return Err(io::Error::new(
                    io::ErrorKind::UnexpectedEof,
                    "segment file is shorter than the region read",
                ))
            }
            Ok(n) => left -= n,
            Err(e) if e.kind() == io::ErrorKind::WouldBlock => continue,
            Err(e) => return Err(e),
        }
    }
    Ok(())
}
