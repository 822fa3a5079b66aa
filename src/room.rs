//! A unit's duty room as the domain's notices reach it: whom a post there mentions (its duty
//! officers on shift) and, for a room whose channel shows no buttons (a WeCom group robot's
//! group), what to type in the app instead of pressing each. The renderer of the room's
//! channel decides what of it to use.
use crate::context::Ctx;
use crate::notice::{Body, Notice, RoomNote};
use crate::store::{StoreError, Tx};
use crate::tr;

/// The note for `n` when it is a new text to a unit's duty room.
pub async fn note(
    ctx: &Ctx,
    tx: &mut Tx,
    n: &Notice,
    now: i64,
) -> Result<Option<RoomNote>, StoreError> {
    let Body::Text { buttons, .. } = &n.body else {
        return Ok(None);
    };
    // Only a room that takes no answer in itself needs the note: a private chat or a
    // Telegram group costs no look (a warning's fan-out queues thousands).
    if crate::channel::answers_in_itself(n.chat) {
        return Ok(None);
    }
    let tree = ctx.units.get_in(tx).await?;
    let Some(unit) = tree.by_duty_chat(n.chat) else {
        return Ok(None);
    };
    let on_shift = match crate::roster::officers_on_shift(ctx, tx, &unit.id, now).await? {
        Some(on) => on.into_iter().map(|(chat, _)| chat).collect(),
        // Without a roster for this shift, every duty officer of the unit is on.
        None => tx
            .duty_officers(&unit.id)
            .await?
            .into_iter()
            .map(|(chat, _, _)| chat)
            .collect(),
    };
    let l = ctx.config.locale;
    let answer_by = buttons
        .iter()
        .flatten()
        .filter_map(|b| {
            let command = b.action.command()?;
            let label = b.label.clone();
            Some(tr!(
                ctx.i18n,
                l,
                "room-answer-by",
                label = label,
                command = command
            ))
        })
        .collect();
    Ok(Some(RoomNote {
        on_shift,
        answer_by,
    }))
}
