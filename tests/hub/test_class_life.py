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


def test_a_teacher_evaluates_in_the_console_and_the_class_board_gets_it(client, hub_app, enrolled):
    pokes = []
    hub_app.config["PUSH"].poke = lambda school_id, boards: pokes.append(boards)  # the broker is not under test here
    login(client, hub_app, role="teacher")
    class_id = bundle_of(enrolled)["settings"]["class_id"]
    page = client.get(f"/console/class-life?class={class_id}").data.decode()
    token = csrf_of(page.encode())
    roster = [s["id"] for s in bundle_of(enrolled)["students"]]
    assert all(f'value="{sid}"' in page for sid in roster)  # the chosen class's students to pick from
    form = {"csrf": token, "class_id": class_id, "student": roster[:2], "category": "劳动", "points": "2",
            "reason": "主动打扫教室"}
    answer = client.post("/console/class-life/evaluation", data=form)
    assert answer.status_code == 302 and answer.headers["Location"].endswith(f"?class={class_id}")
    assert pokes == [[enrolled.id]]  # the board is told to pull now, as for a notice
    (entry,) = bundle_of(enrolled)["class_life"]["evaluations"]
    assert entry["students"] == sorted(roster[:2]) and entry["teacher"] == "zhang"  # who made it
    assert (entry["category"], entry["points"], entry["reason"]) == ("劳动", 2, "主动打扫教室")
    assert entry["on"] == date.today().isoformat() or abs((date.fromisoformat(entry["on"]) - date.today()).days) == 1
    other = {"csrf": token, "class_id": "C102", "student": ["S2001"], "category": "劳动", "points": "1", "reason": "好"}
    assert client.post("/console/class-life/evaluation", data=other).status_code == 302
    assert len(bundle_of(enrolled)["class_life"]["evaluations"]) == 1  # another class's never reaches this board
    for bad in [dict(form, category="不存在"), dict(form, points="0"), dict(form, points="9"), dict(form, points="x"),
                dict(form, reason=" "), dict(form, student=["S2001"]), dict(form, student=[]),
                dict(form, class_id="C999")]:
        page = client.post("/console/class-life/evaluation", data=bad, follow_redirects=True)
        assert "未保存".encode() in page.data, bad
    assert len(bundle_of(enrolled)["class_life"]["evaluations"]) == 1 and len(pokes) == 2
    assert "主动打扫教室" in client.get(f"/console/class-life?class={class_id}").data.decode()


def test_video_media_is_type_checked_hash_addressed_and_may_be_larger(client, hub_app, enrolled, tmp_path):
    """WebM (VP8/VP9/AV1) and MP4 (H.264/AV1) are taken, as boards' Chromium plays them; other videos are refused."""
    import hashlib
    import io

    from tests.video_files import make_video
    login(client, hub_app, role="teacher")
    token = csrf_of(client.get("/console/class-life").data)

    def upload(data: bytes, title: str = "升旗仪式"):
        return client.post("/console/class-life/media", data={"csrf": token, "title": title,
                                                              "file": (io.BytesIO(data), "clip")},
                           content_type="multipart/form-data", follow_redirects=True)
    webm = make_video(tmp_path / "clip.webm")
    big = webm + b"\x00" * (3 << 20)  # over the hub's 2 MB request limit for record batches: a video may be larger
    assert "已保存".encode() in upload(webm).data and "已保存".encode() in upload(big, "长视频").data
    mpeg4 = make_video(tmp_path / "clip.mp4", fourcc="mp4v")  # MPEG-4 Part 2: Chromium cannot play it
    page = upload(mpeg4, "不能播放").data.decode()
    assert "未保存" in page and "H.264" in page
    page = upload(b"\x1a\x45\xdf\xa3" + b"\x00" * 100, "坏的").data.decode()
    assert "未保存" in page and "VP8" in page
    items = {i["title"]: i for i in bundle_of(enrolled)["class_life"]["media"]}
    assert set(items) == {"升旗仪式", "长视频"} and {i["kind"] for i in items.values()} == {"video"}
    assert items["升旗仪式"]["sha256"] == hashlib.sha256(webm).hexdigest()
    fetched = enrolled.call("GET", f"/api/v1/boards/{enrolled.id}/media/{items['长视频']['sha256']}")
    assert fetched.status_code == 200 and fetched.data == big
