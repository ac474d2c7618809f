"""Every string on the board's screens, Simplified Chinese first, English second.

One small catalogue rather than gettext .po/.mo files: the screens have about a
hundred strings, the board needs no compile step, and a missing translation
is caught by a test that compares the two languages' keys.
"""
from __future__ import annotations

WEEKDAYS = {"zh-CN": ["星期一", "星期二", "星期三", "星期四", "星期五", "星期六", "星期日"],
            "en": ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"]}

CATALOGUE: dict[str, dict[str, str]] = {
    "zh-CN": {
        "now": "本节", "next": "下一节", "no_lesson_now": "当前无课", "no_more_lessons": "今日课程已结束",
        "no_lessons_today": "今天没有课", "starts_in": "{min} 分钟后开始", "ends_in": "还剩 {min} 分钟",
        "today": "今日课表", "week": "本周课表", "notices": "通知公告", "no_notices": "暂无通知",
        "air": "教室环境", "air_24h": "24 小时空气变化", "no_readings": "暂无传感器数据", "temperature": "温度",
        "humidity": "湿度", "co2": "二氧化碳", "lux": "照度", "pm2_5": "PM2.5", "check_in": "请刷卡或出示签到卡",
        "show_card_now": "请把签到卡对准摄像头",
        "head_teacher": "班主任", "room": "教室", "teacher": "教师", "moved": "走班", "changed": "调课",
        "culture": "班级风采", "no_culture": "班级风采照片将由班主任在管理平台上传",
        "emergency": "紧急通知", "back": "返回", "home": "首页", "teacher_mode": "教师登录",
        "enter_pin": "请输入教师 PIN", "wrong_pin": "PIN 不正确", "locked": "尝试次数过多，请稍后再试（{time} 后解锁）",
        "login": "登录", "logout": "退出", "attendance": "考勤", "all_present": "全部到齐", "save": "保存",
        "photo_roll_call": "拍照点名（学生举起签到卡）", "camera_preview": "打开/关闭预览", "take_photo": "拍照识别",
        "upload_photo": "或上传照片", "camera_unavailable": "摄像头未连接，请检查后重试，或上传照片",
        "photo_result": "识别到 {seen} 人，未识别 {missing} 人（用时 {ms} 毫秒）", "unknown_markers": "不属于本班的签到卡：",
        "photo_check": "请核对名单，点击姓名可更正，然后保存。", "photo_missing": "没有收到照片",
        "photo_too_big": "照片太大（{kb} KB），上限 {mb} MB", "photo_unreadable": "文件不是 JPEG 或 PNG 照片",
        "face_not_recognised": "未识别，请刷卡或使用签到卡",
        "present": "到", "late": "迟到", "absent": "缺勤", "leave": "请假", "saved": "考勤已保存：{summary}",
        "week_summary": "本周考勤", "sessions": "次点名", "admin": "设备管理", "admin_pin": "请输入管理员 PIN",
        "device_id": "设备编号", "version": "软件版本", "hub": "管理平台", "last_sync": "最近同步",
        "key_fingerprint": "设备密钥指纹", "log_checkpoint": "使用记录检查点（供核查人员拍照）",
        "outbox": "待上传记录", "drivers": "硬件状态", "addresses": "网络地址", "claim_code": "认领码",
        "screen_test": "屏幕测试", "speaker_test": "扬声器测试", "not_available": "此设备不可用",
        "exam_mode": "考场", "time_left": "距考试结束", "seat_lookup": "座位查询", "candidate_no": "准考证号",
        "seat": "座位号", "not_found": "未找到该考生", "rules": "考场规则", "find": "查询", "never": "从未",
        "not_enrolled": "未注册", "unknown": "未知", "term_not_started": "本学期尚未开始", "period": "节次",
        "subject": "科目", "minutes": "分钟", "show_all": "查看全部", "enrolled": "已注册",
        "corner_hello": "{name}，你好", "corner_checked_in": "今日已签到 {time}", "corner_not_checked_in": "今日尚未签到",
        "corner_lessons": "我的今日课表", "corner_homework": "作业", "corner_no_homework": "今天没有要交的作业",
        "corner_evaluations": "我的评价", "corner_no_evaluations": "本周还没有评价", "corner_family": "家长留言",
        "corner_family_waiting": "有 {n} 条家长留言", "corner_family_none": "没有新的家长留言",
        "family_held": "上课时间，学生的家长留言 {time} 下课后才能看", "family_allow": "本节课允许学生看留言",
        "family_allowed": "本节课已允许学生看家长留言（到 {time} 下课）", "family_no_lesson": "现在不是上课时间，学生刷卡就能看留言",
        "corner_closes": "{s} 秒后返回首页", "homework_today": "今日作业", "due": "截止",
        "countdown_days": "{title}还有 {days} 天",
        "evaluate": "学生评价", "evaluate_pick": "选择学生（可多选）", "evaluate_category": "类别", "evaluate_points": "分值",
        "evaluate_reason": "评价理由，例如：主动帮助同学", "evaluation_saved": "评价已记录",
        "evaluation_points_bad": "分值应为整数", "homework_post": "布置作业", "homework_text": "作业内容",
        "homework_saved": "作业已发布", "highlights": "本周班级亮点", "highlights_times": "{n} 次",
        "more_items": "还有 {n} 项", "media": "点播", "media_playing": "正在播放", "media_play": "播放", "media_watch": "播放视频",
        "no_media": "暂无点播资源（请在管理平台上传）",
        "tap_unknown": "未识别的卡", "tap_already": "已签到", "tap_checked_in": "已签到", "tap_teacher": "教师已登录",
        "tap_named": "{said} · {name}",
    },
    "en": {
        "now": "Now", "next": "Next", "no_lesson_now": "No lesson now", "no_more_lessons": "No more lessons today",
        "no_lessons_today": "No lessons today", "starts_in": "starts in {min} min", "ends_in": "{min} min left",
        "today": "Today", "week": "This week", "notices": "Notices", "no_notices": "No notices",
        "air": "Room air", "air_24h": "Air over 24 hours", "no_readings": "No sensor readings", "temperature": "Temperature",
        "humidity": "Humidity", "co2": "CO₂", "lux": "Light", "pm2_5": "PM2.5", "check_in": "Tap your card or show your check-in card",
        "show_card_now": "Hold your check-in card up to the camera",
        "head_teacher": "Head teacher", "room": "Room", "teacher": "Teacher", "moved": "other room", "changed": "changed",
        "culture": "Class life", "no_culture": "Class photos are uploaded by the head teacher on the hub",
        "emergency": "Emergency", "back": "Back", "home": "Home", "teacher_mode": "Teacher",
        "enter_pin": "Enter your teacher PIN", "wrong_pin": "Wrong PIN", "locked": "Too many tries: locked until {time}",
        "login": "Log in", "logout": "Log out", "attendance": "Attendance", "all_present": "All present", "save": "Save",
        "photo_roll_call": "Photo roll call (students hold up their cards)", "camera_preview": "Preview on/off",
        "take_photo": "Take photo", "upload_photo": "or upload a photo",
        "camera_unavailable": "The camera is not connected; check it and try again, or upload a photo",
        "photo_result": "{seen} seen, {missing} not seen ({ms} ms)", "unknown_markers": "Cards not of this class:",
        "photo_check": "Check the grid, tap a name to correct it, then save.", "photo_missing": "No photo was received",
        "photo_too_big": "The photo is too big ({kb} KB); the limit is {mb} MB",
        "photo_unreadable": "The file is not a JPEG or PNG photo",
        "face_not_recognised": "Not recognised; please use your card",
        "present": "Present", "late": "Late", "absent": "Absent", "leave": "Leave", "saved": "Attendance saved: {summary}",
        "week_summary": "This week's attendance", "sessions": "roll calls", "admin": "Device admin", "admin_pin": "Enter the admin PIN",
        "device_id": "Device id", "version": "Version", "hub": "Hub", "last_sync": "Last sync",
        "key_fingerprint": "Device key fingerprint", "log_checkpoint": "Usage log checkpoint (for a reviewer to photograph)",
        "outbox": "Records to upload", "drivers": "Hardware", "addresses": "Addresses", "claim_code": "Claim code",
        "screen_test": "Screen test", "speaker_test": "Speaker test", "not_available": "Not available on this device",
        "exam_mode": "Exam room", "time_left": "Time left", "seat_lookup": "Find your seat", "candidate_no": "Candidate no.",
        "seat": "Seat", "not_found": "No such candidate", "rules": "Exam rules", "find": "Find", "never": "never",
        "not_enrolled": "not enrolled", "unknown": "unknown", "term_not_started": "Term has not started", "period": "Period",
        "subject": "Subject", "minutes": "min", "show_all": "Show all", "enrolled": "enrolled",
        "corner_hello": "Hello, {name}", "corner_checked_in": "Checked in today at {time}",
        "corner_not_checked_in": "Not checked in today", "corner_lessons": "My lessons today", "corner_homework": "Homework",
        "corner_no_homework": "No homework due today", "corner_evaluations": "My evaluations",
        "corner_no_evaluations": "No evaluations this week", "corner_family": "Family messages",
        "corner_family_waiting": "{n} family message(s) waiting", "corner_family_none": "No new family messages",
        "family_held": "In a lesson: students' family messages open after {time}",
        "family_allow": "Allow family messages in this lesson",
        "family_allowed": "Family messages allowed in this lesson (until {time})",
        "family_no_lesson": "Not in a lesson: students can read their messages after a card tap",
        "corner_closes": "Back home in {s} s", "homework_today": "Today's homework", "due": "due",
        "countdown_days": "{title}: {days} days to go",
        "evaluate": "Evaluations", "evaluate_pick": "Pick students (one or more)", "evaluate_category": "Category",
        "evaluate_points": "Points", "evaluate_reason": "Reason, e.g. helped a classmate",
        "evaluation_saved": "Evaluation recorded", "evaluation_points_bad": "Points must be a whole number",
        "homework_post": "Post homework", "homework_text": "Homework", "homework_saved": "Homework posted",
        "highlights": "This week's highlights", "highlights_times": "{n} times",
        "more_items": "{n} more", "media": "Media", "media_playing": "Playing", "media_play": "Play", "media_watch": "Play video",
        "no_media": "No media yet (upload them in the hub console)",
        "tap_unknown": "Card not recognised", "tap_already": "Already checked in", "tap_checked_in": "Checked in",
        "tap_teacher": "Teacher signed in", "tap_named": "{said} · {name}",
    },
}


def translator(language: str):
    table = CATALOGUE.get(language, CATALOGUE["zh-CN"])

    def t(key: str, **values: object) -> str:
        text = table.get(key) or CATALOGUE["zh-CN"].get(key, key)
        return text.format(**values) if values else text

    return t


def weekday_name(language: str, isoweekday: int) -> str:
    return WEEKDAYS.get(language, WEEKDAYS["zh-CN"])[isoweekday - 1]
