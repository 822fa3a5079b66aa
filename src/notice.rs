//! What the bot tells people, in no messenger's terms: the domain says what to show whom,
//! and an adapter (`telegram::render`) turns each notice into its transport's call.
use crate::action::Action;

/// A photo whose file id carries this prefix is sent re-encoded from its pixels, its GPS and
/// camera metadata gone (`crate::scrub`): a picture a tipster sent as a file.
pub const SCRUB_PREFIX: &str = "scrub:";
/// A photo whose file id carries this prefix is one a WeCom member sent, by WeCom's media id.
pub const WECOM_MEDIA_PREFIX: &str = "wecom:";

/// A button: its label and what pressing it asks for.
#[derive(Debug, Clone, PartialEq)]
pub struct Button {
    pub label: String,
    pub action: Action,
}

impl Button {
    pub fn new(label: String, action: Action) -> Button {
        Button { label, action }
    }
}

/// Rows of buttons under a text.
pub type Buttons = Vec<Vec<Button>>;

#[derive(Debug, Clone, PartialEq)]
pub enum Body {
    Text {
        text: String,
        buttons: Buttons,
    },
    /// A picture by the transport's file id; a caption under it.
    Photo {
        file: String,
        caption: String,
    },
    Location {
        lat: f64,
        lon: f64,
    },
    /// Replace the text and buttons of the earlier notice whose key is `of`.
    Edit {
        of: String,
        text: String,
        buttons: Buttons,
    },
    /// Settle a pressed button (its press id), with a short word if any.
    PressAnswer {
        press: String,
        text: Option<String>,
    },
}

/// How soon a notice must go, against the others waiting.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Priority {
    #[default]
    Routine,
    /// Alerts about something happening now: sent ahead of routine notices already queued,
    /// in each chat and overall, within the transport's limits.
    Urgent,
    /// Urgent, and for a message that must reach many at once (a red warning): it may go
    /// through the transport's paid broadcast, beyond the free overall rate.
    Broadcast,
}

/// What a notice to a unit's duty room carries for channels whose rooms have no buttons (a
/// WeCom group robot's group): who to mention, and what to type in the app instead.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct RoomNote {
    /// The room's duty officers on shift, by address (`crate::channel`).
    pub on_shift: Vec<i64>,
    /// One line per button a command does the same as (`Action::command`), in the room's
    /// language.
    pub answer_by: Vec<String>,
}

/// One message to one chat. `key` is unique per logical message: queueing it twice sends it
/// once (and an edit names the notice it changes by this key).
#[derive(Debug, Clone, PartialEq)]
pub struct Notice {
    pub key: String,
    /// 0 for notices addressed to no chat (press answers).
    pub chat: i64,
    pub body: Body,
    /// An edit always goes with its original's priority, so it never overtakes it.
    pub priority: Priority,
    /// To a duty room: filled in as it is queued (`Ctx::say`).
    pub room: Option<RoomNote>,
}

impl Notice {
    /// The same notice, sent ahead of routine ones.
    pub fn urgent(self) -> Notice {
        Notice {
            priority: Priority::Urgent,
            ..self
        }
    }

    pub fn with_priority(self, priority: Priority) -> Notice {
        Notice { priority, ..self }
    }

    pub fn text(key: String, chat: i64, text: String) -> Notice {
        Notice {
            key,
            chat,
            body: Body::Text {
                text,
                buttons: Vec::new(),
            },
            priority: Priority::Routine,
            room: None,
        }
    }

    pub fn with_buttons(key: String, chat: i64, text: String, buttons: Buttons) -> Notice {
        Notice {
            key,
            chat,
            body: Body::Text { text, buttons },
            priority: Priority::Routine,
            room: None,
        }
    }

    pub fn photo(key: String, chat: i64, file: String, caption: String) -> Notice {
        Notice {
            key,
            chat,
            body: Body::Photo { file, caption },
            priority: Priority::Routine,
            room: None,
        }
    }

    pub fn location(key: String, chat: i64, lat: f64, lon: f64) -> Notice {
        Notice {
            key,
            chat,
            body: Body::Location { lat, lon },
            priority: Priority::Routine,
            room: None,
        }
    }

    /// Change the notice `of` (sent to `chat`) to `text` and `buttons`; `key` names this edit.
    pub fn edit(key: String, chat: i64, of: String, text: String, buttons: Buttons) -> Notice {
        Notice {
            key,
            chat,
            body: Body::Edit { of, text, buttons },
            priority: Priority::Routine,
            room: None,
        }
    }
}
