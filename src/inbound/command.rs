//! Parsing of bot commands from untrusted text.

/// A command as typed: `/name@bot args`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Command {
    pub name: String,
    pub args: String,
}

/// Every command Lookout knows, in `/help` order.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Known {
    Start,
    Help,
    Lang,
    Cancel,
    Bind,
    Invite,
    Ack,
    Snooze,
    Season,
    Zero,
    Incident,
    Today,
    Duty,
    Roster,
    Swap,
    Pause,
    Stats,
    Tip,
    Reply,
    Close,
    Reward,
    Reveal,
    Forward,
    Report,
    Work,
    Done,
    Reject,
    Reopen,
    Status,
    Merge,
    Deadline,
    Warn,
    WarnEnd,
    Warning,
    Ok,
    Board,
}

impl Known {
    pub const ALL: [Known; 36] = [
        Known::Start,
        Known::Help,
        Known::Lang,
        Known::Cancel,
        Known::Bind,
        Known::Invite,
        Known::Ack,
        Known::Snooze,
        Known::Season,
        Known::Zero,
        Known::Incident,
        Known::Today,
        Known::Duty,
        Known::Roster,
        Known::Swap,
        Known::Pause,
        Known::Stats,
        Known::Tip,
        Known::Reply,
        Known::Close,
        Known::Reward,
        Known::Reveal,
        Known::Forward,
        Known::Report,
        Known::Work,
        Known::Done,
        Known::Reject,
        Known::Reopen,
        Known::Status,
        Known::Merge,
        Known::Deadline,
        Known::Warn,
        Known::WarnEnd,
        Known::Warning,
        Known::Ok,
        Known::Board,
    ];

    pub fn name(self) -> &'static str {
        match self {
            Known::Start => "start",
            Known::Help => "help",
            Known::Lang => "lang",
            Known::Cancel => "cancel",
            Known::Bind => "bind",
            Known::Invite => "invite",
            Known::Ack => "ack",
            Known::Snooze => "snooze",
            Known::Season => "season",
            Known::Zero => "zero",
            Known::Incident => "incident",
            Known::Today => "today",
            Known::Duty => "duty",
            Known::Roster => "roster",
            Known::Swap => "swap",
            Known::Pause => "pause",
            Known::Stats => "stats",
            Known::Tip => "tip",
            Known::Reply => "reply",
            Known::Close => "close",
            Known::Reward => "reward",
            Known::Reveal => "reveal",
            Known::Forward => "forward",
            Known::Report => "report",
            Known::Work => "work",
            Known::Done => "done",
            Known::Reject => "reject",
            Known::Reopen => "reopen",
            Known::Status => "status",
            Known::Merge => "merge",
            Known::Deadline => "deadline",
            Known::Warn => "warn",
            Known::WarnEnd => "warn_end",
            Known::Warning => "warning",
            Known::Ok => "ok",
            Known::Board => "board",
        }
    }
}

impl Command {
    pub fn known(&self) -> Option<Known> {
        Known::ALL.into_iter().find(|k| k.name() == self.name)
    }
}

/// `None` when the text is not a command, or is a command addressed to another bot.
pub fn parse(text: &str, bot_username: &str) -> Option<Command> {
    let text = text.trim_start();
    let rest = text.strip_prefix('/')?;
    let (head, args) = match rest.find(char::is_whitespace) {
        Some(i) => (&rest[..i], rest[i..].trim()),
        None => (rest, ""),
    };
    let (name, target) = match head.split_once('@') {
        Some((n, t)) => (n, Some(t)),
        None => (head, None),
    };
    if target.is_some_and(|t| !t.eq_ignore_ascii_case(bot_username)) {
        return None;
    }
    if name.is_empty() || name.len() > 32 {
        return None;
    }
    Some(Command {
        name: name.to_ascii_lowercase(),
        args: args.to_string(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_commands() {
        let c = parse("/start ABC", "lookout_bot").expect("command");
        assert_eq!(
            (c.name.as_str(), c.args.as_str(), c.known()),
            ("start", "ABC", Some(Known::Start))
        );
        let c = parse("/HELP@Lookout_Bot", "lookout_bot").expect("command");
        assert_eq!(c.known(), Some(Known::Help));
        assert_eq!(parse("/help@other_bot", "lookout_bot"), None);
        assert_eq!(parse("hello", "lookout_bot"), None);
        assert_eq!(parse("/", "lookout_bot"), None);
        let c = parse("/invite  wangcun   duty_officer ", "b").expect("command");
        assert_eq!(c.args, "wangcun   duty_officer");
        assert_eq!(parse("/nope", "b").and_then(|c| c.known()), None);
    }
}
