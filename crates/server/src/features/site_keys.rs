//! API keys that reach one site: each names the scopes it may use, its secret (`mk_` and 43
//! characters of randomness) is shown once and kept only hashed, and revoking or expiring it
//! takes effect on every server at once, since each request looks the key up in the database.

pub mod store;

use moments_protocol::error::InvalidInput;

use crate::features::audit::{self, Change, Origin};
use crate::platform::db::Writer;

/// The scopes, each once: the enum, its names, and a marker type per scope for handlers to
/// name the scope they need in their types (`Admin<needs::PointsWrite>`).
macro_rules! scopes {
    ($($scope:ident => $name:literal),* $(,)?) => {
        /// What a site key may do. One operation needs one scope; `/openapi.json` names it.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        pub enum Scope {
            $($scope),*
        }

        impl Scope {
            pub const ALL: [Scope; [$($name),*].len()] = [$(Scope::$scope),*];

            pub fn name(self) -> &'static str {
                match self {
                    $(Scope::$scope => $name),*
                }
            }
        }

        /// One marker type per scope.
        pub mod needs {
            $(
                pub struct $scope;
                impl super::NeedsScope for $scope {
                    const SCOPE: super::Scope = super::Scope::$scope;
                }
            )*
        }
    };
}

scopes!(
    PointsWrite => "points:write",
    EventsWrite => "events:write",
    MembersRead => "members:read",
    MembersErase => "members:erase",
    FeedbackRead => "feedback:read",
    RecoveryWrite => "recovery:write",
    InsightsRead => "insights:read",
    ExperimentsWrite => "experiments:write",
    SurprisesWrite => "surprises:write",
    WebhooksWrite => "webhooks:write",
    KeysWrite => "keys:write",
    AuditRead => "audit:read",
);

/// What an operation needs, as a type.
pub trait NeedsScope {
    const SCOPE: Scope;
}

impl Scope {
    pub fn parse(name: &str) -> Option<Scope> {
        Scope::ALL.into_iter().find(|s| s.name() == name)
    }

    fn bit(self) -> u16 {
        1 << Scope::ALL.iter().position(|s| *s == self).unwrap_or(0)
    }
}

/// A set of scopes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Scopes(u16);

impl Scopes {
    pub fn all() -> Self {
        Scope::ALL.into_iter().collect()
    }

    pub fn contains(self, scope: Scope) -> bool {
        self.0 & scope.bit() != 0
    }

    /// Whether every scope of `other` is in this set.
    pub fn covers(self, other: Scopes) -> bool {
        other.0 & !self.0 == 0
    }

    pub fn names(self) -> Vec<&'static str> {
        Scope::ALL
            .into_iter()
            .filter(|s| self.contains(*s))
            .map(Scope::name)
            .collect()
    }

    /// A list as a request gives it: at least one scope, each one known.
    pub fn parse<S: AsRef<str>>(names: &[S]) -> Result<Self, InvalidInput> {
        if names.is_empty() {
            return Err(InvalidInput::new("scopes_empty", "give at least one scope"));
        }
        names
            .iter()
            .map(|name| {
                Scope::parse(name.as_ref()).ok_or_else(|| {
                    InvalidInput::new(
                        "unknown_scope",
                        format!(
                            "{:?} is not a scope; scopes are {}",
                            name.as_ref(),
                            Scopes::all().names().join(", ")
                        ),
                    )
                })
            })
            .collect()
    }

    /// As stored: space-separated names; an unknown name (from a newer version) is dropped.
    pub fn from_stored(stored: &str) -> Self {
        stored.split_whitespace().filter_map(Scope::parse).collect()
    }

    pub fn to_stored(self) -> String {
        self.names().join(" ")
    }
}

impl FromIterator<Scope> for Scopes {
    fn from_iter<I: IntoIterator<Item = Scope>>(scopes: I) -> Self {
        Scopes(scopes.into_iter().fold(0, |bits, s| bits | s.bit()))
    }
}

pub const SECRET_PREFIX: &str = "mk_";
pub const MAX_NAME_CHARS: usize = 100;
/// Shown in lists so a person can tell keys apart: `mk_` and the secret's next 8 characters.
const SHOWN_CHARS: usize = SECRET_PREFIX.len() + 8;

/// A new key's secret: `mk_` and 32 random bytes, base64url.
pub struct Secret(String);

impl Secret {
    pub fn generate() -> Self {
        use base64::Engine;
        let bytes = crate::platform::random::secret_bytes();
        Self(format!(
            "{SECRET_PREFIX}{}",
            base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
        ))
    }

    pub fn expose(&self) -> &str {
        &self.0
    }

    pub fn shown_prefix(&self) -> &str {
        &self.0[..SHOWN_CHARS]
    }
}

/// What the database keeps of a secret.
pub fn secret_hash(secret: &str) -> String {
    crate::platform::hashed_key::sha256_hex(secret)
}

/// Whether a bearer token is shaped like a site key (else it can only be the admin key).
pub fn looks_like_site_key(token: &str) -> bool {
    token.starts_with(SECRET_PREFIX)
}

