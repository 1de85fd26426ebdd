//! The floor the benchmark compares Moments with: the smallest axum app, answering any
//! request with the body it was sent, on the same machine, under the same load tool and body.
//! `cargo run -p moments-server --profile server --example floor -- 127.0.0.1:18081`.

use axum::Router;
use axum::body::Bytes;

#[tokio::main]
async fn main() -> std::io::Result<()> {
    let addr = std::env::args().nth(1).unwrap_or_else(|| "127.0.0.1:18081".into());
    let app = Router::new().fallback(|body: Bytes| async move { body });
    axum::serve(tokio::net::TcpListener::bind(&addr).await?, app).await
}
