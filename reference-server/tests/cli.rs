//! Tests of the `gatecheck-server` binary: account administration and `serve` start-up/shutdown.

use std::io::{BufRead, BufReader, Read, Write};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Duration;

use gatecheck_server::store::{ScramHash, SqliteStore, Store};

const BIN: &str = env!("CARGO_BIN_EXE_gatecheck-server");

fn tempdir(tag: &str) -> PathBuf {
    let mut rnd = [0u8; 8];
    getrandom::fill(&mut rnd).unwrap();
    let d = std::env::temp_dir().join(format!("gatecheck-cli-{tag}-{}", u64::from_le_bytes(rnd)));
    std::fs::create_dir_all(&d).unwrap();
    d
}

fn run(args: &[&str], data: &Path, stdin: Option<&str>) -> std::process::Output {
    let mut child = Command::new(BIN)
        .args(args)
        .arg("--data")
        .arg(data)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    if let Some(s) = stdin {
        child.stdin.take().unwrap().write_all(s.as_bytes()).unwrap();
    }
    drop(child.stdin.take());
    child.wait_with_output().unwrap()
}

/// Every file in the data directory (database, WAL, shared memory), concatenated.
fn all_bytes(dir: &Path) -> Vec<u8> {
    let mut out = Vec::new();
    for e in std::fs::read_dir(dir).unwrap() {
        out.extend(std::fs::read(e.unwrap().path()).unwrap());
    }
    out
}

fn contains(hay: &[u8], needle: &[u8]) -> bool {
    hay.windows(needle.len()).any(|w| w == needle)
}

