//! Lookout: a Telegram bot for district emergency duty rooms.
pub mod config;
pub mod sim;
