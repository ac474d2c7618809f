"""One usage record as one xAPI statement, deterministically.

The statement id is the record id, and nothing in the statement depends on
when it is sent, so resending a record gives the LRS the same statement again,
which it must not store twice (xAPI 1.0.3, Part Three, 2.1.1 PUT/POST).
Which records are substantive comes from the report rules: a record is sent
when it alone satisfies a rule clause (a clause that needs several records a
week, such as card taps, is not met by one record).
"""
from __future__ import annotations

from typing import Any
from urllib.parse import quote

VERSION = "1.0.3"
VERBS = {  # ADL and community-registry verbs
    "attendance.session": ("http://adlnet.gov/expapi/verbs/completed", "完成考勤", "completed roll call"),
    "broadcast.played": ("https://w3id.org/xapi/video/verbs/played", "播放", "played"),
    "teacher.session": ("http://adlnet.gov/expapi/verbs/interacted", "使用", "interacted"),
    "student.session": ("http://adlnet.gov/expapi/verbs/interacted", "使用", "interacted"),
    "interaction": ("http://adlnet.gov/expapi/verbs/interacted", "使用", "interacted"),
    "checkin": ("http://adlnet.gov/expapi/verbs/attended", "签到", "attended"),
    "notice.ack": ("http://adlnet.gov/expapi/verbs/experienced", "阅读", "experienced"),
}
ACTIVITY_NAMES = {"attendance.session": ("课堂考勤", "roll call"), "broadcast.played": ("校园广播", "school broadcast"),
                  "teacher.session": ("班牌教师使用", "teacher use of the class board"),
                  "student.session": ("班牌学生使用", "student use of the class board"),
                  "interaction": ("班牌互动", "class board interaction"), "checkin": ("签到", "check-in"),
                  "notice.ack": ("通知阅读", "notice read")}


def substantive(rec: dict[str, Any], rules: dict[str, Any]) -> bool:
    """A record that alone meets a rule clause (a person's, long enough, a real roster), of a kind with a verb."""
    from ..report.compute import qualifies

    if rec["kind"] not in VERBS or not rec.get("class_id"):
        return False
    return any(clause.get("min_per_week", 1) <= 1 and qualifies(rec, clause)
               for spec in rules["points"].values() for clause in spec["any"])


def statement(rec: dict[str, Any], home_page: str, school_id: str) -> dict[str, Any]:
    """``home_page``: the hub's URL (an IRL); it names the accounts and roots the activity ids."""
    base = home_page.rstrip("/")
    verb_id, verb_zh, verb_en = VERBS[rec["kind"]]
    name_zh, name_en = ACTIVITY_NAMES[rec["kind"]]
    class_iri = f"{base}/xapi/schools/{quote(school_id)}/classes/{quote(rec['class_id'])}"
    result = {"duration": f"PT{int(rec['duration_s'])}S"} if rec.get("duration_s") else None
    body = {
        "id": rec["id"],
        "actor": {"objectType": "Agent", "name": f"{rec['initiator']} @ {rec['board_id']}",
                  "account": {"homePage": base, "name": f"{rec['board_id']}/{rec['initiator']}"}},
        "verb": {"id": verb_id, "display": {"zh-CN": verb_zh, "en-US": verb_en}},
        "object": {"objectType": "Activity", "id": f"{class_iri}/{quote(rec['kind'])}",
                   "definition": {"name": {"zh-CN": name_zh, "en-US": name_en},
                                  "type": "http://adlnet.gov/expapi/activities/interaction"}},
        "timestamp": rec["at"],
        "context": {"platform": "classboard", "language": "zh-CN",
                    "contextActivities": {"grouping": [{"objectType": "Activity", "id": class_iri}]},
                    "extensions": {f"{base}/xapi/extensions/record": {
                        "board_id": rec["board_id"], "seq": rec["seq"], "hash": rec["hash"]}}},
    }
    if result:
        body["result"] = result
    return body
