# Lookout（瞭望）— 中文（默认）

role-grid_worker = 网格员
role-duty_officer = 值班员
role-supervisor = 带班领导
role-admin = 管理员

start-welcome =
    您好！我是“瞭望”值班助手，服务于区、镇（街道）、村（社区）应急值班室和安全网格员。
    · 森林防火期提醒各单位每日报送“零报告”，无人应答时逐级上报；
    · 网格员随手上报隐患，跟踪整改；
    · 任何人均可匿名举报（吹哨人），无需注册。
    加入：请向本单位管理员索取邀请码，然后发送 /start 邀请码。
    发送 /help 查看可用命令，/lang 切换语言（Switch language: /lang en）。
joined = 已加入：{ $unit }，身份：{ $role }。发送 /help 查看您可以使用的命令。
already-member = 您已经是 { $unit } 的{ $role }，无需重复加入。
invite-unknown = 邀请码无效。请核对后重试，或向本单位管理员索取新的邀请码。
invite-expired = 邀请码已过期，请向本单位管理员索取新的邀请码。
invite-used-up = 邀请码已被用完，请向本单位管理员索取新的邀请码。
start-private-only = 请在与我的私聊中发送 /start 邀请码。

help-title = 可用命令：
help-start = /start 邀请码 — 用邀请码加入单位
help-help = /help — 显示本帮助
help-lang = /lang — 切换语言（中文 / English）
help-cancel = /cancel — 取消当前操作
help-bind = /bind — 在群里发送，把该群设为本单位值班室
help-invite = /invite 单位 角色 [次数] [有效期] — 生成邀请码（角色：grid_worker、duty_officer、supervisor、admin；默认可用 1 次，7d 内有效）
help-stranger = 您尚未加入任何单位。向本单位管理员索取邀请码后发送 /start 邀请码。
help-roles = 您的身份：{ $roles }

cmd-start = 加入或查看说明
cmd-help = 可用命令
cmd-lang = 切换语言
cmd-cancel = 取消当前操作
cmd-bind = 设为本单位值班室（群内）
cmd-invite = 生成邀请码（管理员）

lang-choose = 请选择语言：
lang-set = 已切换为中文。
lang-unknown = 不支持该语言。可选：zh（中文）、en（English）。

cancel-done = 已取消。
cancel-nothing = 当前没有需要取消的操作。

bind-group-only = 请在值班室群里发送 /bind。
bind-not-allowed = 只有本单位的值班员、带班领导或管理员可以绑定值班室。请先通过邀请码加入。
bind-choose = 您在多个单位有权限，请选择要绑定的单位：
bind-done = 本群已设为“{ $unit }”的值班室。提醒将发送到本群，群内值班员均可应答。
bind-moved = 本群已设为“{ $unit }”的值班室（原为“{ $previous }”的值班室）。
bind-unknown-unit = 您无权绑定单位“{ $unit }”，或该单位不存在。

invite-usage = 用法：/invite 单位编号 角色 [次数] [有效期]，例如 /invite wangcun duty_officer 或 /invite lijia grid_worker 5 3d（默认可用 1 次，7d 内有效）
invite-bad-uses = 次数须为 1 到 { $max } 的整数，而不是“{ $uses }”。未生成邀请码。
invite-bad-expires = 有效期须在 { $min } 到 { $max } 之间，例如 12h 或 7d，而不是“{ $expires }”。未生成邀请码。
invite-not-allowed = 只有管理员可以生成邀请码。
invite-unknown-unit = 找不到单位“{ $unit }”，或它不在您管理的范围内。
invite-bad-role = 未知角色“{ $role }”。可选：grid_worker、duty_officer、supervisor、admin。
invite-created =
    邀请码已生成：{ $unit }，{ $role }，可用 { $uses } 次，{ $expires }。
    请把下面的链接或命令转交给对方（只显示这一次）：
    { $link }
    /start { $code }
invite-expires-never = 长期有效
invite-expires-at = 有效期至 { $when }

unknown-command = 无法识别该命令。发送 /help 查看可用命令。
not-understood = 我没有看懂这条消息。发送 /help 查看可用命令。
private-only = 该命令只能在与我的私聊中使用。
button-expired = 该按钮已失效。
internal-error = 抱歉，处理您的消息时出错了，请稍后再试。
list-more = { $list } 等 { $more } 个
list-separator = {"、"}

cli-migrated = 数据库迁移完成。
cli-imported = 单位导入完成：新增 { $added } 个，更新 { $updated } 个。
cli-invite = 邀请码：{ $unit }，{ $role }，可用 { $uses } 次，{ $expires }。对方在私聊中发送 /start 加下面的邀请码即可加入：
cli-expires-in = { $span } 内有效

# Escalation
esc-notify =
    ⚠️ 第 { $level } 级提醒 { $id }：{ $what }
    责任单位：{ $unit }
    等待自：{ $since }
    已通知：{ $notified }
    请确认由您处理，或发送 /ack { $id }。
