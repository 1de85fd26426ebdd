//! Page views in the database. The id is the server's signed one (`session_key`); the row
//! tells who the member was, since a batch of events never says so itself.

use sqlx::AnyExecutor;

pub struct NewSession<'a> {
    pub id: &'a str,
    pub site: &'a str,
    pub visitor_id: &'a str,
    pub member_id: Option<&'a str>,
    pub locale: &'a str,
    pub page_url: Option<&'a str>,
    /// The widget's device id (refer-a-friend knows a referrer's own browsers by it).
    pub device_id: Option<&'a str>,
    pub started_at: i64,
}

pub async fn insert(db: impl AnyExecutor<'_>, session: &NewSession<'_>) -> Result<(), sqlx::Error> {
    sqlx::query("INSERT INTO sessions (id, site, visitor_id, member_id, locale, page_url, started_at, device_id) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)")
        .bind(session.id)
        .bind(session.site)
        .bind(session.visitor_id)
        .bind(session.member_id)
        .bind(session.locale)
        .bind(session.page_url)
        .bind(session.started_at)
        .bind(session.device_id)
        .execute(db)
        .await?;
    Ok(())
}

/// The member a session was started for. `None` also for a session this database does not
/// hold (issued before a restore from backup): its events are kept, anonymously.
pub async fn member_of(db: impl AnyExecutor<'_>, site: &str, session_id: &str) -> Result<Option<String>, sqlx::Error> {
    let member: Option<Option<String>> =
        sqlx::query_scalar("SELECT member_id FROM sessions WHERE site = $1 AND id = $2")
            .bind(site)
            .bind(session_id)
            .fetch_optional(db)
            .await?;
    Ok(member.flatten())
}
