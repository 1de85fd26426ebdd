use std::path::PathBuf;

use clap::Parser;
use moments_server::config::Settings;
use moments_server::features::demo;
use moments_server::platform::telemetry;
use moments_server::startup::Application;

/// The Moments reference backend.
#[derive(Parser)]
#[command(version)]
struct Args {
    /// TOML settings file (see moments.example.toml). Without it, built-in defaults.
    #[arg(long)]
    config: Option<PathBuf>,
    /// Add and seed the `demo` site (public token secret: never for real visitors), with 90
    /// days of generated history the first time.
    #[arg(long)]
    demo: bool,
    /// With `--demo`: the site and its two members only, no history (tests start from there).
    #[arg(long, requires = "demo")]
    no_demo_history: bool,
    /// Read a password from standard input and print its argon2 hash for `[[server.staff]]`.
    #[arg(long)]
    hash_password: bool,
    /// Count the rollups again from the raw rows (after a restore, a migration or rows written
    /// by hand), each site's days that retention has not thinned; prints what it did and exits.
    #[arg(long)]
    rebuild_rollups: bool,
    /// Print a new webhook signing secret (`whsec_…`) for `[[sites.webhooks]]`.
    #[arg(long)]
    new_webhook_secret: bool,
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let args = Args::parse();
    if args.new_webhook_secret {
        println!(
            "{}",
            moments_server::features::webhooks::signature::Secret::generate().to_whsec()
        );
        return Ok(());
    }
    if args.hash_password {
        let mut password = String::new();
        std::io::stdin().read_line(&mut password)?;
        let password = password.trim_end_matches(['\r', '\n']);
        let hash = moments_server::features::staff::hash_password(password).map_err(|e| anyhow::anyhow!(e.message))?;
        println!("{hash}");
        return Ok(());
    }
    telemetry::init();
    let settings = Settings::load(args.config.as_deref(), &|name| std::env::var(name).ok())?;
    if args.rebuild_rollups {
        let mut settings = settings;
        if args.demo {
            demo::add_site(&mut settings);
        }
        return moments_server::features::rollups::rebuild_all(&settings).await;
    }
    let serves_pages = settings.server.www_dir.is_some();
    let demo = match (args.demo, args.no_demo_history) {
        (false, _) => demo::Mode::Off,
        (true, true) => demo::Mode::Site,
        (true, false) => demo::Mode::SiteWithHistory,
    };
    let app = Application::build(settings, demo).await?;
    let url = app.public_url().to_owned();
    tracing::info!(%url, "moments-server listening");
    // A closed stdout (a supervisor that stopped reading) must not stop the server.
    let mut banner = format!("Moments is running at {url}\n");
    if serves_pages {
        banner += &format!("  demo shop:      {url}/shop.html\n  support portal: {url}/support.html\n");
    }
    banner += &format!(
        "  dashboard:      {url}/dashboard\n  health:         {url}/healthz\n  protocol:       {url}/openapi.json\n"
    );
    let _ = std::io::Write::write_all(&mut std::io::stdout(), banner.as_bytes());
    app.run_until_stopped().await?;
    Ok(())
}
