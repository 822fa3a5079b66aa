//! The channels people are reached on, and how the domain's one kind of address (a chat id,
//! an `i64`) tells them apart. Telegram's ids have at most 52 significant bits; WeCom's
//! members and group robots, whose ids are text, get addresses far above that range (members)
//! and far below it (robots), derived from their text id (above, too, the pseudonyms sealed
//! messages are filed under: `TipKey::chat_pseudonym`, from 2^60 to 2^61), so every replica derives the same
//! one without asking another. `store::wecom` keeps the way back.
use sha2::{Digest, Sha256};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Channel {
    Telegram,
    Wecom,
}

/// WeCom's addresses start here (members) and at its negation (group robots).
pub const WECOM_BASE: i64 = 1 << 61;
/// Inbox ids of messages that came through WeCom start here; Telegram's update ids are far
/// below it.
pub const WECOM_UPDATES: i64 = 1 << 60;

/// What a WeCom address is: a member of the enterprise (reached through the app) or a group
/// robot (a duty room: it can only be posted to).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WecomKind {
    Member,
    Robot,
}

impl WecomKind {
    pub fn as_str(self) -> &'static str {
        match self {
            WecomKind::Member => "member",
            WecomKind::Robot => "robot",
        }
    }

    pub fn parse(s: &str) -> Option<WecomKind> {
        match s {
            "member" => Some(WecomKind::Member),
            "robot" => Some(WecomKind::Robot),
            _ => None,
        }
    }
}

impl Channel {
    /// The channel a chat is on (0, no chat, is Telegram's: callback answers and menus).
    pub fn of_chat(chat: i64) -> Channel {
        if chat >= WECOM_BASE || chat <= -WECOM_BASE {
            Channel::Wecom
        } else {
            Channel::Telegram
        }
    }

    /// The channel a stored update came through.
    pub fn of_update(update_id: i64) -> Channel {
        if update_id >= WECOM_UPDATES {
            Channel::Wecom
        } else {
            Channel::Telegram
        }
    }
}

/// The address of a WeCom member (by UserID) or group robot (by its webhook key): 59 bits of
/// SHA-256 of the id above `WECOM_BASE`, negated for robots. A robot's key never shows.
pub fn wecom_address(kind: WecomKind, id: &str) -> i64 {
    let digest = Sha256::digest(format!("{}:{id}", kind.as_str()).as_bytes());
    let mut eight = [0u8; 8];
    eight.copy_from_slice(&digest[..8]);
    let low = (u64::from_be_bytes(eight) >> 5) as i64;
    let address = WECOM_BASE + low;
    match kind {
        WecomKind::Member => address,
        WecomKind::Robot => -address,
    }
}

/// What a group robot's webhook key looks like (a UUID, as WeCom gives it): nothing that
/// could be a path or a query of its own.
pub fn valid_robot_key(key: &str) -> bool {
    (8..=128).contains(&key.len())
        && key
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

/// Which WeCom address this is, if it is one.
pub fn wecom_kind(chat: i64) -> Option<WecomKind> {
    match chat {
        c if c >= WECOM_BASE => Some(WecomKind::Member),
        c if c <= -WECOM_BASE => Some(WecomKind::Robot),
        _ => None,
    }
}

/// Can people answer in this chat itself (press its buttons, write in it)? Not in a WeCom
/// group robot's group: the robot only posts there, and its officers answer in the app.
pub fn answers_in_itself(chat: i64) -> bool {
    wecom_kind(chat) != Some(WecomKind::Robot)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn addresses_fall_in_their_channels_range() {
        let m = wecom_address(WecomKind::Member, "zhangsan");
        let r = wecom_address(WecomKind::Robot, "a-robot-key");
        assert_eq!(Channel::of_chat(m), Channel::Wecom);
        assert_eq!(Channel::of_chat(r), Channel::Wecom);
        assert_eq!(wecom_kind(m), Some(WecomKind::Member));
        assert_eq!(wecom_kind(r), Some(WecomKind::Robot));
        assert!(answers_in_itself(m) && !answers_in_itself(r) && answers_in_itself(-100));
        // The same id gives the same address; another, another.
        assert_eq!(m, wecom_address(WecomKind::Member, "zhangsan"));
        assert_ne!(m, wecom_address(WecomKind::Member, "lisi"));
        assert_ne!(m, -wecom_address(WecomKind::Robot, "zhangsan"));
        // Telegram's largest ids (52 bits), its groups and supergroups, and the pseudonyms
        // of sealed rows stay Telegram's.
        let pseudonym = crate::crypto::TipKey::from_bytes([7; 32]).chat_pseudonym(m);
        for tg in [
            0,
            1,
            42,
            (1 << 52) - 1,
            -1,
            -100_1234567890,
            -(1 << 52),
            pseudonym,
        ] {
            assert_eq!(Channel::of_chat(tg), Channel::Telegram, "{tg}");
            assert_eq!(wecom_kind(tg), None);
        }
        assert_eq!(Channel::of_update(123), Channel::Telegram);
        assert_eq!(Channel::of_update(WECOM_UPDATES + 1), Channel::Wecom);
    }
}
