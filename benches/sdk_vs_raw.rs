//! The SDK's cost over hand-written HTTP, against Python's httpx, on one
//! loopback server. See BENCHMARKS.md.
//!
//! `cargo bench --bench sdk_vs_raw` runs everything; arguments after `--`:
//!
//! * `--quick`: a short smoke run (a few seconds), same code paths.
//! * `--python PATH`: also run `benches/python/httpx_bench.py` with that
//!   interpreter (default: `$KATAVEN_BENCH_PYTHON`, else Python is skipped).
//! * `--callgrind sdk|raw|decode-sdk|decode-raw N`: run only N sequential
//!   calls (or decodes), for `valgrind --tool=callgrind`.
//! * `--count sdk|raw|sdk-create|sdk-create-send|raw-create|none N [--server ADDR]`: the
//!   deterministic mode (scripts/instructions.sh): one thread, a
//!   current-thread runtime, the server in another process (this binary with
//!   `--serve`, started here unless `--server` names one). After a warm-up,
//!   `measured_calls` makes N sequential calls of one side; run under
//!   `valgrind --tool=callgrind --collect-atstart=no
//!   --toggle-collect='*measured_calls*'` it counts their instructions alone.
//!   Prints the heap allocations per call (the counting allocator; the
//!   server's are in the other process, so none of them count).
//! * `--serve`: only run the server and print its address.
//!
//! In the other modes both sides talk to the same server in this process: a
//! tokio TCP server on its own thread that answers every request with a
//! canned HTTP/1.1 keep-alive response and counts accepted connections.

use std::alloc::{GlobalAlloc, Layout, System};
use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use tokio::io::{AsyncReadExt, AsyncWriteExt};

// ---------------------------------------------------------------------------
// A counting allocator, for peak memory of one call.

struct Counting;

static CURRENT: AtomicUsize = AtomicUsize::new(0);
static PEAK: AtomicUsize = AtomicUsize::new(0);
static COUNT: AtomicUsize = AtomicUsize::new(0);
static BYTES: AtomicUsize = AtomicUsize::new(0);

unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        let ptr = unsafe { System.alloc(layout) };
        if !ptr.is_null() {
            COUNT.fetch_add(1, Ordering::Relaxed);
            BYTES.fetch_add(layout.size(), Ordering::Relaxed);
            let now = CURRENT.fetch_add(layout.size(), Ordering::Relaxed) + layout.size();
            PEAK.fetch_max(now, Ordering::Relaxed);
        }
        ptr
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        unsafe { System.dealloc(ptr, layout) };
        CURRENT.fetch_sub(layout.size(), Ordering::Relaxed);
    }
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        let new = unsafe { System.realloc(ptr, layout, new_size) };
        if !new.is_null() {
            COUNT.fetch_add(1, Ordering::Relaxed);
            BYTES.fetch_add(new_size, Ordering::Relaxed);
            if new_size >= layout.size() {
                let now = CURRENT.fetch_add(new_size - layout.size(), Ordering::Relaxed)
                    + (new_size - layout.size());
                PEAK.fetch_max(now, Ordering::Relaxed);
            } else {
                CURRENT.fetch_sub(layout.size() - new_size, Ordering::Relaxed);
            }
        }
        new
    }
}

#[global_allocator]
static ALLOC: Counting = Counting;

/// Runs `f` and returns its output and the peak of live heap bytes above
/// what was live when it started.
async fn peak_of<T, F: std::future::Future<Output = T>>(f: F) -> (T, usize) {
    let base = CURRENT.load(Ordering::Relaxed);
    PEAK.store(base, Ordering::Relaxed);
    let out = f.await;
    (out, PEAK.load(Ordering::Relaxed).saturating_sub(base))
}

// ---------------------------------------------------------------------------
// The payload.

const API_KEY: &str = "sk_live_acme_secret";
const SMALL: usize = 10;
const LARGE: usize = 10_000;

fn key_json(i: usize) -> String {
    let disabled = if i % 7 == 3 {
        "\"2026-11-03T10:00:00Z\"".to_string()
    } else {
        "null".to_string()
    };
    format!(
        concat!(
            r#"{{"id":"0b6f8e2a-4c1d-4e7b-9a3f-{:012x}","name":"acme.com production {}","#,
            r#""key_last8":"Q7rT2xZ9","domain_allowlist":["acme.com","*.acme.com"],"#,
            r#""agent_id":"agent_01HZ2N7G3K8M0Q5R7T9V2X4Y6Z","created_at":"2026-11-02T09:15:27Z","#,
            r#""updated_at":"2026-11-02T09:15:27Z","disabled_at":{},"last_used_at":null}}"#
        ),
        i, i, disabled
    )
}

