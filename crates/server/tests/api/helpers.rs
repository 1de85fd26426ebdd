use moments_server::config::{Settings, TokenSecret};
use moments_server::features::member_token::{self, MemberClaims};
use moments_server::startup::Application;
use serde_json::{Value, json};
use sqlx::{AnyConnection, AnyPool, Connection, Executor};
use tempfile::TempDir;

pub const SITE: &str = "demo";
pub const ORIGIN: &str = "http://localhost:5173";
pub const VISITOR: &str = "visitor-0001";
pub const ADMIN_KEY: &str = "test-admin-key-0123456789abcdef0123456789";
pub const WITH_ADMIN_KEY: &str = "[server]\nadmin_key = \"test-admin-key-0123456789abcdef0123456789\"";

pub struct TestApp {
    pub url: String,
    pub db: AnyPool,
    /// Where its data is: another server started on it behaves as the same one.
    pub database_url: String,
    pub client: reqwest::Client,
    _dir: Option<TempDir>,
    _process: Option<ServerProcess>,
}

/// Whether this run tests the PostgreSQL store (`MOMENTS_TEST_DATABASE=postgres`, set by
/// scripts/test.sh for the suite's second pass) rather than SQLite.
pub fn on_postgres() -> bool {
    std::env::var("MOMENTS_TEST_DATABASE").is_ok_and(|v| v == "postgres")
}

/// A fresh, empty database for one test: a SQLite file in `dir`, or a new database in the
/// cluster `MOMENTS_TEST_POSTGRES_URL` names.
pub async fn fresh_database_url(dir: &std::path::Path) -> String {
    sqlx::any::install_default_drivers();
    if !on_postgres() {
        return format!("sqlite://{}/moments.db", dir.display());
    }
    let cluster = std::env::var("MOMENTS_TEST_POSTGRES_URL")
        .expect("MOMENTS_TEST_POSTGRES_URL names the PostgreSQL cluster to test on");
    let name = format!("moments_test_{}", uuid::Uuid::new_v4().simple());
    let mut admin = AnyConnection::connect(&cluster)
        .await
        .expect("the test cluster answers");
    admin
        .execute(sqlx::AssertSqlSafe(format!("CREATE DATABASE {name}")))
        .await
        .unwrap();
    admin.close().await.unwrap();
    let mut url = reqwest::Url::parse(&cluster).unwrap();
    url.set_path(&name);
    url.to_string()
}

/// Starts the server on port 0 against a fresh database, with the demo site seeded.
pub async fn spawn_app() -> TestApp {
    spawn_app_with("").await
}

pub async fn spawn_app_with(extra_toml: &str) -> TestApp {
    let dir = tempfile::tempdir().unwrap();
    let mut app = spawn_app_on(&fresh_database_url(dir.path()).await, extra_toml).await;
    app._dir = Some(dir);
    app
}

/// A second server process over the database of another: they must behave as one.
pub async fn spawn_app_on(database_url: &str, extra_toml: &str) -> TestApp {
    let mut settings = Settings::from_toml(extra_toml).unwrap();
    settings.server.addr = "127.0.0.1:0".parse().unwrap();
    settings.server.database_url = database_url.to_owned();
    // Tests send many requests from one address and visitor; the rate limit tests opt in.
    settings.server.rate_limit.enabled = extra_toml.contains("[server.rate_limit]");
    let app = Application::build(settings, moments_server::features::demo::Mode::Site)
        .await
        .unwrap();
    let url = app.public_url().to_owned();
    tokio::spawn(app.run_until_stopped());
    let db = AnyPool::connect(database_url).await.unwrap();
    TestApp {
        url,
        db,
        database_url: database_url.to_owned(),
        client: reqwest::Client::new(),
        _dir: None,
        _process: None,
    }
}

/// Another server process (the built binary) over `app`'s database, for the races that must
/// come out the same with many servers: each keeps its own memory, only the database is shared.
pub async fn spawn_second_process(app: &TestApp, extra_toml: &str) -> TestApp {
    let process = start_process_on(&app.database_url, extra_toml).await;
    let db = AnyPool::connect(&app.database_url).await.unwrap();
    TestApp {
        url: process.url.clone(),
        db,
        database_url: app.database_url.clone(),
        client: reqwest::Client::new(),
        _dir: None,
        _process: Some(process),
    }
}

/// A real second server process (the built binary) over the database of another.
pub struct ServerProcess {
    pub url: String,
    child: std::process::Child,
    /// What it logged to stderr so far, a line each.
    pub log: std::sync::Arc<std::sync::Mutex<Vec<String>>>,
    _dir: TempDir,
}

