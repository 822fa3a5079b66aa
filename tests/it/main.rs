//! The behaviour tests, one binary: each module was a test file of its own, and all share the
//! helpers in `tests/common/` and one build and link. They share the process too: its
//! metrics series (see `common::counting_board_builds`), its log subscriber
//! (`secrets::captured_log`) and its environment, which no test changes.
#[macro_use]
#[path = "../common/mod.rs"]
mod common;

mod audit;
mod batches;
mod board;
mod board_browser;
mod cap_feeds;
mod cli;
mod delivery;
mod demo;
mod escalation;
mod fault;
mod files;
mod floods;
mod foundation;
mod hazards;
mod hostile;
mod listener;
mod ops;
mod outage;
mod replicas;
mod retention;
mod roster;
mod secrets;
mod sim;
mod taking_alerts;
mod tips;
mod warnings;
mod wecom;
mod wecom_features;
mod wecom_hostile;
mod zero_report;
