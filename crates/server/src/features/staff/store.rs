//! Staff members and their roles in the database.

use sqlx::{AnyConnection, AnyExecutor};

use super::Role;

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct Member {
    pub id: i64,
    pub login: String,
    pub password_hash: Option<String>,
    pub invite_expires_at: Option<i64>,
    /// Set for people who sign in through the identity provider.
    pub sso_subject: Option<String>,
}

/// A member's role on one site.
#[derive(Debug, Clone)]
pub struct SiteRole {
    pub site: String,
    pub role: Role,
}

/// Someone on a site's staff, as its Staff page lists them.
#[derive(Debug, Clone)]
pub struct Listed {
    pub id: i64,
    pub login: String,
    pub role: Role,
    /// Still to accept the invitation.
    pub invited: bool,
    pub granted_by: String,
}

pub async fn by_login(db: impl AnyExecutor<'_>, login: &str) -> Result<Option<Member>, sqlx::Error> {
    sqlx::query_as(
        "SELECT id, login, password_hash, invite_expires_at, sso_subject FROM staff_members WHERE login = $1",
    )
    .bind(login)
    .fetch_optional(db)
    .await
}

pub async fn by_invite(db: impl AnyExecutor<'_>, invite_hash: &str, now: i64) -> Result<Option<Member>, sqlx::Error> {
    sqlx::query_as(
        "SELECT id, login, password_hash, invite_expires_at, sso_subject FROM staff_members
         WHERE invite_hash = $1 AND invite_expires_at > $2",
    )
    .bind(invite_hash)
    .bind(now)
    .fetch_optional(db)
    .await
}

pub async fn roles(db: impl AnyExecutor<'_>, staff_id: i64) -> Result<Vec<SiteRole>, sqlx::Error> {
    let rows: Vec<(String, String)> =
        sqlx::query_as("SELECT site, role FROM staff_roles WHERE staff_id = $1 ORDER BY site")
            .bind(staff_id)
            .fetch_all(db)
            .await?;
    Ok(rows
        .into_iter()
        .filter_map(|(site, role)| {
            Some(SiteRole {
                site,
                role: Role::parse(&role)?,
            })
        })
        .collect())
}

pub async fn list(db: impl AnyExecutor<'_>, site: &str) -> Result<Vec<Listed>, sqlx::Error> {
    let rows: Vec<(i64, String, String, Option<String>, String)> = sqlx::query_as(
        "SELECT m.id, m.login, r.role, m.password_hash, r.granted_by FROM staff_roles AS r
         JOIN staff_members AS m ON m.id = r.staff_id WHERE r.site = $1 ORDER BY m.login",
    )
    .bind(site)
    .fetch_all(db)
    .await?;
    Ok(rows
        .into_iter()
        .filter_map(|(id, login, role, password, granted_by)| {
            Some(Listed {
                id,
                login,
                role: Role::parse(&role)?,
                invited: password.is_none(),
                granted_by,
            })
        })
        .collect())
}

/// A new person, to accept an invitation (`invite_hash`) before they can sign in.
pub async fn insert_invited(
    tx: &mut AnyConnection,
    login: &str,
    invite_hash: &str,
    expires_at: i64,
    by: &str,
    now: i64,
) -> Result<i64, sqlx::Error> {
    sqlx::query_scalar(
        "INSERT INTO staff_members (login, invite_hash, invite_expires_at, created_at, created_by)
         VALUES ($1, $2, $3, $4, $5) RETURNING id",
    )
    .bind(login)
    .bind(invite_hash)
    .bind(expires_at)
    .bind(now)
    .bind(by)
    .fetch_one(tx)
    .await
}

/// A fresh invitation for someone who has not accepted theirs.
pub async fn renew_invite(
    tx: &mut AnyConnection,
    id: i64,
    invite_hash: &str,
    expires_at: i64,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "UPDATE staff_members SET invite_hash = $1, invite_expires_at = $2 WHERE id = $3 AND password_hash IS NULL",
    )
    .bind(invite_hash)
    .bind(expires_at)
    .bind(id)
    .execute(tx)
    .await?;
    Ok(())
}