impl ServerProcess {
    /// Sends `signal` (`TERM`, `KILL`, ...) as an operator or an orchestrator would.
    pub fn signal(&self, signal: &str) {
        let sent = std::process::Command::new("kill")
            .args([&format!("-{signal}"), &self.child.id().to_string()])
            .status()
            .unwrap();
        assert!(sent.success());
    }

    /// Waits for the process to end, at most `limit`; its exit status, if it ended.
    pub fn wait_for_exit(&mut self, limit: std::time::Duration) -> Option<std::process::ExitStatus> {
        let end = std::time::Instant::now() + limit;
        while std::time::Instant::now() < end {
            if let Ok(Some(status)) = self.child.try_wait() {
                return Some(status);
            }
            std::thread::sleep(std::time::Duration::from_millis(20));
        }
        None
    }
}

impl Drop for ServerProcess {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// `spawn_process_on` off the test's runtime: waiting for the process to start must not stop
/// this process's own server (its background tasks may hold the database's write lock).
pub async fn start_process_on(database_url: &str, extra_toml: &str) -> ServerProcess {
    let (url, extra) = (database_url.to_owned(), extra_toml.to_owned());
    tokio::task::spawn_blocking(move || spawn_process_on(&url, &extra))
        .await
        .unwrap()
}

/// Starts the built binary over `database_url`, blocking the thread until it listens (from
/// a thread of its own; a test awaits `start_process_on`).
pub fn spawn_process_on(database_url: &str, extra_toml: &str) -> ServerProcess {
    use std::io::BufRead;
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("moments.toml");
    // The extra TOML may open its own [server] table: the address and database go in it.
    let extra = if extra_toml.contains("[server]") {
        extra_toml.to_owned()
    } else {
        format!("[server]\n{extra_toml}")
    };
    let server = format!("[server]\naddr = \"127.0.0.1:0\"\ndatabase_url = \"{database_url}\"\n");
    std::fs::write(&config, extra.replacen("[server]\n", &server, 1)).unwrap();
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_moments-server"))
        .args(["--config", config.to_str().unwrap(), "--demo", "--no-demo-history"])
        .env("MOMENTS_RATE_LIMIT", "off")
        .env("MOMENTS_LOG_FORMAT", "json")
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let log = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
    let (stderr, kept) = (child.stderr.take().unwrap(), log.clone());
    std::thread::spawn(move || {
        std::io::BufReader::new(stderr)
            .lines()
            .map_while(Result::ok)
            .for_each(|line| kept.lock().unwrap().push(line))
    });
    let mut lines = std::io::BufReader::new(child.stdout.take().unwrap()).lines();
    let url = lines
        .by_ref()
        .map_while(Result::ok)
        .find_map(|line| line.strip_prefix("Moments is running at ").map(str::to_owned))
        .unwrap_or_else(|| {
            std::thread::sleep(std::time::Duration::from_millis(200));
            panic!("the second server process did not start: {:?}", log.lock().unwrap())
        });
    // Keep reading: a closed pipe would fail the server's next print.
    std::thread::spawn(move || lines.for_each(drop));
    ServerProcess {
        url,
        child,
        log,
        _dir: dir,
    }
}

impl TestApp {
    pub async fn post(&self, path: &str, body: &Value) -> reqwest::Response {
        self.client
            .post(format!("{}{path}", self.url))
            .header("origin", ORIGIN)
            .json(body)
            .send()
            .await
            .unwrap()
    }

    pub async fn start_session(&self, extra: Value) -> reqwest::Response {
        let mut body = json!({ "site": SITE, "visitor_id": VISITOR });
        for (k, v) in extra.as_object().unwrap() {
            body[k] = v.clone();
        }
        self.post("/v1/session", &body).await
    }

    /// An admin request as a host's backend makes it: no Origin, the admin key as a bearer token.
    pub fn admin(&self, method: reqwest::Method, path: &str) -> reqwest::RequestBuilder {
        self.client
            .request(method, format!("{}/v1/admin/sites/{path}", self.url))
            .bearer_auth(ADMIN_KEY)
    }

    /// An admin GET that must succeed, and the JSON it answered.
    pub async fn admin_json(&self, path: &str) -> Value {
        let response = self.admin(reqwest::Method::GET, path).send().await.unwrap();
        let status = response.status();
        let body: Value = response.json().await.unwrap();
        assert_eq!(status, 200, "GET {path}: {body}");
        body
    }

