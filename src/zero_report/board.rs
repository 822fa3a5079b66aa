//! The board of a round (the daily summary and `/today`), split to fit Telegram messages.
use crate::clock::hhmm as hhmm_in;
use crate::config::Lang;
use crate::i18n::I18n;
use crate::store::{BoardLine, Round};
use crate::tr;
use chrono_tz::Tz;

/// Telegram's limit on a message's text, in characters.
const MAX_CHARS: usize = 4096;

fn line(i18n: &I18n, tz: Tz, l: Lang, b: &BoardLine, round_open: bool) -> String {
    let unit = b.unit_name.clone();
    match &b.answer {
        None if round_open => tr!(i18n, l, "zr-line-waiting", unit = unit),
        None => tr!(i18n, l, "zr-line-missing", unit = unit),
        Some(a) if a.kind == "incident" => tr!(
            i18n,
            l,
            "zr-line-incident",
            unit = unit,
            time = hhmm_in(tz, a.answered_at),
            who = a.person_name.clone(),
            text = a.text.clone().unwrap_or_default()
        ),
        Some(a) if a.late => tr!(
            i18n,
            l,
            "zr-line-late",
            unit = unit,
            time = hhmm_in(tz, a.answered_at),
            who = a.person_name.clone()
        ),
        Some(a) => tr!(
            i18n,
            l,
            "zr-line-ontime",
            unit = unit,
            time = hhmm_in(tz, a.answered_at),
            who = a.person_name.clone()
        ),
    }
}

/// Title, counts, then one line per unit; as many messages as the length needs.
pub fn render(
    i18n: &I18n,
    tz: Tz,
    l: Lang,
    title: &str,
    round: &Round,
    lines: &[BoardLine],
    now: i64,
) -> Vec<String> {
    let open = now <= round.closes_at;
    let answered: Vec<_> = lines.iter().filter_map(|b| b.answer.as_ref()).collect();
    let on_time = answered.iter().filter(|a| !a.late).count() as i64;
    let late = answered.len() as i64 - on_time;
    let incidents = answered.iter().filter(|a| a.kind == "incident").count() as i64;
    let counts = tr!(
        i18n,
        l,
        "zr-board-counts",
        expected = lines.len() as i64,
        on_time = on_time,
        late = late,
        missing = lines.len() as i64 - answered.len() as i64,
        incidents = incidents
    );
    let mut parts = vec![format!("{title}\n{counts}")];
    // The length of the last part, in characters (counted once per line, not per part).
    let mut last_len = parts[0].chars().count();
    for b in lines {
        let mut text = line(i18n, tz, l, b, open);
        // A single line longer than a message (a very long incident text) is cut, not lost:
        // the full text is in the incident alert and the database.
        if text.chars().count() > MAX_CHARS - 2 {
            text = text.chars().take(MAX_CHARS - 3).collect::<String>() + "…";
        }
        let len = text.chars().count();
        match parts.last_mut() {
            Some(last) if last_len + 1 + len <= MAX_CHARS => {
                last.push('\n');
                last.push_str(&text);
                last_len += 1 + len;
            }
            _ => {
                parts.push(text);
                last_len = len;
            }
        }
    }
    parts
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::Answer;

    fn i18n() -> I18n {
        I18n::load().expect("locales")
    }

    #[test]
    fn nags_name_the_first_twenty_silent_units_and_count_the_rest() {
        let i18n = i18n();
        let names: Vec<String> = (1..=25).map(|i| format!("村{i}")).collect();
        let zh = super::super::name_list(&i18n, Lang::ZhCn, &names);
        assert!(zh.starts_with("村1、村2、") && zh.contains("村20"), "{zh}");
        assert!(!zh.contains("村21") && zh.contains('5'), "{zh}");
        let few = super::super::name_list(&i18n, Lang::En, &names[..2]);
        assert_eq!(few, "村1, 村2");
    }

    #[test]
    fn long_boards_are_split_within_telegrams_limit_losing_no_line() {
        let i18n = i18n();
        let round = Round {
            id: 1,
            opened_at: 0,
            closes_at: 1,
            day: "2026-11-29".into(),
            state: "closed".into(),
        };
        let lines: Vec<BoardLine> = (0..400)
            .map(|n| BoardLine {
                unit_id: format!("u{n}"),
                unit_name: format!("unit-{n:03}-{}", "x".repeat(20)),
                answer: (n % 3 == 0).then(|| Answer {
                    kind: "incident".into(),
                    text: Some("y".repeat(if n == 0 { 5000 } else { 30 })),
                    person_name: "p".into(),
                    answered_at: 0,
                    late: false,
                }),
            })
            .collect();
        let parts = render(
            &i18n,
            Tz::Asia__Shanghai,
            Lang::En,
            "title",
            &round,
            &lines,
            2,
        );
        assert!(parts.len() > 3, "{} parts", parts.len());
        assert!(parts.iter().all(|p| p.chars().count() <= MAX_CHARS));
        let all = parts.join("\n");
        for n in 0..400 {
            assert!(all.contains(&format!("unit-{n:03}-")), "unit {n} lost");
        }
        assert!(
            parts[0].starts_with("title\nexpected 400"),
            "{}",
            &parts[0][..40]
        );
    }
}