#[test]
fn user_add_passwd_del_store_credentials_never_passwords() {
    let dir = tempdir("user");
    let pw = "correct-horse-battery-staple";
    let out = run(
        &["user", "add", "Alice@localhost", "--password", pw],
        &dir,
        None,
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );

    let store = SqliteStore::open_in_dir(&dir).unwrap();
    let acc = store.get_account("alice").unwrap().expect("account exists");
    let hashes: Vec<_> = acc.credentials.iter().map(|c| c.hash).collect();
    assert_eq!(hashes, ScramHash::ALL.to_vec());
    assert!(
        acc.credentials
            .iter()
            .all(|c| c.iterations == 4096 && c.salt.len() == 16)
    );
    drop(store);
    assert!(
        !contains(&all_bytes(&dir), pw.as_bytes()),
        "password found in the data directory"
    );

    let dup = run(&["user", "add", "alice", "--password", pw], &dir, None);
    assert!(!dup.status.success());

    // Password from stdin; the credentials change.
    let pw2 = "another-secret-from-stdin";
    let out = run(
        &["user", "passwd", "alice"],
        &dir,
        Some(&format!("{pw2}\n")),
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let after = SqliteStore::open_in_dir(&dir)
        .unwrap()
        .get_account("alice")
        .unwrap()
        .unwrap();
    assert_ne!(after.credentials, acc.credentials);
    assert!(!contains(&all_bytes(&dir), pw2.as_bytes()));

    let wrong_domain = run(&["user", "del", "alice@example.org"], &dir, None);
    assert!(!wrong_domain.status.success());
    let out = run(&["user", "del", "alice"], &dir, None);
    assert!(out.status.success());
    assert!(
        SqliteStore::open_in_dir(&dir)
            .unwrap()
            .get_account("alice")
            .unwrap()
            .is_none()
    );
    assert!(!run(&["user", "del", "alice"], &dir, None).status.success());
    std::fs::remove_dir_all(dir).unwrap();
}

#[test]
fn serve_prints_addresses_accepts_admin_writes_and_exits_on_sigterm() {
    let dir = tempdir("serve");
    let mut child = Command::new(BIN)
        .args([
            "serve",
            "--c2s",
            "127.0.0.1:0",
            "--c2s-tls",
            "127.0.0.1:0",
            "--http",
            "127.0.0.1:0",
            "--domain",
            "example.test",
        ])
        .arg("--data")
        .arg(&dir)
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut stdout = BufReader::new(child.stdout.take().unwrap());
    let mut line = String::new();
    stdout.read_line(&mut line).unwrap();
    let v: serde_json::Value = serde_json::from_str(&line).expect("one JSON line");
    assert_eq!(v["domain"], "example.test");
    let c2s: std::net::SocketAddr = v["c2s"].as_str().unwrap().parse().unwrap();
    assert_ne!(c2s.port(), 0);
    assert!(v["c2s_tls"].as_str().unwrap().starts_with("127.0.0.1:"));
    // The OAuth2 HTTPS listener and its issuer (the bound port, the XMPP domain).
    let http: std::net::SocketAddr = v["http"].as_str().unwrap().parse().unwrap();
    assert_ne!(http.port(), 0);
    assert_eq!(
        v["oauth2_issuer"],
        format!("https://example.test:{}", http.port())
    );

    // The admin CLI writes to the database while the server holds it open.
    let out = run(
        &[
            "user",
            "add",
            "bob@example.test",
            "--password",
            "pw-while-serving",
            "--domain",
            "example.test",
        ],
        &dir,
        None,
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );

    // The default core speaks XMPP: features with STARTTLS, and it closes when we close.
    let mut tcp = std::net::TcpStream::connect(c2s).unwrap();
    tcp.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
    tcp.write_all(
        format!(
            "<?xml version='1.0'?><stream:stream xmlns='{}' xmlns:stream='{}' \
             to='example.test' version='1.0'></stream:stream>",
            gatecheck_proto::ns::CLIENT,
            gatecheck_proto::ns::STREAMS
        )
        .as_bytes(),
    )
    .unwrap();
    let mut reply = String::new();
    tcp.read_to_string(&mut reply).unwrap();
    assert!(
        reply.contains(&format!("<starttls xmlns='{}'>", gatecheck_proto::ns::TLS)),
        "{reply}"
    );
    assert!(reply.ends_with("</stream:stream>"), "{reply}");

    let status = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(status.success());
    let mut waited = 0;
    let code = loop {
        if let Some(s) = child.try_wait().unwrap() {
            break s;
        }
        assert!(waited < 100, "server did not exit after SIGTERM");
        std::thread::sleep(Duration::from_millis(100));
        waited += 1;
    };
    assert!(code.success(), "{code:?}");
    let mut rest = String::new();
    stdout.read_to_string(&mut rest).unwrap();
    assert!(rest.is_empty(), "exactly one line on stdout, then: {rest}");
    std::fs::remove_dir_all(dir).unwrap();
}

#[test]
fn unknown_config_key_is_reported() {
    let dir = tempdir("cfg");
    let cfg = dir.join("bad.toml");
    std::fs::write(&cfg, "c2s_require_encryptoin = false\n").unwrap();
    let out = run(
        &["user", "del", "x", "--config", cfg.to_str().unwrap()],
        &dir,
        None,
    );
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("c2s_require_encryptoin"));
    std::fs::remove_dir_all(dir).unwrap();
}

