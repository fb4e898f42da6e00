"""restag.data.labels: validated gold records and the datasets view."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from restag.data.errors import LabelError
from restag.data.labels import GoldParagraph, load_labels, parse_gold_line, read_gold
from restag.data.schema import FORCES, THEMES

ROWS = [
    {"id": "A/RES/1/1#p1", "symbol": "A/RES/1/1", "kind": "preambular", "number": 1,
     "text": "Noting the growth of small enterprises,", "themes": ["poverty"], "force": "preambular", "split": "train"},
    {"id": "A/RES/1/1#o1", "symbol": "A/RES/1/1", "kind": "operative", "number": 1,
     "text": "Encourages solar power and export markets;", "themes": ["trade", "environment"], "force": "hortatory", "split": "train"},
    {"id": "A/RES/1/2#o1", "symbol": "A/RES/1/2", "kind": "operative", "number": 1,
     "text": "Decides to hold a meeting;", "themes": [], "force": "decisional", "split": "dev"},
]


def write(path: Path, rows: list[dict]) -> Path:
    path.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    return path


def test_read_gold_records(tmp_path: Path) -> None:
    records = read_gold(write(tmp_path / "g.jsonl", ROWS))
    assert [r.id for r in records] == [r["id"] for r in ROWS]
    assert records[1].themes == ("trade", "environment")  # schema order
    assert records[2].to_paragraph().id == "A/RES/1/2#o1"
    assert [r.split for r in read_gold(tmp_path / "g.jsonl", splits=["dev"])] == ["dev"]


def test_load_labels_keyed_by_split(tmp_path: Path) -> None:
    data = load_labels(write(tmp_path / "g.jsonl", ROWS))
    assert set(data) == {"train", "dev"}
    assert data["train"].num_rows == 2 and data["dev"].num_rows == 1
    assert data["train"][1]["theme_vector"] == [0.0, 1.0, 1.0]
    assert data["dev"][0]["force_level"] == FORCES.index("decisional")


def test_minimal_user_file_defaults(tmp_path: Path) -> None:
    records = read_gold(write(tmp_path / "mine.jsonl", [{"text": "Urges action;", "themes": [], "force": "directive"}]))
    assert records == [GoldParagraph(id="mine.jsonl:1", text="Urges action;", themes=(), force="directive")]
    assert records[0].to_paragraph().kind == "operative"


@pytest.mark.parametrize(
    ("change", "fragment"),
    [
        ({"themes": ["energy"]}, "'energy'"),
        ({"force": "binding"}, "'binding'"),
        ({"themes": "trade"}, "list"),
        ({"kind": "preambular", "force": "directive"}, "rule 4"),
        ({"text": ""}, "non-empty"),
    ],
)
def test_bad_label_names_file_line_and_allowed(tmp_path: Path, change: dict, fragment: str) -> None:
    rows = [ROWS[0], {**ROWS[1], **change}]
    with pytest.raises(LabelError) as error:
        read_gold(write(tmp_path / "bad.jsonl", rows))
    message = str(error.value)
    assert "bad.jsonl:2" in message and fragment in message
    if "energy" in fragment:
        assert all(theme in message for theme in THEMES)


def test_bad_json_and_missing_fields() -> None:
    with pytest.raises(LabelError, match="x.jsonl:7: not valid JSON"):
        parse_gold_line("{oops", source="x.jsonl", lineno=7)
    with pytest.raises(LabelError, match="missing field"):
        parse_gold_line('{"text": "a"}', source="x.jsonl", lineno=1)


def test_missing_file_and_unknown_split(tmp_path: Path) -> None:
    with pytest.raises(LabelError, match="not found"):
        read_gold(tmp_path / "none.jsonl")
    with pytest.raises(LabelError, match="split"):
        read_gold(write(tmp_path / "g.jsonl", ROWS), splits=["test"])


def test_shared_gold_loads(gold_labels: Path) -> None:
    data = load_labels(gold_labels)
    assert {"train", "dev"} <= set(data)
    train_symbols = set(data["train"]["symbol"])
    assert not train_symbols & set(data["dev"]["symbol"])  # split by whole resolution
