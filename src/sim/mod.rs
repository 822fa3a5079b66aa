//! Telegram Bot API simulator.