/// What a create answers: a new key with its plaintext `public_key`.
fn created_json() -> String {
    let key = key_json(1);
    format!(
        r#"{},"public_key":"pk_live_acme_3Jm9vXc2LpW8nKd4Q7rT2xZ9"}}"#,
        &key[..key.len() - 1]
    )
}

fn list_json(n: usize) -> String {
    let keys: Vec<String> = (0..n).map(key_json).collect();
    format!("[{}]", keys.join(","))
}

fn http_response(status: &str, body: &str) -> Vec<u8> {
    let mut out = format!(
        "HTTP/1.1 {status}\r\ncontent-type: application/json\r\ncontent-length: {}\r\n\r\n",
        body.len()
    )
    .into_bytes();
    out.extend_from_slice(body.as_bytes());
    out
}

/// The hand-written side decodes into the same struct the SDK decodes into
/// first (the generated `DataWidgetKey`: UUID, RFC 3339 timestamps), so the
/// difference is what the SDK adds: its transport, and the conversion into
/// the facade's own `WidgetKey`. (A copy of the struct here would be one more
/// place that spells out a widget key's fields.)
type RawWidgetKey = kataven::raw::types::DataWidgetKey;

// ---------------------------------------------------------------------------
// The server.

struct Server {
    addr: SocketAddr,
    accepted: Arc<AtomicUsize>,
}

/// The canned answers, shared by every connection.
struct Canned {
    small: Vec<u8>,
    large: Vec<u8>,
    created: Vec<u8>,
}

/// Starts the server on its own thread and current-thread runtime.
/// `GET /large/...` answers the 10,000-key list, a `POST` a created key (201),
/// anything else the 10-key list.
fn start_server() -> Server {
    let accepted = Arc::new(AtomicUsize::new(0));
    let counter = accepted.clone();
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::Builder::new()
        .name("bench-server".into())
        .spawn(move || {
            let rt = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .expect("server runtime");
            rt.block_on(async move {
                let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
                    .await
                    .expect("bind");
                tx.send(listener.local_addr().expect("addr"))
                    .expect("send addr");
                let canned = Arc::new(Canned {
                    small: http_response("200 OK", &list_json(SMALL)),
                    large: http_response("200 OK", &list_json(LARGE)),
                    created: http_response("201 Created", &created_json()),
                });
                loop {
                    let Ok((socket, _)) = listener.accept().await else {
                        continue;
                    };
                    counter.fetch_add(1, Ordering::Relaxed);
                    let _ = socket.set_nodelay(true);
                    tokio::spawn(serve_connection(socket, canned.clone()));
                }
            });
        })
        .expect("server thread");
    Server {
        addr: rx.recv().expect("server address"),
        accepted,
    }
}

/// The `Content-Length` of a request head, 0 without one.
fn content_length(head: &[u8]) -> usize {
    String::from_utf8_lossy(head)
        .lines()
        .find_map(|line| {
            let (name, value) = line.split_once(':')?;
            name.eq_ignore_ascii_case("content-length")
                .then(|| value.trim().parse().ok())?
        })
        .unwrap_or(0)
}

async fn serve_connection(mut socket: tokio::net::TcpStream, canned: Arc<Canned>) {
    let mut buf = Vec::with_capacity(8192);
    let mut chunk = [0u8; 8192];
    loop {
        // Answer every complete request (head and body) in the buffer.
        while let Some(end) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
            let whole = end + 4 + content_length(&buf[..end]);
            if buf.len() < whole {
                break;
            }
            let response = if buf.starts_with(b"GET /large/") {
                &canned.large
            } else if buf.starts_with(b"POST ") {
                &canned.created
            } else {
                &canned.small
            };
            if socket.write_all(response).await.is_err() {
                return;
            }
            buf.drain(..whole);
        }
        match socket.read(&mut chunk).await {
            Ok(0) | Err(_) => return,
            Ok(n) => buf.extend_from_slice(&chunk[..n]),
        }
    }
}

// ---------------------------------------------------------------------------
// The two clients.

fn sdk_client(base: &str) -> kataven::Client {
    kataven::Client::builder()
        .api_key(API_KEY)
        .base_url(base)
        .build()
        .expect("sdk client")
}