esc-notified-none = 无（首次提醒）
esc-ack-button = ✅ 我来处理
esc-acked = ✅ { $who } 已确认处理：{ $what }（{ $unit }），提醒链已停止。
esc-resolved = ✅ 已解决：{ $what }（{ $unit }），提醒链结束。
esc-ack-done = 已确认，由您处理：{ $what }
esc-ack-refused = 您无权确认此事项（需要该单位或上级单位的值班员或带班领导）。
esc-ack-already = 此事项已由 { $who } 于 { $when } 确认。
esc-acked-calling = 📞 { $who } 正在电话叫应：{ $what }（{ $unit }），提醒链已停止；全部确认后自动结束。
esc-ack-calling = 已由您电话叫应：{ $what }。提醒链已停止；他们确认后此提醒自动结束。
esc-acked-on-it = ✅ { $who } 正在跟进：{ $what }（{ $unit }），提醒链已停止；该单位仍须报送。
esc-ack-on-it = 已由您跟进：{ $what }。提醒链已停止；该单位仍须报送零报告（计为迟报）。
esc-ack-item-refused = 您无权直接受理此事项（举报由举报受理单位的值班员或带班领导受理），提醒将继续。请联系负责处理的人员。
esc-ack-closed = 此事项已处理完毕，无需确认。
esc-unknown = 找不到事项 { $id }，或您无权处理它。
esc-ack-usage = 用法：/ack 编号，例如 /ack E-12（提醒）、/ack H-3（隐患）、/ack T-4（举报）
esc-snooze-usage = 用法：/snooze 编号 时长 原因，例如 /snooze E-12 2h 已电话联系
esc-snoozed = 已暂停 { $id } 的提醒，至 { $until } 恢复。
esc-snooze-refused = 只有该单位或上级单位的带班领导可以暂停提醒。
esc-snooze-not-open = 该事项当前没有进行中的提醒。
esc-snooze-notice = ⏸ { $who } 暂停了提醒至 { $until }：{ $what }。原因：{ $reason }
esc-retriggered = ⚠️ 已确认但逾期未解决，重新逐级提醒：{ $what }
what-generic = { $text }

# Fire season
season-usage = 用法：/season on|off|auto（on 强制开启，off 强制关闭，auto 按日历）
season-not-allowed = 只有管理员可以设置森林防火期。
season-mode-on = 强制开启
season-mode-off = 强制关闭
season-mode-auto = 按日历（{ $periods }）
season-state-on = 当前处于森林防火期
season-state-off = 当前不在森林防火期
season-status = 森林防火期设置：{ $mode }。{ $state }。
season-announce = 📢 { $who } 将森林防火期设置为：{ $mode }。{ $state }。

help-ack = /ack 编号 — 确认由您处理一个待办事项，停止逐级提醒
help-snooze = /snooze 编号 时长 原因 — 暂停提醒一段时间（带班领导）
help-season = /season on|off|auto — 设置森林防火期（管理员）
cmd-ack = 确认待办事项
cmd-season = 设置森林防火期（管理员）

# Zero reports
zr-remind = 📋 { $unit } { $date } 零报告：请在 { $deadline } 前报送。无情况请点“零报告”，有情况请点“有情况”。
zr-nag = ⏰ 再次提醒：{ $unit } 尚未报送 { $date } 零报告，截止 { $deadline }。尚未报送：{ $silent }
zr-btn-nothing = ✅ 零报告（无情况）
zr-btn-incident = 🔥 有情况
zr-answered = ✅ { $unit } { $date } 零报告已报送（{ $status }）— { $who } { $time }
zr-status-nothing = 无情况
zr-status-late = 无情况，迟报
zr-status-incident = 有情况
zr-recorded = 已记录：{ $unit } { $date } 零报告（无情况）。
zr-recorded-late = 已记录：{ $unit } { $date } 零报告（无情况），已过截止时间，记为迟报。
zr-recorded-incident = 已记录：{ $unit } { $date } 报告有情况，已立即通知带班领导和上级单位。
zr-already = 本轮已由 { $who } 于 { $time } 报送，无需重复报送。
zr-not-expected = 您的单位本轮无需报送零报告（或已暂停）。
zr-no-round = 当前没有需要报送的零报告（不在森林防火期，或本轮尚未开始）。
zr-not-allowed = 只有单位的值班员或带班领导可以报送零报告。请先通过邀请码加入。
zr-choose-unit = 您在多个单位值班，请选择要报送的单位：
zr-incident-ask = { $who }，请直接发送情况说明（文字）。发送 /cancel 取消。
zr-incident-usage = 用法：/incident 情况说明（不超过 { $max } 字），例如 /incident 后山发现烟点，已派人核查
zr-incident-alert =
    🔥 { $unit } 报告有情况（{ $who } { $time }）：
    { $text }
    请带班领导确认处理（{ $id }）。
