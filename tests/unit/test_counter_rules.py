"""Counter rules (窗口经办): the ID number on the card, the ID card check, phone/name changes and the 15→18 target,
and what a registry extract upload may contain."""

from __future__ import annotations

import datetime as dt

import pytest

from jssi_app.domain.counter_person import (
    ALREADY_18,
    CHECK_FIELD,
    ID_CARD_NOT_CHECKED,
    NAME_FIELD,
    NAME_UNCHANGED,
    PHONE_FIELD,
    PHONE_UNCHANGED,
    mask_name,
    upgrade_target,
    validate_counter_id,
    validate_name_correction,
    validate_phone_change,
    validate_upgrade,
)
from jssi_app.domain.errors import InvalidValue, ValidationFailed
from jssi_app.domain.registry_extract import (
    MAX_UPLOAD_BYTES,
    TOO_LARGE,
    base_name,
    check_members,
    check_upload_size,
    upload_kind,
)

TODAY = dt.date(2026, 11, 28)


def test_the_clerk_may_type_an_18_or_a_15_digit_number():
    assert validate_counter_id("320102199003074536", TODAY) == "320102199003074536"
    assert validate_counter_id(" 320105 680412 231 ", TODAY) == "320105680412231"
    assert validate_counter_id("１１０１０５１９４９１２３１００２ｘ", TODAY) == "11010519491231002X"


@pytest.mark.parametrize(("raw", "fragment"), [
    ("", "请输入身份证号码"),
    ("320105681312231", "15位身份证号码无效"),  # month 13
    ("990105680412231", "15位身份证号码无效"),  # no such region
    ("3201051968041223", "应为18位或15位（您输入了16位）"),
    ("320102199003074535", "校验位不正确"),
])
def test_bad_numbers_are_refused_with_the_reason(raw, fragment):
    with pytest.raises(InvalidValue) as refused:
        validate_counter_id(raw, TODAY)
    assert fragment in refused.value.message


def test_upgrade_target_is_the_gb11643_upgrade_and_18_digit_records_are_refused():
    assert upgrade_target("320105680412231") == "320105196804122310"
    with pytest.raises(InvalidValue) as refused:
        upgrade_target("320105196804122310")
    assert refused.value.message == ALREADY_18


def test_every_change_needs_the_id_card_checked():
    with pytest.raises(ValidationFailed) as phone:
        validate_phone_change("13912345678", id_card_checked=False, current=("13800001111",))
    assert phone.value.by_field() == {CHECK_FIELD: ID_CARD_NOT_CHECKED}
    with pytest.raises(ValidationFailed) as name:
        validate_name_correction("李娜", id_card_checked=False, current="李娜娜")
    assert name.value.by_field() == {CHECK_FIELD: ID_CARD_NOT_CHECKED}
    with pytest.raises(ValidationFailed) as upgrade:
        validate_upgrade("320105680412231", id_card_checked=False)
    assert upgrade.value.by_field() == {CHECK_FIELD: ID_CARD_NOT_CHECKED}
    assert validate_upgrade("320105680412231", id_card_checked=True) == "320105196804122310"


def test_phone_change_reports_every_problem_at_once():
    with pytest.raises(ValidationFailed) as refused:
        validate_phone_change("1234", id_card_checked=False, current=())
    assert set(refused.value.by_field()) == {CHECK_FIELD, PHONE_FIELD}
    assert validate_phone_change("139 1234 5678", id_card_checked=True, current=()).new_phone == "13912345678"


def test_phone_change_is_refused_only_when_every_number_on_file_already_is_the_new_one():
    with pytest.raises(ValidationFailed) as same:
        validate_phone_change("13912345678", id_card_checked=True, current=("13912345678",))
    assert same.value.by_field() == {PHONE_FIELD: PHONE_UNCHANGED}
    # The registry is right but the online account still has the old number: the change brings it in line.
    change = validate_phone_change("13912345678", id_card_checked=True, current=("13912345678", "13800001111"))
    assert change.new_phone == "13912345678"


def test_name_correction_uses_the_name_rules_and_refuses_no_change():
    assert validate_name_correction(" 李 娜 ", id_card_checked=True, current="李娜娜").new_name == "李娜"
    assert validate_name_correction("阿依古丽・买买提", id_card_checked=True,
                                    current="阿依古丽").new_name == "阿依古丽·买买提"
    with pytest.raises(ValidationFailed) as same:
        validate_name_correction("李娜娜", id_card_checked=True, current="李娜娜")
    assert same.value.by_field() == {NAME_FIELD: NAME_UNCHANGED}
    with pytest.raises(ValidationFailed) as bad:
        validate_name_correction("李Na", id_card_checked=True, current="李娜娜")
    assert "不能同时包含汉字和英文字母" in bad.value.by_field()[NAME_FIELD]


def test_names_are_masked_to_the_surname():
    assert mask_name("王建国") == "王**"
    assert mask_name("李娜") == "李*"


def test_an_extract_upload_is_one_zip_or_the_named_csv_files():
    assert upload_kind(["extract.ZIP"]) == "zip"
    assert upload_kind(["persons.csv", "units.csv"]) == "csv"
    assert upload_kind(["C:\\导出\\Persons.csv", "units.csv", "contributions.csv"]) == "csv"
    assert base_name("a/b\\UNITS.csv") == "units.csv"
    for names, fragment in (
        ([], "请选择要导入的文件"),
        (["a.zip", "persons.csv"], "请只上传一个 zip"),
        (["persons.csv", "units.csv", "员工.xlsx"], "不能识别的文件：员工.xlsx"),
        (["persons.csv"], "缺少文件：units.csv"),
        (["persons.csv", "units.csv", "persons.csv"], "文件重复：persons.csv"),
    ):
        with pytest.raises(InvalidValue) as refused:
            upload_kind(names)
        assert fragment in refused.value.message, names
    assert check_members(["units.csv", "persons.csv"]) == ["units.csv", "persons.csv"]


def test_upload_size_limit_has_a_clear_message():
    check_upload_size(MAX_UPLOAD_BYTES)
    with pytest.raises(InvalidValue) as refused:
        check_upload_size(MAX_UPLOAD_BYTES + 1)
    assert refused.value.message == TOO_LARGE
    assert "64MB" in TOO_LARGE