/// The hand-written client, set up like the SDK's (src/client.rs): the same
/// reqwest 0.13 build (no default features, so HTTP/1 only), the same
/// rustls/ring config, no redirects, no proxy for a loopback server, the same
/// default headers and connect timeout, and a 30 s request timeout (the
/// SDK's per-attempt default).
fn raw_client() -> reqwest::Client {
    use reqwest::header::{AUTHORIZATION, HeaderMap, HeaderValue, USER_AGENT};
    use rustls_platform_verifier::BuilderVerifierExt;
    // The same provider as the SDK's, so the same deprecation allowance
    // (rustls 0.23.48 deprecates ring's provider; src/client.rs `tls` says why
    // the SDK keeps it).
    #[allow(deprecated)]
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let mut tls = rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .expect("tls versions")
        .with_platform_verifier()
        .expect("verifier")
        .with_no_client_auth();
    tls.alpn_protocols = vec![b"http/1.1".to_vec()];
    let mut auth = HeaderValue::try_from(format!("Bearer {API_KEY}")).expect("header");
    auth.set_sensitive(true);
    let mut headers = HeaderMap::new();
    headers.insert(AUTHORIZATION, auth);
    headers.insert(USER_AGENT, HeaderValue::from_static("raw-bench/0.1"));
    reqwest::Client::builder()
        .tls_backend_preconfigured(tls)
        // As the SDK's own client (Client::http_client_builder): an API
        // answer is never a redirect.
        .redirect(reqwest::redirect::Policy::none())
        // As the SDK's for a loopback base URL: no proxy from the
        // environment (the SDK's rule, src/client.rs; it also skips reqwest's
        // proxy matching on every request).
        .no_proxy()
        .default_headers(headers)
        .connect_timeout(Duration::from_secs(10))
        .timeout(Duration::from_secs(30))
        .build()
        .expect("raw client")
}

async fn raw_list(http: &reqwest::Client, url: &str) -> reqwest::Result<Vec<RawWidgetKey>> {
    http.get(url)
        .header(reqwest::header::ACCEPT, "application/json")
        .header("api-version", "1.0.0")
        .send()
        .await?
        .error_for_status()?
        .json()
        .await
}

/// The key both sides create: a name and a two-entry allowlist.
const CREATE_NAME: &str = "acme.com production";
const CREATE_ALLOWLIST: [&str; 2] = ["acme.com", "*.acme.com"];

/// A create by hand: the generated request type (its `name` newtype checks
/// the length, as the SDK's does), sent as JSON with the same headers, the
/// answer decoded into the generated `DataCreatedWidgetKey`.
async fn raw_create(
    http: &reqwest::Client,
    url: &str,
) -> Result<kataven::raw::types::DataCreatedWidgetKey, Box<dyn std::error::Error>> {
    let body = kataven::raw::types::HandlersCreateWidgetKeyRequest {
        name: CREATE_NAME.to_string().try_into()?,
        domain_allowlist: CREATE_ALLOWLIST.iter().map(|s| s.to_string()).collect(),
        agent_id: None,
    };
    Ok(http
        .post(url)
        .header(reqwest::header::ACCEPT, "application/json")
        .header("api-version", "1.0.0")
        .json(&body)
        .send()
        .await?
        .error_for_status()?
        .json()
        .await?)
}

#[derive(Clone)]
struct Sides {
    sdk: kataven::Client,
    sdk_large: kataven::Client,
    raw: reqwest::Client,
    url: Arc<str>,
    large_url: Arc<str>,
}

impl Sides {
    fn new(addr: SocketAddr) -> Self {
        Self {
            sdk: sdk_client(&format!("http://{addr}")),
            sdk_large: sdk_client(&format!("http://{addr}/large")),
            raw: raw_client(),
            url: format!("http://{addr}/api/v1/widget-keys").into(),
            large_url: format!("http://{addr}/large/api/v1/widget-keys").into(),
        }
    }
    async fn sdk_call(&self) -> usize {
        self.sdk.widget_keys().list().await.expect("sdk list").len()
    }
    async fn raw_call(&self) -> usize {
        raw_list(&self.raw, &self.url)
            .await
            .expect("raw list")
            .len()
    }
    /// The create both SDK sides make.
    fn sdk_create_builder(&self) -> kataven::widget_keys::CreateWidgetKey<'_> {
        self.sdk
            .widget_keys()
            .create(CREATE_NAME)
            .domain_allowlist(CREATE_ALLOWLIST)
    }
    async fn sdk_create(&self) -> usize {
        let created = self.sdk_create_builder().await.expect("sdk create");
        created.public_key.as_str().len()
    }
    /// The same create through `send()`, whose future is not boxed.
    async fn sdk_create_send(&self) -> usize {
        let created = self.sdk_create_builder().send().await.expect("sdk create");
        created.public_key.as_str().len()
    }
    async fn raw_create(&self) -> usize {
        let created = raw_create(&self.raw, &self.url).await.expect("raw create");
        created.public_key.len()
    }
    /// One call of a side named on the command line.
    async fn call(&self, what: &str) {
        match what {
            "sdk" => assert_eq!(self.sdk_call().await, SMALL),
            "raw" => assert_eq!(self.raw_call().await, SMALL),
            "sdk-create" => assert!(self.sdk_create().await > 0),
            "sdk-create-send" => assert!(self.sdk_create_send().await > 0),
            "raw-create" => assert!(self.raw_create().await > 0),
            "none" => {}
            other => panic!("unknown side {other}"),
        }
    }
}

