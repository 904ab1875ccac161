"""Rules of 待遇认证 → 人脸识别认证, the yearly pension qualification of 退休人员. Pure: no clock, no database.

The day that limits online tries is the China-local calendar day (a person who failed three times at
23:00 may try again after midnight Beijing time, not UTC).
"""

from __future__ import annotations

import calendar
import datetime as dt
from dataclasses import dataclass
from zoneinfo import ZoneInfo

SHANGHAI = ZoneInfo("Asia/Shanghai")

# dlib's face distance: the library's own recommended cut-off; below it two encodings are the same person.
DEFAULT_MATCH_THRESHOLD = 0.6
MAX_FAILED_TRIES_PER_DAY = 3

# Outcomes of one online try.
NO_FACE = "no_face"
SEVERAL_FACES = "several_faces"
MISMATCH = "mismatch"
MATCHED = "matched"
OUTCOMES = (NO_FACE, SEVERAL_FACES, MISMATCH, MATCHED)

OUTCOME_MESSAGES = {
    NO_FACE: "未检测到人脸：请正对摄像头，让面部完整处于椭圆框内，光线充足后重新拍摄。",
    SEVERAL_FACES: "检测到多张人脸：拍摄时画面中只能有您本人，请让其他人离开画面后重新拍摄。",
    MISMATCH: "与参保登记照片不一致：请摘下帽子、眼镜等遮挡物，正对摄像头重新拍摄。",
    MATCHED: "认证成功",
}

# How a certification was made.
METHOD_FACE = "face"
METHOD_MANUAL = "manual"
METHOD_LABELS = {METHOD_FACE: "人脸识别", METHOD_MANUAL: "人工认证"}

CHANNEL_CAMERA = "camera"
CHANNEL_UPLOAD = "upload"
CHANNELS = (CHANNEL_CAMERA, CHANNEL_UPLOAD)

RETIRED_TYPE = "退休人员"
RETIRED_STATUS = "退休"

GO_TO_OFFICE = ("今日在线认证已失败{n}次，今天不能再在线认证。请携带本人身份证原件到社保经办窗口办理人工认证，"
                "窗口已收到您的人工认证申请。")
NO_REFERENCE = ("社保系统中尚无您的参保登记照片，暂不能在线人脸识别认证。请携带本人身份证原件到社保经办窗口采集照片"
                "（或直接办理人工认证）。")


def needs_certification(person_type: str, insured_status: str) -> bool:
    """Only pensioners qualify yearly: the registry marks them by type 退休人员 or status 退休."""
    return person_type == RETIRED_TYPE or insured_status == RETIRED_STATUS


def not_needed_reason(person_type: str, insured_status: str) -> str:
    who = person_type or "参保人员"
    return (f"您的人员类别为“{who}”（参保状态：{insured_status or '未知'}）。人脸识别认证是领取养老金的退休人员"
            "每年一次的待遇资格认证，在职职工和灵活就业人员无需办理。办理退休后即可在此认证。")


def local_day(moment: dt.datetime) -> dt.date:
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=dt.UTC)
    return moment.astimezone(SHANGHAI).date()


def tries_left(failures_today: int) -> int:
    return max(0, MAX_FAILED_TRIES_PER_DAY - failures_today)


def blocked_today(failures_today: int) -> bool:
    return failures_today >= MAX_FAILED_TRIES_PER_DAY


def valid_until(certified_on: dt.date) -> dt.date:
    """Valid until the end of the same month next year (certified 2026-11-28 → 2027-11-30)."""
    year, month = certified_on.year + 1, certified_on.month
    return dt.date(year, month, calendar.monthrange(year, month)[1])


def month_text(day: dt.date) -> str:
    return f"{day.year}年{day.month}月"


def outcome_of(faces: int, distance: float | None, threshold: float) -> str:
    if faces == 0:
        return NO_FACE
    if faces > 1:
        return SEVERAL_FACES
    if distance is None or distance > threshold:
        return MISMATCH
    return MATCHED


@dataclass(frozen=True)
class Standing:
    """Where a pensioner stands this year."""

    certified: bool
    label: str  # 已认证 / 待认证 / 已过期
    due_text: str  # what the home page says about the next due date
    due_now: bool  # may certify now: never certified, lapsed, or in the month the certification runs out


def standing(latest_valid_until: dt.date | None, today: dt.date) -> Standing:
    if latest_valid_until is None:
        return Standing(False, "待认证", "尚未认证，请尽快完成本年度认证", True)
    if latest_valid_until < today:
        return Standing(False, "已过期", f"认证已于{month_text(latest_valid_until)}到期，请尽快重新认证", True)
    due_now = (today.year, today.month) == (latest_valid_until.year, latest_valid_until.month)
    return Standing(True, "已认证",
                    f"有效期至{month_text(latest_valid_until)}，请在{month_text(latest_valid_until)}内再次认证", due_now)


ALREADY_CERTIFIED = "您本年度已完成认证，有效期至{until}，届时可在{until}内再次认证。"
