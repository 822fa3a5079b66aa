//! What arrived, as the domain sees it: who, where, in which language, and what they sent.
use super::replies::Replies;
use crate::config::Lang;
use crate::context::Ctx;
use crate::conversation::Conversation;
use crate::org::tree::UnitTree;
use crate::org::Member;
use crate::store::StoreError;
use std::sync::atomic::AtomicBool;
use std::sync::Arc;

/// A photo (the channel's id of its file) or a location a message carries.
#[derive(Debug, Clone, PartialEq)]
pub enum Media {
    Photo(String),
    Location(f64, f64),
}

/// A button press: the channel's id for it (to stop its spinner) and what the button carries.
#[derive(Debug, Clone)]
pub struct Press {
    pub id: String,
    pub data: String,
}

/// The person who sent it, as their channel knows them.
#[derive(Debug, Clone)]
pub struct Sender {
    /// Their id on the channel.
    pub id: i64,
    pub name: String,
    /// Their public handle, if they have one.
    pub username: Option<String>,
    /// How a colleague finds them on the channel, as the channel says it ("Name (@user,
    /// Telegram id 42)"): what the desk is told of a tipster who reveals themselves.
    pub account: String,
}

/// A file sent as a document rather than as a photo.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Document {
    /// A picture, by the channel's id of the file.
    Picture(String),
    /// A picture too large (bytes, pixels or a side) to pass on.
    TooLarge,
    /// Named as a picture, but none the bot can read.
    Unreadable,
    /// Not a picture.
    Other,
}

/// Who sent an update, where, and in which language to answer.
#[derive(Debug, Clone)]
pub struct Input {
    pub update_id: i64,
    pub chat_id: i64,
    pub private: bool,
    pub from: Sender,
    pub member: Member,
    pub lang: Lang,
    pub text: Option<String>,
    /// A photo or location the message carries.
    pub media: Option<Media>,
    /// A file sent as a document.
    pub document: Option<Document>,
    /// The album (media group) a photo belongs to.
    pub album: Option<String>,
    pub press: Option<Press>,
    /// What this conversation is in the middle of, if anything (members only).
    pub state: Option<Conversation>,
    /// The unit tree as of this update.
    pub units: Arc<UnitTree>,
    /// Set once the update is committed as handled.
    pub finished: Arc<AtomicBool>,
}

impl Input {
    pub fn user_id(&self) -> i64 {
        self.from.id
    }

    pub fn display_name(&self) -> String {
        self.from.name.clone()
    }

    pub fn replies(&self) -> Replies {
        Replies::new(
            self.update_id,
            self.chat_id,
            self.member.person.is_none(),
            self.press.clone(),
            self.finished.clone(),
        )
    }
}

/// What a channel's reader found in an update, before the store says who sent it.
#[derive(Debug, Clone)]
pub struct Arrival {
    pub update_id: i64,
    pub chat_id: i64,
    pub private: bool,
    pub from: Sender,
    /// The language the channel says the sender's app uses, if it says.
    pub lang_hint: Option<String>,
    pub text: Option<String>,
    pub media: Option<Media>,
    pub document: Option<Document>,
    pub album: Option<String>,
    pub press: Option<Press>,
}

impl Arrival {
    /// The input: the sender looked up (a person who wrote again is reachable again), their
    /// language chosen (theirs, or the one a stranger picked, or their app's), the tree.
    pub async fn load(self, ctx: &Ctx) -> Result<Input, StoreError> {
        let sender = ctx.store.sender(self.from.id, self.chat_id).await?;
        let units = ctx.units.at(&ctx.store, sender.tree_version).await?;
        let mut member = sender.member;
        if let Some(p) = member.person.as_mut().filter(|p| p.unreachable) {
            ctx.store.person_reachable(p.id).await?;
            p.unreachable = false;
        }
        let chosen = member
            .person
            .as_ref()
            .map(|p| p.lang.clone())
            .or(sender.stranger_lang);
        let lang = Lang::from_telegram(chosen.as_deref().or(self.lang_hint.as_deref()));
        Ok(Input {
            update_id: self.update_id,
            chat_id: self.chat_id,
            private: self.private,
            from: self.from,
            member,
            lang,
            text: self.text,
            media: self.media,
            document: self.document,
            album: self.album,
            press: self.press,
            state: sender.state,
            units,
            finished: Arc::default(),
        })
    }
}
