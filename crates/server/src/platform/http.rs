//! Requests this server makes to others (webhook endpoints, the identity provider): rustls with
//! the process's crypto provider, redirects never followed (a redirect could lead a request
//! somewhere it was not meant to go), no proxy taken from the environment.

use std::time::Duration;

pub fn outbound(timeout: Duration, user_agent: &'static str) -> reqwest::ClientBuilder {
    // reqwest's rustls uses the process's crypto provider; a second install is refused, harmlessly.
    let _ = rustls::crypto::ring::default_provider().install_default();
    reqwest::Client::builder()
        .timeout(timeout)
        .connect_timeout(timeout.min(Duration::from_secs(5)))
        .redirect(reqwest::redirect::Policy::none())
        .user_agent(user_agent)
        .no_proxy()
}
