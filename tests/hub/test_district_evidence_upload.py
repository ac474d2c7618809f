"""A school's evidence archive uploaded through a real ``hub serve`` process from Chromium, with its progress bar
(the district's checks themselves: tests/hub/test_district_evidence.py)."""
from __future__ import annotations


def test_a_large_upload_through_the_real_hub_with_its_progress_bar(tmp_path):
    """Chromium uploads a 12 MB zip (more than the hub's old 8 MB body cap) to a real ``hub serve`` process; the
    progress bar shows the part sent (upload throttled to 4 MB/s), then the page shows the verdict: a zip with no
    manifest is named unreadable, and the whole file is kept under its hash."""
    import os
    import zipfile

    from playwright.sync_api import sync_playwright

    from classboard.sample import sample_school
    from tests.conftest import SCHOOL_MORNING
    from tests.sync.conftest import HubProcess
    from tests.ui.conftest import CHROMIUM_ARGS

    big = tmp_path / "big.zip"
    with zipfile.ZipFile(big, "w", zipfile.ZIP_STORED) as zf:
        zf.writestr("records/noise.bin", os.urandom(12 * 1024 * 1024))
    hub = HubProcess(tmp_path / "hub", sample_school(today=SCHOOL_MORNING.date()))
    try:
        hub.create_user("head", "admin")
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS)
            try:
                page = browser.new_page()
                hub.sign_in(page, "head")
                page.goto(hub.url + "/district/evidence")
                page.set_input_files("#archive", str(big))
                # 4 MB/s up: the 12 MB take about 3 s, long enough to see the bar move
                page.context.new_cdp_session(page).send("Network.emulateNetworkConditions", {
                    "offline": False, "latency": 0, "downloadThroughput": -1, "uploadThroughput": 4 << 20})
                page.click("#send")
                page.wait_for_selector("#state:has-text('上传中 uploading')", timeout=10_000)
                part = int(page.get_attribute("#progress", "value") or 0)
                assert 0 <= part < 100
                page.wait_for_selector("#problems", timeout=60_000)  # the page reloads once the check is done
                assert "manifest.json" in page.inner_text("#problems")
                assert "1 处问题 problems" in page.inner_text("#verdict")
            finally:
                browser.close()
        stored = list((hub.data / "evidence" / "_default").glob("*.zip"))
        assert len(stored) == 1 and stored[0].stat().st_size == big.stat().st_size
    finally:
        hub.stop()


def test_the_district_import_page_shows_each_schools_plan_then_imports(tmp_path):
    """Chromium, a real hub: the district admin uploads the district's OneRoster zip with 试运行 ticked (each
    school's plan shown as text), then again without it (both schools stored)."""
    import shutil
    import sqlite3

    from playwright.sync_api import sync_playwright

    from classboard.sample import sample_school
    from tests.conftest import SCHOOL_MORNING
    from tests.hub.importers.conftest import write_set
    from tests.hub.importers.test_district import district_rows
    from tests.sync.conftest import HubProcess
    from tests.ui.conftest import CHROMIUM_ARGS

    archive = shutil.make_archive(str(tmp_path / "district"), "zip", write_set(tmp_path / "set", district_rows()))
    hub = HubProcess(tmp_path / "hub", sample_school(today=SCHOOL_MORNING.date()))
    try:
        hub.create_user("district-head", "district_admin")
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS)
            try:
                page = browser.new_page()
                hub.sign_in(page, "district-head")
                page.goto(hub.url + "/district/import")
                page.set_input_files("#oneroster", archive)
                page.click("#send")
                page.wait_for_selector("#outcome:has-text('试运行')", timeout=30_000)
                assert "ORG-2 南宁市第二中学: 新建 new school" in page.inner_text("#plan")
                page.uncheck("#dryrun")
                page.click("#send")
                page.wait_for_selector("#outcome:has-text('已导入 2 所学校')", timeout=30_000)
            finally:
                browser.close()
        conn = sqlite3.connect(hub.data / "hub.sqlite3")
        assert {s for (s,) in conn.execute("SELECT id FROM school")} == {"ORG-1", "ORG-2"}
        conn.close()
    finally:
        hub.stop()
