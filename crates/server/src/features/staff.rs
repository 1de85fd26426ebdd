//! Staff kept in the database, each with a role per site. What a role may do is said in the
//! site keys' scopes, so the dashboard and the admin API share one vocabulary of permissions.
//! Staff in the config file are operators (every site, everything), as before.

pub mod store;

use moments_protocol::InvalidInput;

use crate::features::site_keys::{Scope, Scopes};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Role {
    /// Everything of the site, its keys and its staff included.
    Owner,
    /// Experiments, surprises, insights and the catalog, webhooks.
    Marketer,
    /// The inbox, recovery cases, member lookup, goodwill within the site's limit.
    Support,
    /// Reads what the others read; changes nothing.
    Viewer,
}

impl Role {
    pub const ALL: [Role; 4] = [Role::Owner, Role::Marketer, Role::Support, Role::Viewer];

    pub fn name(self) -> &'static str {
        match self {
            Role::Owner => "owner",
            Role::Marketer => "marketer",
            Role::Support => "support",
            Role::Viewer => "viewer",
        }
    }

    pub fn parse(name: &str) -> Option<Role> {
        Role::ALL.into_iter().find(|r| r.name() == name)
    }

    pub fn scopes(self) -> Scopes {
        use Scope::*;
        match self {
            Role::Owner => Scopes::all(),
            Role::Marketer => [
                InsightsRead,
                FeedbackRead,
                ExperimentsWrite,
                SurprisesWrite,
                WebhooksWrite,
            ]
            .into_iter()
            .collect(),
            Role::Support => [FeedbackRead, MembersRead, RecoveryWrite, PointsWrite]
                .into_iter()
                .collect(),
            Role::Viewer => [InsightsRead, FeedbackRead, MembersRead].into_iter().collect(),
        }
    }

    /// Whether points this role gives by hand are capped by the site's `staff_goodwill_limit`.
    pub fn goodwill_capped(self) -> bool {
        self != Role::Owner
    }
}

/// A login as people type it: an email address or a name, trimmed and lowercased.
pub fn parse_login(login: &str) -> Result<String, InvalidInput> {
    let login = login.trim().to_lowercase();
    let ok = (1..=100).contains(&login.chars().count())
        && !login.chars().any(|c| c.is_control() || c.is_whitespace())
        && login != crate::config::ADMIN_STAFF_NAME;
    if ok {
        Ok(login)
    } else {
        Err(InvalidInput::new(
            "invalid_login",
            "a login is an email address or a name: 1 to 100 characters, no spaces",
        ))
    }
}

/// An argon2 hash (the parameters `--hash-password` uses) of a password of 12 characters or more.
pub fn hash_password(password: &str) -> Result<String, InvalidInput> {
    use argon2::PasswordHasher;
    if password.chars().count() < 12 {
        return Err(InvalidInput::new(
            "password_too_short",
            "use a password of at least 12 characters",
        ));
    }
    argon2::Argon2::default()
        .hash_password(password.as_bytes())
        .map(|hash| hash.to_string())
        .map_err(|e| InvalidInput::new("password_unusable", e.to_string()))
}

/// How long an invitation link works.
pub const INVITE_MS: i64 = 7 * 24 * 3_600_000;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn roles_say_what_they_may() {
        assert!(Role::Owner.scopes().contains(Scope::KeysWrite));
        assert!(Role::Support.scopes().contains(Scope::RecoveryWrite));
        assert!(!Role::Support.scopes().contains(Scope::ExperimentsWrite));
        assert!(!Role::Support.scopes().contains(Scope::WebhooksWrite));
        assert!(!Role::Marketer.scopes().contains(Scope::PointsWrite));
        assert!(Role::Viewer.scopes().names().iter().all(|s| s.ends_with(":read")));
        assert_eq!(Role::parse("support"), Some(Role::Support));
        assert_eq!(parse_login("  Ana@Shop.example ").unwrap(), "ana@shop.example");
        assert!(parse_login("two words").is_err());
    }
}
