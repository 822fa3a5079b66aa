//! `/duty`: who is on shift now in the sender's units and the units above them.
use super::context::{HandlerResult, Incoming};
use crate::context::Ctx;
use crate::org::Role;
use crate::tr;
use std::sync::Arc;

pub async fn duty(ctx: Arc<Ctx>, inc: Incoming) -> HandlerResult {
    let mut r = inc.replies();
    let l = inc.lang;
    if inc.member.memberships.is_empty() {
        r.text(tr!(ctx.i18n, l, "duty-not-allowed"));
        return r.send(&ctx).await;
    }
    // My units and those above them, each once, nearest first.
    let mut units: Vec<&crate::org::Unit> = Vec::new();
    for m in &inc.member.memberships {
        for u in inc.units.chain(&m.unit_id) {
            if !units.iter().any(|k| k.id == u.id) {
                units.push(u);
            }
        }
    }
    let now = ctx.clock.now_ms();
    let day = ctx.config.roster.shift_day(ctx.config.timezone, now);
    let sep = tr!(ctx.i18n, l, "list-separator");
    let mut lines = vec![tr!(
        ctx.i18n,
        l,
        "duty-title",
        day = day.format("%Y-%m-%d").to_string(),
        start = ctx.config.roster.shift_start.format("%H:%M").to_string()
    )];
    for unit in units {
        let shift = ctx.store.shift(&unit.id, day).await?;
        let names = |role: Role| {
            let named: Vec<String> = shift
                .iter()
                .filter(|(r, _, _)| *r == role)
                .map(|(_, name, username)| match username {
                    Some(u) => format!("{name} @{u}"),
                    None => name.clone(),
                })
                .collect();
            if named.is_empty() {
                tr!(ctx.i18n, l, "duty-nobody")
            } else {
                named.join(&sep)
            }
        };
        lines.push(tr!(
            ctx.i18n,
            l,
            "duty-unit",
            unit = unit.name.clone(),
            officers = names(Role::DutyOfficer),
            leaders = names(Role::Supervisor)
        ));
    }
    r.text(lines.join("\n").chars().take(4000).collect());
    r.send(&ctx).await
}
