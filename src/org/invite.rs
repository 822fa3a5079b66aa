//! Invite codes: random, shown once, stored only as a hash.
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

#[cfg(test)]
mod tests {
    use super::*;

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
