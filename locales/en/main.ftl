# Lookout — English

role-grid_worker = grid worker
role-duty_officer = duty officer
role-supervisor = supervisor
role-admin = admin

start-welcome =
    Hello! I am Lookout, the duty assistant of the district, town and village emergency duty rooms and their safety grid workers.
    · During the forest fire season I remind every unit to file its daily zero report and escalate missing answers, level by level;
    · grid workers report hazards and follow them to rectification;
    · anyone can send an anonymous tip (whistleblower) without registering.
    To join, ask your unit's admin for an invite code, then send /start CODE.
    Send /help for the commands you can use, /lang to switch language (切换中文：/lang zh).
joined = You joined { $unit } as { $role }. Send /help to see what you can do.
already-member = You already are { $role } of { $unit }; nothing changed.
invite-unknown = This invite code is not valid. Check it and try again, or ask your unit's admin for a new one.
invite-expired = This invite code has expired. Ask your unit's admin for a new one.
invite-used-up = This invite code has been used up. Ask your unit's admin for a new one.
start-private-only = Please send /start CODE to me in a private chat.

help-title = Commands:
help-start = /start CODE — join your unit with an invite code
help-help = /help — show this help
help-lang = /lang — switch language (中文 / English)
help-cancel = /cancel — cancel what you are doing
help-bind = /bind — in a group: make it your unit's duty room
help-invite = /invite UNIT ROLE [USES] [EXPIRES] — create an invite code (roles: grid_worker, duty_officer, supervisor, admin; default 1 use, valid 7d)
help-stranger = You have not joined a unit yet. Ask your unit's admin for an invite code, then send /start CODE.
help-roles = Your roles: { $roles }

cmd-start = Join or read what this bot does
cmd-help = Commands you can use
cmd-lang = Switch language
cmd-cancel = Cancel what you are doing
cmd-bind = Make this group the duty room (groups)
cmd-invite = Create an invite code (admins)

lang-choose = Choose a language:
lang-set = Language set to English.
lang-unknown = Unknown language. Choose zh (中文) or en (English).

cancel-done = Cancelled.
cancel-nothing = There is nothing to cancel.

bind-group-only = Send /bind in the duty room group.
bind-not-allowed = Only a duty officer, supervisor or admin of a unit can bind a duty room. Join with an invite code first.
bind-choose = You hold roles in several units. Which unit is this group the duty room of?
bind-done = This group is now the duty room of "{ $unit }". Reminders come here and any duty officer in it may answer.
bind-moved = This group is now the duty room of "{ $unit }" (it was the duty room of "{ $previous }").
bind-unknown-unit = You may not bind unit "{ $unit }", or it does not exist.

invite-usage = Usage: /invite UNIT_ID ROLE [USES] [EXPIRES], for example /invite wangcun duty_officer or /invite lijia grid_worker 5 3d (default: 1 use, valid 7d)
invite-bad-uses = USES must be a whole number from 1 to { $max }, not "{ $uses }". No invite was created.
invite-bad-expires = EXPIRES must be a duration from { $min } to { $max }, such as 12h or 7d, not "{ $expires }". No invite was created.
invite-not-allowed = Only admins can create invite codes.
invite-unknown-unit = Unit "{ $unit }" does not exist or is outside the units you administer.
invite-bad-role = Unknown role "{ $role }". Choose grid_worker, duty_officer, supervisor or admin.
invite-created =
    Invite created: { $unit }, { $role }, { $uses } use(s), { $expires }.
    Pass this link or command on (it is shown only once):
    { $link }
    /start { $code }
invite-expires-never = no expiry
invite-expires-at = valid until { $when }

unknown-command = I don't know that command. Send /help to see what you can do.
not-understood = I did not understand that message. Send /help to see what you can do.
private-only = This command works only in a private chat with me.
button-expired = This button is no longer valid.
internal-error = Sorry, something went wrong handling your message. Please try again later.
list-more = { $list } and { $more } more
list-separator = {", "}

cli-migrated = Database migrated.
cli-imported = Units imported: { $added } new, { $updated } updated.
cli-invite = Invite: { $unit }, { $role }, { $uses } use(s), { $expires }. The person joins by sending /start and this code to the bot in a private chat:
cli-expires-in = valid for { $span }

# Escalation
esc-notify =
    ⚠️ Level { $level } alert { $id }: { $what }
    Responsible unit: { $unit }
    Waiting since: { $since }
    Already notified: { $notified }
    Take it with the button, or send /ack { $id }.
