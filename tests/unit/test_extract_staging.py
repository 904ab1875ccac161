"""Staged registry extracts (参保数据导入 between 试导入 and 正式导入) are encrypted on disk and refused when changed."""

from __future__ import annotations

import datetime as dt
import shutil
from pathlib import Path

import pytest

from jssi_app.adapters.extract_staging import DAMAGED, GONE, ExtractStaging
from jssi_app.adapters.file_crypto import HEADER
from jssi_app.domain.errors import InvalidValue

NOW = dt.datetime(2026, 11, 28, 2, 0, tzinfo=dt.UTC)
PERSONS = (
    "id_number,name,gender,birth_date,phone,hukou_address,insured_region,person_type,insured_status,first_insured\n"
    "320102197001010011,欧阳明远,男,1970-01-01,13905178264,南京市建邺区江东中路369号,320102,职工,正常参保,2000-01\n"
).encode("utf-8")
UNITS = "uscc,name\n91320102MA0000011X,南京测试科技有限公司\n".encode("utf-8")


@pytest.fixture
def staging(tmp_path: Path) -> ExtractStaging:
    return ExtractStaging(tmp_path / "staging")


def _stage(staging: ExtractStaging) -> str:
    return staging.create({"persons.csv": PERSONS, "units.csv": UNITS}, staff_id=7, now=NOW)


def test_staged_csvs_hold_no_plaintext_and_come_back_whole(staging: ExtractStaging) -> None:
    token = _stage(staging)
    folder = staging.path(token)
    for name in ("persons.csv", "units.csv"):
        raw = (folder / name).read_bytes()
        assert raw.startswith(HEADER)
        for plain in ("320102197001010011", "欧阳明远", "13905178264", "江东中路", "id_number,name",
                      "南京测试科技有限公司"):
            assert plain.encode("utf-8") not in raw, f"{plain} in plaintext in {name}"
    assert staging.contents(token) == {"persons.csv": PERSONS, "units.csv": UNITS}
    # The clerk sees the sizes of the files as uploaded, not of their ciphertexts.
    assert staging.files(token) == [("persons.csv", len(PERSONS)), ("units.csv", len(UNITS))]
    assert staging.read_meta(token).staff_id == 7


def test_a_flipped_byte_is_refused(staging: ExtractStaging) -> None:
    token = _stage(staging)
    path = staging.path(token) / "persons.csv"
    raw = bytearray(path.read_bytes())
    raw[len(raw) // 2] ^= 0x40
    path.write_bytes(bytes(raw))
    with pytest.raises(InvalidValue) as exc:
        staging.contents(token)
    assert exc.value.message == DAMAGED


def test_a_file_moved_to_another_upload_or_name_is_refused(staging: ExtractStaging) -> None:
    first, second = _stage(staging), _stage(staging)
    shutil.copyfile(staging.path(first) / "persons.csv", staging.path(second) / "persons.csv")
    with pytest.raises(InvalidValue, match="损坏"):
        staging.contents(second)
    folder = staging.path(first)
    (folder / "persons.csv").rename(folder / "tmp")
    (folder / "units.csv").rename(folder / "persons.csv")
    (folder / "tmp").rename(folder / "units.csv")
    with pytest.raises(InvalidValue, match="损坏"):
        staging.contents(first)


def test_a_plaintext_file_put_in_the_folder_is_refused(staging: ExtractStaging) -> None:
    token = _stage(staging)
    (staging.path(token) / "persons.csv").write_bytes(PERSONS)
    with pytest.raises(InvalidValue, match="损坏"):
        staging.contents(token)


def test_a_discarded_upload_is_gone(staging: ExtractStaging) -> None:
    token = _stage(staging)
    staging.discard(token)
    with pytest.raises(InvalidValue) as exc:
        staging.contents(token)
    assert exc.value.message == GONE