/// A name a person can recognise: 1 to 100 characters, no control characters.
pub fn parse_name(name: &str) -> Result<String, InvalidInput> {
    let name = name.trim();
    if name.is_empty() {
        return Err(InvalidInput::new("name_empty", "give the key a name"));
    }
    if name.chars().count() > MAX_NAME_CHARS || name.chars().any(char::is_control) {
        return Err(InvalidInput::new(
            "invalid_name",
            format!("a name is 1 to {MAX_NAME_CHARS} characters, none of them control characters"),
        ));
    }
    Ok(name.to_owned())
}

/// A key as lists show it: never its secret.
#[derive(Debug, Clone, serde::Serialize, utoipa::ToSchema)]
pub struct KeyRecord {
    pub id: i64,
    pub site: String,
    pub name: String,
    /// `mk_` and the secret's first 8 characters.
    pub prefix: String,
    #[schema(value_type = Vec<String>)]
    #[serde(serialize_with = "scope_names")]
    pub scopes: Scopes,
    pub created_at: i64,
    pub created_by: String,
    pub expires_at: Option<i64>,
    pub last_used_at: Option<i64>,
    pub revoked_at: Option<i64>,
    pub revoked_by: Option<String>,
}

fn scope_names<S: serde::Serializer>(scopes: &Scopes, serializer: S) -> Result<S::Ok, S::Error> {
    serializer.collect_seq(scopes.names())
}

/// Why a presented key opens nothing.
#[derive(Debug, PartialEq, Eq)]
pub enum Refused {
    Revoked,
    Expired,
}

impl KeyRecord {
    pub fn usable_at(&self, now: i64) -> Result<(), Refused> {
        if self.revoked_at.is_some() {
            Err(Refused::Revoked)
        } else if self.expires_at.is_some_and(|at| at <= now) {
            Err(Refused::Expired)
        } else {
            Ok(())
        }
    }
}

/// A key to make: new, or in place of `replacing` (revoked in the same transaction).
pub struct Issue<'a> {
    pub name: &'a str,
    pub scopes: Scopes,
    pub expires_at: Option<i64>,
    pub replacing: Option<i64>,
}

/// Writes a new key and its audit row in one transaction; `None` when the key it replaces was
/// already revoked (nothing is written then).
pub async fn issue(
    writer: &Writer,
    site: &str,
    origin: &Origin,
    new: &Issue<'_>,
    now: i64,
) -> Result<Option<(KeyRecord, Secret)>, sqlx::Error> {
    let secret = Secret::generate();
    let by = origin.actor.label();
    let key = store::NewKey {
        name: new.name,
        scopes: new.scopes,
        expires_at: new.expires_at,
        created_by: &by,
    };
    let mut tx = writer.begin().await?;
    if let Some(old) = new.replacing
        && !store::revoke(&mut tx, site, old, &by, now).await?
    {
        return Ok(None);
    }
    let made = store::insert(&mut tx, site, &key, &secret, now).await?;
    let change = match new.replacing {
        Some(old) => Change::new("key.rotate", "key", old.to_string()).summary(format!("new key {}", made.id)),
        None => Change::new("key.create", "key", made.id.to_string()).summary(format!(
            "{:?}: {}",
            new.name,
            new.scopes.names().join(" ")
        )),
    };
    audit::record(&mut tx, site, origin, change, now).await?;
    tx.commit().await?;
    Ok(Some((made, secret)))
}

/// Revokes `key` with its audit row; revoking a revoked key changes nothing.
pub async fn revoke(
    writer: &Writer,
    site: &str,
    key: &KeyRecord,
    origin: &Origin,
    now: i64,
) -> Result<(), sqlx::Error> {
    let mut tx = writer.begin().await?;
    if store::revoke(&mut tx, site, key.id, &origin.actor.label(), now).await? {
        let change = Change::new("key.revoke", "key", key.id.to_string()).summary(format!("{:?}", key.name));
        audit::record(&mut tx, site, origin, change, now).await?;
    }
    tx.commit().await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scopes_parse_store_and_cover() {
        let some = Scopes::parse(&["points:write", "members:read"]).unwrap();
        assert!(some.contains(Scope::PointsWrite) && !some.contains(Scope::KeysWrite));
        assert_eq!(Scopes::from_stored(&some.to_stored()), some);
        assert!(Scopes::all().covers(some) && !some.covers(Scopes::all()));
        assert_eq!(Scopes::parse(&["points:read"]).unwrap_err().code, "unknown_scope");
        assert_eq!(Scopes::parse::<&str>(&[]).unwrap_err().code, "scopes_empty");
        assert_eq!(Scopes::all().names().len(), Scope::ALL.len());
    }

    #[test]
    fn secrets_are_long_random_and_kept_hashed() {
        let (a, b) = (Secret::generate(), Secret::generate());
        assert_ne!(a.expose(), b.expose());
        assert!(a.expose().starts_with("mk_") && a.expose().len() == 3 + 43);
        assert_eq!(a.shown_prefix().len(), 11);
        assert_eq!(secret_hash(a.expose()).len(), 64);
        assert_ne!(secret_hash(a.expose()), secret_hash(b.expose()));
    }
}