// ---------------------------------------------------------------------------
// The deterministic mode (`--count`, scripts/instructions.sh).

/// The calls callgrind counts: `--toggle-collect='*measured_calls*'` turns
/// collection on when this function is entered and off when it returns, so
/// the start-up, the warm-up and the server (another process) are left out.
#[inline(never)]
fn measured_calls(rt: &tokio::runtime::Runtime, sides: &Sides, what: &str, n: usize) {
    rt.block_on(async {
        for _ in 0..n {
            sides.call(what).await;
        }
    });
}

/// `--count WHAT N`: warm up every side alike, then N calls of WHAT on one
/// thread; prints the allocations per call.
fn count_mode(args: &[String], what: &str, n: usize) {
    let given = args
        .iter()
        .position(|a| a == "--server")
        .and_then(|i| args.get(i + 1).cloned());
    let mut child = None;
    let addr: SocketAddr = match given {
        Some(addr) => addr.parse().expect("--server ADDR"),
        None => {
            // The server in a process of its own: under valgrind it runs
            // natively and none of its work is counted.
            use std::io::BufRead;
            let mut server = std::process::Command::new(std::env::current_exe().expect("exe"))
                .arg("--serve")
                .stdout(std::process::Stdio::piped())
                .spawn()
                .expect("server process");
            let mut line = String::new();
            std::io::BufReader::new(server.stdout.take().expect("stdout"))
                .read_line(&mut line)
                .expect("server address");
            child = Some(server);
            line.split_whitespace()
                .find_map(|word| word.strip_prefix("http://"))
                .and_then(|addr| addr.parse().ok())
                .expect("the server's address")
        }
    };
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime");
    let sides = Sides::new(addr);
    rt.block_on(async {
        // The same warm-up whatever is measured: the connections of both
        // sides open, every code path run once.
        for _ in 0..50 {
            for side in ["sdk", "raw", "sdk-create", "sdk-create-send", "raw-create"] {
                sides.call(side).await;
            }
        }
    });
    let before = COUNT.load(Ordering::Relaxed);
    let bytes = BYTES.load(Ordering::Relaxed);
    measured_calls(&rt, &sides, what, n);
    let count = COUNT.load(Ordering::Relaxed) - before;
    let bytes = BYTES.load(Ordering::Relaxed) - bytes;
    let per = |total: usize| total as f64 / n.max(1) as f64;
    println!(
        "calls={n} side={what} allocations_per_call={:.2} bytes_per_call={:.0}",
        per(count),
        per(bytes)
    );
    if let Some(mut child) = child {
        let _ = child.kill();
        let _ = child.wait();
    }
}

// ---------------------------------------------------------------------------
// Statistics.

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    if sorted.is_empty() {
        return Duration::ZERO;
    }
    let rank = ((p / 100.0) * (sorted.len() - 1) as f64).round() as usize;
    sorted[rank.min(sorted.len() - 1)]
}

fn median_f(values: &mut [f64]) -> f64 {
    values.sort_by(|a, b| a.total_cmp(b));
    if values.is_empty() {
        return 0.0;
    }
    values[values.len() / 2]
}

fn us(d: Duration) -> f64 {
    d.as_secs_f64() * 1e6
}

struct Row {
    what: String,
    sdk: String,
    raw: String,
    ratio: f64,
    target: &'static str,
}

impl Row {
    fn verdict(&self) -> &'static str {
        let ok = match self.target {
            "<= 1.05x" => self.ratio <= 1.05,
            ">= 0.95x" => self.ratio >= 0.95,
            "<= 1.2x" => self.ratio <= 1.2,
            _ => return "-",
        };
        if ok { "met" } else { "MISSED" }
    }
}

// ---------------------------------------------------------------------------
// The benchmarks.

struct Plan {
    /// Per-call: rounds of `batch` calls each side, alternating order.
    latency_rounds: usize,
    latency_batch: usize,
    /// Throughput: rounds of `seconds` each side.
    throughput_rounds: usize,
    throughput_secs: f64,
    /// Large list: calls each side, alternating.
    large_calls: usize,
    /// Pure decode of the 10,000-key body, each side.
    decode_iters: usize,
}

