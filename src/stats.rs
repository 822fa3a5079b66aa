//! The figures of `lookout stats` and `/stats`: per unit, zero-report timeliness
//! (及时率 = answered on time / expected) and hazard handling; tips overall.
use crate::config::{Config, Lang};
use crate::i18n::I18n;
use crate::store::{HazardFigures, Store, StoreError, TipFigures, Tx, UnitStats, UnitTally};
use chrono::{Datelike, NaiveDate, TimeZone};

/// First and last day of the month of `day`, as YYYY-MM-DD.
pub fn month_of(day: NaiveDate) -> (String, String) {
    let first = day.with_day(1).unwrap_or(day);
    let next = if first.month() == 12 {
        NaiveDate::from_ymd_opt(first.year() + 1, 1, 1)
    } else {
        NaiveDate::from_ymd_opt(first.year(), first.month() + 1, 1)
    };
    let last = next.and_then(|n| n.pred_opt()).unwrap_or(day);
    (first.to_string(), last.to_string())
}

/// The rate in percent with one decimal, or "-" when nothing was expected.
pub fn rate(s: &UnitStats) -> String {
    if s.expected == 0 {
        return "-".into();
    }
    format!("{:.1}%", s.on_time as f64 * 100.0 / s.expected as f64)
}

/// One unit's line.
#[derive(Debug, Clone)]
pub struct UnitLine {
    pub zero: UnitStats,
    pub hazards: HazardFigures,
    pub shifts: ShiftFigures,
    /// Real warnings (not exercises) issued in the period, as this unit's recipients took them.
    pub warnings: UnitTally,
}

/// How a unit's roster was kept to (only shifts that had a roster count).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ShiftFigures {
    /// Zero reports answered by the duty officer on the shift's roster,
    pub by_on_shift: i64,
    /// and by someone else while a roster named who was on.
    pub by_others: i64,
    /// Escalations taken at level 1 by the leading supervisor on shift.
    pub taken_at_level_1: i64,
}

/// Count, per unit, what the people on the roster did.
fn shift_figures(
    config: &Config,
    roster: &[crate::store::Entry],
    answers: &[(String, Option<i64>, i64)],
    takes: &[(String, i64, i64)],
) -> std::collections::HashMap<String, ShiftFigures> {
    use crate::org::Role;
    use std::collections::{HashMap, HashSet};
    let on: HashSet<(NaiveDate, &str, Role, i64)> = roster
        .iter()
        .map(|e| (e.day, e.unit_id.as_str(), e.role, e.person_id))
        .collect();
    let kept: HashSet<(NaiveDate, &str, Role)> = roster
        .iter()
        .map(|e| (e.day, e.unit_id.as_str(), e.role))
        .collect();
    let day = |at: i64| config.roster.shift_day(config.timezone, at);
    let mut out: HashMap<String, ShiftFigures> = HashMap::new();
    for (unit, person, at) in answers {
        let d = day(*at);
        if !kept.contains(&(d, unit.as_str(), Role::DutyOfficer)) {
            continue;
        }
        let f = out.entry(unit.clone()).or_default();
        match person {
            Some(p) if on.contains(&(d, unit.as_str(), Role::DutyOfficer, *p)) => {
                f.by_on_shift += 1
            }
            _ => f.by_others += 1,
        }
    }
    for (unit, person, at) in takes {
        if on.contains(&(day(*at), unit.as_str(), Role::Supervisor, *person)) {
            out.entry(unit.clone()).or_default().taken_at_level_1 += 1;
        }
    }
    out
}

#[derive(Debug, Clone)]
pub struct Figures {
    pub from: String,
    pub to: String,
    pub units: Vec<UnitLine>,
    pub tips: TipFigures,
}

/// Local days `from..=to` (YYYY-MM-DD) as epoch milliseconds `start..end`.
fn span_ms(config: &Config, from: &str, to: &str) -> (i64, i64) {
    let ms = |d: &str, next: bool| {
        NaiveDate::parse_from_str(d, "%Y-%m-%d")
            .ok()
            .and_then(|d| if next { d.succ_opt() } else { Some(d) })
            .and_then(|d| d.and_hms_opt(0, 0, 0))
            .and_then(|t| config.timezone.from_local_datetime(&t).earliest())
            .map(|t| t.timestamp_millis())
            .unwrap_or(0)
    };
    (ms(from, false), ms(to, true))
}

/// The figures over local days `from..=to`, read in one short transaction of their own.
pub async fn gather(
    store: &Store,
    config: &Config,
    from: &str,
    to: &str,
    now: i64,
) -> Result<Figures, StoreError> {
    let mut tx = store.begin_read().await?;
    let figures = gather_in(&mut tx, config, from, to, now).await?;
    tx.commit().await?;
    Ok(figures)
}

