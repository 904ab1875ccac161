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


def unit_login_with_next(path: str) -> str:
    return f"{LOGIN_UNIT}?next={quote(path, safe='/')}"


def unit_next(raw: str | None) -> str:
    """Where a unit goes after 单位用户登录: a unit page named in ?next=, else the unit home."""
    if raw and safe_next(raw) == raw and (raw == UNIT_HOME or raw.startswith(UNIT_HOME + "/")):
        return raw
    return UNIT_HOME


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

# Business after registration (issue 4). The menu paths follow the seed's 相关操作指引 table.
CONTRIBUTIONS = "/person/contributions"  # 个人业务 → 缴费查询
FACE_CERTIFICATION = "/person/certification"  # 待遇认证 → 人脸识别认证
VERIFY = "/verify"  # public: checks a printed 参保缴费证明 by its verification code
PROOF_FILE_PREFIX = "/files/proofs"  # the PDF of a proof, for the person who issued it
UNIT_EMPLOYEES = "/unit/employees"  # 单位业务 → 参保管理 (employee list, 减员)
UNIT_EMPLOYEE_ADD = "/unit/employees/add"  # 参保管理 → 人员新增
UNIT_EMPLOYEE_IMPORT = "/unit/employees/import"  # 参保管理 → 批量增员 (Excel)
UNIT_BASE_DECLARATION = "/unit/declaration"  # 单位业务 → 缴费申报 → 缴费基数申报
UNIT_FILE_PREFIX = "/files/unit"  # Excel templates and per-row error reports for the signed-in unit
STAFF_COUNTER = "/staff/counter"  # 窗口经办: the counter queue and services
STAFF_COUNTER_TASK = "/staff/counter/tasks/[task_id]"
STAFF_COUNTER_PERSON = "/staff/counter/person"  # phone change, 15→18 upgrade, name correction
STAFF_COUNTER_FACE = "/staff/counter/face-reference"  # enrol a reference photo
STAFF_COUNTER_IMPORT = "/staff/counter/import"  # registry extract import with a dry run
FACE_REFERENCE_FILE_PREFIX = "/files/face-references"  # staff only


def verify_link(code: str) -> str:
    return f"{VERIFY}?code={quote(code, safe='')}"


def proof_file(code: str) -> str:
    return f"{PROOF_FILE_PREFIX}/{quote(code, safe='')}"


def counter_task(task_id: int) -> str:
    return f"/staff/counter/tasks/{task_id}"

# 单位CA证书登录 (issue 5). CA_LOGIN is the mutual-TLS entry nginx serves (docs/operations.md); the app answers it
# itself only when no proxy is in front, with a refusal. CA_PROXY_SIGN_IN is reachable only by the proxy.
STAFF_COUNTER_CERTS = "/staff/counter/certificates"  # 证书绑定 at the counter
CA_LOGIN = "/ca-login"
CA_PROXY_SIGN_IN = "/internal/ca-login"
UNIT_CA_LOGIN = "/login/unit/ca"  # exchanges the one-time ticket for the session, or says why not


def unit_ca_result(*, ticket: str = "", error: str = "") -> str:
    return f"{UNIT_CA_LOGIN}?ticket={quote(ticket, safe='')}" if ticket else f"{UNIT_CA_LOGIN}?error={quote(error, safe='')}"

# 帮助中心 (issue 7): public pages, no session needed.
HELP = "/help"
HELP_GUIDE_PERSON = "/help/guide/person"  # 办事指南: 个人用户注册流程
HELP_GUIDE_UNIT = "/help/guide/unit"  # 办事指南: 单位用户注册流程
HELP_PATHS = "/help/paths"  # 操作指引 (the seed's 相关操作指引 table)
HELP_FAQ = "/help/faq"  # 常见问题
HELP_CONTACT = "/help/contact"  # 联系我们: 社保经办机构 by city
