//! Everything Telegram-shaped: the Bot API client, receiving updates (long polling or the
//! webhook), reading an update as the domain's input (`context`), pictures sent as files,
//! and the rendering of notices. What an input does is the domain's (`crate::route`).
pub mod api;
pub mod context;
pub mod files;
pub mod poller;
pub mod render;
pub mod webhook;
