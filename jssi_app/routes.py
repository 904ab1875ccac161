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
