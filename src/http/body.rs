//! Reads a response body once, inside the attempt (so the attempt's timeout
//! covers it), bounded once: a success body up to `max_response_bytes`, an
//! error body up to [`MAX_ERROR_BODY`](super::settings::MAX_ERROR_BODY)
//! (the rest of an error message is dropped, not an error).

use std::future::{Future, poll_fn};
use std::pin::{Pin, pin};
use std::task::Poll;

use tokio::time::Sleep;

use bytes::{Bytes, BytesMut};

/// What reading a body came to.
#[derive(Debug)]
pub(crate) struct ReadBody {
    /// The body, or what arrived of it (never more than the limit).
    pub(crate) bytes: Bytes,
    /// Why it is not whole, if it is not.
    pub(crate) problem: Option<BodyProblem>,
}

/// Why a body did not arrive whole.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum BodyProblem {
    /// The connection broke; the text says how.
    Broken(String),
    /// It did not arrive within the attempt's time.
    TimedOut,
    /// It is larger than this limit.
    TooLarge(usize),
}

/// The first reservation of a buffer that gathers several frames.
const FIRST_RESERVE: usize = 64 * 1024;

/// Makes room for `needed` bytes in all: at least double what is there
/// (from [`FIRST_RESERVE`]), but never more than the server's
/// `Content-Length` or the limit. A claim is not data: a server that claims
/// a terabyte must not make the client allocate one, but an honest claim
/// saves the last over-allocation.
fn make_room(buffer: &mut BytesMut, needed: usize, claimed: Option<usize>, limit: usize) {
    if buffer.capacity() >= needed {
        return;
    }
    let doubled = buffer.len().saturating_mul(2).max(FIRST_RESERVE);
    let target = doubled
        .min(claimed.unwrap_or(usize::MAX))
        .min(limit)
        .max(needed);
    // Not `reserve`, which may double again on top of this target.
    let mut grown = BytesMut::with_capacity(target);
    grown.extend_from_slice(buffer);
    *buffer = grown;
}

/// `future`'s output, or `None` once `timer` has fired (no timer: no
/// bound). The future is polled first, so one that is ready never looks at
/// the clock. Hand-written over `tokio::time::timeout`, which makes a timer
/// for each future it bounds: an attempt bounds its head and every body
/// frame by one deadline, so it makes one timer and lends it to each await
/// (`tokio::select!` would need tokio's `macros` feature).
pub(crate) async fn within<F: Future>(
    mut timer: Option<Pin<&mut Sleep>>,
    future: F,
) -> Option<F::Output> {
    let mut future = pin!(future);
    poll_fn(move |cx| {
        if let Poll::Ready(out) = future.as_mut().poll(cx) {
            return Poll::Ready(Some(out));
        }
        match timer.as_mut() {
            Some(timer) => timer.as_mut().poll(cx).map(|()| None),
            None => Poll::Pending,
        }
    })
    .await
}

/// Reads the body of `response` to its end or to `limit` bytes, before
/// `timer` fires if one is given. With `cut_is_fine` (an error body), reaching
/// the limit is not a problem: the rest is dropped. The body is read from
/// the `reqwest::Response` itself (`chunk`), so that the response need not
/// be taken apart and rebuilt.
pub(crate) async fn read(
    response: &mut reqwest::Response,
    limit: usize,
    cut_is_fine: bool,
    mut timer: Option<Pin<&mut Sleep>>,
) -> ReadBody {
    let content_length = response.content_length();
    // A body that arrives in one frame (most small ones) is kept as it came,
    // without a copy; more frames are gathered into `buffer`, which grows
    // with what arrives.
    let mut first: Option<Bytes> = None;
    let mut buffer = BytesMut::new();
    let mut len = 0usize;
    let problem = loop {
        match within(timer.as_mut().map(Pin::as_mut), response.chunk()).await {
            None => break Some(BodyProblem::TimedOut),
            Some(Ok(None)) => break None,
            Some(Ok(Some(data))) => {
                let room = limit.saturating_sub(len);
                let too_large = data.len() > room;
                let take = data.len().min(room);
                if len == 0 && !too_large {
                    first = Some(data);
                } else {
                    let claimed = content_length.and_then(|n| usize::try_from(n).ok());
                    make_room(&mut buffer, len.saturating_add(take), claimed, limit);
                    if let Some(first) = first.take() {
                        buffer.extend_from_slice(&first);
                    }
                    buffer.extend_from_slice(data.get(..take).unwrap_or_default());
                }
                len = len.saturating_add(take);
                if too_large {
                    break (!cut_is_fine).then_some(BodyProblem::TooLarge(limit));
                }
            }
            Some(Err(err)) if err.is_timeout() => break Some(BodyProblem::TimedOut),
            Some(Err(err)) => break Some(BodyProblem::Broken(super::describe(&err))),
        }
    };
    let bytes = match first {
        Some(first) => first,
        None => buffer.freeze(),
    };
    ReadBody { bytes, problem }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn room_grows_with_the_data_not_with_the_claim() {
        let mut buffer = BytesMut::new();
        // A terabyte claimed, 10 bytes arrived: a small buffer.
        make_room(&mut buffer, 10, Some(1 << 40), usize::MAX);
        assert!(buffer.capacity() >= 10 && buffer.capacity() < 1 << 20);
        // Growth doubles what is there.
        buffer.extend_from_slice(&[0; FIRST_RESERVE]);
        make_room(&mut buffer, FIRST_RESERVE + 1, None, usize::MAX);
        assert!(buffer.capacity() >= 2 * FIRST_RESERVE);
        // An honest claim caps the last step.
        let mut exact = BytesMut::new();
        exact.extend_from_slice(&[0; 100_000]);
        make_room(&mut exact, 100_001, Some(150_000), usize::MAX);
        assert!(exact.capacity() >= 150_000 && exact.capacity() < 200_000);
    }
}
