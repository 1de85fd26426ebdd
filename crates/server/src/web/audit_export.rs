//! A site's audit trail as CSV, streamed: the admin API's `?format=csv` and the dashboard's
//! Audit page both download this.

use axum::response::Response;

use crate::features::audit::Entry;
use crate::features::audit::store::{self, Filter};
use crate::platform::csv;
use crate::web::csv_download::{self, CHUNK};

/// The filtered trail as CSV, streamed (the dashboard's Audit page downloads the same).
pub fn csv_export(db: sqlx::AnyPool, site: String, filter: Filter) -> Response {
    let columns = [
        "id",
        "at",
        "actor_kind",
        "actor_id",
        "actor_name",
        "action",
        "target_kind",
        "target_id",
        "summary",
        "request_id",
        "client_address",
    ];
    let page = move |before| {
        let (db, site) = (db.clone(), site.clone());
        let filter = Filter {
            before,
            ..filter.clone()
        };
        async move { store::page(&db, &site, &filter, CHUNK).await }
    };
    csv_download::stream("audit.csv", &columns, page, |e: &Entry| e.id, csv_line)
}

fn csv_line(e: &Entry) -> String {
    csv::row(&[
        &e.id.to_string(),
        &e.at.to_string(),
        &e.actor_kind,
        &e.actor_id,
        &e.actor_name,
        &e.action,
        &e.target_kind,
        &e.target_id,
        &e.summary,
        e.request_id.as_deref().unwrap_or(""),
        e.client_address.as_deref().unwrap_or(""),
    ])
}