zr-what-missing = { $unit } 未报送 { $date } 零报告
zr-what-incident = { $unit } 报告有情况：{ $text }
zr-summary-title = 📊 { $date } 零报告汇总（{ $unit } 及下属单位）
zr-today-title = 📋 { $date } 零报告（截止 { $deadline }）
zr-board-counts = 应报 { $expected }，按时 { $on_time }，迟报 { $late }，未报 { $missing }，有情况 { $incidents }
zr-line-ontime = ✅ { $unit } { $time } { $who }
zr-line-late = 🕘 { $unit } 迟报 { $time } { $who }
zr-line-missing = ❌ { $unit } 未报
zr-line-waiting = ⏳ { $unit } 待报
zr-line-incident = 🔥 { $unit } 有情况 { $time } { $who }：{ $text }
zr-pause-usage = 用法：/pause 单位编号 开始日期 结束日期 原因，例如 /pause xihe 2026-12-01 2026-12-31 村庄合并
zr-paused = 已暂停 { $unit } 的零报告：{ $from } 至 { $to }。原因：{ $reason }
zr-stats-title = 📈 零报告及时率 { $from } 至 { $to }
zr-stats-not-allowed = 只有带班领导和管理员可以查看统计。
stats-unit = 单位
stats-expected = 应报
stats-on-time = 按时
stats-late = 迟报
stats-missing = 未报
stats-incidents = 有情况
stats-rate = 及时率

help-zero = /zero — 报送本单位今天的零报告（无情况）
help-incident = /incident 情况 — 报送本单位今天有情况
help-today = /today — 查看本单位及下属单位今天的报送情况
help-stats = /stats — 本月零报告及时率（带班领导）
help-pause = /pause 单位 开始 结束 原因 — 暂停单位的零报告（管理员）
cmd-zero = 零报告（无情况）
cmd-incident = 报告有情况
cmd-today = 今日报送情况
cmd-stats = 本月及时率

# Demo
demo-join = Lookout 演示：已导入 { $units } 个单位，人员用邀请码加入
demo-invite = 管理员在机器人里生成邀请码，网格员加入
demo-bind = 王村镇值班员把本镇的群设为值班室
demo-morning = 早上：零报告提醒发出，各单位应答（东庄村值班员在企业微信里点卡片），南郊镇报告有情况
demo-deadline = 截止时间到：南郊村未报，逐级上报；西河村迟报
demo-summary = 每日汇总和今日看板
demo-outbox = 所有消息都经过发件箱
demo-board = 演示结束，一张图保持打开（Ctrl-C 退出），在浏览器中打开：
demo-counts = 发件箱：已发送 { $sent }，待发送 { $pending }，失败 { $failed }
zr-incident-more = { $unit } 情况补充（{ $who }）
zr-incident-forwarded = 已转发给带班领导和上级单位。

# Tips
cmd-tip = 匿名举报
help-tip = /tip — 匿名举报；/tip 回执码 [内容] — 查看您的举报并补充
help-tip-desk = /ack T-编号、/reply T-编号 内容、/close T-编号 处理结果、/forward T-编号 单位 — 处理举报（举报受理单位）
help-reward = /reward T-编号 proposed 金额 | approved | paid — 登记举报奖励（举报受理单位带班领导）
tip-intro =
    🕵️ 匿名举报（吹哨人举报）。
    保密承诺：处理举报的人看不到您的姓名、用户名、账号或语言。您的会话只以加密形式保存，我发给您的消息送达后即删除。除非您愿意公开身份，请不要在举报中写您的名字。
    现在请用一条消息描述您看到的情况。可以补充照片和位置（以文件发送的图片会去除拍摄位置和相机信息），然后按“提交举报”。发送 /cancel 可放弃。
tip-private-only = 请在与我的私聊中举报，不要在群里发送。
tip-rate-limited = 谢谢您！您在一小时内已提交多条举报，请在 { $time } 之后再提交新的举报。
tip-got-text = 已记录。
tip-got-photo = 已添加照片（共 { $photos } 张）。
tip-got-location = 已添加位置。
tip-ready = 如需要可继续补充文字、照片或位置，然后按“提交举报”。
tip-need-text = 请再用文字描述您看到的情况。
tip-draft-too-long = 内容太长，请控制在 3000 字以内。
tip-draft-full = 一条举报最多 10 张照片。
tip-document = 举报不能附带文件：文件可能含有关于您的隐藏信息。请发送文字、照片或位置。此文件未保存。
tip-unsupported = 请为举报发送文字、照片或位置，或发送 /cancel 放弃。
tip-send-button = ✅ 提交举报
tip-drop-button = ✖ 放弃
tip-no-draft = 这里没有正在填写的举报。发送 /tip 开始举报。
tip-sent =
    ✅ 您的举报 { $id } 已提交给举报受理单位。
    您的回执码：
    { $code }
    ⚠️ 请妥善保密保存此回执码。换用其他账号时，它是找回举报的唯一方式（/tip 回执码），也是现场领取奖励的凭证。它只显示这一次，任何人（包括受理单位）都无法为您查询。
    受理单位的回复会发到这里；您在此会话中发送的内容会转给受理单位（发送 /cancel 停止）。
tip-desk-new =
    🕵️ 新的匿名举报 { $id }：
    { $body }
    照片：{ $photos } 张。位置：{ $location }。
    举报人身份无人知晓，请只通过我与其联系：/reply { $id } 内容
tip-location-yes = 已附
tip-location-no = 无
tip-btn-ack = ✅ 受理
tip-btn-reply = 💬 回复
tip-btn-close = 🔒 办结
tip-what = 匿名举报 { $id }
tip-desk-followup =
    💬 { $id } — 举报人补充：
    { $text }
