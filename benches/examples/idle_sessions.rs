//! Load mode, idle sessions: how much memory one idle authenticated session costs the reference
//! server. Starts `gatecheck-server serve` as its own process (so its RSS is the server's alone),
//! logs `SESSIONS` clients in over STARTTLS + SASL2 SCRAM-SHA-256 + Bind 2, leaves them idle, and
//! reports the growth of the server's resident set per session.
//!
//! `cargo build --release -p gatecheck-server && cargo run --release -p gatecheck-benches
//! --example idle_sessions -- [SESSIONS] [SERVER_BINARY]` (defaults: 1000,
//! `target/release/gatecheck-server`). Loopback only; Linux only (reads `/proc/PID/status`).

use std::io::{BufRead, BufReader};
use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use gatecheck_client::{Conn, Connect, build, login};

const DOMAIN: &str = "localhost";
const PASSWORD: &str = "idle-sessions-password";
/// Sessions logged in before the baseline, so pools and caches that grow once are not counted.
const WARM_UP: usize = 20;
/// How long the sessions sit idle before the second reading.
const SETTLE: Duration = Duration::from_secs(12);

fn main() {
    let mut args = std::env::args().skip(1);
    let sessions: usize = args.next().and_then(|n| n.parse().ok()).unwrap_or(1000);
    let binary = args
        .next()
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from("target/release/gatecheck-server"));
    let dir = std::env::temp_dir().join(format!("gatecheck-idle-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temporary directory");
    let config = dir.join("server.toml");
    std::fs::write(
        &config,
        format!(
            "c2s_max_connections = {}\nc2s_max_connections_per_ip = {}\n",
            sessions + WARM_UP + 16,
            sessions + WARM_UP + 16
        ),
    )
    .expect("config file");
    let status = Command::new(&binary)
        .args([
            "user",
            "add",
            "alice",
            "--password",
            PASSWORD,
            "--domain",
            DOMAIN,
        ])
        .arg("--data")
        .arg(&dir)
        .status()
        .expect("run gatecheck-server user add");
    assert!(status.success(), "user add failed");
    let (mut server, addr) = serve(&binary, &config, &dir);
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("tokio runtime");
    let result = runtime.block_on(measure(server.id(), addr, sessions));
    let _ = server.kill();
    let _ = server.wait();
    let _ = std::fs::remove_dir_all(&dir);
    let m = result.expect("measurement");
    println!(
        "{} idle authenticated sessions: server RSS {} KiB -> {} KiB, {:.1} KiB per session \
         (logins took {:.1} s)",
        sessions,
        m.before_kib,
        m.after_kib,
        (m.after_kib.saturating_sub(m.before_kib)) as f64 / sessions as f64,
        m.login_seconds
    );
}

struct Measurement {
    before_kib: u64,
    after_kib: u64,
    login_seconds: f64,
}

fn serve(binary: &PathBuf, config: &PathBuf, dir: &PathBuf) -> (Child, SocketAddr) {
    let mut child = Command::new(binary)
        .args(["serve", "--c2s", "127.0.0.1:0", "--c2s-tls", "127.0.0.1:0"])
        .args(["--domain", DOMAIN, "--config"])
        .arg(config)
        .arg("--data")
        .arg(dir)
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("start gatecheck-server serve");
    let mut line = String::new();
    BufReader::new(child.stdout.take().expect("stdout"))
        .read_line(&mut line)
        .expect("start line");
    let v: serde_json::Value = serde_json::from_str(&line).expect("the start line is JSON");
    let addr = v["c2s"]
        .as_str()
        .and_then(|a| a.parse().ok())
        .expect("c2s address");
    (child, addr)
}

fn rss_kib(pid: u32) -> u64 {
    std::fs::read_to_string(format!("/proc/{pid}/status"))
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmRSS:"))
                .and_then(|l| l.split_whitespace().nth(1))
                .and_then(|n| n.parse().ok())
        })
        .unwrap_or(0)
}

async fn session(addr: SocketAddr, tag: usize) -> Result<Conn, String> {
    let (mut conn, features) = Connect::to(addr)
        .domain(DOMAIN)
        .insecure_tls()
        .session()
        .await
        .map_err(|e| e.to_string())?;
    let bind = build::bind2().tag(&format!("idle{tag}")).into();
    login(&mut conn, &features, "alice", PASSWORD, &[bind])
        .await
        .map_err(|e| e.to_string())?;
    Ok(conn)
}

async fn open(addr: SocketAddr, from: usize, count: usize) -> Result<Vec<Conn>, String> {
    let mut open = Vec::with_capacity(count);
    // A few at a time: the point is the idle cost, not a login storm.
    for chunk in (from..from + count).collect::<Vec<_>>().chunks(16) {
        let logins = chunk.iter().map(|&i| session(addr, i));
        for conn in futures_join_all(logins).await {
            open.push(conn?);
        }
    }
    Ok(open)
}

/// `join_all` without another dependency: the futures are spawned and awaited in order.
async fn futures_join_all<F>(futures: impl Iterator<Item = F>) -> Vec<F::Output>
where
    F: std::future::Future + Send + 'static,
    F::Output: Send + 'static,
{
    let handles: Vec<_> = futures.map(tokio::spawn).collect();
    let mut out = Vec::with_capacity(handles.len());
    for h in handles {
        out.push(h.await.expect("login task"));
    }
    out
}

async fn measure(pid: u32, addr: SocketAddr, sessions: usize) -> Result<Measurement, String> {
    let warm = open(addr, 0, WARM_UP).await?;
    tokio::time::sleep(SETTLE).await;
    let before_kib = rss_kib(pid);
    let started = Instant::now();
    let idle = open(addr, WARM_UP, sessions).await?;
    let login_seconds = started.elapsed().as_secs_f64();
    // Past tokio's 10 s keep-alive of idle blocking-pool threads (the logins ran their PBKDF2
    // there), so what is measured is what the idle sessions hold, not the login burst's threads.
    tokio::time::sleep(SETTLE).await;
    let after_kib = rss_kib(pid);
    drop(idle);
    drop(warm);
    Ok(Measurement {
        before_kib,
        after_kib,
        login_seconds,
    })
}
