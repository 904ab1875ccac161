"""工作人员: 工作人员登录, 修改密码, 审核工作台 (the queue) and 申请详情 (领取, 释放, 通过, 退回, 显示完整号码).

Every handler that reads or changes data asks `_staff()` itself: the session cookie is looked up in the
server-side session table, the account must be an active staff account, and an account that still has
its generated password may only reach 修改密码. A page's on_load guard only decides what is drawn.
"""

from __future__ import annotations

import datetime as dt
import re
from urllib.parse import quote

import reflex as rx

from jssi_app import routes
from jssi_app.adapters.clock import local_today, utcnow
from jssi_app.domain.errors import DomainError
from jssi_app.domain.review import MATERIAL_LABELS, STATUS_LABELS, MaterialKind
from jssi_app.domain.working_days import ESTIMATE_NOTE
from jssi_app.services import authentication, review, review_detail, review_queue, staff_accounts
from jssi_app.services.review import ReviewRefused
from jssi_app.services.sessions import Principal
from jssi_app.state.base import SIGN_OUT_RESETS as _SIGN_OUT_RESETS
from jssi_app.state.base import AppState, call_service
from jssi_app.state.forms import FormMixin

PAGE_SIZE = 20
SESSION_ENDED = "登录已失效或账号已停用，请重新登录。"
# The status select: "open" is the work still to do (待审核 and 审核中), the default view of the queue.
STATUS_FILTERS: tuple[tuple[str, str], ...] = (
    ("open", "待办（待审核、审核中）"),
    ("", "全部状态"),
    *((s.value, STATUS_LABELS[s]) for s in review_queue.QUEUE_STATUSES),
)
_STATUS_FILTER_VALUES = {value for value, _ in STATUS_FILTERS}
# Tiles on the dashboard: (key in dashboard_counts, label, the filter a click applies).
COUNT_TILES: tuple[tuple[str, str], ...] = (
    *((s.value, STATUS_LABELS[s]) for s in review_queue.QUEUE_STATUSES),
    ("overdue", "已超期"),
)
REVEAL_FIELDS = tuple(review.REVEALABLE)  # legal_rep_id, handler_id, handler_phone
_APPLICATION_PATH = re.compile(r"^/staff/applications/(\d{1,12})/?$")


def staff_next(raw: str | None) -> str:
    """Where to go after the staff login: a staff page named in ?next=, else the dashboard."""
    if raw and routes.safe_next(raw) == raw and (raw == routes.STAFF_DASHBOARD or raw.startswith("/staff/")) \
            and not raw.startswith(routes.STAFF_LOGIN):
        return raw
    return routes.STAFF_DASHBOARD


# States of other staff areas (e.g. 窗口业务) that must be emptied when a staff member signs out.
SIGN_OUT_RESETS: list[type] = _SIGN_OUT_RESETS["staff"]
# Roles that see the 窗口业务 link (the counter services check the role themselves).
COUNTER_ROLES = ("clerk", "admin")


class StaffMixin(FormMixin, mixin=True):
    """The signed-in staff member (for the header) and the session check every staff handler makes."""

    staff_name: str = ""
    staff_role: str = ""
    staff_counter: bool = False

    def _to_staff_login(self) -> rx.event.EventSpec:
        path = self.router.url.path or routes.STAFF_DASHBOARD
        return rx.redirect(f"{routes.STAFF_LOGIN}?next={quote(path, safe='/')}")

    async def _staff_session(self, *, password_page: bool = False) -> tuple[Principal, int] | rx.event.EventSpec:
        """(principal, staff id) of a live staff session, or the redirect to send instead."""
        principal: Principal | None = self._principal()
        if principal is None or principal.account_kind != "staff":
            self.staff_name = self.staff_role = ""
            return self._to_staff_login()
        try:
            me = await call_service(review_detail.staff_identity, principal.account_id)
        except ReviewRefused:
            self.staff_name = self.staff_role = ""
            return self._to_staff_login()
        self.staff_name, self.staff_role = me.name, me.role_label
        self.staff_counter = me.role in COUNTER_ROLES
        if me.must_change_password and not password_page:
            return rx.redirect(routes.STAFF_PASSWORD)
        return principal, me.id

    async def _staff(self, *, password_page: bool = False) -> int | rx.event.EventSpec:
        """The staff id of this session, or a redirect (to 工作人员登录, or to 修改密码 while that is due)."""
        found = await self._staff_session(password_page=password_page)
        return found[1] if isinstance(found, tuple) else found

    @rx.event
    async def sign_out(self):
        token = self.session_token
        self.session_token = ""
        # Nothing of the applications may stay in this browser's state once the staff member has left.
        for cls in SIGN_OUT_RESETS:
            (await self.get_state(cls)).reset()
        if token:
            await call_service(authentication.sign_out, token=token, client_ip=self._client_ip(), now=utcnow())
        return rx.redirect(routes.STAFF_LOGIN + "?signed_out=1")


