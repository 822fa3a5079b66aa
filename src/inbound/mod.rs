//! What arrives from a person, whatever the channel, and the one way it is handled.
//!
//! An adapter (Telegram, WeCom) turns what it receives into an [`Input`]: who, in
//! which chat, a command, a press, a photo, a location or a text. The domain answers in
//! [`Replies`]. [`run`] is the processor: it owns the transaction (a savepoint of the batch
//! the update is handled in), gives it to a feature, queues the replies and marks the update
//! handled in it, and commits all or nothing. Features decide, check who may do what and
//! write; adapters only parse and render.
pub mod command;
mod error;
mod inbox;
mod input;
mod replies;

pub use error::{Arg, HandlerError, HandlerResult, Refusal};
pub use inbox::Inbox;
pub use input::{Arrival, Document, Input, Media, Press, Sender};
pub use replies::Replies;

use crate::context::Ctx;
use crate::store::Tx;

/// Handle `input` with `handle` in one transaction: what it writes, its replies and the mark
/// that the update is handled commit together. A [`Refusal`] rolls back what `handle` wrote
/// and answers the refusal instead; any other error rolls back everything and fails the
/// update (it is retried, and its sender told once it is given up).
pub async fn run<E>(
    ctx: &Ctx,
    input: &Input,
    handle: impl AsyncFnOnce(&mut Tx, &mut Replies) -> Result<(), E>,
) -> HandlerResult
where
    E: Into<HandlerError>,
{
    let mut replies = input.replies();
    let mut tx = ctx.store.begin().await?;
    match handle(&mut tx, &mut replies).await.map_err(Into::into) {
        Ok(()) => replies.commit(ctx, tx).await,
        Err(HandlerError::Refused(refusal)) => {
            // Dropped, so rolled back, before the next one begins (a savepoint of the batch).
            drop(tx);
            let mut replies = input.replies();
            replies.answer_press(None);
            replies.text(refusal.text(ctx, input.lang));
            replies.send(ctx).await
        }
        Err(e) => Err(e),
    }
}
