//! The commands docs/access.md shows run as written, against a real server: each `sh` block
//! with `MOMENTS_ADMIN_KEY` and `MOMENTS_SITE_KEY` set, the address swapped for the server's.

use serde_json::Value;

use crate::helpers::{ADMIN_KEY, WITH_ADMIN_KEY, spawn_app_with};

fn blocks(doc: &str) -> Vec<String> {
    doc.split("```sh\n")
        .skip(1)
        .filter_map(|rest| rest.split("```").next())
        .map(|block| block.trim().to_owned())
        .collect()
}

#[tokio::test]
async fn the_access_guides_commands_run_as_written() {
    let doc = include_str!("../../../../docs/access.md");
    let app = spawn_app_with(WITH_ADMIN_KEY).await;
    let commands = blocks(doc);
    assert_eq!(commands.len(), 3, "a new command in docs/access.md needs a check here");
    // The server runs on this test's runtime: the command must not block it.
    let run = async |command: &str, site_key: &str| {
        let output = tokio::process::Command::new("bash")
            .arg("-c")
            .arg(command.replace("http://localhost:8080", &app.url))
            .env("MOMENTS_ADMIN_KEY", ADMIN_KEY)
            .env("MOMENTS_SITE_KEY", site_key)
            .output()
            .await
            .unwrap();
        assert!(output.status.success(), "{command}: {output:?}");
        serde_json::from_slice::<Value>(&output.stdout).unwrap()
    };
    let made = run(&commands[0], "").await;
    let secret = made["secret"].as_str().unwrap().to_owned();
    let awarded = run(&commands[1], &secret).await;
    assert_eq!(awarded["delta"], 250);
    let trail = run(&commands[2], "").await;
    assert_eq!(trail["items"][0]["actor_name"], "orders backend");
    for scope in moments_server::features::site_keys::Scopes::all().names() {
        assert!(
            doc.contains(&format!("| `{scope}` |")),
            "docs/access.md explains {scope}"
        );
    }
}

#[tokio::test]
async fn the_themes_guides_commands_run_as_written() {
    let doc = include_str!("../../../../docs/themes.md");
    let app = spawn_app_with(WITH_ADMIN_KEY).await;
    let commands = blocks(doc);
    assert_eq!(commands.len(), 2, "a new command in docs/themes.md needs a check here");
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let run = async |command: &str| {
        let output = tokio::process::Command::new("bash")
            .arg("-c")
            .arg(command.replace("http://localhost:8080", &app.url))
            .current_dir(&root)
            .env("MOMENTS_ADMIN_KEY", ADMIN_KEY)
            .output()
            .await
            .unwrap();
        assert!(output.status.success(), "{command}: {output:?}");
        String::from_utf8(output.stdout).unwrap()
    };
    let themes: Value = serde_json::from_str(&run(&commands[0]).await).unwrap();
    assert!(themes["groups"].is_array() && themes["low"].is_array(), "{themes}");
    assert!(run(&commands[1]).await.contains("as the reference writes it"));
}
