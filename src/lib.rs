//! Lookout: a Telegram bot for district emergency duty rooms.
pub mod app;
pub mod clock;
pub mod config;
pub mod delivery;
pub mod demo;
pub mod escalation;
pub mod hazard;
pub mod i18n;
pub mod org;
pub mod retention;
pub mod schedule;
pub mod sim;
pub mod stats;
pub mod store;
pub mod telegram;
pub mod tip;
pub mod zero_report;