esc-notified-none = nobody yet (first alert)
esc-ack-button = ✅ I'll handle it
esc-acked = ✅ { $who } took it: { $what } ({ $unit }). The alerts stop.
esc-resolved = ✅ Resolved: { $what } ({ $unit }). The alerts end.
esc-ack-done = Acknowledged, it is yours: { $what }
esc-ack-refused = You may not acknowledge this (it needs a duty officer or supervisor of the unit or a unit above it).
esc-ack-already = { $who } already acknowledged this at { $when }.
esc-acked-calling = 📞 { $who } is phoning them: { $what } ({ $unit }); the alert chain stopped and ends once all have confirmed.
esc-ack-calling = You are phoning them: { $what }. The chain stopped; it ends once they have confirmed.
esc-acked-on-it = ✅ { $who } is on it: { $what } ({ $unit }). The alerts stop; the unit must still file its report.
esc-ack-on-it = You are on it: { $what }. The alerts stop; the unit must still file its report (it will count as late).
esc-ack-item-refused = You may not take this item yourself (a tip is taken by the tip desk's duty officers and supervisors), so the alerts go on. Please reach the responsible handlers.
esc-ack-closed = This is already resolved; nothing to acknowledge.
esc-unknown = There is no item { $id }, or you may not act on it.
esc-ack-usage = Usage: /ack ID, for example /ack E-12 (an alert), /ack H-3 (a hazard), /ack T-4 (a tip)
esc-snooze-usage = Usage: /snooze ID DURATION REASON, for example /snooze E-12 2h reached them by phone
esc-snoozed = Alerts for { $id } paused until { $until }.
esc-snooze-refused = Only a supervisor of the unit or a unit above it can pause alerts.
esc-snooze-not-open = This item has no alerts running.
esc-snooze-notice = ⏸ { $who } paused the alerts until { $until }: { $what }. Reason: { $reason }
esc-retriggered = ⚠️ Acknowledged but not resolved in time; alerting again, level by level: { $what }
what-generic = { $text }

# Fire season
season-usage = Usage: /season on|off|auto (on forces it on, off forces it off, auto follows the calendar)
season-not-allowed = Only admins can set the fire season.
season-mode-on = forced on
season-mode-off = forced off
season-mode-auto = by the calendar ({ $periods })
season-state-on = The fire season is on now
season-state-off = The fire season is off now
season-status = Fire season: { $mode }. { $state }.
season-announce = 📢 { $who } set the fire season: { $mode }. { $state }.

help-ack = /ack ID — take an item yourself and stop its alerts
help-snooze = /snooze ID DURATION REASON — pause alerts for a while (supervisors)
help-season = /season on|off|auto — set the fire season (admins)
cmd-ack = Acknowledge an item
cmd-season = Set the fire season (admins)

# Zero reports
zr-remind = 📋 { $unit }, zero report for { $date }: please answer before { $deadline }. Nothing happened: press "Zero report"; something happened: press "Incident".
zr-nag = ⏰ Reminder: { $unit } has not filed the zero report for { $date }; the deadline is { $deadline }. Not answered yet: { $silent }
zr-btn-nothing = ✅ Zero report (nothing)
zr-btn-incident = 🔥 Incident
zr-answered = ✅ { $unit }, zero report for { $date } filed ({ $status }) — { $who } { $time }
zr-status-nothing = nothing to report
zr-status-late = nothing to report, late
zr-status-incident = incident
zr-recorded = Recorded: { $unit }, zero report for { $date } (nothing to report).
zr-recorded-late = Recorded: { $unit }, zero report for { $date } (nothing to report), after the deadline, so marked late.
zr-recorded-incident = Recorded: { $unit } reports an incident for { $date }; the supervisors and the unit above have been alerted.
zr-already = { $who } already answered this round at { $time }; nothing more is needed.
zr-not-expected = Your unit does not report in this round (or is paused).
zr-no-round = No zero report is due now (outside the fire season, or the round has not started).
zr-not-allowed = Only a unit's duty officers or supervisors can file its zero report. Join with an invite code first.
zr-choose-unit = You are on duty for several units. Which unit is this for?
zr-incident-ask = { $who }, please send what happened as a text message. Send /cancel to stop.
zr-incident-usage = Usage: /incident WHAT HAPPENED (at most { $max } characters), for example /incident smoke seen on the north slope, checking now
zr-incident-alert =
    🔥 { $unit } reports an incident ({ $who } { $time }):
    { $text }
    A supervisor please acknowledge ({ $id }).
zr-what-missing = { $unit } has not filed the zero report for { $date }
zr-what-incident = { $unit } reports an incident: { $text }
zr-summary-title = 📊 Zero reports for { $date } ({ $unit } and the units below)
zr-today-title = 📋 Zero reports for { $date } (deadline { $deadline })
zr-board-counts = expected { $expected }, on time { $on_time }, late { $late }, missing { $missing }, incidents { $incidents }
zr-line-ontime = ✅ { $unit } { $time } { $who }
zr-line-late = 🕘 { $unit } late { $time } { $who }
zr-line-missing = ❌ { $unit } missing
zr-line-waiting = ⏳ { $unit } waiting
zr-line-incident = 🔥 { $unit } incident { $time } { $who }: { $text }
zr-pause-usage = Usage: /pause UNIT FROM TO REASON, for example /pause xihe 2026-12-01 2026-12-31 merged into Lijia
zr-paused = Zero reports of { $unit } paused from { $from } to { $to }. Reason: { $reason }
zr-stats-title = 📈 Zero-report timeliness { $from } to { $to }
zr-stats-not-allowed = Only supervisors and admins can see statistics.
stats-unit = unit
stats-expected = expected
stats-on-time = on time
stats-late = late
stats-missing = missing
stats-incidents = incidents
stats-rate = timeliness

help-zero = /zero — file your unit's zero report for today (nothing to report)
help-incident = /incident WHAT — report an incident for your unit today
help-today = /today — today's zero reports of your units and those below
help-stats = /stats — this month's timeliness (supervisors)
help-pause = /pause UNIT FROM TO REASON — pause a unit's zero reports (admins)
cmd-zero = Zero report (nothing)
cmd-incident = Report an incident
cmd-today = Today's board
cmd-stats = This month's timeliness

# Demo
demo-join = Lookout demo: { $units } units imported; people join with invites
demo-invite = The admin creates an invite in the bot; a grid worker joins
demo-bind = Wangcun's duty officer makes the town's group its duty room
demo-morning = Morning: zero-report reminders go out, units answer (Dongzhuang's officer with a press on a WeCom card), Nanjiao reports an incident
demo-deadline = The deadline passes: Nanjiao village is missing and escalates; Xihe answers late
demo-summary = The daily summary and today's board
demo-outbox = Every message went through the outbox
demo-board = The demo is over; the board stays open (Ctrl-C to quit). Open it in a browser:
demo-counts = outbox: { $sent } sent, { $pending } pending, { $failed } failed
zr-incident-more = { $unit }, more on the incident ({ $who })
zr-incident-forwarded = Forwarded to the supervisors and the unit above.

# Tips
cmd-tip = Send a tip in confidence (whistleblower)
help-tip = /tip — send an anonymous tip; /tip CODE [TEXT] — see your tip and add to it
help-tip-desk = /ack T-ID, /reply T-ID TEXT, /close T-ID OUTCOME, /forward T-ID UNIT — handle tips (tip desk)
help-reward = /reward T-ID proposed AMOUNT | approved | paid — record a tip's reward (tip desk supervisors)
tip-intro =
    🕵️ Anonymous tip (whistleblower report).
    What stays secret: the people who handle tips never see your name, username, account or language. Your chat is stored only encrypted, and my messages to you are erased once delivered. Do not write your name into the tip unless you want to be known.
    Now describe what you saw in a message. You may add photos and a location (pictures sent as files are cleaned of their GPS position and camera details), then press "Send tip". /cancel stops.
tip-private-only = Tips are sent in a private chat with me, never in a group.
tip-rate-limited = Thank you — you have sent several tips in the last hour. You can send another one after { $time }.
tip-got-text = Noted.
tip-got-photo = Photo added ({ $photos } so far).
tip-got-location = Location added.
tip-ready = Add more text, photos or a location if you like, then press "Send tip".
tip-need-text = Please also describe what you saw in a text message.
tip-draft-too-long = That is too long for a tip. Please keep it under 3000 characters.
tip-draft-full = A tip holds at most 10 photos.
tip-document = Files cannot be attached to a tip: they may carry hidden details about you. Send text, photos or a location. This file was not kept.
tip-unsupported = Send text, photos or a location for your tip, or /cancel.
tip-send-button = ✅ Send tip
tip-drop-button = ✖ Cancel
tip-no-draft = There is no tip being written here. Send /tip to start one.
tip-sent =
    ✅ Your tip { $id } was sent to the tip desk.
    Your receipt code:
    { $code }
    ⚠️ Keep this code secret and safe. It is the only way back to your tip from another account (/tip CODE) and the way to claim a reward in person. It is shown only this once: nobody, not even the desk, can look it up for you.
    Replies from the desk arrive here, and what you send in this chat now goes to the desk (/cancel stops that).
tip-desk-new =
    🕵️ New anonymous tip { $id }:
    { $body }
    Photos: { $photos }. Location: { $location }.
    Nobody knows who the tipster is; talk to them only through me: /reply { $id } TEXT
tip-location-yes = attached
tip-location-no = none
tip-btn-ack = ✅ Acknowledge
tip-btn-reply = 💬 Reply
tip-btn-close = 🔒 Close
tip-what = anonymous tip { $id }
tip-desk-followup =
    💬 { $id } — the tipster writes:
    { $text }
tip-desk-followup-photo = 📷 { $id } — a photo from the tipster. { $text }
tip-desk-followup-location = 📍 { $id } — a location from the tipster.
tip-desk-revealed = 🔓 The tipster of { $id } chose to reveal who they are: { $who }
tip-relayed = Sent to the tip desk ({ $id }).
tip-session-ended = This tip's conversation has ended. Send /tip to start a new tip.
tip-code-unknown = This receipt code is not valid, or it no longer opens a tip. Check it and try again.
tip-code-wait = Too many wrong receipt codes from this chat. Please try again after { $time }.
tip-code-busy = Many receipt codes are being checked right now. Please try again in { $seconds } seconds.
tip-status =
    Tip { $id }: { $state }. Reward: { $reward }.
    { $exchange }
tip-state-open = received, waiting for the desk
tip-state-acknowledged = being handled by the desk
tip-state-closed = closed: { $outcome }
tip-reward-none = none
tip-reward-proposed = { $amount } proposed
tip-reward-approved = { $amount } approved
tip-reward-paid = { $amount } paid
tip-reward-word-none = none
tip-reward-word-proposed = proposed
tip-reward-word-approved = approved
tip-reward-word-paid = paid
tip-line-tipster = { $when } you: { $text }
tip-line-desk = { $when } desk: { $text }
tip-line-photo = [photo]
tip-line-location = [location]
tip-line-reveal = [you revealed who you are]
tip-to-tipster-acked = ✅ Your tip { $id } is being handled by the desk.
tip-to-tipster-reply =
    💬 The tip desk replies about { $id }:
    { $text }
    (Answer here, or from any account with /tip CODE TEXT.)
tip-to-tipster-closed =
    🔒 Your tip { $id } was closed: { $outcome }
    Thank you.
tip-to-tipster-reward-proposed = 🎁 A reward of { $amount } has been proposed for your tip { $id }.
tip-to-tipster-reward-approved = 🎁 The reward of { $amount } for your tip { $id } is approved. Claim it in person with your receipt code; you need not tell anyone here who you are.
tip-to-tipster-reward-paid = 🎁 The reward of { $amount } for your tip { $id } is recorded as paid. Thank you.
tip-not-supervisor = Only supervisors of the tip desk can record rewards.
tip-unknown = Tip { $id }: not found, or not yours to handle. Only supervisors and duty officers of the tip desk can handle tips.
tip-acked = You are handling { $id }. The tipster was told it is being handled.
tip-already-acked = { $id } is already being handled.
tip-already-closed = { $id } is already closed.
tip-replied = Sent to the tipster of { $id }.
tip-closed = { $id } closed. The tipster was told.
tip-forgotten = The tipster's identity for { $id } has been erased; messages can no longer reach them.
tip-reply-usage = Usage: /reply T-ID TEXT, for example /reply T-3 Thank you, can you tell us when?
tip-close-usage = Usage: /close T-ID OUTCOME, for example /close T-3 Verified and rectified
tip-reward-usage = Usage: /reward T-ID proposed AMOUNT, /reward T-ID approved, /reward T-ID paid
tip-reward-bad-step = The reward of { $id } is { $current }; it cannot take that step now (none → proposed → approved → paid).
tip-reward-done-proposed = Reward of { $id } proposed. The tipster was told.
tip-reward-done-approved = Reward of { $id } approved. The tipster was told.
tip-reward-done-paid = Reward of { $id } recorded as paid. The tipster was told.
tip-forward-usage = Usage: /forward T-ID UNIT_ID
tip-forward-unknown-unit = Unit "{ $unit }" does not exist.
tip-forwarded = { $id } was passed to { $unit } as hazard report { $hazard } (with the tip's text, photos and location; nothing of the tipster). You are its reporter.
tip-ask-reply = Send your reply to the tipster of { $id } as a text message (/cancel to stop). Your name is not shown to them.
tip-ask-close = Send the outcome of { $id } as a text message; the tip will then be closed (/cancel to stop).
tip-reveal-usage = Usage, in a private chat with me: /reveal CODE
tip-reveal-ask = ⚠️ You are about to tell the tip desk who you are for tip { $id }: your name, username and account id will be sent to them and kept. This cannot be undone. Are you sure?
tip-reveal-button = Yes, tell them who I am
tip-stay-anonymous-button = No, stay anonymous
tip-reveal-done = The tip desk now knows who you are for { $id }.
tip-reveal-kept = You stay anonymous.

# Hazards
hz-cat-forest_fire = forest fire risk
hz-cat-hazardous_chemicals = hazardous chemicals
hz-cat-mine = mine
hz-cat-gas_pipeline = gas pipeline
hz-cat-construction = construction
hz-cat-road_traffic = road traffic
hz-cat-geological = geological hazard
hz-cat-flood = flood
hz-cat-other = other
hz-state-reported = reported
hz-state-acknowledged = acknowledged
hz-state-rectifying = being rectified
hz-state-rectified = rectified
hz-state-closed = verified and closed
hz-state-rejected = rejected
hz-state-reopened = reopened
hz-major = major hazard
hz-normal = ordinary hazard
hz-report =
    ⚠️ Hazard { $id } ({ $severity }): { $category }
    Unit: { $unit }  Reported by: { $who }
    { $text }
hz-btn-ack = ✅ Acknowledge
hz-btn-reject = ✖ Reject
hz-what-unacked = hazard { $id } ({ $unit }) not acknowledged: { $text }
hz-what-overdue = hazard { $id } ({ $unit }) past its rectification deadline: { $text }
hz-reporter-update = Your hazard report { $id } is now: { $state } ({ $who })
hz-ask-unit = Which unit is this hazard for?
hz-ask-category = What kind of hazard is it?
hz-ask-text = Please describe the hazard in a text message (you may also send photos and a location).
hz-confirm =
    Please check your hazard report:
    Kind: { $category }
    Description: { $text }
    Photos: { $photos }; location: { $location }
    You may still add photos or a location; then choose how to submit it.
hz-location-yes = attached
hz-location-no = none
hz-btn-submit = Submit (ordinary)
hz-btn-submit-major = Submit (major hazard)
hz-btn-cancel = Cancel
hz-not-member = Only members of a unit can report hazards. Join with an invite code first; for an anonymous tip send /tip.
hz-text-too-long = That description is too long; please keep it under { $max } characters.
hz-too-many-photos = A hazard report holds at most { $max } photos.
hz-no-draft = There is no hazard report being written. Send /report to start one.
hz-cancelled = Hazard report cancelled.
hz-submitted = ✅ Hazard { $id } submitted; the responsible unit has been told. You will hear how it goes.
hz-draft-expired = Your unfinished hazard report was left too long and has been dropped. Send /report or a photo to start again.
hz-done = Done: { $id } is now "{ $state }".
hz-not-allowed = You may not do that (it needs the right role in the unit or a unit above it).
hz-wrong-state = { $id } is "{ $state }"; that step is not possible now.
hz-needs-text = Please give the reason after the id, for example /reject H-3 not found on site.
hz-unknown = There is no hazard { $id }, or you may not act on it.
hz-usage = Usage: /ack H-ID, /work H-ID [NOTE], /done H-ID [NOTE], /close H-ID, /reject H-ID REASON, /reopen H-ID REASON
hz-ask-reason = { $who }, please send the reason for rejecting { $id } as a text message.
hz-history-title =
    Hazard { $id }: { $category } ({ $state })
    { $text }
hz-status-none = There are no open hazards.
hz-status-title = { $count } open hazard(s):
hz-status-line = { $id } { $unit } { $category } — { $state }, reported { $hours } h ago
help-report = /report — report a hazard (or just send a photo or a location); /report H-ID — a hazard's history
help-hazard-handle = /ack, /work, /done, /reject H-ID — handle your unit's hazards; /merge H-DUP H-ORIG — merge a duplicate
help-hazard-verify = /close, /reopen H-ID — verify and close, or reopen, a hazard (supervisors)
help-status = /status — open hazards
cmd-report = Report a hazard
cmd-status = Open hazards
hz-nearby = ⚠️ An open report of the same kind, { $id }, is { $metres } m away: { $text }. If it is the same hazard, choose "Add to { $id }".
hz-btn-join = Add to { $id }
hz-joined = Your photos and text were added to { $id }, and its reporter told. Thank you!
hz-join-closed = { $id } is closed and cannot take more. Your report is kept: submit it as a new one.
hz-confirmed-by = { $who } confirmed your hazard report { $id } on site.
hz-duplicate-of = duplicate of { $id }
hz-merge-usage = Usage: /merge H-DUPLICATE H-ORIGINAL, for example /merge H-5 H-3
hz-state-confirmed = confirmed by another report
stats-hz-reported = hazards reported
stats-hz-acked = acknowledged in time
stats-hz-rectified = rectified on time
stats-hz-overdue = overdue
stats-hz-open = open
stats-tips = Anonymous tips: { $received } received, { $closed } closed, { $paid } reward(s) paid, { $amount } in all
demo-hazard = A grid worker's photo report travels to rectification and closing
demo-hazard-ignored = A major hazard nobody acknowledges escalates
hz-verify =
    🔎 Hazard { $id } ({ $unit }) was reported rectified by { $who }; please verify: { $text }
    { $note }
hz-btn-close = ✅ Verify and close
hz-btn-reopen = ↩ Reopen
hz-card-acked = ✅ Acknowledged by { $who } at { $time }
hz-btn-done = ✅ Rectified
hz-next-done = { $who } acknowledged { $id }. When it is rectified, press the button below (or send /done { $id } NOTE).
hz-ask-evidence = If you have photos of the rectification, send them now; they are kept with { $id } as evidence.
hz-evidence-added = Photo kept with { $id } as evidence of the rectification.
hz-deadline-usage = Usage: /deadline H-ID DURATION, for example /deadline H-3 3d (rectify within 3 days from now)
hz-state-deadline = rectification deadline set to
hz-state-evidence = evidence photo
help-hazard-deadline = /deadline H-ID DURATION — change the rectification deadline (supervisors)
demo-roster = Duty roster: at the shift change Lijia's incoming duty officer gets the handover (交接班)
demo-warning = Call and respond (叫应): the district's supervisor issues a red forest-fire warning to Wangcun; people and the duty room press Received; Xihe's officer stays silent, gets it again, and is named to the town's supervisor; then the all-clear and the response rate
demo-tip = An anonymous tip: the desk never sees the tipster, talks through the bot, proposes a reward
lang-name = English

## Duty rosters
help-duty = /duty — who is on shift now in your units and above
cmd-duty = On shift now
duty-title = 👥 On shift now (the shift of { $day }, from { $start }):
duty-unit = { $unit }: duty officer { $officers }; leading supervisor { $leaders }
duty-nobody = no roster (everyone of the role)
duty-not-allowed = Only members of a unit can see who is on shift.
cli-roster-imported = Roster imported: { $rows } row(s) for { $shifts } shift(s).
help-roster = /roster [UNIT] — the coming week's duty roster of your unit (or UNIT, yours or below)
roster-title = 📅 Duty roster of { $unit } (shifts from { $start }):
roster-day = { $day }: duty officer { $officers }; leading supervisor { $leaders }
roster-unknown-unit = Unit "{ $unit }" does not exist or is outside your units.
handover = 🔁 Handover: you are on duty for { $unit }, shift of { $day }.
handover-escalations = Open alerts: { $value }
handover-hazards = Hazards past their deadline: { $value }
handover-warnings = Warnings waiting for confirmation: { $value }
handover-round = Today's zero report: { $value }
handover-none = none
handover-no-round = no round open
handover-answered = answered
handover-unanswered = not answered yet
handover-delivered = 🔁 Handover for { $unit } delivered to { $to }.
roster-gap = ⚠️ Nobody on duty tomorrow: { $unit } has no duty officer on the roster for { $day }. Please add one (lookout roster import).
help-swap = /swap YYYY-MM-DD @username — ask a colleague of your unit and role to take your shift that day
swap-usage = Usage: /swap YYYY-MM-DD @username — ask a colleague of your unit and role to take your shift that day.
swap-past = { $day } has passed: only the current shift and later ones can be swapped.
swap-not-on-shift = You are not on the roster for { $day }.
swap-unknown-person = Nobody with the username @{ $who } has joined the bot.
swap-not-colleague = @{ $who } does not have your role in the unit of your { $day } shift.
swap-already-on = @{ $who } is already on that shift.
swap-asked = Asked @{ $who } to take your { $day } shift of { $unit }; you will be told the answer.
swap-ask = 🔁 { $from } asks you to take their { $day } shift of { $unit } ({ $role }).
swap-accept-button = ✅ Accept
swap-decline-button = Decline
swap-accepted = ✅ You took the { $day } shift of { $unit }.
swap-declined = You declined the { $day } shift of { $unit }.
swap-gone = This swap no longer applies (the { $day } shift of { $unit } has passed or changed).
swap-requester-accepted = ✅ { $to } took your { $day } shift of { $unit }.
swap-requester-declined = { $to } declined your { $day } shift of { $unit }; you are still on it.
swap-notice = 🔁 Roster change: { $to } takes { $from }'s { $day } shift of { $unit } ({ $role }).
stats-on-shift = by officer on shift
stats-others = by others
stats-w-targeted = warned
stats-w-in-time = confirmed in time
stats-w-late = late
stats-w-unconfirmed = not confirmed
stats-w-unreachable = unreachable
stats-w-rate = response rate
stats-taken-on-shift = taken by leader on shift

# Warnings (call and respond)
warning-level-blue = 🔵 Blue warning
warning-level-yellow = 🟡 Yellow warning
warning-level-orange = 🟠 Orange warning
warning-level-red = 🔴 Red warning
warning-exercise-mark = [EXERCISE]{" "}
warning-copy =
    { $exercise }{ $level } { $id }
    Issued by: { $issuer }
    For: { $units }
    { $text }
    Valid until: { $expires }
    Please press Received to confirm.
warning-again = ⏰ Reminder: you have not confirmed this warning yet. Please confirm now.
warning-received-button = ✅ Received
warning-confirmed = ✅ Received, confirmed ({ $when })
warning-confirmed-room = ✅ Confirmed for the duty room by { $who } ({ $when })
warning-tally =
    📢 { $exercise }{ $level } { $id } issued to { $targeted } recipients.
    📊 Confirmed { $confirmed }/{ $targeted } ({ $late } late), waiting { $waiting }, unreachable { $unreachable }; response rate { $rate }
warning-tally-ended = 📊 { $exercise }{ $level } { $id } has ended. Final: confirmed { $confirmed }/{ $targeted } ({ $late } late), not confirmed { $waiting }, unreachable { $unreachable }; response rate { $rate }
warning-all-clear = ✅ { $exercise }All clear: { $level } { $id } has ended; no need to confirm.
warning-replaced = It is replaced by { $id }: see the new warning.
warning-esc-what = warning { $id } not confirmed, please phone: { $names }
warning-duty-room = duty room of { $unit }
warning-unreachable-mark = { $name } (unreachable)
warn-usage = Usage: /warn UNIT LEVEL TEXT, e.g. /warn wangcun red Extreme forest fire danger today, no open fires. Levels: blue, yellow, orange, red. /warn alone asks step by step.
warn-not-allowed = Only supervisors and admins can issue warnings.
warn-unknown-unit = There is no unit with the id { $unit }.
warn-not-allowed-unit = You may not warn { $unit } (you need to be a supervisor or admin of it or of a unit above it).
warn-bad-level = Unknown level "{ $level }". Use blue, yellow, orange or red.
warn-too-long = The warning text is too long (at most { $max } characters).
warn-nobody = Nobody holds a role in that unit or below it and no duty room is bound: the warning was not issued.
warn-issued-before = This warning was issued before as { $id }.
warn-choose-unit = Which unit (and everything below it) should be warned?
warn-choose-level = Choose the warning level:
warn-ask-text = Send the warning text (at most { $max } characters).
warn-expiry-hours = { $hours } h
warn-choose-expiry = The warning is valid for:
warn-issue-button = 📢 Issue
warn-exercise-button = 🎯 Issue as exercise
warn-cancel-button = ✖️ Cancel
warn-preview =
    Preview: { $level }
    For: { $unit } and the units below it
    Text: { $text }
    Valid for: { $hours } h
warn-cancelled = Cancelled; no warning was issued.
warn-ok-done = Confirmed: you received { $id }.
warn-ok-late = Confirmed: you received { $id } (after the time to confirm, so it counts as late).
warn-ok-already = You confirmed at { $when } already.
warn-ok-ended = Warning { $id } has ended.
warn-unknown = There is no warning { $id }, or it is not addressed to you.
warn-ok-usage = Usage: /ok WARNING, e.g. /ok W-7 (or press Received under the warning).
warn-end-usage = Usage: /warn_end WARNING [TEXT], e.g. /warn_end W-7 The rain has passed.
warn-end-not-allowed = Only the issuer of { $id } or a supervisor above can end it.
warn-ended = Warning { $id } ended; every recipient has been told.
warning-usage = Usage: /warning WARNING, e.g. /warning W-7
warning-state-active = active
warning-state-ended = ended { $when }
warning-figures-title = { $exercise }{ $level } { $id } ({ $state }), response rate { $rate }
warning-all-units = All units
warning-figures-unit = { $unit }: targeted { $targeted }, confirmed in time { $in_time }, late { $late }, not confirmed { $waiting }, unreachable { $unreachable }
warning-figures-waiting = Not confirmed yet: { $names }
help-warn = /warn UNIT LEVEL TEXT — issue a warning (/warn alone asks step by step)
help-warn-end = /warn_end W-ID [TEXT] — end a warning
help-warning = /warning W-ID — who has confirmed a warning
help-ok = /ok W-ID — confirm you received a warning
cmd-warn = Issue a warning
cmd-ok = Confirm a warning

# lookout warn
cli-warn-issued = Warning { $id } issued to { $targeted } recipients ({ $unreachable } of them unreachable); the running bot sends it.
cli-warn-replaced = Ended { $id }, which this update replaces.
cli-warn-ended = Ended: { $ids }
cli-warn-duplicate = This CAP alert was issued before as { $id }; nothing was sent again.

# lookout board-link
cli-board-link = Board link: { $unit } and the units below it, { $expires }. Anyone holding the link can see the board:
cli-board-revoked = { $count } board link(s) revoked.

# /board in the bot
myboard-not-allowed = The board is for duty officers, supervisors and admins.
myboard-open = 🗺 Open the board
myboard-app = 🗺 The board of { $unit }: press the button to open it in Telegram.
myboard-link =
    🗺 The board of { $unit } (a personal link, valid for 24 hours; do not forward it):
    { $link }
myboard-not-served = The board is not served yet: an admin sets [http] listen or [board] public_url in the config.
help-board = /board — your unit's emergency command board
cmd-board = Emergency command board

# The board
board-title = Emergency command board
board-offline = ⚠ Connection to the server lost, retrying. Showing the last data received.
board-round = Zero reports { $date }
board-round-open = open
board-round-closed = closed
board-no-round = No zero-report round now (outside the fire season, or not started yet).
board-deadline = deadline { $deadline }
board-deadline-none = no deadline
board-units = Units
board-state-on_time = on time
board-state-late = late
board-state-missing = missing
board-state-incident = incident
board-state-not_expected = not expected
board-hazards = Open hazards
board-no-hazards = No open hazards.
board-major = major
board-age = reported { $age } ago
board-no-location = no location
board-map = Hazard map
board-legend = Legend
board-legend-units = Zero reports
board-legend-hazards = Hazards
board-hz-reported = reported
board-hz-acknowledged = acknowledged
board-hz-rectifying = being rectified
board-hz-rectified = rectified
board-hz-reopened = reopened
board-overdue = overdue
board-zoom-in = Zoom in
board-zoom-out = Zoom out
board-escalations = Escalations
board-no-escalations = No running escalations.
board-level = level { $level }
board-alerted = alerted: { $names }
board-separator = {", "}
board-since = since { $since }
board-warnings = Active warnings
board-no-warnings = No active warnings.
board-confirmed = confirmed
board-late = { $late } late
board-waiting = waiting { $waiting }
board-unreachable = unreachable { $unreachable }
board-exercise = exercise
board-expires = valid until { $expires }
board-timeliness = Zero-report timeliness this month
board-rate-none = nothing expected
board-no-timeliness = Nothing expected this month yet.
board-tips-open = Anonymous tips open: { $open }
board-updated = updated { $time }
board-age-minutes = { $n } min
board-age-hours = { $n } h
board-age-days = { $n } days
board-esc-open = escalating
board-esc-acknowledged = taken
board-esc-snoozed = snoozed
# end of the board
# CAP from real feeds (lookout warn --cap)
cli-warn-unmatched = { $count ->
    [one] One of the alert's areas matches
   *[other] { $count } of the alert's areas match
} no unit here and { $count ->
    [one] was
   *[other] were
} not warned (match by geocode value = unit id, or areaDesc = unit name):
cli-warn-cancel-ignored = Ignored: this Cancel names no warning issued here ({ $references }); nothing was changed.
# end of CAP from real feeds


# limits per sender (floods)
limit-tip-relay = You have sent { $max } messages on this tip in the last hour; this one was not passed on. You can write again after { $time }.
limit-hazard = You have filed { $max } hazard reports in the last hour. You can file the next one after { $time }.
limit-warning = You have issued { $max } warnings in the last hour. You can issue the next one after { $time }.
limit-invite = You have made { $max } invites in the last hour. You can make more after { $time }; to onboard many people at once, use lookout invite on the server.
# end of limits per sender


# buttons are untrusted (issue 21)
hz-join-not-offered = A report can be added only to one offered to you for it; this one was not. Your report is kept: submit it as a new one.


# Hostile files (issue 21): pictures sent as files that cannot be passed on
file-too-large = This picture is too large to pass on (over 20 MB, 40 megapixels or 8,192 pixels a side). Please send it as a photo instead: Telegram makes photos small. This file was not kept.
file-unreadable = This file cannot be read as a picture. Please send it as a photo instead. This file was not kept.

# the board all year (issue 24)
board-state-no_round = no round
board-last = { $date }: { $state }
board-off-season = Outside the fire season: no zero-report rounds.
board-off-season-next = Outside the fire season: the next zero-report round opens { $next }.
board-off-round = No zero-report round now.
board-off-round-next = No zero-report round now; the next opens { $next }.
board-unplaced = Units not on the map (no coordinates): { $n }
board-covers = covers: { $units }
board-more = and { $n } more
board-at-unit = pinned at its unit
# end of the board all year

# WeCom
cli-room-robot = { $unit }'s duty room is now the WeCom group robot: it gets the unit's reminders and alerts as text; officers answer in the app.
cli-room-cleared = { $unit } has no duty room now.
tip-wecom = Your WeCom account is known to your organisation, so a tip sent here could not stay anonymous and is not taken. To tip anonymously, send /tip to @{ $bot } on Telegram: https://t.me/{ $bot }

# the demo's WeCom village (issue 23)
demo-telegram = [Telegram]
demo-wecom = [WeCom]
demo-wecom-join = Dongzhuang uses WeCom: the village's WeCom group robot becomes its duty room; its duty officer and grid worker join with invites in the app
demo-wecom-hazard = Dongzhuang's grid worker reports a hazard in WeCom: the duty room's robot posts it; the duty officer acknowledges it and reports it rectified in the app
# a duty room without buttons (a WeCom group robot): what to send in the app instead
room-answer-by = { $label }: send { $command } in the app
