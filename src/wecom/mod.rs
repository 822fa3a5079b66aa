//! Everything WeCom-shaped (企业微信): the callback's cryptography (`crypto`) and XML
//! (`message`), the API client the sender uses (`api`), the `/wecom` route that stores what
//! members send (`callback`), reading it as the domain's input (`context`), and the rendering
//! of notices as app messages, cards and group-robot posts (`render`). What an input does is
//! the domain's (`crate::route`).
pub mod api;
pub mod callback;
pub mod context;
pub mod crypto;
pub mod message;
pub mod render;
