from hub.importers import csvfile
from hub.importers.csvfile import read_table
from hub.importers.errors import ImportProblem, ImportRejected, Problems


def test_bom_crlf_and_quoted_fields_keep_physical_lines():
    data = ('\ufeffclass,subject,note\r\n'
            'C101,数学,"a, b"\r\n'
            'C102,语文,"two\r\nlines and ""quotes"""\r\n'
            '\r\n'
            'C103,英语,plain\r\n').encode("utf-8")
    problems = Problems()
    table = read_table(data, "t.csv", problems, required=["class", "subject"], optional=["note"])
    assert not problems
    assert table.header == ["class", "subject", "note"]  # the BOM is not part of the first column's name
    assert [r.values["note"] for r in table] == ["a, b", 'two\r\nlines and "quotes"', "plain"]
    assert [r.line for r in table] == [2, 3, 6]  # the blank line and the embedded newline are counted
    assert table.column("note") == 3


def test_lf_without_bom_and_short_rows():
    problems = Problems()
    table = read_table(b"a,b,c\n1,2\n", "x.csv", problems, required=["a"])
    assert not problems and table.records[0].values == {"a": "1", "b": "2", "c": ""}


def test_header_problems_are_on_line_1_and_all_reported():
    problems = Problems()
    assert read_table(b"class,subjekt,class\n", "t.csv", problems, required=["class", "subject"],
                      optional=["room"]) is None
    text = [str(p) for p in problems]
    assert "t.csv:1:2: unknown column 'subjekt' (expected: class, subject, room)" in text
    assert "t.csv:1:3: column 'class' appears twice in the header" in text
    assert "t.csv:1:0: required column 'subject' is missing" in text


def test_extra_columns_tolerated_when_the_format_allows_them():
    problems = Problems()
    assert read_table(b"sourcedId,metadata.jp.x\n1,2\n", "u.csv", problems, required=["sourcedId"]) is not None
    assert not problems


def test_too_many_fields_not_utf8_and_too_big(monkeypatch):
    problems = Problems()
    read_table(b"a,b\n1,2\n1,2,3\n", "x.csv", problems, required=["a"])
    assert [str(p) for p in problems] == ["x.csv:3:3: record has 3 fields; the header has 2"]
    problems = Problems()
    assert read_table("a\nok\n王\n".encode("gbk"), "g.csv", problems, required=["a"]) is None
    assert problems[0].line == 3 and "not UTF-8" in problems[0].reason
    monkeypatch.setattr(csvfile, "MAX_CSV_BYTES", 10)
    problems = Problems()
    assert read_table(b"a\n" + b"x\n" * 20, "big.csv", problems, required=["a"]) is None
    assert "limit" in problems[0].reason


def test_problem_text_and_rejection_collects_all():
    assert str(ImportProblem("users.csv", 12, 3, "bad")) == "users.csv:12:3: bad"
    problems = Problems()
    problems.add("b.csv", 2, 1, "two")
    problems.add("a.csv", 5, 0, "one")
    try:
        problems.raise_if_any()
    except ImportRejected as exc:
        assert [p.file for p in exc.problems] == ["a.csv", "b.csv"]
        assert str(exc) == "import rejected: 2 problems; nothing was changed"
    else:
        raise AssertionError("not rejected")