tip-desk-followup-photo = 📷 { $id } — 举报人补充的照片。{ $text }
tip-desk-followup-location = 📍 { $id } — 举报人补充的位置。
tip-desk-revealed = 🔓 { $id } 的举报人选择公开身份：{ $who }
tip-relayed = 已转给举报受理单位（{ $id }）。
tip-session-ended = 此举报的会话已结束。发送 /tip 可提交新的举报。
tip-code-unknown = 回执码无效，或已无法打开举报。请核对后重试。
tip-code-wait = 此对话输入错误回执码次数过多，请在 { $time } 之后再试。
tip-code-busy = 当前核验回执码的请求较多，请 { $seconds } 秒后再试。
tip-status =
    举报 { $id }：{ $state }。奖励：{ $reward }。
    { $exchange }
tip-state-open = 已收到，等待受理
tip-state-acknowledged = 受理单位正在处理
tip-state-closed = 已办结：{ $outcome }
tip-reward-none = 无
tip-reward-proposed = 拟奖励 { $amount }
tip-reward-approved = 已批准奖励 { $amount }
tip-reward-paid = 已发放奖励 { $amount }
tip-reward-word-none = 无
tip-reward-word-proposed = 已提议
tip-reward-word-approved = 已批准
tip-reward-word-paid = 已发放
tip-line-tipster = { $when } 您：{ $text }
tip-line-desk = { $when } 受理单位：{ $text }
tip-line-photo = [照片]
tip-line-location = [位置]
tip-line-reveal = [您已公开身份]
tip-to-tipster-acked = ✅ 您的举报 { $id } 已受理，正在处理。
tip-to-tipster-reply =
    💬 举报受理单位就 { $id } 回复：
    { $text }
    （可直接在此回复，或用任何账号发送 /tip 回执码 内容。）
tip-to-tipster-closed =
    🔒 您的举报 { $id } 已办结：{ $outcome }
    谢谢您！
tip-to-tipster-reward-proposed = 🎁 您的举报 { $id } 拟给予奖励 { $amount }。
tip-to-tipster-reward-approved = 🎁 您的举报 { $id } 的奖励 { $amount } 已批准。请凭回执码现场领取，无需在这里透露身份。
tip-to-tipster-reward-paid = 🎁 您的举报 { $id } 的奖励 { $amount } 已登记为发放。谢谢您！
tip-not-supervisor = 只有举报受理单位的带班领导可以登记奖励。
tip-unknown = 找不到举报 { $id }，或您无权处理。只有举报受理单位的带班领导和值班员可以处理举报。
tip-acked = 已由您受理 { $id }，已告知举报人正在处理。
tip-already-acked = { $id } 已有人受理。
tip-already-closed = { $id } 已办结。
tip-replied = 已发送给 { $id } 的举报人。
tip-closed = { $id } 已办结，已告知举报人。
tip-forgotten = { $id } 的举报人身份信息已删除，消息无法再送达。
tip-reply-usage = 用法：/reply T-编号 内容，例如 /reply T-3 谢谢，请问是什么时候看到的？
tip-close-usage = 用法：/close T-编号 处理结果，例如 /close T-3 已核实并整改
tip-reward-usage = 用法：/reward T-编号 proposed 金额、/reward T-编号 approved、/reward T-编号 paid
tip-reward-bad-step = { $id } 的奖励当前为“{ $current }”，现在不能进行这一步（无 → 提议 → 批准 → 发放）。
tip-reward-done-proposed = 已提议 { $id } 的奖励，已告知举报人。
tip-reward-done-approved = 已批准 { $id } 的奖励，已告知举报人。
tip-reward-done-paid = 已登记 { $id } 的奖励为已发放，已告知举报人。
tip-forward-usage = 用法：/forward T-编号 单位编号
tip-forward-unknown-unit = 单位“{ $unit }”不存在。
tip-forwarded = 已将 { $id } 作为隐患 { $hazard } 转给 { $unit }（只含举报内容、照片和位置，不含举报人任何信息），您为上报人。
tip-ask-reply = 请用一条文字消息发送给 { $id } 举报人的回复（发送 /cancel 放弃）。对方看不到您的姓名。
tip-ask-close = 请用一条文字消息发送 { $id } 的处理结果，随后举报将办结（发送 /cancel 放弃）。
tip-reveal-usage = 用法（在与我的私聊中）：/reveal 回执码
tip-reveal-ask = ⚠️ 您即将向举报受理单位公开您在举报 { $id } 中的身份：您的姓名、用户名和账号将发送给他们并被记录，且无法撤回。确定吗？
tip-reveal-button = 是，公开我的身份
tip-stay-anonymous-button = 否，保持匿名
tip-reveal-done = 举报受理单位现在知道您是 { $id } 的举报人。
tip-reveal-kept = 您仍然保持匿名。

