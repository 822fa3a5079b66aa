//! What a person does to the organisation from a chat: binding a group as a unit's duty room.
use crate::context::Ctx;
use crate::inbound::{HandlerError, Input, Refusal, Replies};
use crate::store::{AdminEvent, Tx};
use crate::tr;

/// `/bind UNIT` (or its button) in a group: this chat becomes the unit's duty room, moved
/// from the one it was bound to before, if any.
pub async fn bind(
    ctx: &Ctx,
    tx: &mut Tx,
    inc: &Input,
    unit_id: &str,
    r: &mut Replies,
) -> Result<(), HandlerError> {
    if !inc.member.may_bind(&inc.units, unit_id) {
        return Err(Refusal::new("bind-unknown-unit")
            .with("unit", unit_id)
            .into());
    }
    let previous = tx.bind_duty_room(unit_id, inc.chat_id).await?;
    let moved = previous
        .as_deref()
        .map(|p| format!("moved from {p}"))
        .unwrap_or_default();
    tx.add_admin_event(&AdminEvent {
        at: ctx.clock.now_ms(),
        kind: "duty_room.bound",
        unit_id: Some(unit_id),
        person_id: inc.member.person.as_ref().map(|p| p.id),
        detail: &moved,
    })
    .await?;
    let name = inc
        .units
        .get(unit_id)
        .map_or_else(|| unit_id.to_string(), |u| u.name.clone());
    let previous_name = previous.map(|p| inc.units.get(&p).map_or(p, |u| u.name.clone()));
    tracing::info!(unit = unit_id, chat = inc.chat_id, "duty room bound");
    let l = inc.lang;
    r.answer_press(None);
    r.text(match previous_name {
        Some(previous) => tr!(ctx.i18n, l, "bind-moved", unit = name, previous = previous),
        None => tr!(ctx.i18n, l, "bind-done", unit = name),
    });
    Ok(())
}
