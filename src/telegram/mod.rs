//! Everything Telegram-shaped: the Bot API client, the update intake, the handler tree and
//! the rendering of replies.
pub mod api;
pub mod context;
pub mod escalation;
pub mod files;
pub mod handlers;
pub mod hazards;
pub mod intake;
pub mod render;
pub mod roster;
pub mod tips;
pub mod warnings;
pub mod webhook;
pub mod zero;