const FULL: Plan = Plan {
    latency_rounds: 20,
    latency_batch: 250,
    throughput_rounds: 5,
    throughput_secs: 3.0,
    large_calls: 30,
    decode_iters: 30,
};

const QUICK: Plan = Plan {
    latency_rounds: 4,
    latency_batch: 50,
    throughput_rounds: 1,
    throughput_secs: 0.5,
    large_calls: 4,
    decode_iters: 4,
};

const CONCURRENCY: usize = 64;

async fn per_call(sides: &Sides, plan: &Plan, rows: &mut Vec<Row>) {
    // Warm up: open the connections, fault in the code.
    for _ in 0..200 {
        sides.sdk_call().await;
        sides.raw_call().await;
    }
    // Heap allocations per call (the server's, the same for both, included).
    let mut allocs = [(0usize, 0usize); 2];
    for (side, slot) in allocs.iter_mut().enumerate() {
        let (count, bytes) = (COUNT.load(Ordering::Relaxed), BYTES.load(Ordering::Relaxed));
        for _ in 0..100 {
            if side == 0 {
                sides.sdk_call().await;
            } else {
                sides.raw_call().await;
            }
        }
        *slot = (
            (COUNT.load(Ordering::Relaxed) - count) / 100,
            (BYTES.load(Ordering::Relaxed) - bytes) / 100,
        );
    }
    let mut sdk = Vec::new();
    let mut raw = Vec::new();
    // The spread: each round's median ratio (both sides ran back to back).
    let mut round_ratios = Vec::new();
    for round in 0..plan.latency_rounds {
        let (sdk_from, raw_from) = (sdk.len(), raw.len());
        for side in [round % 2, 1 - round % 2] {
            for _ in 0..plan.latency_batch {
                let start = Instant::now();
                let n = if side == 0 {
                    sides.sdk_call().await
                } else {
                    sides.raw_call().await
                };
                let took = start.elapsed();
                assert_eq!(n, SMALL);
                if side == 0 {
                    sdk.push(took)
                } else {
                    raw.push(took)
                }
            }
        }
        let mut s = sdk[sdk_from..].to_vec();
        let mut r = raw[raw_from..].to_vec();
        s.sort();
        r.sort();
        round_ratios.push(us(percentile(&s, 50.0)) / us(percentile(&r, 50.0)));
    }
    sdk.sort();
    raw.sort();
    round_ratios.sort_by(|a, b| a.total_cmp(b));
    rows.push(Row {
        what: format!(
            "1. per call, median ratio of each of the {} rounds: lowest / highest",
            round_ratios.len()
        ),
        sdk: format!("{:.3}", round_ratios.first().copied().unwrap_or(0.0)),
        raw: format!("{:.3}", round_ratios.last().copied().unwrap_or(0.0)),
        ratio: median_f(&mut round_ratios),
        target: "-",
    });
    for (label, p) in [("median", 50.0), ("p99", 99.0)] {
        let (s, r) = (percentile(&sdk, p), percentile(&raw, p));
        rows.push(Row {
            what: format!("1. per call, list() of {SMALL} keys, {label}"),
            sdk: format!("{:.1} µs", us(s)),
            raw: format!("{:.1} µs", us(r)),
            ratio: us(s) / us(r),
            target: if p == 50.0 { "<= 1.05x" } else { "-" },
        });
    }
    let [(sc, sb), (rc, rb)] = allocs;
    rows.push(Row {
        what: "1. heap allocations per call (bytes allocated)".into(),
        sdk: format!("{sc} ({sb} B)"),
        raw: format!("{rc} ({rb} B)"),
        ratio: sc as f64 / rc.max(1) as f64,
        target: "-",
    });
}

/// `CONCURRENCY` tasks calling in a loop for `secs`; requests per second.
async fn throughput_round(sides: &Sides, sdk: bool, secs: f64) -> f64 {
    let deadline = Instant::now() + Duration::from_secs_f64(secs);
    let start = Instant::now();
    let mut tasks = Vec::new();
    for _ in 0..CONCURRENCY {
        let sides = sides.clone();
        tasks.push(tokio::spawn(async move {
            let mut n = 0u64;
            // Bounded in time and in count.
            while Instant::now() < deadline && n < 10_000_000 {
                let got = if sdk {
                    sides.sdk_call().await
                } else {
                    sides.raw_call().await
                };
                assert_eq!(got, SMALL);
                n += 1;
            }
            n
        }));
    }
    let mut total = 0;
    for task in tasks {
        total += task.await.expect("task");
    }
    total as f64 / start.elapsed().as_secs_f64()
}