# Hazards
hz-cat-forest_fire = 森林火险
hz-cat-hazardous_chemicals = 危险化学品
hz-cat-mine = 矿山
hz-cat-gas_pipeline = 燃气管道
hz-cat-construction = 建筑施工
hz-cat-road_traffic = 道路交通
hz-cat-geological = 地质灾害
hz-cat-flood = 防汛
hz-cat-other = 其他
hz-state-reported = 已上报
hz-state-acknowledged = 已确认
hz-state-rectifying = 整改中
hz-state-rectified = 已整改
hz-state-closed = 已验收销号
hz-state-rejected = 已驳回
hz-state-reopened = 已重新打开
hz-major = 重大隐患
hz-normal = 一般隐患
hz-report =
    ⚠️ 隐患 { $id }（{ $severity }）：{ $category }
    单位：{ $unit }　上报人：{ $who }
    { $text }
hz-btn-ack = ✅ 确认
hz-btn-reject = ✖ 驳回
hz-what-unacked = 隐患 { $id }（{ $unit }）无人确认：{ $text }
hz-what-overdue = 隐患 { $id }（{ $unit }）超过整改期限：{ $text }
hz-reporter-update = 您上报的隐患 { $id } 状态更新：{ $state }（{ $who }）
hz-ask-unit = 请选择隐患所属单位：
hz-ask-category = 请选择隐患类别：
hz-ask-text = 请用文字描述隐患情况（也可以继续发送照片和位置）。
hz-confirm =
    请确认隐患上报：
    类别：{ $category }
    描述：{ $text }
    照片：{ $photos } 张；位置：{ $location }
    可继续补充照片或位置，确认无误后选择提交方式。
hz-location-yes = 已附
hz-location-no = 无
hz-btn-submit = 提交（一般隐患）
hz-btn-submit-major = 提交（重大隐患）
hz-btn-cancel = 取消
hz-not-member = 只有已加入单位的人员可以上报隐患。请先通过邀请码加入；匿名举报请发送 /tip。
hz-text-too-long = 描述太长，请控制在 { $max } 字以内。
hz-too-many-photos = 一条隐患最多 { $max } 张照片。
hz-no-draft = 没有正在填写的隐患上报。发送 /report 开始。
hz-cancelled = 已取消隐患上报。
hz-submitted = ✅ 已提交隐患 { $id }，已通知责任单位。处理进展会通知您。
hz-draft-expired = 您未完成的隐患上报已超时作废。如需上报，请重新发送 /report 或照片。
hz-done = 已处理：{ $id } 现为“{ $state }”。
hz-not-allowed = 您无权进行此操作（需要该单位或上级单位的相应职务）。
hz-wrong-state = { $id } 当前为“{ $state }”，不能进行此操作。
hz-needs-text = 请在编号后写明原因，例如 /reject H-3 不属实。
hz-unknown = 找不到隐患 { $id }，或您无权处理它。
hz-usage = 用法：/ack H-编号、/work H-编号 [说明]、/done H-编号 [整改说明]、/close H-编号、/reject H-编号 原因、/reopen H-编号 原因
hz-ask-reason = { $who }，请发送驳回 { $id } 的原因（文字）。
hz-history-title =
    隐患 { $id }：{ $category }（{ $state }）
    { $text }
hz-status-none = 目前没有未办结的隐患。
hz-status-title = 未办结隐患 { $count } 条：
hz-status-line = { $id } { $unit } { $category } — { $state }，{ $hours } 小时前上报
help-report = /report — 上报隐患（也可直接发送照片或位置）；/report H-编号 — 查看隐患处理记录
help-hazard-handle = /ack、/work、/done、/reject H-编号 — 处理本单位的隐患；/merge H-重复 H-原 — 合并重复上报
help-hazard-verify = /close、/reopen H-编号 — 验收销号或重新打开隐患（带班领导）
help-status = /status — 未办结的隐患
cmd-report = 上报隐患
cmd-status = 未办结隐患
hz-nearby = ⚠️ 附近 { $metres } 米处已有同类隐患 { $id } 尚未办结：{ $text }。如是同一处，请选择“补充到 { $id }”。
hz-btn-join = 补充到 { $id }
hz-joined = 已把您的照片和说明补充到 { $id }，并告知原上报人。谢谢！
hz-join-closed = { $id } 已办结，无法补充。您的报告仍保留，请作为新隐患提交。
hz-confirmed-by = 您上报的隐患 { $id } 已由 { $who } 现场补充确认。
hz-duplicate-of = 与 { $id } 重复
hz-merge-usage = 用法：/merge H-重复编号 H-原编号，例如 /merge H-5 H-3
hz-state-confirmed = 补充确认
stats-hz-reported = 隐患上报
stats-hz-acked = 及时确认
stats-hz-rectified = 按期整改
stats-hz-overdue = 逾期
stats-hz-open = 未办结
stats-tips = 匿名举报：收到 { $received }，办结 { $closed }，已发放奖励 { $paid } 笔，共 { $amount }
demo-hazard = 网格员随手拍上报隐患：确认、整改、验收销号
demo-hazard-ignored = 无人确认的重大隐患逐级上报
hz-verify =
    🔎 隐患 { $id }（{ $unit }）已由 { $who } 报告整改完成，请验收：{ $text }
    { $note }