#[test]
fn user_passwd_revokes_fast_tokens() {
    use gatecheck_server::store::FastToken;
    let dir = tempdir("passwd-fast");
    let out = run(&["user", "add", "alice", "--password", "one"], &dir, None);
    assert!(out.status.success());
    let token = FastToken {
        mechanism: "HT-SHA-256-NONE".into(),
        sealed: vec![0; 60],
        issued_at: 1,
        expires_at: u64::from(u32::MAX),
        last_count: None,
        credential_tag: vec![0; 16],
    };
    {
        let store = SqliteStore::open_in_dir(&dir).unwrap();
        for client in ["ua-1", "ua-2"] {
            store
                .fast_update("alice", client, &mut |s| s.current = Some(token.clone()))
                .unwrap();
        }
    }
    let out = run(
        &["user", "passwd", "alice", "--password", "two"],
        &dir,
        None,
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(String::from_utf8_lossy(&out.stderr).contains("2 FAST tokens revoked"));
    let store = SqliteStore::open_in_dir(&dir).unwrap();
    for client in ["ua-1", "ua-2"] {
        store
            .fast_update("alice", client, &mut |s| assert!(s.is_empty()))
            .unwrap();
    }
    std::fs::remove_dir_all(dir).unwrap();
}

/// `modules_disabled` naming a module the server does not have stops `serve` at start, naming it
/// (a misspelt module must not be left running unnoticed).
#[test]
fn unknown_disabled_module_stops_serve() {
    let dir = tempdir("modoff");
    let cfg = dir.join("off.toml");
    std::fs::write(
        &cfg,
        "modules_disabled = [\"sasl3\"]\nc2s_address = \"127.0.0.1:0\"\nc2s_tls_address = \"127.0.0.1:0\"\n",
    )
    .unwrap();
    let mut child = Command::new(BIN)
        .args(["serve", "--config", cfg.to_str().unwrap(), "--data"])
        .arg(&dir)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    // A server that starts anyway would run until killed: give it 10 s, then fail the test.
    let deadline = std::time::Instant::now() + Duration::from_secs(10);
    let status = loop {
        if let Some(s) = child.try_wait().unwrap() {
            break s;
        }
        if std::time::Instant::now() > deadline {
            let _ = child.kill();
            panic!("serve started despite an unknown module in modules_disabled");
        }
        std::thread::sleep(Duration::from_millis(50));
    };
    assert!(!status.success());
    let mut err = String::new();
    child
        .stderr
        .take()
        .unwrap()
        .read_to_string(&mut err)
        .unwrap();
    assert!(
        err.contains("modules_disabled") && err.contains("sasl3"),
        "{err}"
    );
    std::fs::remove_dir_all(dir).unwrap();
}

#[test]
fn invite_create_prints_one_uri_per_kind_and_stores_only_the_hash() {
    use gatecheck_proto::uri::{InviteKind, InviteUri};
    let dir = tempdir("invite");
    let ok = |args: &[&str]| {
        let out = run(args, &dir, None);
        assert!(
            out.status.success(),
            "{args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        let stdout = String::from_utf8(out.stdout).unwrap();
        assert_eq!(stdout.lines().count(), 1, "exactly one line: {stdout:?}");
        InviteUri::parse(stdout.trim_end()).unwrap()
    };
    assert!(
        run(&["user", "add", "alice", "--password", "pw"], &dir, None)
            .status
            .success()
    );

    let account = ok(&["invite", "create"]);
    assert_eq!(account.kind, InviteKind::Register);
    assert_eq!(account.jid.to_string(), "localhost");
    assert!(account.preauth.len() >= 22);
    assert!(
        account
            .preauth
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
    );
    let bound = ok(&["invite", "create", "--username", "Bob", "--ttl", "60"]);
    assert_eq!(bound.jid.to_string(), "bob@localhost");
    let reset = ok(&["invite", "create", "--reset", "alice@localhost"]);
    assert_eq!(
        (reset.kind, reset.jid.to_string()),
        (InviteKind::Register, "alice@localhost".to_owned())
    );
    let contact = ok(&["invite", "create", "--contact-of", "alice@localhost"]);
    assert_eq!(contact.kind, InviteKind::Roster);
    assert_eq!(contact.jid.to_string(), "alice@localhost");
    assert!(contact.ibr, "a CLI-made contact invite allows registration");
    assert_ne!(account.preauth, bound.preauth);

    // Refused: unknown account, conflicting options, another domain.
    for bad in [
        &["invite", "create", "--reset", "nobody"][..],
        &["invite", "create", "--contact-of", "nobody@localhost"],
        &[
            "invite",
            "create",
            "--reset",
            "alice",
            "--contact-of",
            "alice",
        ],
        &["invite", "create", "--username", "a@elsewhere"],
        &["invite", "create", "--ttl", "0"],
    ] {
        let out = run(bad, &dir, None);
        assert!(!out.status.success(), "{bad:?}");
        assert!(out.stdout.is_empty(), "{bad:?}");
    }
    // Only SHA-256 of each token is stored.
    assert!(!contains(&all_bytes(&dir), account.preauth.as_bytes()));
    let store = SqliteStore::open_in_dir(&dir).unwrap();
    let hash = gatecheck_server::invites::token_hash(&contact.preauth);
    let stored = store.invite_get(&hash).unwrap().expect("stored by hash");
    assert_eq!(stored.subscribe_to.as_deref(), Some("alice"));
    assert!(stored.used_at.is_none());
    std::fs::remove_dir_all(dir).unwrap();
}