/// [`gather`] as the open transaction `tx` sees it.
pub async fn gather_in(
    tx: &mut Tx,
    config: &Config,
    from: &str,
    to: &str,
    now: i64,
) -> Result<Figures, StoreError> {
    let zero = tx.zero_stats(from, to).await?;
    let (start, end) = span_ms(config, from, to);
    let first = |offsets: &[crate::config::Span]| {
        offsets
            .first()
            .map(|s| s.as_std().as_millis() as i64)
            .unwrap_or(0)
    };
    let hazards = tx
        .hazard_figures(
            start,
            end,
            first(&config.hazard.escalate),
            first(&config.hazard.escalate_major),
            now,
        )
        .await?;
    // A shift that began the day before `from` may hold its first answers.
    let day = |d: &str| NaiveDate::parse_from_str(d, "%Y-%m-%d").unwrap_or_default();
    let since = day(from).pred_opt().unwrap_or_default();
    let roster = tx.roster(None, since, day(to)).await?;
    let mut shifts = shift_figures(
        config,
        &roster,
        &tx.answers_by(from, to, since).await?,
        &tx.level_one_takes(start, end).await?,
    );
    let mut warnings: std::collections::HashMap<String, UnitTally> = tx
        .warning_figures(start, end)
        .await?
        .into_iter()
        .map(|t| (t.unit_id.clone(), t))
        .collect();
    let units = zero
        .into_iter()
        .map(|z| {
            let h = hazards
                .iter()
                .find(|(u, _)| *u == z.unit_id)
                .map(|(_, h)| h.clone())
                .unwrap_or_default();
            UnitLine {
                shifts: shifts.remove(&z.unit_id).unwrap_or_default(),
                warnings: warnings.remove(&z.unit_id).unwrap_or_default(),
                zero: z,
                hazards: h,
            }
        })
        .collect();
    Ok(Figures {
        from: from.into(),
        to: to.into(),
        units,
        tips: tx.tip_figures(start, end).await?,
    })
}

pub fn table(i18n: &I18n, l: Lang, f: &Figures) -> String {
    let header: Vec<String> = [
        "stats-unit",
        "stats-expected",
        "stats-on-time",
        "stats-late",
        "stats-missing",
        "stats-incidents",
        "stats-rate",
        "stats-hz-reported",
        "stats-hz-acked",
        "stats-hz-rectified",
        "stats-hz-overdue",
        "stats-hz-open",
        "stats-on-shift",
        "stats-others",
        "stats-taken-on-shift",
        "stats-w-targeted",
        "stats-w-in-time",
        "stats-w-late",
        "stats-w-unconfirmed",
        "stats-w-unreachable",
        "stats-w-rate",
    ]
    .iter()
    .map(|k| i18n.t(l, k, &[]))
    .collect();
    let mut out = vec![header.join(" | ")];
    for u in &f.units {
        let (s, h, r, w) = (&u.zero, &u.hazards, &u.shifts, &u.warnings);
        out.push(format!(
            "{} | {} | {} | {} | {} | {} | {} | {} | {} | {} | {} | {} | {} | {} | {} | {} | {} | {} | {} | {} | {}",
            s.unit_name,
            s.expected,
            s.on_time,
            s.late,
            s.missing(),
            s.incidents,
            rate(s),
            h.reported,
            h.acked_in_time,
            h.rectified_on_time,
            h.overdue,
            h.open,
            r.by_on_shift,
            r.by_others,
            r.taken_at_level_1,
            w.targeted,
            w.in_time,
            w.late,
            w.waiting,
            w.unreachable,
            crate::warning::rate(w)
        ));
    }
    let t = &f.tips;
    out.push(String::new());
    out.push(crate::tr!(
        i18n,
        l,
        "stats-tips",
        received = t.received,
        closed = t.closed,
        paid = t.rewards_paid,
        amount = t.amount_paid
    ));
    out.join("\n")
}

pub(crate) fn csv_field(s: &str) -> String {
    if s.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s.to_string()
    }
}