hz-btn-close = ✅ 验收销号
hz-btn-reopen = ↩ 重新打开
hz-card-acked = ✅ 已由 { $who } 于 { $time } 确认
hz-btn-done = ✅ 整改完成
hz-next-done = { $who } 已确认 { $id }。整改完成后请点下面的按钮（或发送 /done { $id } 说明）。
hz-ask-evidence = 如有整改照片，请现在发送，将作为整改凭证附在 { $id } 上。
hz-evidence-added = 已将照片作为整改凭证附在 { $id } 上。
hz-deadline-usage = 用法：/deadline H-编号 时长，例如 /deadline H-3 3d（从现在起 3 天内整改）
hz-state-deadline = 整改期限调整为
hz-state-evidence = 整改凭证照片
help-hazard-deadline = /deadline H-编号 时长 — 调整整改期限（带班领导）
demo-roster = 值班表：交接班时，李家村接班值班员收到交接班信息
demo-warning = 预警“叫应”：区带班领导向王村镇发布森林火险红色预警，各人和值班室点“收到”；西河村值班员未确认，再次提醒后向镇带班领导点名叫应；最后解除并统计响应率
demo-tip = 匿名举报：受理单位看不到举报人，通过机器人对话，提议奖励
lang-name = 中文

## Duty rosters
help-duty = /duty — 查看本单位及上级单位当前值班人员
cmd-duty = 当前值班
duty-title = 👥 当前值班（{ $day } 班次，{ $start } 起）：
duty-unit = { $unit }：值班员 { $officers }；带班领导 { $leaders }
duty-nobody = 未排班（该角色全体）
duty-not-allowed = 只有单位成员才能查看值班情况。
cli-roster-imported = 值班表已导入：{ $shifts } 个班次，共 { $rows } 条。
help-roster = /roster [单位] — 本单位（或下级单位）未来一周值班表
roster-title = 📅 { $unit }值班表（每班 { $start } 起）：
roster-day = { $day }：值班员 { $officers }；带班领导 { $leaders }
roster-unknown-unit = 找不到单位“{ $unit }”，或它不在您的单位范围内。
handover = 🔁 交接班：{ $unit } { $day } 班次由您值班。
handover-escalations = 未结预警/升级：{ $value }
handover-hazards = 超期未整改隐患：{ $value }
handover-warnings = 待确认预警：{ $value }
handover-round = 今日零报告：{ $value }
handover-none = 无
handover-no-round = 今日未开启
handover-answered = 已报送
handover-unanswered = 尚未报送
handover-delivered = 🔁 { $unit }交接班信息已送达 { $to }。
roster-gap = ⚠️ 明天无人值班：{ $unit } { $day } 的值班表没有值班员，请尽快补充（lookout roster import）。
help-swap = /swap YYYY-MM-DD @用户名 — 请本单位同岗位同事替您值当天的班
swap-usage = 用法：/swap YYYY-MM-DD @用户名 — 请本单位同岗位同事替您值当天的班。
swap-past = { $day } 已过：只能调换当前及以后的班次。
swap-not-on-shift = 您不在 { $day } 的值班表上。
swap-unknown-person = 没有用户名为 @{ $who } 的人加入本机器人。
swap-not-colleague = @{ $who } 在您 { $day } 值班的单位没有相同岗位。
swap-already-on = @{ $who } 已在该班次值班。
swap-asked = 已请 @{ $who } 替您值 { $unit } { $day } 的班，对方答复后会通知您。
swap-ask = 🔁 { $from } 请您替其值 { $unit } { $day } 的班（{ $role }）。
swap-accept-button = ✅ 同意
swap-decline-button = 拒绝
swap-accepted = ✅ 您已接替 { $unit } { $day } 的班。
swap-declined = 您已拒绝 { $unit } { $day } 的班。
swap-gone = 此次调班已失效（{ $unit } { $day } 的班次已过或已变更）。
swap-requester-accepted = ✅ { $to } 已接替您 { $unit } { $day } 的班。
swap-requester-declined = { $to } 拒绝了您 { $unit } { $day } 的班，仍由您值班。
swap-notice = 🔁 值班调整：{ $to } 接替 { $from } 值 { $unit } { $day } 的班（{ $role }）。
stats-on-shift = 当班值班员报送
stats-others = 他人报送
stats-w-targeted = 预警对象
stats-w-in-time = 按时确认
stats-w-late = 迟确认
stats-w-unconfirmed = 未确认
stats-w-unreachable = 无法送达
stats-w-rate = 预警响应率
stats-taken-on-shift = 带班领导一级确认

# Warnings (预警“叫应”)
warning-level-blue = 🔵 蓝色预警
warning-level-yellow = 🟡 黄色预警
warning-level-orange = 🟠 橙色预警
warning-level-red = 🔴 红色预警
warning-exercise-mark = 【演练】
warning-copy =
    { $exercise }{ $level } { $id }
    发布单位：{ $issuer }
    预警范围：{ $units }
    { $text }
    有效期至：{ $expires }
    请点击“收到”确认。
warning-again = ⏰ 再次提醒：您尚未确认收到以下预警，请立即确认。
warning-received-button = ✅ 收到
warning-confirmed = ✅ 已确认收到（{ $when }）
warning-confirmed-room = ✅ { $who } 代表值班室确认收到（{ $when }）
warning-tally =
    📢 { $exercise }已发布{ $level } { $id }，发送给 { $targeted } 个接收对象。
    📊 确认情况：已确认 { $confirmed }/{ $targeted }（其中迟确认 { $late }），等待 { $waiting }，无法送达 { $unreachable }；按时响应率 { $rate }
