//! The audit export (`lookout audit`): every recorded step over local days FROM..=TO — who
//! was alerted, who took, snoozed or resolved what, each hazard transition, the desk's steps
//! on tips with their rewards, zero-report answers, pauses and admin changes — as CSV or JSON
//! lines, with times in the configured timezone (RFC 3339). Nothing of any tipster: the store
//! reads only the desk's side of a tip.
use crate::store::{AuditRow, Store, StoreError};
use chrono::{NaiveDate, SecondsFormat, TimeZone};
use chrono_tz::Tz;
use serde_json::json;
use std::io::Write;

#[derive(Debug, thiserror::Error)]
pub enum AuditError {
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("writing the export: {0}")]
    Io(#[from] std::io::Error),
    #[error("--from {from} is after --to {to}")]
    Range { from: NaiveDate, to: NaiveDate },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Csv,
    Jsonl,
}

/// The columns, in order; JSON lines carry the same names.
pub const COLUMNS: [&str; 7] = ["at", "kind", "item", "unit", "actor_id", "actor", "detail"];

/// Local days FROM..=TO; each bound defaults to this month's first or last day.
pub fn days(
    from: Option<NaiveDate>,
    to: Option<NaiveDate>,
    today: NaiveDate,
) -> Result<(NaiveDate, NaiveDate), AuditError> {
    let (first, last) = crate::stats::month_of(today);
    let parse = |s: String| NaiveDate::parse_from_str(&s, "%Y-%m-%d").unwrap_or(today);
    let from = from.unwrap_or_else(|| parse(first));
    let to = to.unwrap_or_else(|| parse(last));
    if from > to {
        return Err(AuditError::Range { from, to });
    }
    Ok((from, to))
}

/// The instant a local day starts (the earliest, should a clock change skip midnight).
fn day_start(tz: Tz, day: NaiveDate) -> i64 {
    let midnight = day.and_hms_opt(0, 0, 0).unwrap_or_default();
    match tz.from_local_datetime(&midnight).earliest() {
        Some(t) => t.timestamp_millis(),
        None => midnight.and_utc().timestamp_millis(),
    }
}

pub fn timestamp(tz: Tz, at: i64) -> String {
    crate::clock::from_ms(at)
        .with_timezone(&tz)
        .to_rfc3339_opts(SecondsFormat::Secs, false)
}

/// Write the trail of local days FROM..=TO to `out`; returns the number of rows.
pub async fn export(
    store: &Store,
    tz: Tz,
    from: NaiveDate,
    to: NaiveDate,
    format: Format,
    out: &mut impl Write,
) -> Result<usize, AuditError> {
    let end = to.succ_opt().unwrap_or(to);
    let rows = store
        .audit_rows(day_start(tz, from), day_start(tz, end))
        .await?;
    write(&rows, tz, format, out)?;
    Ok(rows.len())
}

pub fn write(
    rows: &[AuditRow],
    tz: Tz,
    format: Format,
    out: &mut impl Write,
) -> std::io::Result<()> {
    if format == Format::Csv {
        writeln!(out, "{}", COLUMNS.join(","))?;
    }
    for r in rows {
        let at = timestamp(tz, r.at);
        match format {
            Format::Csv => {
                let actor_id = r.actor_id.map(|i| i.to_string()).unwrap_or_default();
                let fields = [
                    at.as_str(),
                    &r.kind,
                    &r.item,
                    r.unit.as_deref().unwrap_or_default(),
                    &actor_id,
                    r.actor.as_deref().unwrap_or_default(),
                    &r.detail,
                ];
                let line: Vec<String> = fields.iter().map(|f| crate::stats::csv_field(f)).collect();
                writeln!(out, "{}", line.join(","))?;
            }
            Format::Jsonl => {
                let line = json!({
                    "at": at,
                    "kind": r.kind,
                    "item": r.item,
                    "unit": r.unit,
                    "actor_id": r.actor_id,
                    "actor": r.actor,
                    "detail": r.detail,
                });
                writeln!(out, "{line}")?;
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(detail: &str) -> AuditRow {
        AuditRow {
            at: 1_764_556_200_000, // 2025-12-01T02:30:00Z
            kind: "hazard.rejected".into(),
            item: "H-3".into(),
            unit: Some("wangcun".into()),
            actor_id: Some(7),
            actor: Some("王五".into()),
            detail: detail.into(),
        }
    }

    #[test]
    fn csv_quotes_what_needs_it_and_times_are_local() {
        let mut out = Vec::new();
        let tz: Tz = "Asia/Shanghai".parse().unwrap();
        write(&[row("not ours, \"see\" H-1")], tz, Format::Csv, &mut out).unwrap();
        let text = String::from_utf8(out).unwrap();
        assert_eq!(
            text,
            "at,kind,item,unit,actor_id,actor,detail\n\
             2025-12-01T10:30:00+08:00,hazard.rejected,H-3,wangcun,7,王五,\"not ours, \"\"see\"\" H-1\"\n"
        );
    }

    #[test]
    fn json_lines_carry_the_same_fields() {
        let mut out = Vec::new();
        let mut r = row("");
        r.actor_id = None;
        r.actor = None;
        write(&[r], chrono_tz::UTC, Format::Jsonl, &mut out).unwrap();
        let v: serde_json::Value = serde_json::from_slice(&out).unwrap();
        assert_eq!(v["at"], "2025-12-01T02:30:00+00:00");
        assert!(v["actor"].is_null() && v["actor_id"].is_null());
        assert_eq!(v.as_object().unwrap().len(), COLUMNS.len());
    }

    #[test]
    fn ranges_default_to_this_month_and_must_be_in_order() {
        let today = NaiveDate::from_ymd_opt(2026, 2, 14).unwrap();
        let d = |s: &str| NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap();
        assert_eq!(
            days(None, None, today).unwrap(),
            (d("2026-02-01"), d("2026-02-28"))
        );
        assert_eq!(
            days(Some(d("2026-01-05")), None, today).unwrap(),
            (d("2026-01-05"), d("2026-02-28"))
        );
        assert!(matches!(
            days(Some(d("2026-03-01")), Some(d("2026-02-01")), today),
            Err(AuditError::Range { .. })
        ));
        let tz: Tz = "Asia/Shanghai".parse().unwrap();
        assert_eq!(day_start(tz, d("2026-02-01")), 1_769_875_200_000);
    }
}
