//! Headless Chromium for the browser tests (`tests/dashboard.rs`, `tests/monitor.rs`):
//! finding Chromium and chromedriver (or skipping with "SKIPPED" outside CI), running
//! chromedriver in a process group of its own, and opening a WebDriver session.
//!
//! The tests need Debian's `chromium` and `chromium-driver` packages
//! (`apt-get install -y chromium chromium-driver`); `DSTREAM_CHROMIUM` and
//! `DSTREAM_CHROMEDRIVER` override their paths.
#![allow(dead_code)]

use std::io::Write;
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration as StdDuration, Instant};

/// Upper bound of every wait: generous, for a loaded 2-core CI machine.
const WAIT: StdDuration = StdDuration::from_secs(30);

/// A port of 127.0.0.1 that was free a moment ago.
pub fn free_addr() -> String {
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind a free port");
    listener.local_addr().expect("local address").to_string()
}

/// A program the browser test needs: the path from `var`, else `default`, or why it is
/// missing (with installation advice).
fn program(var: &str, default: &str) -> Result<PathBuf, String> {
    let path = std::env::var_os(var).map_or_else(|| PathBuf::from(default), PathBuf::from);
    if path.is_file() {
        return Ok(path);
    }
    Err(format!(
        "the browser test needs `{}` (set {var} to use another path). Install Chromium and its \
         WebDriver with: apt-get update && apt-get install -y chromium chromium-driver",
        path.display()
    ))
}

/// Chromium and chromedriver, or `None` when one is missing outside CI: the test is then
/// skipped with the reason printed. Under CI (`CI=true`) a missing browser fails the test,
/// so that CI never passes without it.
pub fn browser() -> Option<(PathBuf, PathBuf)> {
    let found = program("DSTREAM_CHROMIUM", "/usr/bin/chromium")
        .and_then(|chromium| Ok((chromium, program("DSTREAM_CHROMEDRIVER", "/usr/bin/chromedriver")?)));
    match found {
        Ok(programs) => Some(programs),
        Err(reason) if std::env::var("CI").is_ok_and(|ci| ci == "true") => {
            panic!("{reason} (CI=true: not skipped)")
        }
        Err(reason) => {
            // Past the test harness's capture (which hides what passing tests print).
            let _ = writeln!(std::io::stderr(), "SKIPPED the browser test: {reason}");
            None
        }
    }
}

/// The `target` directory (the parent of this test's temporary directory).
pub fn target_dir() -> PathBuf {
    Path::new(env!("CARGO_TARGET_TMPDIR")).parent().expect("target/tmp has a parent").to_path_buf()
}

/// A `chromedriver` process in a process group of its own, ended with everything it
/// started (the browser) when dropped.
pub struct Chromedriver {
    child: Child,
    addr: SocketAddr,
}

impl Chromedriver {
    pub fn start(program: &Path, log: &Path) -> Chromedriver {
        use std::os::unix::process::CommandExt;
        let addr = free_addr();
        let port = addr.rsplit_once(':').unwrap().1;
        let child = Command::new(program)
            .arg(format!("--port={port}"))
            .arg(format!("--log-path={}", log.display()))
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .process_group(0)
            .spawn()
            .unwrap_or_else(|e| panic!("cannot start {}: {e}", program.display()));
        let driver = Chromedriver { child, addr: addr.parse().unwrap() };
        let deadline = Instant::now() + WAIT;
        while TcpStream::connect(driver.addr).is_err() {
            assert!(
                Instant::now() < deadline,
                "chromedriver did not listen within {WAIT:?}; see {}",
                log.display()
            );
            std::thread::sleep(StdDuration::from_millis(50));
        }
        driver
    }

    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }
}

impl Drop for Chromedriver {
    fn drop(&mut self) {
        // The whole group: chromedriver and any browser it left behind. The `--` matters:
        // procps-ng's kill (4.0.2, Debian 12) misreads `kill -TERM -<pgid>` and signals the
        // wrong target (`-12345` became process group 1 — every process of the machine).
        let _ = Command::new("kill").args(["-TERM", "--", &format!("-{}", self.child.id())]).status();
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A headless Chromium session through `driver`, with its profile and log under `tmp`.
pub async fn session(driver: &Chromedriver, chromium: &Path, tmp: &Path) -> fantoccini::Client {
    let mut capabilities = serde_json::Map::new();
    capabilities.insert("browserName".into(), "chrome".into());
    capabilities.insert(
        "goog:chromeOptions".into(),
        serde_json::json!({
            "binary": chromium,
            "args": [
                "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                "--disable-background-networking", "--disable-component-update", "--disable-sync",
                "--disable-dev-shm-usage", "--window-size=1280,900",
                format!("--user-data-dir={}", tmp.join("profile").display()),
            ],
        }),
    );
    let connector = hyper_util::client::legacy::connect::HttpConnector::new();
    fantoccini::ClientBuilder::new(connector)
        .capabilities(capabilities)
        .connect(&driver.url())
        .await
        .unwrap_or_else(|e| {
            panic!("start a Chromium session: {e}; see {}", tmp.join("chromedriver.log").display())
        })
}

/// Saves a screenshot of the page as `target/<name>` and ends the session.
pub async fn screenshot_and_close(client: fantoccini::Client, name: &str) {
    let screenshot = target_dir().join(name);
    let png = client.screenshot().await.expect("take a screenshot");
    assert!(png.starts_with(b"\x89PNG"), "a PNG");
    std::fs::write(&screenshot, png).expect("save the screenshot");
    client.close().await.expect("end the browser session");
    eprintln!("screenshot: {}", screenshot.display());
}
