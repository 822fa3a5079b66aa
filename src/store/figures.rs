//! Figures for `lookout stats` beyond zero reports: hazards per unit, tips overall.
use super::{on_tx, Result, Tx};

/// Per-unit hazard figures over reports created in a period.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct HazardFigures {
    pub reported: i64,
    /// Acknowledged within the first escalation offset (before anyone had to be alerted).
    pub acked_in_time: i64,
    pub rectified_on_time: i64,
    /// Open and past the rectification deadline now.
    pub overdue: i64,
    pub open: i64,
}

/// Tips received in a period, handled (closed) and rewarded.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct TipFigures {
    pub received: i64,
    pub closed: i64,
    pub rewards_paid: i64,
    pub amount_paid: i64,
}

impl Tx {
    /// Hazard figures per unit (all units, in tree order) for reports created in
    /// `from_ms..to_ms`; `first_ms`/`first_major_ms` are the first escalation offsets.
    pub async fn hazard_figures(
        &mut self,
        from_ms: i64,
        to_ms: i64,
        first_ms: i64,
        first_major_ms: i64,
        now: i64,
    ) -> Result<Vec<(String, HazardFigures)>> {
        let sql = "SELECT u.id, COUNT(h.id), \
                   COALESCE(SUM(CASE WHEN h.acked_at IS NOT NULL AND h.acked_at - h.created_at <= \
                        (CASE WHEN h.major THEN $4 ELSE $3 END) THEN 1 ELSE 0 END), 0), \
                   COALESCE(SUM(CASE WHEN h.rectified_at IS NOT NULL AND h.rectify_due IS NOT NULL \
                        AND h.rectified_at <= h.rectify_due THEN 1 ELSE 0 END), 0), \
                   COALESCE(SUM(CASE WHEN h.state IN ('acknowledged', 'rectifying') AND h.rectify_due < $5 THEN 1 ELSE 0 END), 0), \
                   COALESCE(SUM(CASE WHEN h.state NOT IN ('closed', 'rejected') THEN 1 ELSE 0 END), 0) \
                   FROM units u LEFT JOIN hazards h ON h.unit_id = u.id AND h.created_at >= $1 AND h.created_at < $2 \
                   GROUP BY u.id, u.position ORDER BY u.position, u.id";
        let rows: Vec<(String, i64, i64, i64, i64, i64)> = on_tx!(self, c => sqlx::query_as(sql)
            .bind(from_ms).bind(to_ms).bind(first_ms).bind(first_major_ms).bind(now).fetch_all(&mut **c).await?);
        Ok(rows
            .into_iter()
            .map(
                |(unit, reported, acked_in_time, rectified_on_time, overdue, open)| {
                    (
                        unit,
                        HazardFigures {
                            reported,
                            acked_in_time,
                            rectified_on_time,
                            overdue,
                            open,
                        },
                    )
                },
            )
            .collect())
    }

    pub async fn tip_figures(&mut self, from_ms: i64, to_ms: i64) -> Result<TipFigures> {
        let sql = "SELECT COUNT(*), \
                   COALESCE(SUM(CASE WHEN state = 'closed' THEN 1 ELSE 0 END), 0), \
                   COALESCE(SUM(CASE WHEN reward_state = 'paid' THEN 1 ELSE 0 END), 0), \
                   CAST(COALESCE(SUM(CASE WHEN reward_state = 'paid' THEN reward_amount ELSE 0 END), 0) AS BIGINT) \
                   FROM tips WHERE created_at >= $1 AND created_at < $2";
        let (received, closed, rewards_paid, amount_paid): (i64, i64, i64, i64) = on_tx!(self, c => sqlx::query_as(sql).bind(from_ms).bind(to_ms).fetch_one(&mut **c).await?);
        Ok(TipFigures {
            received,
            closed,
            rewards_paid,
            amount_paid,
        })
    }
}
