//! Sticky assignment: hashed from the visitor id the first time (the protocol crate's
//! GrowthBook-compatible bucketing), then stored, so a visitor keeps their variant and a
//! member keeps the one they saw before signing in, on every device.

use moments_protocol::experiments::{HashVersion, choose_variant, hash};
use sqlx::AnyConnection;

use super::definition::Experiment;

/// Whether `unit` falls in the first `share` of `seed`'s hash range: a holdout decided by the
/// same hashing as variants (GrowthBook's v2), so every server and every visit agree on it.
pub fn in_holdout(seed: &str, unit: &str, share: f64) -> bool {
    share > 0.0 && hash(seed, unit, HashVersion::V2) < share
}

/// The visitor's variant, or `None` when the hash puts them outside the experiment.
pub async fn assign(
    conn: &mut AnyConnection,
    site: &str,
    e: &Experiment,
    visitor: &str,
    member: Option<&str>,
    now: i64,
) -> Result<Option<String>, sqlx::Error> {
    if let Some(member) = member {
        let earlier: Option<String> = sqlx::query_scalar(
            "SELECT variant FROM assignments WHERE site = $1 AND experiment = $2 AND member_id = $3 ORDER BY assigned_at LIMIT 1",
        )
        .bind(site)
        .bind(&e.key)
        .bind(member)
        .fetch_optional(&mut *conn)
        .await?;
        if let Some(variant) = earlier {
            // This browser now shows the member's variant; its exposures count for it.
            sqlx::query(
                "INSERT INTO assignments (site, experiment, visitor_id, member_id, variant, assigned_at) VALUES ($1, $2, $3, $4, $5, $6)
                 ON CONFLICT (site, experiment, visitor_id) DO UPDATE SET member_id = excluded.member_id, variant = excluded.variant",
            )
            .bind(site)
            .bind(&e.key)
            .bind(visitor)
            .bind(member)
            .bind(&variant)
            .bind(now)
            .execute(&mut *conn)
            .await?;
            return Ok(Some(variant));
        }
    }
    let stored: Option<String> =
        sqlx::query_scalar("SELECT variant FROM assignments WHERE site = $1 AND experiment = $2 AND visitor_id = $3")
            .bind(site)
            .bind(&e.key)
            .bind(visitor)
            .fetch_optional(&mut *conn)
            .await?;
    if let Some(variant) = stored {
        if member.is_some() {
            sqlx::query("UPDATE assignments SET member_id = $1 WHERE site = $2 AND experiment = $3 AND visitor_id = $4 AND member_id IS NULL")
                .bind(member)
                .bind(site)
                .bind(&e.key)
                .bind(visitor)
                .execute(&mut *conn)
                .await?;
        }
        return Ok(Some(variant));
    }
    let Some(index) = choose_variant(hash(&e.seed, visitor, HashVersion::V2), &e.ranges()) else {
        return Ok(None);
    };
    // Another request may have assigned this visitor meanwhile: the stored row wins.
    let variant: String = sqlx::query_scalar(
        "INSERT INTO assignments (site, experiment, visitor_id, member_id, variant, assigned_at) VALUES ($1, $2, $3, $4, $5, $6)
         ON CONFLICT (site, experiment, visitor_id) DO UPDATE SET variant = assignments.variant RETURNING variant",
    )
    .bind(site)
    .bind(&e.key)
    .bind(visitor)
    .bind(member)
    .bind(&e.variants[index].key)
    .bind(now)
    .fetch_one(&mut *conn)
    .await?;
    Ok(Some(variant))
}

/// Records that the visitor saw their variant: once per visitor and experiment. Refused
/// when the visitor has no such assignment (the browser does not choose its variant).
#[allow(clippy::too_many_arguments)] // one row's columns, each named at the call
pub async fn expose(
    tx: &mut AnyConnection,
    site: &str,
    experiment: &str,
    variant: &str,
    visitor: &str,
    member: Option<&str>,
    session: &str,
    now: i64,
) -> Result<Result<bool, moments_protocol::InvalidInput>, sqlx::Error> {
    let assigned: Option<String> =
        sqlx::query_scalar("SELECT variant FROM assignments WHERE site = $1 AND experiment = $2 AND visitor_id = $3")
            .bind(site)
            .bind(experiment)
            .bind(visitor)
            .fetch_optional(&mut *tx)
            .await?;
    match assigned {
        None => {
            return Ok(Err(moments_protocol::InvalidInput::new(
                "unknown_assignment",
                "this visitor has no variant of that experiment",
            )));
        }
        Some(v) if v != variant => {
            return Ok(Err(moments_protocol::InvalidInput::new(
                "variant_mismatch",
                "that is not this visitor's variant",
            )));
        }
        Some(_) => {}
    }
    let inserted = sqlx::query(
        "INSERT INTO exposures (site, experiment, visitor_id, variant, member_id, session_id, exposed_at) VALUES ($1, $2, $3, $4, $5, $6, $7)
         ON CONFLICT DO NOTHING",
    )
    .bind(site)
    .bind(experiment)
    .bind(visitor)
    .bind(variant)
    .bind(member)
    .bind(session)
    .bind(now)
    .execute(&mut *tx)
    .await?;
    Ok(Ok(inserted.rows_affected() == 1))
}
