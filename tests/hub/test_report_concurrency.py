"""Several hub processes refresh one school's report counts at once: each record is counted once.

Each thread has its own database connection (peewee keeps one per thread),
as a separate hub process would.
"""
import threading
from datetime import timedelta

from tests.hub.test_report import AS_OF, START, END, term_hub  # noqa: F401 (the fixture)


def test_concurrent_refreshes_count_each_record_once(term_hub, monkeypatch):  # noqa: F811
    from hub.models import ReportCount, UsageRecord, database
    from hub.report import tally
    from hub.report.service import content_key, report_inputs

    monkeypatch.setattr(tally, "LAG", timedelta(0))
    inputs = report_inputs(start=START.isoformat(), end=END.isoformat(), as_of=AS_OF)
    content = dict(inputs["timetable"], classes=inputs["classes"], calendar=inputs["calendar"])
    key = content_key()
    errors, start = [], threading.Barrier(4)

    def refresh():
        try:
            start.wait(10)
            tally.refresh(inputs["rules"], tally.ZoneInfo("Asia/Shanghai"), content=content, content_key=key)
        except Exception as exc:  # collected and asserted below: a thread's failure must fail the test
            errors.append(exc)
        finally:
            database.close()

    threads = [threading.Thread(target=refresh) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert not errors and not any(t.is_alive() for t in threads)
    counted = sum(r.n for r in ReportCount.select().where(ReportCount.clause.startswith("kind:")))
    assert counted == UsageRecord.select().count()