warning-tally-ended = 📊 { $exercise }{ $level } { $id } 已解除。最终：已确认 { $confirmed }/{ $targeted }（其中迟确认 { $late }），未确认 { $waiting }，无法送达 { $unreachable }；按时响应率 { $rate }
warning-all-clear = ✅ { $exercise }解除 { $level } { $id }，无需再确认。
warning-replaced = 该预警已由 { $id } 取代，请查看新预警。
warning-esc-what = 预警 { $id } 未确认收到，请电话叫应：{ $names }
warning-duty-room = { $unit }值班室
warning-unreachable-mark = { $name }（无法送达）
warn-usage = 用法：/warn 单位编号 级别 内容，例如 /warn wangcun red 今日森林火险等级极高，严禁野外用火。级别：blue 蓝、yellow 黄、orange 橙、red 红。只发 /warn 则逐步填写。
warn-not-allowed = 只有带班领导和管理员可以发布预警。
warn-unknown-unit = 没有编号为 { $unit } 的单位。
warn-not-allowed-unit = 您无权向 { $unit } 发布预警（需要该单位或上级单位的带班领导或管理员）。
warn-bad-level = 无法识别级别“{ $level }”。请用 blue 蓝、yellow 黄、orange 橙 或 red 红。
warn-too-long = 预警内容太长（最多 { $max } 字）。
warn-nobody = 该单位及下级单位还没有任何人员或值班室，预警未发布。
warn-issued-before = 该预警此前已发布为 { $id }。
warn-choose-unit = 向哪个单位（及其下级单位）发布预警？
warn-choose-level = 选择预警级别：
warn-ask-text = 请发送预警内容（最多 { $max } 字）。
warn-expiry-hours = { $hours } 小时
warn-choose-expiry = 预警有效期：
warn-issue-button = 📢 发布
warn-exercise-button = 🎯 演练发布
warn-cancel-button = ✖️ 取消
warn-preview =
    预览：{ $level }
    范围：{ $unit } 及下级单位
    内容：{ $text }
    有效期：{ $hours } 小时
warn-cancelled = 已取消，预警未发布。
warn-ok-done = 已确认收到 { $id }。
warn-ok-late = 已确认收到 { $id }（超过确认时限，计为迟确认）。
warn-ok-already = 您已于 { $when } 确认收到，无需再确认。
warn-ok-ended = 预警 { $id } 已解除。
warn-unknown = 找不到预警 { $id }，或它与您无关。
warn-ok-usage = 用法：/ok 预警编号，例如 /ok W-7（也可直接点击预警下方的“收到”）。
warn-end-usage = 用法：/warn_end 预警编号 [说明]，例如 /warn_end W-7 降雨已过，解除预警。
warn-end-not-allowed = 只有预警 { $id } 的发布人或上级带班领导可以解除。
warn-ended = 已解除预警 { $id }，已通知所有接收对象。
warning-usage = 用法：/warning 预警编号，例如 /warning W-7
warning-state-active = 生效中
warning-state-ended = 已于 { $when } 解除
warning-figures-title = { $exercise }{ $level } { $id }（{ $state }），按时响应率 { $rate }
warning-all-units = 合计
warning-figures-unit = { $unit }：对象 { $targeted }，按时确认 { $in_time }，迟确认 { $late }，未确认 { $waiting }，无法送达 { $unreachable }
warning-figures-waiting = 尚未确认：{ $names }
help-warn = /warn 单位 级别 内容 — 发布预警（只发 /warn 则逐步填写）
help-warn-end = /warn_end W-编号 [说明] — 解除预警
help-warning = /warning W-编号 — 预警确认情况
help-ok = /ok W-编号 — 确认收到预警
cmd-warn = 发布预警
cmd-ok = 确认收到预警

# lookout warn
cli-warn-issued = 已发布预警 { $id }：{ $targeted } 个接收对象（其中 { $unreachable } 个无法送达），由运行中的机器人发送。
cli-warn-replaced = 已结束被更新的预警 { $id }。
cli-warn-ended = 已解除预警：{ $ids }
cli-warn-duplicate = 该 CAP 预警此前已发布为 { $id }，未重复发送。

# lookout board-link
cli-board-link = 一张图链接：{ $unit } 及下级单位，{ $expires }。请妥善保管，持有链接即可查看：
cli-board-revoked = 已吊销 { $count } 个一张图链接。

# /board in the bot
myboard-not-allowed = 一张图供值班员、带班领导和管理员查看。
myboard-open = 🗺 打开一张图
myboard-app = 🗺 { $unit } 应急指挥“一张图”：点击下方按钮在 Telegram 内打开。
myboard-link =
    🗺 { $unit } 应急指挥“一张图”（个人链接，24 小时内有效，请勿转发）：
    { $link }
myboard-not-served = 一张图尚未开放：请管理员在配置中设置 [http] listen 或 [board] public_url。
help-board = /board — 打开本单位的应急指挥“一张图”
cmd-board = 应急指挥一张图