    pub async fn award(&self, member: &str, delta: Value, reason: &str, key: &str) -> reqwest::Response {
        self.award_on(SITE, member, delta, reason, key).await
    }

    pub async fn award_on(&self, site: &str, member: &str, delta: Value, reason: &str, key: &str) -> reqwest::Response {
        self.admin(reqwest::Method::POST, &format!("{site}/members/{member}/points"))
            .json(&json!({ "delta": delta, "reason": reason, "idempotency_key": key }))
            .send()
            .await
            .unwrap()
    }

    pub async fn account(&self, member: &str) -> Value {
        self.admin_json(&format!("{SITE}/members/{member}")).await
    }

    pub async fn member_session(&self, member: &str) -> Value {
        let response = self
            .start_session(json!({ "member_token": token_for(member, None) }))
            .await;
        assert_eq!(response.status(), 200);
        response.json().await.unwrap()
    }

    pub async fn session_id(&self) -> String {
        let response: Value = self.start_session(json!({})).await.json().await.unwrap();
        response["session_id"].as_str().unwrap().to_owned()
    }

    /// The server's process, when it is one (`spawn_second_process`): to signal it.
    pub fn process(&self) -> Option<&ServerProcess> {
        self._process.as_ref()
    }

    pub async fn count(&self, sql: &str) -> i64 {
        sqlx::query_scalar(sqlx::AssertSqlSafe(sql.to_owned()))
            .fetch_one(&self.db)
            .await
            .unwrap()
    }
}

/// Wall-clock milliseconds, the unit of every time column.
pub fn now_ms() -> i64 {
    now() * 1000
}

pub fn now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs() as i64
}

pub fn demo_secret() -> TokenSecret {
    TokenSecret {
        kid: "demo".into(),
        secret: "demo-secret-not-for-real-visitors".into(),
    }
}

pub fn token_for(member: &str, name: Option<&str>) -> String {
    let claims = MemberClaims {
        sub: member.into(),
        name: name.map(Into::into),
        locale: None,
        birthday: None,
    };
    member_token::mint(&claims, SITE, &demo_secret(), now(), now() + 600)
}

/// Asserts the error shape every route must use and returns the code.
pub async fn error_code(response: reqwest::Response, status: u16) -> String {
    assert_eq!(response.status().as_u16(), status);
    let body: Value = response.json().await.expect("errors are JSON");
    assert!(
        body["error"]["message"].as_str().is_some_and(|m| !m.is_empty()),
        "{body}"
    );
    body["error"]["code"].as_str().unwrap().to_owned()
}

/// A ledger entry made at `at`, as history would have left it: the ledger takes appends only,
/// so a test writes the past instead of editing the present.
pub async fn past_ledger_entry(app: &TestApp, member: &str, delta: i64, key: &str, at: i64) {
    sqlx::query(
        "INSERT INTO points_ledger (site, member_id, delta, reason, idempotency_key, created_at, balance_after)
         VALUES ('demo', $1, $2, 'Order', $3, $4, (SELECT COALESCE(SUM(delta), 0) FROM points_ledger WHERE site = 'demo' AND member_id = $1) + $2)",
    )
    .bind(member)
    .bind(delta)
    .bind(key)
    .bind(at)
    .execute(&app.db)
    .await
    .unwrap();
    recount_since(app, at).await;
}

/// Rows written by hand with a time the rollups may have folded already: the fold counts the
/// site's days from `at`'s on again (as `--rebuild-rollups` does for an operator).
pub async fn recount_since(app: &TestApp, at: i64) {
    moments_server::features::rollups::start_over(&app.db, "demo", at.div_euclid(86_400_000))
        .await
        .unwrap();
}

/// GET `path` of the dashboard, signed in with the admin key (the app needs one).
pub async fn dashboard(app: &TestApp, path: &str) -> reqwest::Response {
    let client = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let signed_in = client
        .post(format!("{}/dashboard/login", app.url))
        .form(&[("name", ""), ("password", ADMIN_KEY), ("next", "/dashboard/demo")])
        .send()
        .await
        .unwrap();
    let cookie = signed_in.headers()["set-cookie"]
        .to_str()
        .unwrap()
        .split(';')
        .next()
        .unwrap()
        .to_owned();
    client
        .get(format!("{}{path}", app.url))
        .header("cookie", cookie)
        .send()
        .await
        .unwrap()
}

/// The dashboard page at `path`, as text.
pub async fn page(app: &TestApp, path: &str) -> String {
    dashboard(app, path).await.text().await.unwrap()
}