async fn throughput(
    sides: &Sides,
    server: &Server,
    plan: &Plan,
    python: Option<&str>,
    rows: &mut Vec<Row>,
) {
    // The SDK's client is used only here and in `per_call`; count what it
    // opens from a fresh client, so warm-up connections don't count.
    let fresh = Sides {
        sdk: sdk_client(&format!("http://{}", server.addr)),
        raw: raw_client(),
        ..sides.clone()
    };
    let mut sdk = Vec::new();
    let mut raw = Vec::new();
    let mut py = Vec::new();
    let mut sdk_conns = 0;
    let mut raw_conns = 0;
    for round in 0..plan.throughput_rounds {
        for side in [round % 2, 1 - round % 2] {
            let before = server.accepted.load(Ordering::Relaxed);
            let rps = throughput_round(&fresh, side == 0, plan.throughput_secs).await;
            let opened = server.accepted.load(Ordering::Relaxed) - before;
            if side == 0 {
                sdk.push(rps);
                sdk_conns += opened;
            } else {
                raw.push(rps);
                raw_conns += opened;
            }
        }
        if let Some(python) = python {
            match run_python(python, server.addr, plan.throughput_secs, false) {
                Ok(result) => py.push(result.rps),
                Err(err) => eprintln!("python: {err}"),
            }
        }
    }
    let (s, r) = (median_f(&mut sdk), median_f(&mut raw));
    rows.push(Row {
        what: format!("2. throughput, {CONCURRENCY} tasks, list() of {SMALL} keys"),
        sdk: format!("{s:.0} req/s"),
        raw: format!("{r:.0} req/s"),
        ratio: s / r,
        target: ">= 0.95x",
    });
    rows.push(Row {
        what: format!(
            "2. TCP connections opened by {CONCURRENCY} tasks in {} x {} s",
            plan.throughput_rounds, plan.throughput_secs
        ),
        sdk: format!("{sdk_conns}"),
        raw: format!("{raw_conns}"),
        ratio: sdk_conns as f64 / raw_conns.max(1) as f64,
        target: "-",
    });
    if !py.is_empty() {
        let p = median_f(&mut py);
        rows.push(Row {
            what: format!(
                "4. throughput vs Python httpx, {CONCURRENCY} tasks (raw column: Python)"
            ),
            sdk: format!("{s:.0} req/s"),
            raw: format!("{p:.0} req/s"),
            ratio: s / p,
            target: "-",
        });
    }
}

async fn large_list(sides: &Sides, plan: &Plan, rows: &mut Vec<Row>) {
    let sdk_call = || async move {
        sides
            .sdk_large
            .widget_keys()
            .list()
            .await
            .expect("sdk large")
            .len()
    };
    let raw_call = || async move {
        raw_list(&sides.raw, &sides.large_url)
            .await
            .expect("raw large")
            .len()
    };
    assert_eq!(sdk_call().await, LARGE);
    assert_eq!(raw_call().await, LARGE);
    let (mut sdk_t, mut raw_t) = (Vec::new(), Vec::new());
    let (mut sdk_m, mut raw_m) = (0usize, 0usize);
    for i in 0..plan.large_calls {
        for side in [i % 2, 1 - i % 2] {
            let start = Instant::now();
            let (n, peak) = if side == 0 {
                peak_of(sdk_call()).await
            } else {
                peak_of(raw_call()).await
            };
            let took = start.elapsed();
            assert_eq!(n, LARGE);
            if side == 0 {
                sdk_t.push(took);
                sdk_m = sdk_m.max(peak);
            } else {
                raw_t.push(took);
                raw_m = raw_m.max(peak);
            }
        }
    }
    sdk_t.sort();
    raw_t.sort();
    let (s, r) = (percentile(&sdk_t, 50.0), percentile(&raw_t, 50.0));
    rows.push(Row {
        what: format!("3. list() of {LARGE} keys over loopback, median time"),
        sdk: format!("{:.2} ms", us(s) / 1e3),
        raw: format!("{:.2} ms", us(r) / 1e3),
        ratio: us(s) / us(r),
        target: "<= 1.2x",
    });
    rows.push(Row {
        what: format!("3. list() of {LARGE} keys, peak heap during the call"),
        sdk: format!("{:.2} MiB", sdk_m as f64 / 1048576.0),
        raw: format!("{:.2} MiB", raw_m as f64 / 1048576.0),
        ratio: sdk_m as f64 / raw_m.max(1) as f64,
        target: "-",
    });

    // Decode alone, no HTTP: the generated types plus the facade's
    // conversion, against serde_json into the hand-written struct.
    let body = list_json(LARGE);
    let (mut sdk_d, mut raw_d) = (Vec::new(), Vec::new());
    for i in 0..plan.decode_iters {
        for side in [i % 2, 1 - i % 2] {
            let start = Instant::now();
            let n = if side == 0 {
                decode_sdk(body.as_bytes())
            } else {
                decode_raw(body.as_bytes())
            };
            let took = start.elapsed();
            assert_eq!(n, LARGE);
            if side == 0 {
                sdk_d.push(took)
            } else {
                raw_d.push(took)
            }
        }
    }
    sdk_d.sort();
    raw_d.sort();
    let (s, r) = (percentile(&sdk_d, 50.0), percentile(&raw_d, 50.0));
    rows.push(Row {
        what: format!(
            "3. decode only, {LARGE} keys ({:.1} MB of JSON), median",
            body.len() as f64 / 1e6
        ),
        sdk: format!("{:.2} ms", us(s) / 1e3),
        raw: format!("{:.2} ms", us(r) / 1e3),
        ratio: us(s) / us(r),
        target: "<= 1.2x",
    });
}

