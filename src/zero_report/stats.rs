//! Timeliness figures (及时率 = answered on time / expected) as a table or CSV.
use crate::config::Lang;
use crate::i18n::I18n;
use crate::store::UnitStats;
use chrono::{Datelike, NaiveDate};

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

pub fn table(i18n: &I18n, l: Lang, rows: &[UnitStats]) -> String {
    let header = [
        i18n.t(l, "stats-unit", &[]),
        i18n.t(l, "stats-expected", &[]),
        i18n.t(l, "stats-on-time", &[]),
        i18n.t(l, "stats-late", &[]),
        i18n.t(l, "stats-missing", &[]),
        i18n.t(l, "stats-incidents", &[]),
        i18n.t(l, "stats-rate", &[]),
    ];
    let mut out = vec![header.join(" | ")];
    for s in rows {
        out.push(format!(
            "{} | {} | {} | {} | {} | {} | {}",
            s.unit_name,
            s.expected,
            s.on_time,
            s.late,
            s.missing(),
            s.incidents,
            rate(s)
        ));
    }
    out.join("\n")
}

fn csv_field(s: &str) -> String {
    if s.contains([',', '"', '\n']) {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s.to_string()
    }
}

/// Machine-readable: fixed English column names.
pub fn csv(rows: &[UnitStats]) -> String {
    let mut out = String::from("unit_id,unit,expected,on_time,late,missing,incidents,timeliness\n");
    for s in rows {
        let rate = if s.expected == 0 {
            String::new()
        } else {
            format!("{:.4}", s.on_time as f64 / s.expected as f64)
        };
        out.push_str(&format!(
            "{},{},{},{},{},{},{},{}\n",
            csv_field(&s.unit_id),
            csv_field(&s.unit_name),
            s.expected,
            s.on_time,
            s.late,
            s.missing(),
            s.incidents,
            rate
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
    fn months_and_rates() {
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
        assert_eq!(csv(&[row(4, 3, 0)]), "unit_id,unit,expected,on_time,late,missing,incidents,timeliness\n\"a,b\",\"A \"\"x\"\"\",4,3,0,1,1,0.7500\n");
    }
}
