//! Invite codes: random, shown once, stored only as a hash.
use crate::config::Span;
use rand::distributions::{Alphanumeric, DistString};
use sha2::{Digest, Sha256};

/// 20 alphanumeric characters: log2(62^20) ≈ 119 bits, and valid as a deep-link payload.
const CODE_LEN: usize = 20;

pub fn new_code() -> String {
    Alphanumeric.sample_string(&mut rand::rngs::OsRng, CODE_LEN)
}

pub fn hash_code(code: &str) -> String {
    let digest = Sha256::digest(code.trim().as_bytes());
    digest.iter().map(|b| format!("{b:02x}")).collect()
}

/// A code can only be made of deep-link characters; anything else is not worth a lookup.
pub fn looks_like_code(s: &str) -> bool {
    !s.is_empty()
        && s.len() <= 64
        && s.chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
}

/// An invite made in the bot is valid this long unless the admin says otherwise.
pub const BOT_DEFAULT_EXPIRY: Span = Span::days(7);
/// Bounds on what an admin may ask for in the bot: a code is a secret passed around by
/// hand, so neither many uses nor a long life is wise.
pub const BOT_MAX_USES: u32 = 100;
pub const BOT_MIN_EXPIRY: Span = Span::minutes(1);
pub const BOT_MAX_EXPIRY: Span = Span::days(90);

/// The optional `[USES] [EXPIRES]` of `/invite UNIT ROLE [USES] [EXPIRES]`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BotInviteTerms {
    pub uses: u32,
    pub expires: Span,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TermsError {
    #[error("uses must be a whole number from 1 to {BOT_MAX_USES}: {0:?}")]
    Uses(String),
    #[error("expiry must be a duration from {BOT_MIN_EXPIRY} to {BOT_MAX_EXPIRY}: {0:?}")]
    Expires(String),
    #[error("too many arguments")]
    TooMany,
}

/// Reads USES (plain digits) and EXPIRES (a duration such as `12h`, `7d`), each optional,
/// in that order. Defaults: one use, `BOT_DEFAULT_EXPIRY`.
pub fn bot_terms(extra: &[&str]) -> Result<BotInviteTerms, TermsError> {
    let (uses, expires) = match extra {
        [] => (None, None),
        [one] if one.bytes().all(|b| b.is_ascii_digit()) => (Some(*one), None),
        [one] => (None, Some(*one)),
        [uses, expires] => (Some(*uses), Some(*expires)),
        _ => return Err(TermsError::TooMany),
    };
    let uses = match uses {
        None => 1,
        Some(text) => text
            .parse::<u32>()
            .ok()
            .filter(|n| (1..=BOT_MAX_USES).contains(n) && text.bytes().all(|b| b.is_ascii_digit()))
            .ok_or_else(|| TermsError::Uses(text.to_string()))?,
    };
    let expires = match expires {
        None => BOT_DEFAULT_EXPIRY,
        Some(text) => Span::parse(text)
            .ok()
            .filter(|s| (BOT_MIN_EXPIRY..=BOT_MAX_EXPIRY).contains(s))
            .ok_or_else(|| TermsError::Expires(text.to_string()))?,
    };
    Ok(BotInviteTerms { uses, expires })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bot_invite_terms_default_and_bounds() {
        let terms = |a: &[&str]| bot_terms(a);
        assert_eq!(
            terms(&[]),
            Ok(BotInviteTerms {
                uses: 1,
                expires: Span::days(7)
            })
        );
        assert_eq!(
            terms(&["5"]).map(|t| (t.uses, t.expires)),
            Ok((5, Span::days(7)))
        );
        assert_eq!(
            terms(&["12h"]).map(|t| (t.uses, t.expires)),
            Ok((1, Span::hours(12)))
        );
        assert_eq!(
            terms(&["100", "90d"]).map(|t| (t.uses, t.expires)),
            Ok((100, Span::days(90)))
        );
        for bad in ["0", "101", "+5", "-1", "99999999999"] {
            assert!(
                matches!(terms(&[bad, "1d"]), Err(TermsError::Uses(_))),
                "{bad}"
            );
        }
        assert!(matches!(terms(&["0"]), Err(TermsError::Uses(_))));
        for bad in ["0s", "30s", "91d", "7x", "d", "1.5h", "5"] {
            assert!(
                matches!(terms(&["1", bad]), Err(TermsError::Expires(_))),
                "{bad}"
            );
        }
        assert!(matches!(terms(&["forever"]), Err(TermsError::Expires(_))));
        assert_eq!(terms(&["1", "1d", "x"]), Err(TermsError::TooMany));
    }

    #[test]
    fn codes_are_long_random_and_deep_linkable() {
        let a = new_code();
        let b = new_code();
        assert_ne!(a, b);
        assert_eq!(a.len(), CODE_LEN);
        assert!(looks_like_code(&a));
        assert_eq!(hash_code(&a), hash_code(&format!(" {a} ")));
        assert_ne!(hash_code(&a), hash_code(&b));
        assert!(!looks_like_code("a b"));
        assert!(!looks_like_code(""));
    }
}