# --- 工作人员登录 -----------------------------------------------------------------------------------


class StaffLoginState(FormMixin, AppState):
    @rx.event
    def on_load(self):
        self._clear_errors()
        self.busy = False

    @rx.event
    async def submit(self, form_data: dict):
        self._clear_errors()
        self.busy = True
        yield
        # The password is read from the submitted form and never kept in a state var.
        result = await self._submit_service(
            staff_accounts.staff_sign_in,
            username=str(form_data.get("username", "")),
            password=str(form_data.get("password", "")),
            client_ip=self._client_ip(),
            now=utcnow(),
            previous_token=self.session_token,
        )
        if result is None:
            yield self._focus_summary()
            return
        self.session_token = result.token
        if result.must_change_password:
            yield rx.redirect(routes.STAFF_PASSWORD)
            return
        yield rx.redirect(staff_next(self.router.url.query_parameters.get("next")))


# --- 修改密码 ---------------------------------------------------------------------------------------


class StaffPasswordState(StaffMixin, AppState):
    forced: bool = False

    @rx.event
    async def on_load(self):
        self._clear_errors()
        self.busy = False
        found = await self._staff_session(password_page=True)
        if not isinstance(found, tuple):
            return found
        me = await call_service(review_detail.staff_identity, found[1])
        self.forced = me.must_change_password
        return None

    @rx.event
    async def submit(self, form_data: dict):
        self._clear_errors()
        found = await self._staff_session(password_page=True)
        if not isinstance(found, tuple):
            yield found
            return
        principal, staff_id = found
        self.busy = True
        yield
        try:
            await call_service(
                staff_accounts.change_staff_password, staff_id,
                current=str(form_data.get("current_password", "")),
                new=str(form_data.get("password", "")),
                confirm=str(form_data.get("password_confirm", "")),
                client_ip=self._client_ip(), now=utcnow(), keep_session_id=principal.session_id,
            )
        except Exception as exc:  # noqa: BLE001
            self.busy = False
            self._show_error(exc)
            yield self._focus_summary()
            return
        self.busy = False
        self.forced = False
        yield rx.redirect(routes.STAFF_DASHBOARD + "?password_changed=1")


# --- 审核工作台 -------------------------------------------------------------------------------------


def _queue_row(row: review_queue.QueueRow) -> dict[str, str]:
    return {
        "id": str(row.id),
        "href": routes.staff_application(row.id),
        "reference_no": row.reference_no,
        "unit_name": row.unit_name,
        "uscc": row.uscc,
        "submitted_at": row.submitted_at,
        "due_text": review_detail.due_text(row.due_in_working_days, row.overdue) if row.due_date else "",
        # late | soon (due today or tomorrow) | ok | done: styling only, the text says it in words
        "due_state": (
            "done" if row.due_in_working_days is None
            else "late" if row.overdue or row.due_in_working_days < 0
            else "soon" if row.due_in_working_days <= 1
            else "ok"
        ),
        "due_date": row.due_date.isoformat() if row.due_date else "",
        "status": row.status,
        "status_label": row.status_label,
        "claimed_by": row.claimed_by,
        "round": str(row.round_number),
        "flags": str(row.flags),
        "flags_text": f"{row.flags}项不一致" if row.flags else "无异常",
    }


def _parse_date(raw: str, label: str) -> dt.date | None:
    text = (raw or "").strip()
    if not text:
        return None
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise DomainError(f"{label}格式不正确，请按“年-月-日”选择日期") from None