/// The facade's own types straight from JSON (their serde is the wire form),
/// as an app that caches keys reads them back; the SDK's `list()` decodes
/// into the generated type and converts (measurement 3 above, over HTTP).
fn decode_sdk(body: &[u8]) -> usize {
    let keys: Vec<kataven::WidgetKey> = serde_json::from_slice(body).expect("decode");
    std::hint::black_box(&keys);
    keys.len()
}

fn decode_raw(body: &[u8]) -> usize {
    let keys: Vec<RawWidgetKey> = serde_json::from_slice(body).expect("decode");
    std::hint::black_box(&keys);
    keys.len()
}

// ---------------------------------------------------------------------------
// Python.

struct PyResult {
    rps: f64,
    median_us: f64,
    p99_us: f64,
}

fn run_python(
    python: &str,
    addr: SocketAddr,
    secs: f64,
    sequential: bool,
) -> Result<PyResult, String> {
    let script = concat!(env!("CARGO_MANIFEST_DIR"), "/benches/python/httpx_bench.py");
    let mut cmd = std::process::Command::new(python);
    cmd.arg(script)
        .arg("--url")
        .arg(format!("http://{addr}/api/v1/widget-keys"))
        .arg("--api-key")
        .arg(API_KEY)
        .arg("--seconds")
        .arg(secs.to_string())
        .arg("--expect")
        .arg(SMALL.to_string());
    if sequential {
        cmd.arg("--concurrency").arg("1");
    } else {
        cmd.arg("--concurrency").arg(CONCURRENCY.to_string());
    }
    let out = cmd
        .output()
        .map_err(|e| format!("cannot run {python}: {e}"))?;
    if !out.status.success() {
        return Err(format!(
            "{python} failed: {}",
            String::from_utf8_lossy(&out.stderr).trim()
        ));
    }
    let text = String::from_utf8_lossy(&out.stdout);
    let field = |name: &str| -> Result<f64, String> {
        text.split_whitespace()
            .find_map(|kv| kv.strip_prefix(name).and_then(|v| v.strip_prefix('=')))
            .ok_or_else(|| format!("no {name} in python output: {text}"))?
            .parse::<f64>()
            .map_err(|e| e.to_string())
    };
    Ok(PyResult {
        rps: field("rps")?,
        median_us: field("median_us")?,
        p99_us: field("p99_us")?,
    })
}

async fn python_per_call(
    sides: &Sides,
    server: &Server,
    python: &str,
    plan: &Plan,
    rows: &mut Vec<Row>,
) {
    // Interleave: a Python run, then the same number of seconds of SDK calls.
    let secs = plan.throughput_secs;
    let (mut py_med, mut py_p99, mut sdk_all) = (Vec::new(), Vec::new(), Vec::new());
    for _ in 0..plan.throughput_rounds {
        match run_python(python, server.addr, secs, true) {
            Ok(r) => {
                py_med.push(r.median_us);
                py_p99.push(r.p99_us);
            }
            Err(err) => {
                eprintln!("python: {err}");
                return;
            }
        }
        let deadline = Instant::now() + Duration::from_secs_f64(secs);
        while Instant::now() < deadline {
            let start = Instant::now();
            sides.sdk_call().await;
            sdk_all.push(start.elapsed());
        }
    }
    sdk_all.sort();
    let (sm, sp) = (
        us(percentile(&sdk_all, 50.0)),
        us(percentile(&sdk_all, 99.0)),
    );
    let (pm, pp) = (median_f(&mut py_med), median_f(&mut py_p99));
    rows.push(Row {
        what: "4. per call vs Python httpx, median (raw column: Python)".into(),
        sdk: format!("{sm:.1} µs"),
        raw: format!("{pm:.1} µs"),
        ratio: sm / pm,
        target: "-",
    });
    rows.push(Row {
        what: "4. per call vs Python httpx, p99 (raw column: Python)".into(),
        sdk: format!("{sp:.1} µs"),
        raw: format!("{pp:.1} µs"),
        ratio: sp / pp,
        target: "-",
    });
}

