"""A small OneRoster 1.2 school built in tmp_path, written the way Excel writes CSV (BOM, CRLF)."""
from __future__ import annotations

import csv
import io
from pathlib import Path

import pytest

HEADERS = {
    "manifest.csv": "propertyName,value",
    "orgs.csv": "sourcedId,status,dateLastModified,name,type,identifier,parentSourcedId",
    "academicSessions.csv": "sourcedId,status,dateLastModified,title,type,startDate,endDate,parentSourcedId,schoolYear",
    "courses.csv": "sourcedId,status,dateLastModified,schoolYearSourcedId,title,courseCode,grades,orgSourcedId,"
                   "subjects,subjectCodes",
    "classes.csv": "sourcedId,status,dateLastModified,title,grades,courseSourcedId,classCode,classType,location,"
                   "schoolSourcedId,termSourcedIds,subjects,subjectCodes,periods",
    "users.csv": "sourcedId,status,dateLastModified,enabledUser,username,userIds,givenName,familyName,middleName,"
                 "identifier,email,sms,phone,agentSourcedIds,grades,password,userMasterIdentifier,resourceSourcedIds,"
                 "preferredGivenName,preferredMiddleName,preferredFamilyName,primaryOrgSourcedId,pronouns",
    "roles.csv": "sourcedId,status,dateLastModified,userSourcedId,roleType,role,beginDate,endDate,orgSourcedId,"
                 "userProfileSourcedId",
    "enrollments.csv": "sourcedId,status,dateLastModified,classSourcedId,schoolSourcedId,userSourcedId,role,primary,"
                       "beginDate,endDate",
}
TS = "2026-08-20T00:00:00.000Z"
TEACHERS = [("t-li", "梅", "李"), ("t-zhang", "Wei", "Zhang"), ("t-wang", "芳", "王")]
# C101 is also a class of the sample school already in the hub; S1001 is a sample student (marker 0)
CLASSES = [("C101", "高一(1)班", "R101", "t-li"), ("HR-2", "高一(2)班", "教学楼102室", "t-zhang"),
           ("HR-3", '高一(3)班, "实验"\n班', "Room 203", "t-wang")]
STUDENTS = [("S1001", "小明", "陈", "C101"), ("s-02", "小红", "刘", "C101"), ("s-03", "Amy", "Lee", "C101"),
            ("s-04", "子轩", "黄", "HR-2"), ("s-05", "欣怡", "周", "HR-2"), ("s-06", "浩宇", "吴", "HR-2"),
            ("stu/07@x", "雨桐", "徐", "HR-3"), ("s-08", "思远", "孙", "HR-3"), ("s-09", "佳琪", "马", "HR-3"),
            ("s-10", "俊杰", "朱", "HR-3")]


def rows() -> dict[str, list[list[str]]]:
    """The school as rows per file (without headers); tests edit them before writing."""
    users, roles, enrollments = [], [], []
    for sid, given, family in TEACHERS:
        users.append([sid, "active", TS, "true", sid, "", given, family] + [""] * 13 + ["ORG-1", ""])
        roles.append([f"r-{sid}", "active", TS, sid, "primary", "teacher", "", "", "ORG-1", ""])
    for sid, given, family, _ in STUDENTS:
        users.append([sid, "active", TS, "true", sid, "", given, family] + [""] * 6 + ["10"] + [""] * 6
                     + ["ORG-1", ""])
        roles.append([f"r-{sid}", "active", TS, sid, "primary", "student", "", "", "ORG-1", ""])
    for cid, _, _, head in CLASSES:
        enrollments.append([f"e-{cid}-{head}", "active", TS, cid, "ORG-1", head, "teacher", "true", "", ""])
    for sid, _, _, cid in STUDENTS:
        enrollments.append([f"e-{cid}-{sid}", "active", TS, cid, "ORG-1", sid, "student", "false",
                            "2026-09-01", ""])
    enrollments.append(["e-sec-1", "active", TS, "SEC-MATH-1", "ORG-1", "t-li", "teacher", "true", "", ""])
    return {
        "manifest.csv": [["manifest.version", "1.0"], ["oneroster.version", "1.2"], ["file.orgs", "bulk"],
                         ["file.users", "bulk"], ["file.demographics", "absent"]],
        "orgs.csv": [["ORG-0", "active", TS, "南宁市教育局", "district", "", ""],
                     ["ORG-1", "active", TS, "南宁市示范中学", "school", "450100", "ORG-0"]],
        "academicSessions.csv": [["Y2026", "active", TS, "2026-2027学年", "schoolYear", "2026-09-01", "2027-07-10",
                                  "", "2027"],
                                 ["T2026-1", "active", TS, "2026-2027学年第一学期", "term", "2026-09-01",
                                  "2027-01-20", "Y2026", "2027"]],
        "courses.csv": [["CRS-MATH", "active", TS, "Y2026", "数学", "MATH", "10", "ORG-1", "数学", ""]],
        "classes.csv": [[cid, "active", TS, title, "10", "", "", "homeroom", room, "ORG-1", "T2026-1", "", "", ""]
                        for cid, title, room, _ in CLASSES]
        + [["SEC-MATH-1", "active", TS, "数学 高一(1)", "10", "CRS-MATH", "", "scheduled", "R101", "ORG-1",
            "T2026-1", "数学", "", "1"]],
        "users.csv": users, "roles.csv": roles, "enrollments.csv": enrollments,
    }


def csv_bytes(header: str, body: list[list[str]]) -> bytes:
    out = io.StringIO(newline="")
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(header.split(","))
    writer.writerows(body)
    return out.getvalue().encode("utf-8-sig")


def write_set(folder: Path, data: dict[str, list[list[str]]]) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    for name, body in data.items():
        (folder / name).write_bytes(csv_bytes(HEADERS[name], body))
    return folder


@pytest.fixture
def roster(tmp_path):
    return write_set(tmp_path / "oneroster", rows())


@pytest.fixture
def ctx(hub_app):
    """The hub app with the sample school, inside an app context (the importers use the database)."""
    with hub_app.app_context():
        yield hub_app