class StaffQueueState(StaffMixin, AppState):
    # Filters as last applied (kept while the reviewer opens applications and comes back).
    search: str = ""
    status_filter: str = "open"
    overdue_only: bool = False
    date_from: str = ""
    date_to: str = ""
    # Bumped when the filters change from outside the form (a tile, 重置), to remount it with the new values.
    filter_key: int = 0
    tiles: list[dict[str, str]] = []
    rows: list[dict[str, str]] = []
    # The cursor each shown page started after ("" for the first page): 上一页 pops, 下一页 pushes.
    cursors: list[str] = [""]
    next_cursor: str = ""
    loaded: bool = False
    notice: str = ""

    @rx.var
    def page_number(self) -> int:
        return len(self.cursors)

    def _filter(self) -> review_queue.QueueFilter:
        statuses: tuple[str, ...]
        if self.status_filter == "open":
            statuses = tuple(s.value for s in review_queue.OPEN_STATUSES)
        elif self.status_filter:
            statuses = (self.status_filter,)
        else:
            statuses = ()
        return review_queue.QueueFilter(
            search=self.search, statuses=statuses, overdue_only=self.overdue_only,
            submitted_from=_parse_date(self.date_from, "提交日期（起）"),
            submitted_to=_parse_date(self.date_to, "提交日期（止）"),
        )

    async def _load_page(self, staff_id: int) -> None:
        """Counts and the page after cursors[-1]; a refusal (bad date, stale cursor) goes to the summary."""
        del staff_id  # checked by the caller; the queue is the same for every staff member
        today = local_today()
        try:
            counts = await call_service(review_queue.dashboard_counts, today=today)
            self.tiles = [{"key": key, "label": label, "count": str(counts.get(key, 0))} for key, label in COUNT_TILES]
            page = await call_service(review_queue.list_queue, self._filter(), after=self.cursors[-1] or None,
                                      limit=PAGE_SIZE, today=today)
        except Exception as exc:  # noqa: BLE001
            self._show_error(exc)
            self.rows, self.next_cursor = [], ""
            if len(self.cursors) > 1:
                self.cursors = [""]
            return
        if not page.rows and len(self.cursors) > 1:
            # The page emptied meanwhile (decided, filtered away): start again from the first page.
            self.cursors = [""]
            page = await call_service(review_queue.list_queue, self._filter(), after=None, limit=PAGE_SIZE,
                                      today=today)
        self.rows = [_queue_row(r) for r in page.rows]
        self.next_cursor = page.next_cursor or ""
        self.loaded = True

    @rx.event
    async def load(self):
        """on_load: sign-in required; the queue comes back on the page and filters the reviewer left it."""
        self._clear_errors()
        q = self.router.url.query_parameters
        self.notice = "密码已修改。" if q.get("password_changed", "") == "1" else ""
        who = await self._staff()
        if not isinstance(who, int):
            self.loaded, self.rows, self.tiles = False, [], []
            return who
        await self._load_page(who)
        return None

    @rx.event
    async def apply_filters(self, form_data: dict):
        self._clear_errors()
        who = await self._staff()
        if not isinstance(who, int):
            return who
        status = str(form_data.get("status", self.status_filter))
        self.search = str(form_data.get("search", "")).strip()[:60]
        self.status_filter = status if status in _STATUS_FILTER_VALUES else "open"
        self.overdue_only = bool(form_data.get("overdue"))
        self.date_from = str(form_data.get("date_from", "")).strip()[:10]
        self.date_to = str(form_data.get("date_to", "")).strip()[:10]
        self.cursors = [""]
        await self._load_page(who)
        return None

    @rx.event
    async def show_tile(self, key: str):
        """A count tile: its status (or every overdue one), the rest of the filters kept."""
        self._clear_errors()
        who = await self._staff()
        if not isinstance(who, int):
            return who
        if key == "overdue":
            self.status_filter, self.overdue_only = "open", True
        elif key in _STATUS_FILTER_VALUES:
            self.status_filter, self.overdue_only = key, False
        self.cursors = [""]
        self.filter_key += 1
        await self._load_page(who)
        return None

    @rx.event
    async def reset_filters(self):
        self._clear_errors()
        who = await self._staff()
        if not isinstance(who, int):
            return who
        self.search, self.status_filter, self.overdue_only, self.date_from, self.date_to = "", "open", False, "", ""
        self.cursors = [""]
        self.filter_key += 1
        await self._load_page(who)
        return None

    @rx.event
    async def next_page(self):
        self._clear_errors()
        who = await self._staff()
        if not isinstance(who, int):
            return who
        if self.next_cursor:
            self.cursors = [*self.cursors, self.next_cursor]
        await self._load_page(who)
        return None

    @rx.event
    async def prev_page(self):
        self._clear_errors()
        who = await self._staff()
        if not isinstance(who, int):
            return who
        if len(self.cursors) > 1:
            self.cursors = self.cursors[:-1]
        await self._load_page(who)
        return None


# --- 申请详情 ---------------------------------------------------------------------------------------


