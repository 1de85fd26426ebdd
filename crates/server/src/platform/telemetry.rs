use tracing_subscriber::EnvFilter;

/// Logs to stderr; `RUST_LOG` filters, `MOMENTS_LOG_FORMAT=json` gives one JSON object per line.
pub fn init() {
    let filter = EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| EnvFilter::new("info,sqlx=warn,sqlx::postgres::notice=error,tower_http=info"));
    // Colours only for a person at a terminal, not in log files and collectors.
    let colour = std::io::IsTerminal::is_terminal(&std::io::stderr());
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_ansi(colour);
    let _ = if std::env::var("MOMENTS_LOG_FORMAT").as_deref() == Ok("json") {
        builder.json().try_init()
    } else {
        builder.try_init()
    };
}
