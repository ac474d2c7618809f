"""The stored time text of a record is what str() of its naive UTC time gives (the column's spelling)."""
from datetime import datetime, timezone

from hypothesis import given, settings, strategies as st

from edge.services.usage import _stored_time
from protocol.records import format_time


@settings(max_examples=300, deadline=None)
@given(st.datetimes(min_value=datetime(1970, 1, 2), max_value=datetime(9999, 12, 30)))
def test_the_stored_time_is_str_of_the_naive_utc_time_to_the_millisecond(moment):
    kept = moment.replace(microsecond=moment.microsecond // 1000 * 1000)
    assert _stored_time(format_time(moment.replace(tzinfo=timezone.utc))) == str(kept)