def _round_rows(detail: review_detail.ApplicationDetail) -> tuple[list[dict[str, str]], list[dict[str, str]]]:
    rounds, rejections = [], []
    for r in reversed(detail.rounds):  # newest first: the reviewer reads the latest round at the top
        rounds.append({
            "number": str(r.number), "submitted_at": r.submitted_at, "decision": r.decision,
            "status": r.decision or (detail.status if r.number == detail.round_number else ""),
            "decision_label": r.decision_label, "decided_by": r.decided_by, "decided_at": r.decided_at,
            "opinion": r.opinion,
        })
        for x in r.rejections:
            rejections.append({"round": str(r.number), "label": x.material_label, "reason": x.reason, "note": x.note})
    return rounds, rejections


class StaffApplicationState(StaffMixin, AppState):
    app_id: int = 0
    loaded: bool = False
    reference_no: str = ""
    unit_name: str = ""
    uscc: str = ""
    app_status: str = ""
    status_label: str = ""
    version: int = 0
    round_number: int = 0
    masked: dict[str, str] = {}
    submitted_at: str = ""
    due_date: str = ""
    due_note: str = ""
    due_text: str = ""
    overdue: bool = False
    claimed_by: str = ""
    claimed_by_me: bool = False
    claimed_at: str = ""
    prechecks: list[dict[str, str]] = []
    precheck_failures: int = 0
    materials: list[dict[str, str]] = []
    reject_kinds: list[dict[str, str]] = []
    rounds: list[dict[str, str]] = []
    rejections: list[dict[str, str]] = []
    actions: list[str] = []
    # Full numbers shown on request (audited); cleared when the page is left or reloaded.
    revealed: dict[str, str] = {}
    # "" | "approve" | "reject": which decision form is open.
    panel: str = ""
    notice: str = ""
    # The material shown in the preview dialog and its zoom in percent.
    viewer: dict[str, str] = {}
    zoom: int = 100

    def _path_id(self) -> int | None:
        found = _APPLICATION_PATH.match(self.router.url.path or "")
        return int(found.group(1)) if found else None

    def _clear_view(self) -> None:
        self.loaded = False
        self.masked, self.revealed, self.viewer = {}, {}, {}
        self.prechecks, self.materials, self.reject_kinds, self.rounds, self.rejections, self.actions = (
            [], [], [], [], [], [])
        self.panel = ""

    def _apply(self, d: review_detail.ApplicationDetail) -> None:
        self.app_id = d.id
        self.reference_no, self.unit_name, self.uscc = d.reference_no, d.unit_name, d.uscc
        self.app_status, self.status_label, self.version, self.round_number = d.status, d.status_label, d.version, \
            d.round_number
        self.masked = {
            "legal_rep_id": d.masked_legal_rep_id, "handler_name": d.masked_handler_name,
            "handler_id": d.masked_handler_id, "handler_phone": d.masked_handler_phone,
            "handler_email": d.masked_handler_email or "未填写",
        }
        self.submitted_at, self.due_date, self.due_text, self.overdue = d.submitted_at, d.due_date, d.due_text, \
            d.overdue
        self.due_note = ESTIMATE_NOTE if d.due_estimated else ""
        self.claimed_by, self.claimed_by_me, self.claimed_at = d.claimed_by, d.claimed_by_me, d.claimed_at
        self.prechecks = [
            {"label": p.label, "state": "ok" if p.ok else ("fail" if p.ok is False else "unknown"),
             "text": "一致" if p.ok else ("不一致" if p.ok is False else "未核验")}
            for p in d.prechecks
        ]
        self.precheck_failures = sum(1 for p in d.prechecks if p.ok is False)
        self.materials = [
            {"id": str(m.id), "kind": m.kind, "label": m.kind_label, "name": m.display_name,
             "media_type": m.media_type, "pages": str(m.pages), "size": m.size_text,
             "thumbnail": routes.material_file(m.id, "thumbnail"), "preview": routes.material_file(m.id, "preview"),
             "original": routes.material_file(m.id, "original")}
            for m in d.materials
        ]
        present = {m.kind for m in d.materials}
        self.reject_kinds = [{"kind": k.value, "label": MATERIAL_LABELS[k]} for k in MaterialKind if k.value in present]
        self.rounds, self.rejections = _round_rows(d)
        self.actions = list(d.actions)
        if self.panel and self.panel not in self.actions:
            self.panel = ""
        self.loaded = True

    async def _reload(self, staff_id: int) -> None:
        try:
            detail = await call_service(review_detail.application_detail, self.app_id, staff_id=staff_id)
        except Exception as exc:  # noqa: BLE001
            self._clear_view()
            self._show_error(exc)
            return
        self._apply(detail)

    @rx.event
    async def load(self):
        """on_load: sign-in required, then the application named in the address."""
        self._clear_errors()
        self._clear_view()
        self.notice, self.zoom, self.busy = "", 100, False
        who = await self._staff()
        if not isinstance(who, int):
            return who
        app_id = self._path_id()
        if app_id is None:
            self.summary = [review.NOT_FOUND]
            return None
        self.app_id = app_id
        await self._reload(who)
        return None

    async def _decide(self, fn, done: str, **kwargs):  # noqa: ANN001
        """Run one review action with the version the page showed; any refusal goes to the summary."""
        self._clear_errors()
        self.notice = ""
        who = await self._staff()
        if not isinstance(who, int):
            yield who
            return
        if not self.app_id or self.busy:
            return
        self.busy = True
        yield
        try:
            result = await call_service(fn, self.app_id, staff_id=who, now=utcnow(), client_ip=self._client_ip(),
                                        expected_version=self.version, **kwargs)
        except Exception as exc:  # noqa: BLE001 — ConcurrentDecision, TransitionRefused, ValidationFailed …
            self.busy = False
            self._show_error(exc)
            if getattr(exc, "code", "") != "validation_failed":
                self.panel = ""
            await self._reload(who)
            yield self._focus_summary()
            return
        self.busy = False
        self.panel = ""
        self.notice = done + _notified_text(result)
        await self._reload(who)

    @rx.event
    async def claim(self):
        async for step in self._decide(review.claim, "已领取，请审核后作出决定。"):
            yield step

    @rx.event
    async def release(self):
        async for step in self._decide(review.release, "已释放，该申请已回到待审核列表。"):
            yield step

    @rx.event
    def open_panel(self, name: str):
        self.panel = name if name in ("approve", "reject") and name in self.actions else ""

    @rx.event
    def close_panel(self):
        self.panel = ""

    @rx.event
    async def approve(self, form_data: dict):
        async for step in self._decide(review.approve, "已审核通过。", opinion=str(form_data.get("opinion", ""))):
            yield step

    @rx.event
    async def reject(self, form_data: dict):
        reasons: dict[str, tuple[str, str]] = {}
        for kind in MaterialKind:
            reason = str(form_data.get(f"reason.{kind.value}", "")).strip()
            note = str(form_data.get(f"note.{kind.value}", "")).strip()
            if reason or note:
                reasons[kind.value] = (reason, note)
        async for step in self._decide(review.reject, "已退回单位修改。", reasons=reasons,
                                       opinion=str(form_data.get("opinion", ""))):
            yield step

    @rx.event
    async def reveal(self, field: str):
        """显示完整号码: the service checks the staff account again and audits the request."""
        self._clear_errors()
        who = await self._staff()
        if not isinstance(who, int):
            return who
        if field not in REVEAL_FIELDS or not self.app_id:
            return None
        try:
            value = await call_service(review.reveal_pii, self.app_id, staff_id=who, field=field, now=utcnow(),
                                       client_ip=self._client_ip())
        except Exception as exc:  # noqa: BLE001
            self._show_error(exc)
            return self._focus_summary()
        self.revealed = {**self.revealed, field: value}
        return None

    @rx.event
    def hide(self, field: str):
        self.revealed = {k: v for k, v in self.revealed.items() if k != field}

    @rx.event
    def open_viewer(self, material_id: str):
        found = next((m for m in self.materials if m["id"] == material_id), None)
        self.viewer = dict(found) if found else {}
        self.zoom = 100

    @rx.event
    def close_viewer(self):
        self.viewer = {}

    @rx.event
    def set_viewer_open(self, is_open: bool):
        if not is_open:
            self.viewer = {}

    @rx.event
    def zoom_in(self):
        self.zoom = min(400, self.zoom + 25)

    @rx.event
    def zoom_out(self):
        self.zoom = max(25, self.zoom - 25)

    @rx.event
    def zoom_reset(self):
        self.zoom = 100


def _notified_text(result) -> str:  # noqa: ANN001
    if not isinstance(result, review.ReviewResult) or not (result.notified or result.not_notified):
        return ""
    names = {"sms": "短信", "email": "邮件"}
    parts = []
    if result.notified:
        parts.append("已通知单位经办人（" + "、".join(names.get(c, c) for c in result.notified) + "）")
    if result.not_notified:
        parts.append("、".join(names.get(c, c) for c in result.not_notified) + "通知发送失败，已记录，请电话联系经办人")
    return "；".join(parts) + "。"



SIGN_OUT_RESETS.extend([StaffQueueState, StaffApplicationState, StaffPasswordState])
