//! The board as a Telegram Mini App: Telegram hands the page `initData` (in the URL's
//! fragment), signed with a key derived from the bot token; the page passes it to
//! `/api/board`, which checks the signature and its age before showing that person's units.
//! See <https://core.telegram.org/bots/webapps#validating-data-received-via-the-mini-app>.
use hmac::{Hmac, Mac};
use sha2::Sha256;
use subtle::ConstantTimeEq;

/// `initData` older than this is refused.
pub const MAX_AGE_S: i64 = 24 * 3600;

fn hmac(key: &[u8], msg: &[u8]) -> [u8; 32] {
    // HMAC takes keys of any length: this cannot fail.
    let mut m = <Hmac<Sha256> as hmac::KeyInit>::new_from_slice(key)
        .unwrap_or_else(|_| unreachable!("HMAC accepts any key length"));
    m.update(msg);
    m.finalize().into_bytes().into()
}

/// The key `initData` is signed with: HMAC-SHA256 of the bot token, keyed "WebAppData".
#[derive(Clone)]
pub struct WebAppKey([u8; 32]);

impl std::fmt::Debug for WebAppKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("WebAppKey(…)")
    }
}

impl WebAppKey {
    pub fn from_bot_token(token: &str) -> WebAppKey {
        WebAppKey(hmac(b"WebAppData", token.as_bytes()))
    }

    /// The hex signature of these fields (all but `hash`), as Telegram computes it.
    pub fn sign(&self, fields: &[(String, String)]) -> String {
        let mut sorted: Vec<&(String, String)> =
            fields.iter().filter(|(k, _)| k != "hash").collect();
        sorted.sort_by(|a, b| a.0.cmp(&b.0));
        let check: Vec<String> = sorted.iter().map(|(k, v)| format!("{k}={v}")).collect();
        hmac(&self.0, check.join("\n").as_bytes())
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect()
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum InitDataError {
    #[error("initData has no hash")]
    Unsigned,
    #[error("initData's signature does not match")]
    Forged,
    #[error("initData is older than a day, or from the future")]
    Stale,
    #[error("initData names no user")]
    NoUser,
}

/// The Telegram user id `init_data` was signed for, if the signature holds and it is fresh.
pub fn verify(key: &WebAppKey, init_data: &str, now_s: i64) -> Result<i64, InitDataError> {
    let fields: Vec<(String, String)> = url::form_urlencoded::parse(init_data.as_bytes())
        .map(|(k, v)| (k.into_owned(), v.into_owned()))
        .collect();
    let Some((_, hash)) = fields.iter().find(|(k, _)| k == "hash") else {
        return Err(InitDataError::Unsigned);
    };
    if !bool::from(key.sign(&fields).as_bytes().ct_eq(hash.as_bytes())) {
        return Err(InitDataError::Forged);
    }
    let auth_date: i64 = fields
        .iter()
        .find(|(k, _)| k == "auth_date")
        .and_then(|(_, v)| v.parse().ok())
        .ok_or(InitDataError::Stale)?;
    if now_s - auth_date > MAX_AGE_S || auth_date - now_s > 60 {
        return Err(InitDataError::Stale);
    }
    fields
        .iter()
        .find(|(k, _)| k == "user")
        .and_then(|(_, v)| serde_json::from_str::<serde_json::Value>(v).ok())
        .and_then(|u| u["id"].as_i64())
        .ok_or(InitDataError::NoUser)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn signed(key: &WebAppKey, user: i64, auth_date: i64) -> String {
        let mut fields = vec![
            ("auth_date".to_string(), auth_date.to_string()),
            ("query_id".to_string(), "AAH".to_string()),
            (
                "user".to_string(),
                format!(r#"{{"id":{user},"first_name":"Li"}}"#),
            ),
        ];
        let hash = key.sign(&fields);
        fields.push(("hash".into(), hash));
        url::form_urlencoded::Serializer::new(String::new())
            .extend_pairs(fields)
            .finish()
    }

    #[test]
    fn signed_fresh_data_names_its_user_and_anything_else_is_refused() {
        let key = WebAppKey::from_bot_token("123:ABC");
        let now = 1_800_000_000;
        assert_eq!(verify(&key, &signed(&key, 42, now - 60), now), Ok(42));
        let other = WebAppKey::from_bot_token("123:XYZ");
        assert_eq!(
            verify(&key, &signed(&other, 42, now), now),
            Err(InitDataError::Forged)
        );
        assert_eq!(
            verify(&key, &signed(&key, 42, now - MAX_AGE_S - 1), now),
            Err(InitDataError::Stale)
        );
        let tampered = signed(&key, 42, now).replace("42", "43");
        assert_eq!(verify(&key, &tampered, now), Err(InitDataError::Forged));
        assert_eq!(
            verify(&key, "auth_date=1&user=x", now),
            Err(InitDataError::Unsigned)
        );
        assert_eq!(verify(&key, "", now), Err(InitDataError::Unsigned));
        assert!(!format!("{key:?}").contains(|c: char| c.is_ascii_digit()));
    }
}