# The board
board-title = 应急指挥“一张图”
board-offline = ⚠ 与服务器的连接中断，正在重试。以下为最后一次收到的数据。
board-round = { $date } 零报告
board-round-open = 报送中
board-round-closed = 已截止
board-no-round = 当前没有零报告轮次（不在森林防火期，或本轮尚未开始）。
board-deadline = 截止 { $deadline }
board-deadline-none = 未设整改期限
board-units = 各单位报送情况
board-state-on_time = 按时
board-state-late = 迟报
board-state-missing = 未报
board-state-incident = 有情况
board-state-not_expected = 无需报送
board-hazards = 未销号隐患
board-no-hazards = 暂无未销号隐患。
board-major = 重大
board-age = { $age }前上报
board-no-location = 未定位
board-map = 隐患分布图
board-legend = 图例
board-legend-units = 零报告
board-legend-hazards = 隐患
board-hz-reported = 已上报
board-hz-acknowledged = 已确认
board-hz-rectifying = 整改中
board-hz-rectified = 已整改
board-hz-reopened = 已重新打开
board-overdue = 逾期
board-zoom-in = 放大
board-zoom-out = 缩小
board-escalations = 逐级提醒
board-no-escalations = 暂无进行中的提醒。
board-level = 第 { $level } 级
board-alerted = 已通知：{ $names }
board-separator = 、
board-since = 自 { $since }
board-warnings = 生效预警
board-no-warnings = 暂无生效预警。
board-confirmed = 已确认
board-late = 其中迟确认 { $late }
board-waiting = 未确认 { $waiting }
board-unreachable = 无法送达 { $unreachable }
board-exercise = 演练
board-expires = 有效期至 { $expires }
board-timeliness = 本月零报告及时率
board-rate-none = 本月无需报送
board-no-timeliness = 本月尚无应报记录。
board-tips-open = 匿名举报待办 { $open } 件
board-updated = 更新于 { $time }
board-age-minutes = { $n }分钟
board-age-hours = { $n }小时
board-age-days = { $n }天
board-esc-open = 逐级提醒中
board-esc-acknowledged = 已有人处理
board-esc-snoozed = 已暂停
# end of the board
# CAP from real feeds (lookout warn --cap)
cli-warn-unmatched = 该预警有 { $count } 个区域与本地单位不对应，未向其发布（按 geocode 值 = 单位编号，或 areaDesc = 单位名称对应）：
cli-warn-cancel-ignored = 已忽略：此解除（Cancel）所指的预警未在本系统发布（{ $references }），未做任何更改。
# end of CAP from real feeds


# limits per sender (floods)
limit-tip-relay = 您在一小时内已就此举报发送 { $max } 条消息，本条未转交。请在 { $time } 之后再发送。
limit-hazard = 您在一小时内已上报 { $max } 条隐患，请在 { $time } 之后再上报。
limit-warning = 您在一小时内已发布 { $max } 条预警，请在 { $time } 之后再发布。
limit-invite = 您在一小时内已生成 { $max } 个邀请码。请在 { $time } 之后再生成；批量开通请在服务器上使用 lookout invite。
# end of limits per sender


# buttons are untrusted (issue 21)
hz-join-not-offered = 只能补充到为此报告向您推荐的隐患，该隐患不在其列。您的报告仍保留，请作为新隐患提交。


# Hostile files (issue 21): pictures sent as files that cannot be passed on
file-too-large = 这张图片太大，无法转交（超过 20 MB、4000 万像素或单边 8192 像素）。请改为以照片方式发送：Telegram 会自动压缩照片。此文件未保存。
file-unreadable = 此文件无法作为图片读取。请改为以照片方式发送。此文件未保存。

# the board all year (issue 24)
board-state-no_round = 无轮次
board-last = { $date }：{ $state }
board-off-season = 非防火期：暂无零报告轮次。
board-off-season-next = 非防火期：下一轮零报告 { $next } 开始。
board-off-round = 当前没有零报告轮次。
board-off-round-next = 当前没有零报告轮次，下一轮 { $next } 开始。
board-unplaced = 无坐标、未在地图上标出的单位：{ $n } 个
board-covers = 覆盖：{ $units }
board-more = 等另 { $n } 个
board-at-unit = 标在所属单位
# end of the board all year

# WeCom
cli-room-robot = { $unit }的值班室已设为企业微信群机器人：本单位的提醒和告警以文字发到该群，值班员在应用中回复。
cli-room-cleared = { $unit }现在没有值班室。
tip-wecom = 企业微信账号由单位管理，在这里举报无法匿名，因此不在此受理。如需匿名举报，请在 Telegram 上向 @{ $bot } 发送 /tip：https://t.me/{ $bot }

# the demo's WeCom village (issue 23)
demo-telegram = [Telegram]
demo-wecom = [企业微信]
demo-wecom-join = 东庄村用企业微信：村里的企业微信群机器人设为值班室，值班员和网格员在应用里用邀请码加入
demo-wecom-hazard = 东庄村网格员在企业微信里上报隐患：值班群机器人收到，值班员在应用里确认并报告整改完成
# a duty room without buttons (a WeCom group robot): what to send in the app instead
room-answer-by = { $label }：请在应用中发送 { $command }
