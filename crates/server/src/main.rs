use std::path::PathBuf;

use clap::Parser;
use moments_server::configuration::Settings;
use moments_server::startup::Application;
use moments_server::telemetry;

/// The Moments reference backend.
#[derive(Parser)]
#[command(version)]
struct Args {
    /// TOML settings file (see moments.example.toml). Without it, built-in defaults.
    #[arg(long)]
    config: Option<PathBuf>,
    /// Add and seed the `demo` site (public token secret: never for real visitors).
    #[arg(long)]
    demo: bool,
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let args = Args::parse();
    telemetry::init();
    let settings = Settings::load(args.config.as_deref(), &|name| std::env::var(name).ok())?;
    let serves_pages = settings.server.www_dir.is_some();
    let app = Application::build(settings, args.demo).await?;
    let url = app.public_url().to_owned();
    tracing::info!(%url, "moments-server listening");
    // A closed stdout (a supervisor that stopped reading) must not stop the server.
    let mut banner = format!("Moments is running at {url}\n");
    if serves_pages {
        banner += &format!("  demo shop:      {url}/shop.html\n  support portal: {url}/support.html\n");
    }
    banner += &format!("  health:         {url}/healthz\n  protocol:       {url}/openapi.json\n");
    let _ = std::io::Write::write_all(&mut std::io::stdout(), banner.as_bytes());
    app.run_until_stopped().await?;
    Ok(())
}
