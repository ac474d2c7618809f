"""Class life set in the console reaches the board's bundle, cut to its class; bad input changes nothing."""
from datetime import date, timedelta

from tests.hub.test_console import csrf_of, login


def bundle_of(enrolled):
    return enrolled.call("GET", f"/api/v1/boards/{enrolled.id}/bundle").get_json()["content"]


def test_homework_countdown_categories_and_highlights_reach_the_bundle(client, hub_app, enrolled):
    login(client, hub_app, role="teacher")
    token = csrf_of(client.get("/console/class-life").data)
    class_id = bundle_of(enrolled)["settings"]["class_id"]
    due = (date.today() + timedelta(days=2)).isoformat()
    assert client.post("/console/class-life/homework", data={"subject": "数学", "text": "练习册第 3 页",
                                                             "class_id": class_id, "due": due}).status_code == 400
    for what, form in [("homework", {"class_id": class_id, "subject": "数学", "text": "练习册第 3 页", "due": due}),
                       ("homework", {"class_id": "C999", "subject": "语文", "text": "别班作业", "due": due}),
                       ("countdown", {"title": "距中考", "date": "2027-06-20"}),
                       ("categories", {"categories": "课堂表现，劳动，科技创新"}),
                       ("highlights", {"class_id": class_id})]:
        assert client.post(f"/console/class-life/{what}", data=form | {"csrf": token}).status_code == 302
    life = bundle_of(enrolled)["class_life"]
    assert [h["text"] for h in life["homework"]] == ["练习册第 3 页"]  # only this board's class
    assert [c["title"] for c in life["countdowns"]] == ["距期末考试", "距中考"]  # the imported one kept
    assert life["highlight_classes"] == [class_id]
    assert life["evaluation_categories"] == ["课堂表现", "劳动", "科技创新"]


def test_bad_input_is_refused_and_changes_nothing(client, hub_app, enrolled):
    login(client, hub_app, role="teacher")
    token = csrf_of(client.get("/console/class-life").data)
    before = bundle_of(enrolled)["class_life"]
    for what, form in [("homework", {"class_id": "C101", "subject": "", "text": "x", "due": "2020-01-01"}),
                       ("homework", {"class_id": "C101", "subject": "数学", "text": "x", "due": "not a date"}),
                       ("countdown", {"title": "x" * 41, "date": "2027-06-20"}),
                       ("countdown", {"title": "距中考", "date": "June"}),
                       ("categories", {"categories": " ， "})]:
        page = client.post(f"/console/class-life/{what}", data=form | {"csrf": token}, follow_redirects=True)
        assert "未保存".encode() in page.data, (what, form)
    assert bundle_of(enrolled)["class_life"] == before


def test_media_library_upload_is_checked_and_hash_addressed(client, hub_app, enrolled):
    import hashlib
    import io
    login(client, hub_app, role="teacher")
    token = csrf_of(client.get("/console/class-life").data)
    wav = b"RIFF" + b"\x00" * 200
    page = client.post("/console/class-life/media", data={"csrf": token, "title": "校歌",
                                                          "file": (io.BytesIO(wav), "song.wav")},
                       content_type="multipart/form-data", follow_redirects=True)
    assert "已保存".encode() in page.data
    page = client.post("/console/class-life/media", data={"csrf": token, "title": "病毒",
                                                          "file": (io.BytesIO(b"MZ\x90\x00 not a sound"), "x.wav")},
                       content_type="multipart/form-data", follow_redirects=True)
    assert "未保存".encode() in page.data
    (item,) = bundle_of(enrolled)["class_life"]["media"]
    assert item["title"] == "校歌" and item["sha256"] == hashlib.sha256(wav).hexdigest() and item["bytes"] == len(wav)
    fetched = enrolled.call("GET", f"/api/v1/boards/{enrolled.id}/media/{item['sha256']}")
    assert fetched.status_code == 200 and fetched.data == wav
