//! The mock Hub's HTTP/1.1 server: an accept loop over hyper, one task per
//! connection. Written here rather than taken from a framework's `serve`
//! because a fault must be able to reset a connection without answering,
//! which a framework's handler cannot ask for.

use std::convert::Infallible;
use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use http_body_util::{BodyExt, Full, Limited};
use hyper::body::Incoming;
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper_util::rt::TokioIo;
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{Notify, watch};

use super::Shared;
use super::dispatch;
use super::reply::{self, Cut, Outcome, Reply};

/// Request bodies longer than this are refused with 413 (no request to the
/// Hub comes near it).
const MAX_BODY_BYTES: usize = 2 * 1024 * 1024;

/// Serves until `stopped` changes or its sender is dropped.
pub(super) async fn serve(
    listener: TcpListener,
    hub: Arc<Shared>,
    mut stopped: watch::Receiver<()>,
) {
    loop {
        let accepted = tokio::select! {
            accepted = listener.accept() => accepted,
            _ = stopped.changed() => return,
        };
        match accepted {
            Ok((stream, _)) => {
                tokio::spawn(connection(stream, hub.clone(), stopped.clone()));
            }
            Err(err) => {
                // Out of file descriptors, usually: wait instead of spinning.
                tracing::warn!("kataven::mock: accept failed: {err}");
                tokio::time::sleep(Duration::from_millis(50)).await;
            }
        }
    }
}

/// Serves one connection until the client closes it, the Hub stops (idle
/// keep-alive connections are then closed), or a fault resets it.
async fn connection(stream: TcpStream, hub: Arc<Shared>, mut stopped: watch::Receiver<()>) {
    // hyper owns the stream; a second handle on the same socket lets a reset
    // set SO_LINGER 0 on it, so that closing sends an RST rather than a FIN.
    let (stream, twin) = match split(stream) {
        Ok(pair) => pair,
        Err(err) => {
            tracing::warn!("kataven::mock: cannot serve a connection: {err}");
            return;
        }
    };
    let reset = Arc::new(Notify::new());
    let service = {
        let reset = reset.clone();
        service_fn(move |request| {
            let hub = hub.clone();
            let reset = reset.clone();
            async move {
                match answer(&hub, request).await {
                    Outcome::Answer(reply) => Ok::<_, Infallible>(reply.into_response()),
                    Outcome::Reset => {
                        reset.notify_one();
                        // The connection task drops this future with the connection.
                        std::future::pending().await
                    }
                }
            }
        })
    };
    let mut conn = Box::pin(http1::Builder::new().serve_connection(TokioIo::new(stream), service));
    let mut stopping = false;
    loop {
        tokio::select! {
            result = conn.as_mut() => {
                if let Err(err) = result {
                    tracing::debug!("kataven::mock: connection ended: {err}");
                }
                return;
            }
            () = reset.notified() => {
                // SO_LINGER belongs to the socket, so setting it through the
                // twin holds for hyper's handle too.
                let twin = TcpStream::from_std(twin).and_then(|twin| {
                    twin.set_zero_linger()?;
                    Ok(twin)
                });
                if let Err(err) = &twin {
                    tracing::warn!("kataven::mock: cannot set SO_LINGER 0, closing with FIN: {err}");
                }
                // The socket closes (with an RST) when its last handle goes.
                drop(conn);
                drop(twin);
                return;
            }
            _ = stopped.changed(), if !stopping => {
                stopping = true;
                conn.as_mut().graceful_shutdown();
            }
        }
    }
}

/// The stream, and a second handle on its socket.
fn split(stream: TcpStream) -> std::io::Result<(TcpStream, std::net::TcpStream)> {
    let stream = stream.into_std()?;
    let twin = stream.try_clone()?;
    Ok((TcpStream::from_std(stream)?, twin))
}

/// Reads the request and hands it to the dispatcher.
async fn answer(hub: &Shared, request: hyper::Request<Incoming>) -> Outcome {
    let (parts, body) = request.into_parts();
    let body = match Limited::new(body, MAX_BODY_BYTES).collect().await {
        Ok(collected) => collected.to_bytes(),
        Err(err) if err.is::<http_body_util::LengthLimitError>() => {
            return Outcome::Answer(reply::text(413, "Request body too large"));
        }
        // The client went away mid-body: nobody reads this answer.
        Err(_) => return Outcome::Answer(reply::text(400, "Incomplete body")),
    };
    dispatch::handle(hub, &parts.method, parts.uri.path(), &parts.headers, &body).await
}

impl Reply {
    fn into_response(self) -> hyper::Response<AnswerBody> {
        let body = Bytes::from(self.body);
        let mut headers = self.headers;
        let cut_at = match self.cut {
            Some(Cut::Break(bytes) | Cut::Stall(bytes)) => bytes,
            None => usize::MAX,
        };
        let body = match self.cut {
            // A cut at or past the end leaves the body whole.
            _ if cut_at >= body.len() => AnswerBody::Whole(Full::new(body)),
            None => AnswerBody::Whole(Full::new(body)),
            Some(cut) => {
                // The head promises the whole body; less of it comes.
                headers.insert(
                    http::header::CONTENT_LENGTH,
                    http::HeaderValue::from(body.len()),
                );
                let (sent, then_stall) = match cut {
                    Cut::Break(bytes) => (bytes, false),
                    Cut::Stall(bytes) => (bytes, true),
                };
                let sent = body.slice(..sent.min(body.len()));
                AnswerBody::Cut {
                    sent: (!sent.is_empty()).then_some(sent),
                    flushed: Box::pin(tokio::time::sleep(Duration::from_millis(20))),
                    then_stall,
                }
            }
        };
        let mut response = hyper::Response::new(body);
        *response.status_mut() = self.status;
        *response.headers_mut() = headers;
        response
    }
}

/// An answer's body: whole, or cut by a fault. Hand-written rather than a
/// boxed stream: the cut needs a body that fails or stalls after its bytes,
/// which is a dozen lines here and a stream crate otherwise.
enum AnswerBody {
    Whole(Full<Bytes>),
    Cut {
        sent: Option<Bytes>,
        /// A pause after the bytes, so that hyper writes them out before
        /// the failure makes it drop the connection and its buffer.
        flushed: std::pin::Pin<Box<tokio::time::Sleep>>,
        then_stall: bool,
    },
}

impl hyper::body::Body for AnswerBody {
    type Data = Bytes;
    type Error = std::io::Error;

    fn poll_frame(
        self: std::pin::Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
    ) -> std::task::Poll<Option<Result<hyper::body::Frame<Bytes>, Self::Error>>> {
        use std::task::Poll;
        match self.get_mut() {
            AnswerBody::Whole(full) => std::pin::Pin::new(full)
                .poll_frame(cx)
                .map_err(|never| match never {}),
            AnswerBody::Cut {
                sent,
                flushed,
                then_stall,
            } => {
                if let Some(bytes) = sent.take() {
                    return Poll::Ready(Some(Ok(hyper::body::Frame::data(bytes))));
                }
                if flushed.as_mut().poll(cx).is_pending() || *then_stall {
                    // A stall lasts until the client gives up and the
                    // connection is dropped.
                    return Poll::Pending;
                }
                // hyper aborts the connection when a body fails mid-way.
                Poll::Ready(Some(Err(std::io::Error::other(
                    "kataven::mock: the body is cut here",
                ))))
            }
        }
    }
}
