//! A bounded load test against the mock Hub with random faults: every list
//! succeeds through retries, the number of keys the Hub created equals the
//! number of creates that succeeded (no duplicate, none missing), and open
//! file descriptors return to where they started.
//!
//! Ignored by default; run it with
//! `cargo test --release --test load -- --ignored --nocapture`
//! (`KATAVEN_LOAD_CALLS` sets the number of calls, default 20000; CI runs a
//! short form).

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use kataven::mock::{Fault, MockHub};

const CONCURRENCY: usize = 64;

fn open_fds() -> usize {
    std::fs::read_dir("/proc/self/fd")
        .map(|d| d.count())
        .unwrap_or(0)
}

#[test]
#[ignore = "load test: run with --ignored (CI runs a short form)"]
fn calls_under_random_faults_lose_nothing_and_duplicate_nothing() {
    let calls: usize = std::env::var("KATAVEN_LOAD_CALLS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(20_000);
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    let fds_before = open_fds();

    let (report, created_by_hub, succeeded_creates) = runtime.block_on(async {
        let hub = MockHub::start().await;
        // 2% of requests answer 503 or 429 (Retry-After: 0).
        hub.inject_randomly(0.02, [Fault::status(503), Fault::rate_limited(Duration::ZERO)]);
        let client = kataven::Client::builder()
            .api_key(hub.api_key())
            .base_url(hub.base_url())
            .max_retries(5)
            .backoff(std::time::Duration::from_millis(5), std::time::Duration::from_millis(160))
            .build()
            .unwrap();

        let next = Arc::new(AtomicUsize::new(0));
        let lists_ok = Arc::new(AtomicUsize::new(0));
        let creates_ok = Arc::new(AtomicUsize::new(0));
        let creates_failed = Arc::new(AtomicUsize::new(0));
        let failures = Arc::new(std::sync::Mutex::new(Vec::new()));
        let started = Instant::now();
        let mut tasks = Vec::new();
        for _ in 0..CONCURRENCY {
            let (client, next, lists_ok, creates_ok, creates_failed, failures) = (
                client.clone(),
                next.clone(),
                lists_ok.clone(),
                creates_ok.clone(),
                creates_failed.clone(),
                failures.clone(),
            );
            tasks.push(tokio::spawn(async move {
                loop {
                    let i = next.fetch_add(1, Ordering::Relaxed);
                    if i >= calls {
                        break;
                    }
                    // One call in ten creates a key; the rest list.
                    if i % 10 == 0 {
                        match client.widget_keys().create(format!("load {i}")).await {
                            Ok(_) => creates_ok.fetch_add(1, Ordering::Relaxed),
                            // A 503 on a create is not retried: the write may have happened.
                            Err(err) if err.status() == Some(503) => creates_failed.fetch_add(1, Ordering::Relaxed),
                            Err(err) => {
                                failures.lock().unwrap().push(format!("create: {err}"));
                                0
                            }
                        };
                    } else {
                        match client.widget_keys().list().await {
                            Ok(_) => lists_ok.fetch_add(1, Ordering::Relaxed),
                            Err(err) => {
                                failures.lock().unwrap().push(format!("list: {err}"));
                                0
                            }
                        };
                    }
                }
            }));
        }
        for task in tasks {
            task.await.unwrap();
        }
        let elapsed = started.elapsed();
        let failures = failures.lock().unwrap().clone();
        assert!(failures.is_empty(), "{} calls failed, e.g. {:?}", failures.len(), &failures[..failures.len().min(5)]);
        let lists = lists_ok.load(Ordering::Relaxed);
        let creates = creates_ok.load(Ordering::Relaxed);
        let requests = hub.requests().len();
        let report = format!(
            "{calls} calls ({lists} lists, {creates} creates ok, {} creates refused by an injected 503) \
             at {CONCURRENCY} tasks in {elapsed:?}: {:.0} calls/s, {requests} requests ({} retries)",
            creates_failed.load(Ordering::Relaxed),
            calls as f64 / elapsed.as_secs_f64(),
            requests - calls,
        );
        assert_eq!(lists, calls - calls.div_ceil(10), "every list succeeds through retries");
        (report, hub.widget_keys().issued().len(), creates)
    });
    assert_eq!(
        created_by_hub, succeeded_creates,
        "keys created by the Hub vs creates that succeeded"
    );
    drop(runtime);

    // Connections close when the client, the Hub and the runtime are gone.
    let deadline = Instant::now() + Duration::from_secs(5);
    while open_fds() > fds_before && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(50));
    }
    let fds_after = open_fds();
    println!("{report}; file descriptors {fds_before} before, {fds_after} after");
    assert!(
        fds_after <= fds_before,
        "file descriptors leaked: {fds_before} before, {fds_after} after"
    );
}
