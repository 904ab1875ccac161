"""Every route of the app, named once; pages and states build links from these."""

from urllib.parse import quote

INDEX = "/"
LOGIN = "/login"
REGISTER = "/register"
REGISTER_PERSON = "/register/person"
REGISTER_PERSON_DONE = "/register/person/done"
HOME = "/home"
PROFILE_COMPLETE = "/profile/complete"
FORGOT_PASSWORD = "/forgot-password"
RESET_PASSWORD = "/reset-password"
USER_AGREEMENT = "/agreement/user"
PRIVACY_POLICY = "/agreement/privacy"
DEV_OUTBOX = "/dev/outbox"


def login_with_next(path: str) -> str:
    return f"{LOGIN}?next={quote(path, safe='/')}"


def safe_next(raw: str | None) -> str:
    """Only same-site paths may be a post-login destination (no open redirect)."""
    if raw and raw.startswith("/") and not raw.startswith("//") and "\\" not in raw:
        return raw
    return HOME

# 单位用户
REGISTER_UNIT = "/register/unit"
LOGIN_UNIT = "/login/unit"
UNIT_HOME = "/unit"
UNIT_SUBMITTED = "/unit/submitted"
PROGRESS_QUERY = "/progress"
AUTHORIZATION_LETTER_TEMPLATE = "/templates/authorization-letter.pdf"

# Staff area (审核员, 窗口经办, 管理员)
STAFF_LOGIN = "/staff/login"
STAFF_PASSWORD = "/staff/password"
STAFF_DASHBOARD = "/staff"
STAFF_APPLICATION = "/staff/applications/[application_id]"
STAFF_ADMIN = "/staff/admin"
STAFF_AUDIT = "/staff/audit"

# Files, served by jssi_app/api.py after checking who asks.
MATERIAL_FILE_PREFIX = "/files/materials"


def staff_application(application_id: int) -> str:
    return f"/staff/applications/{application_id}"


def material_file(material_id: int | str, variant: str = "preview") -> str:
    return f"{MATERIAL_FILE_PREFIX}/{material_id}/{variant}"
