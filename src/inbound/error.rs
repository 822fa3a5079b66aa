//! How handling an update fails: a refusal the person is told (the processor answers it in
//! one place), or a failure of the machine or the code, which fails the update.
use crate::config::Lang;
use crate::context::{Ctx, SayError};
use crate::crypto::CryptoError;
use crate::store::StoreError;
use fluent_bundle::FluentValue;

#[derive(Debug, thiserror::Error)]
pub enum HandlerError {
    /// The person may not do this, or what they named is not there: nothing is written and
    /// they are told why.
    #[error("refused: {}", .0.key)]
    Refused(Refusal),
    #[error(transparent)]
    Store(#[from] StoreError),
    /// A feature failed on something besides the store (a tip desk nobody configured, a
    /// sealed value that does not open): the update fails.
    #[error(transparent)]
    Failed(Box<dyn std::error::Error + Send + Sync>),
    /// A recipient could not be sealed: the message is not queued, the update fails.
    #[error("sealing a recipient failed: {0}")]
    Seal(#[from] CryptoError),
}

/// What a person is told when a feature refuses: a message of the locales and its arguments.
#[derive(Debug, Clone, PartialEq)]
pub struct Refusal {
    pub key: &'static str,
    pub args: Vec<(&'static str, Arg)>,
}

/// An argument of a refusal's message (kept as plain data: the error crosses threads).
#[derive(Debug, Clone, PartialEq)]
pub enum Arg {
    Text(String),
    Number(i64),
}

impl From<String> for Arg {
    fn from(s: String) -> Arg {
        Arg::Text(s)
    }
}

impl From<&str> for Arg {
    fn from(s: &str) -> Arg {
        Arg::Text(s.to_string())
    }
}

impl From<i64> for Arg {
    fn from(n: i64) -> Arg {
        Arg::Number(n)
    }
}

impl Refusal {
    pub fn new(key: &'static str) -> Refusal {
        Refusal {
            key,
            args: Vec::new(),
        }
    }

    pub fn with(mut self, name: &'static str, value: impl Into<Arg>) -> Refusal {
        self.args.push((name, value.into()));
        self
    }

    pub fn text(&self, ctx: &Ctx, lang: Lang) -> String {
        let args: Vec<(&str, FluentValue)> = self
            .args
            .iter()
            .map(|(name, value)| {
                let value = match value {
                    Arg::Text(s) => FluentValue::from(s.as_str()),
                    Arg::Number(n) => FluentValue::from(*n),
                };
                (*name, value)
            })
            .collect();
        ctx.i18n.t(lang, self.key, &args)
    }
}

impl From<Refusal> for HandlerError {
    fn from(r: Refusal) -> HandlerError {
        HandlerError::Refused(r)
    }
}

impl HandlerError {
    /// The store's error behind this one, if a store operation failed.
    pub fn store(&self) -> Option<&StoreError> {
        match self {
            HandlerError::Store(e) => Some(e),
            _ => None,
        }
    }

    /// The store's error when the machine under it failed (a full disk, a lost database),
    /// else this error back.
    pub fn into_fault(self) -> Result<StoreError, HandlerError> {
        match self {
            HandlerError::Store(e) if crate::store::Fault::of(&e).is_some() => Ok(e),
            other => Err(other),
        }
    }
}

impl From<SayError> for HandlerError {
    fn from(e: SayError) -> HandlerError {
        match e {
            SayError::Store(e) => HandlerError::Store(e),
            SayError::Seal(e) => HandlerError::Seal(e),
        }
    }
}

pub type HandlerResult = Result<(), HandlerError>;
