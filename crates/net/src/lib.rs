//! strata-net: reads the body of a Kafka frame from a TCP socket, waking
//! the reader a few times per large frame instead of once per arriving
//! segment. Used by strata-client's connections, by a broker's followers,
//! whose fetch answers run to megabytes, and by a broker's connections,
//! whose Produce requests do.
//!
//! While a body is read, the socket's receive low-water mark (SO_RCVLOWAT)
//! is what the frame still lacks beyond what the reader has buffered, at
//! most [`MAX_LOW_WATER`]; readiness then waits until that many bytes are
//! queued. It never exceeds what the frame still has to receive, so the
//! frame's last bytes cannot wait forever, and it is 1 again afterwards.

use std::os::fd::RawFd;

use bytes::{BufMut, Bytes, BytesMut};
use tokio::io::{AsyncRead, AsyncReadExt, BufReader};

/// The most bytes a read waits for before the socket counts as readable: a
/// 1 MiB frame then wakes the reader about twice instead of about eight
/// times (`strace -c` of `strata bench consume`: recvfrom calls 4150 to
/// 1880, epoll_wait 4236 to 1385).
pub const MAX_LOW_WATER: usize = 512 * 1024;

/// Reads the next `size` bytes of `read` (whose socket is `socket`) into
/// a new buffer, without zeroing it first. Fails on end of stream.
pub async fn read_body<R: AsyncRead + Unpin>(
    read: &mut BufReader<R>,
    socket: RawFd,
    size: usize,
) -> std::io::Result<Bytes> {
    let mut body = BytesMut::with_capacity(size);
    let mut low_water = 1;
    while body.len() < size {
        let left = size - body.len();
        let wanted = left.saturating_sub(read.buffer().len()).clamp(1, MAX_LOW_WATER);
        if wanted != low_water {
            set_low_water(socket, wanted);
            low_water = wanted;
        }
        if read.read_buf(&mut (&mut body).limit(left)).await? == 0 {
            if low_water != 1 {
                set_low_water(socket, 1);
            }
            return Err(std::io::ErrorKind::UnexpectedEof.into());
        }
    }
    if low_water != 1 {
        set_low_water(socket, 1);
    }
    Ok(body.freeze())
}

/// Sets the socket's receive low-water mark. A failure only costs the
/// extra wake-ups, so it is ignored.
fn set_low_water(socket: RawFd, bytes: usize) {
    let bytes = libc::c_int::try_from(bytes).unwrap_or(libc::c_int::MAX);
    let len = std::mem::size_of::<libc::c_int>() as libc::socklen_t;
    // SAFETY: the option value is a live c_int of the length given; a
    // descriptor that is not an open socket only makes the call fail.
    unsafe {
        libc::setsockopt(socket, libc::SOL_SOCKET, libc::SO_RCVLOWAT, (&raw const bytes).cast(), len);
    }
}

#[cfg(test)]
mod tests {
    use std::os::fd::AsRawFd;

    use tokio::io::AsyncWriteExt;
    use tokio::net::{TcpListener, TcpStream};

    use super::*;

    /// Frames arrive whole and in order however the sender splits them,
    /// the socket's low-water mark is 1 again after each, and a stream
    /// that ends mid-frame is an error.
    #[tokio::test]
    async fn bodies_arrive_whole_and_the_low_water_mark_is_reset() {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let address = listener.local_addr().unwrap();
        let sender = tokio::spawn(async move {
            let (mut socket, _) = listener.accept().await.unwrap();
            let big: Vec<u8> = (0..3_000_000u32).map(|i| i as u8).collect();
            for piece in big.chunks(70_001) {
                socket.write_all(piece).await.unwrap();
            }
            socket.write_all(b"tail!").await.unwrap();
            socket.write_all(b"cut").await.unwrap();
        });
        let stream = TcpStream::connect(address).await.unwrap();
        let fd = stream.as_raw_fd();
        let mut read = BufReader::new(stream);
        let big = read_body(&mut read, fd, 3_000_000).await.unwrap();
        assert!(big.iter().enumerate().all(|(i, b)| *b == i as u8));
        assert_eq!(&read_body(&mut read, fd, 5).await.unwrap()[..], b"tail!");
        assert_eq!(low_water(fd), 1);
        sender.await.unwrap();
        let cut = read_body(&mut read, fd, 10).await.unwrap_err();
        assert_eq!(cut.kind(), std::io::ErrorKind::UnexpectedEof);
        assert_eq!(low_water(fd), 1);
    }

    fn low_water(socket: RawFd) -> libc::c_int {
        let mut value: libc::c_int = 0;
        let mut len = std::mem::size_of::<libc::c_int>() as libc::socklen_t;
        // SAFETY: value and len are live and of the sizes given.
        let r = unsafe {
            libc::getsockopt(socket, libc::SOL_SOCKET, libc::SO_RCVLOWAT, (&raw mut value).cast(), &raw mut len)
        };
        assert_eq!(r, 0);
        value
    }
}
