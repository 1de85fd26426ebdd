use crate::helpers::*;

#[tokio::test]
async fn pages_are_served_with_the_backend_url_and_a_demo_token() {
    let www = tempfile::tempdir().unwrap();
    std::fs::write(
        www.path().join("shop.html"),
        r#"<moments-widget backend="{{MOMENTS_BACKEND}}" member-token="{{DEMO_MEMBER_TOKEN}}"></moments-widget>"#,
    )
    .unwrap();
    std::fs::write(www.path().join("shop.css"), "body{}").unwrap();
    let app = spawn_app_with(&format!("[server]\nwww_dir = {:?}", www.path())).await;

    let html = app
        .client
        .get(format!("{}/shop.html", app.url))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(html.contains(&format!(r#"backend="{}""#, app.url)), "{html}");
    let token = html.split("member-token=\"").nth(1).unwrap().split('"').next().unwrap();
    let secrets = [demo_secret()];
    let member = moments_server::features::member_token::verify(token, SITE, &secrets, now()).unwrap();
    assert_eq!(member.sub, "alice");

    let css = app.client.get(format!("{}/shop.css", app.url)).send().await.unwrap();
    assert_eq!(css.status(), 200);
    for escape in ["/../Cargo.toml", "/%2e%2e/Cargo.toml", "/missing.html"] {
        let response = app.client.get(format!("{}{escape}", app.url)).send().await.unwrap();
        assert_eq!(error_code(response, 404).await, "not_found", "{escape}");
    }
}