/// Sets or changes a member's role on a site.
pub async fn set_role(
    tx: &mut AnyConnection,
    site: &str,
    staff_id: i64,
    role: Role,
    by: &str,
    now: i64,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "INSERT INTO staff_roles (site, staff_id, role, granted_at, granted_by) VALUES ($1, $2, $3, $4, $5)
         ON CONFLICT (site, staff_id) DO UPDATE SET role = excluded.role, granted_at = excluded.granted_at,
             granted_by = excluded.granted_by",
    )
    .bind(site)
    .bind(staff_id)
    .bind(role.name())
    .bind(now)
    .bind(by)
    .execute(tx)
    .await?;
    Ok(())
}

/// Takes someone off a site's staff; a person left with no site goes altogether (their
/// sessions end with them). False when they had no role there.
pub async fn remove(tx: &mut AnyConnection, site: &str, staff_id: i64) -> Result<bool, sqlx::Error> {
    let removed = sqlx::query("DELETE FROM staff_roles WHERE site = $1 AND staff_id = $2")
        .bind(site)
        .bind(staff_id)
        .execute(&mut *tx)
        .await?
        .rows_affected();
    sqlx::query(
        "DELETE FROM staff_members WHERE id = $1 AND NOT EXISTS (SELECT 1 FROM staff_roles WHERE staff_id = $1)",
    )
    .bind(staff_id)
    .execute(&mut *tx)
    .await?;
    Ok(removed == 1)
}

/// The role on `site` of the member `staff_id`.
pub async fn role_on(db: impl AnyExecutor<'_>, site: &str, staff_id: i64) -> Result<Option<Role>, sqlx::Error> {
    let role: Option<String> = sqlx::query_scalar("SELECT role FROM staff_roles WHERE site = $1 AND staff_id = $2")
        .bind(site)
        .bind(staff_id)
        .fetch_optional(db)
        .await?;
    Ok(role.as_deref().and_then(Role::parse))
}

/// The invitation is used: the password is set, the link works no more.
pub async fn accept(db: impl AnyExecutor<'_>, id: i64, password_hash: &str) -> Result<bool, sqlx::Error> {
    let done = sqlx::query(
        "UPDATE staff_members SET password_hash = $1, invite_hash = NULL, invite_expires_at = NULL
         WHERE id = $2 AND password_hash IS NULL",
    )
    .bind(password_hash)
    .bind(id)
    .execute(db)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// Someone the identity provider vouched for: found by login (made if new), their subject noted.
pub async fn upsert_sso(tx: &mut AnyConnection, login: &str, subject: &str, now: i64) -> Result<i64, sqlx::Error> {
    sqlx::query(
        "INSERT INTO staff_members (login, sso_subject, created_at, created_by) VALUES ($1, $2, $3, 'sso')
         ON CONFLICT (login) DO UPDATE SET sso_subject = excluded.sso_subject",
    )
    .bind(login)
    .bind(subject)
    .bind(now)
    .execute(&mut *tx)
    .await?;
    sqlx::query_scalar("SELECT id FROM staff_members WHERE login = $1")
        .bind(login)
        .fetch_one(tx)
        .await
}

/// The roles the provider's claims give, replacing those they gave before (a person taken out
/// of a group loses its role); roles an owner gave by hand stay.
pub async fn replace_sso_roles(
    tx: &mut AnyConnection,
    staff_id: i64,
    roles: &[(String, Role)],
    now: i64,
) -> Result<(), sqlx::Error> {
    sqlx::query("DELETE FROM staff_roles WHERE staff_id = $1 AND granted_by = 'sso'")
        .bind(staff_id)
        .execute(&mut *tx)
        .await?;
    for (site, role) in roles {
        sqlx::query(
            "INSERT INTO staff_roles (site, staff_id, role, granted_at, granted_by) VALUES ($1, $2, $3, $4, 'sso')
             ON CONFLICT (site, staff_id) DO NOTHING",
        )
        .bind(site)
        .bind(staff_id)
        .bind(role.name())
        .bind(now)
        .execute(&mut *tx)
        .await?;
    }
    Ok(())
}