/// Machine-readable, one line per unit with fixed English column names; tips are overall
/// figures (the tip desk's), so they stay in the table format.
pub fn csv(f: &Figures) -> String {
    let mut out = String::from(
        "unit_id,unit,expected,on_time,late,missing,incidents,timeliness,\
         hazards_reported,hazards_acked_in_time,hazards_rectified_on_time,hazards_overdue,hazards_open,\
         answered_on_shift,answered_by_others,taken_on_shift_at_level_1,\
         warnings_targeted,warnings_confirmed_in_time,warnings_late,warnings_unconfirmed,\
         warnings_unreachable,warning_response_rate\n",
    );
    for u in &f.units {
        let (s, h, r, w) = (&u.zero, &u.hazards, &u.shifts, &u.warnings);
        let share = |part: i64, whole: i64| {
            if whole == 0 {
                String::new()
            } else {
                format!("{:.4}", part as f64 / whole as f64)
            }
        };
        out.push_str(&format!(
            "{},{},{},{},{},{},{},{},{},{},{},{},{},{},{},{},{},{},{},{},{},{}\n",
            csv_field(&s.unit_id),
            csv_field(&s.unit_name),
            s.expected,
            s.on_time,
            s.late,
            s.missing(),
            s.incidents,
            share(s.on_time, s.expected),
            h.reported,
            h.acked_in_time,
            h.rectified_on_time,
            h.overdue,
            h.open,
            r.by_on_shift,
            r.by_others,
            r.taken_at_level_1,
            w.targeted,
            w.in_time,
            w.late,
            w.waiting,
            w.unreachable,
            share(w.in_time, w.targeted)
        ));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(expected: i64, on_time: i64, late: i64) -> UnitStats {
        UnitStats {
            unit_id: "a,b".into(),
            unit_name: "A \"x\"".into(),
            expected,
            on_time,
            late,
            incidents: 1,
        }
    }

    #[test]
    fn months_rates_and_csv() {
        let d = |s: &str| NaiveDate::parse_from_str(s, "%Y-%m-%d").expect("date");
        assert_eq!(
            month_of(d("2026-11-29")),
            ("2026-11-01".into(), "2026-11-30".into())
        );
        assert_eq!(
            month_of(d("2026-12-05")),
            ("2026-12-01".into(), "2026-12-31".into())
        );
        assert_eq!(
            month_of(d("2028-02-10")),
            ("2028-02-01".into(), "2028-02-29".into())
        );
        assert_eq!(rate(&row(30, 27, 2)), "90.0%");
        assert_eq!(rate(&row(0, 0, 0)), "-");
        assert_eq!(row(30, 27, 2).missing(), 1);
        let f = Figures {
            from: String::new(),
            to: String::new(),
            units: vec![UnitLine {
                zero: row(4, 3, 0),
                hazards: HazardFigures {
                    reported: 2,
                    open: 1,
                    ..Default::default()
                },
                shifts: ShiftFigures {
                    by_on_shift: 5,
                    by_others: 1,
                    taken_at_level_1: 2,
                },
                warnings: UnitTally {
                    unit_id: "a,b".into(),
                    targeted: 4,
                    in_time: 3,
                    late: 1,
                    waiting: 0,
                    unreachable: 0,
                },
            }],
            tips: TipFigures::default(),
        };
        assert!(
            csv(&f).ends_with(
                "\"a,b\",\"A \"\"x\"\"\",4,3,0,1,1,0.7500,2,0,0,0,1,5,1,2,4,3,1,0,0,0.7500\n"
            ),
            "{}",
            csv(&f)
        );
    }

    #[test]
    fn answers_and_takes_count_against_the_shift_they_fell_in() {
        use crate::org::Role;
        use crate::store::Entry;
        let config = Config::default(); // shifts from 08:30, Asia/Shanghai
        let d = |s: &str| NaiveDate::parse_from_str(s, "%Y-%m-%d").expect("date");
        let at = |s: &str| {
            chrono::DateTime::parse_from_rfc3339(s)
                .unwrap()
                .timestamp_millis()
        };
        let entry = |day: &str, unit: &str, role, person_id| Entry {
            day: d(day),
            unit_id: unit.into(),
            role,
            person_id,
        };
        let roster = [
            entry("2026-12-01", "lijia", Role::DutyOfficer, 1),
            entry("2026-12-02", "lijia", Role::DutyOfficer, 2),
            entry("2026-12-02", "lijia", Role::Supervisor, 7),
        ];
        let answers = [
            // 08:00 on the 2nd is still the 1st's shift: person 1's.
            (
                "lijia".to_string(),
                Some(1),
                at("2026-12-02T08:00:00+08:00"),
            ),
            (
                "lijia".to_string(),
                Some(1),
                at("2026-12-02T09:00:00+08:00"),
            ),
            // No roster for nanjiao: counted neither way.
            (
                "nanjiao".to_string(),
                Some(3),
                at("2026-12-02T09:00:00+08:00"),
            ),
        ];
        let takes = [
            ("lijia".to_string(), 7, at("2026-12-02T10:00:00+08:00")),
            ("lijia".to_string(), 8, at("2026-12-02T10:00:00+08:00")),
        ];
        let f = shift_figures(&config, &roster, &answers, &takes);
        assert_eq!(
            f.get("lijia"),
            Some(&ShiftFigures {
                by_on_shift: 1,
                by_others: 1,
                taken_at_level_1: 1
            })
        );
        assert!(!f.contains_key("nanjiao"));
    }

    #[test]
    fn local_days_to_instants() {
        let config = Config::default(); // Asia/Shanghai, UTC+8
        let (start, end) = span_ms(&config, "2026-11-01", "2026-11-30");
        assert_eq!(start, 1_793_462_400_000); // 2026-10-31T16:00Z
        assert_eq!(end - start, 30 * 86_400_000);
    }
}
