//! WeCom (企业微信) wire protocol: callback encryption (`crypto`), the callback's XML
//! (`message`) and the HTTP client the sender uses (`api`). Nothing here knows the domain.

pub mod api;
pub mod crypto;
pub mod message;