// ---------------------------------------------------------------------------

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let has = |flag: &str| args.iter().any(|a| a == flag);
    let value = |flag: &str| {
        args.iter()
            .position(|a| a == flag)
            .and_then(|i| args.get(i + 1).cloned())
    };
    // `cargo test --benches` runs bench targets with no `--bench`: keep that quick.
    let quick = has("--quick") || !has("--bench");
    let plan = if quick { &QUICK } else { &FULL };
    let python = value("--python").or_else(|| std::env::var("KATAVEN_BENCH_PYTHON").ok());

    if let Some(what) = value("--count") {
        let n = args
            .iter()
            .position(|a| a == "--count")
            .and_then(|i| args.get(i + 2))
            .and_then(|n| n.parse().ok())
            .unwrap_or(1000);
        count_mode(&args, &what, n);
        return;
    }

    let server = start_server();
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("client runtime");

    if has("--serve") {
        println!(
            "serving on http://{} (GET /api/v1/widget-keys, /large/api/v1/widget-keys)",
            server.addr
        );
        std::thread::sleep(Duration::from_secs(3600));
        return;
    }

    let sides = Sides::new(server.addr);

    if let Some(what) = value("--callgrind") {
        let n: usize = args
            .iter()
            .position(|a| a == "--callgrind")
            .and_then(|i| args.get(i + 2))
            .and_then(|n| n.parse().ok())
            .unwrap_or(1000);
        let body = list_json(LARGE);
        rt.block_on(async {
            // The same warm-up on every side, so the counts differ only by
            // the measured loop.
            for _ in 0..20 {
                sides.sdk_call().await;
                sides.raw_call().await;
            }
            for _ in 0..n {
                match what.as_str() {
                    "sdk" => {
                        sides.sdk_call().await;
                    }
                    "raw" => {
                        sides.raw_call().await;
                    }
                    "decode-sdk" => {
                        decode_sdk(body.as_bytes());
                    }
                    "decode-raw" => {
                        decode_raw(body.as_bytes());
                    }
                    "none" => {}
                    other => panic!("unknown --callgrind target {other}"),
                }
            }
        });
        println!("ran {n} x {what}");
        return;
    }

    let started = Instant::now();
    let mut rows = Vec::new();
    rt.block_on(async {
        eprintln!("[bench] 1. per call ...");
        per_call(&sides, plan, &mut rows).await;
        eprintln!("[bench] 2. throughput ...");
        throughput(&sides, &server, plan, python.as_deref(), &mut rows).await;
        eprintln!("[bench] 3. large list ...");
        large_list(&sides, plan, &mut rows).await;
        if let Some(python) = python.as_deref() {
            eprintln!("[bench] 4. per call vs Python ...");
            python_per_call(&sides, &server, python, plan, &mut rows).await;
        }
    });

    println!();
    println!(
        "kataven {} vs raw reqwest + serde_json{}; {} run, {:.0} s; {} cores",
        env!("CARGO_PKG_VERSION"),
        if python.is_some() {
            " and Python httpx"
        } else {
            ""
        },
        if quick { "quick" } else { "full" },
        started.elapsed().as_secs_f64(),
        std::thread::available_parallelism()
            .map(|n| n.get())
            .unwrap_or(0),
    );
    // The load beside the run: wall-clock ratios on a shared machine move
    // with it (the instruction counts of `--count` do not).
    let load = std::fs::read_to_string("/proc/loadavg").unwrap_or_default();
    println!(
        "load average (1, 5, 15 min) at the end: {}",
        load.split_whitespace()
            .take(3)
            .collect::<Vec<_>>()
            .join(" ")
    );
    println!();
    println!("| benchmark | SDK | raw | SDK / raw | target | verdict |");
    println!("|---|---:|---:|---:|---|---|");
    for row in &rows {
        println!(
            "| {} | {} | {} | {:.3} | {} | {} |",
            row.what,
            row.sdk,
            row.raw,
            row.ratio,
            row.target,
            row.verdict()
        );
    }
    if python.is_none() {
        println!();
        println!(
            "(Python skipped: run scripts/bench.sh, or pass --python PATH / set KATAVEN_BENCH_PYTHON)"
        );
    }
}
