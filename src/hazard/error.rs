//! What a person is refused about hazard reports, turned into what they are told in one
//! place (`HazardError::refusal`).
use super::draft;
use crate::ids::HazardId;
use crate::inbound::{HandlerError, Refusal};
use crate::store::StoreError;

#[derive(Debug, thiserror::Error)]
pub enum HazardError {
    #[error(transparent)]
    Store(#[from] StoreError),
    /// What was typed is not how the command is used: the key of its usage.
    #[error("usage: {0}")]
    Usage(&'static str),
    /// Reports are written in a private chat.
    #[error("not in a private chat")]
    PrivateOnly,
    /// The sender belongs to no unit to report for (or no longer to the draft's).
    #[error("not a member of a unit to report for")]
    NotMember,
    /// Not there, or not for this person to see: the same answer.
    #[error("{0} is unknown or hidden")]
    Unknown(HazardId),
    /// Without the role for it.
    #[error("not allowed")]
    NotAllowed,
    /// The report's state does not allow it; `state` as the person reads it.
    #[error("{id} is {state}")]
    WrongState { id: HazardId, state: String },
    /// Rejecting and reopening need a reason.
    #[error("a reason is needed")]
    NeedsText,
    /// Over the limit of reports (`limits::Kind::Hazard`) until `time`, local, to the minute.
    #[error("over the limit of reports until {time}")]
    Limited { time: String },
    #[error("the draft's text is too long")]
    TextTooLong,
    #[error("the draft has too many photos")]
    TooManyPhotos,
    /// A draft's button, and no draft.
    #[error("no draft")]
    NoDraft,
    /// A button that no longer applies, or one nobody offered.
    #[error("button expired")]
    Expired,
}

impl HazardError {
    /// What the person is told, or the store's failure.
    pub fn refusal(self) -> Result<Refusal, StoreError> {
        let max = |n: usize| i64::try_from(n).unwrap_or(i64::MAX);
        Ok(match self {
            HazardError::Store(e) => return Err(e),
            HazardError::Usage(key) => Refusal::new(key),
            HazardError::PrivateOnly => Refusal::new("private-only"),
            HazardError::NotMember => Refusal::new("hz-not-member"),
            HazardError::Unknown(id) => Refusal::new("hz-unknown").with("id", id.to_string()),
            HazardError::NotAllowed => Refusal::new("hz-not-allowed"),
            HazardError::WrongState { id, state } => Refusal::new("hz-wrong-state")
                .with("id", id.to_string())
                .with("state", state),
            HazardError::NeedsText => Refusal::new("hz-needs-text"),
            HazardError::Limited { time } => Refusal::new("limit-hazard")
                .with("time", time)
                .with("max", max(crate::limits::Kind::Hazard.limit().max)),
            HazardError::TextTooLong => {
                Refusal::new("hz-text-too-long").with("max", max(draft::MAX_TEXT))
            }
            HazardError::TooManyPhotos => {
                Refusal::new("hz-too-many-photos").with("max", max(draft::MAX_PHOTOS))
            }
            HazardError::NoDraft => Refusal::new("hz-no-draft"),
            HazardError::Expired => Refusal::new("button-expired"),
        })
    }
}

impl From<HazardError> for HandlerError {
    fn from(e: HazardError) -> HandlerError {
        match e.refusal() {
            Ok(refusal) => HandlerError::Refused(refusal),
            Err(e) => HandlerError::Store(e),
        }
    }
}
