"""个人业务 → 缴费查询 (signed-in person) and the public /verify page of 参保缴费证明."""

from __future__ import annotations

import reflex as rx

from jssi_app import routes
from jssi_app.adapters.clock import utcnow
from jssi_app.config import settings
from jssi_app.domain.contributions import FILTER_TYPES
from jssi_app.services import contribution_proofs, contribution_records
from jssi_app.state.base import SIGN_OUT_RESETS, AppState, call_service
from jssi_app.state.forms import FormMixin

ALL_CODES = list(FILTER_TYPES)


def _yuan(value) -> str:  # noqa: ANN001
    return f"{value:,.2f}"


class ContributionsState(FormMixin, AppState):
    from_month: str = ""
    to_month: str = ""
    selected_codes: list[str] = ALL_CODES
    # What the shown rows were queried with: paging and 打印 use these, not half-edited filters.
    shown_from: str = ""
    shown_to: str = ""
    shown_codes: list[str] = []
    has_result: bool = False
    rows: list[dict[str, str]] = []
    page: int = 1
    page_count: int = 1
    totals: dict[str, str] = {}
    issued_code: str = ""
    issued_file_url: str = ""
    issued_verify_path: str = ""
    printing: bool = False

    @rx.var
    def type_choices(self) -> list[dict[str, str]]:
        return [{"code": c, "label": label, "checked": "1" if c in self.selected_codes else ""}
                for c, label in FILTER_TYPES.items()]

    @rx.event
    async def load(self):
        returning = self._reconnected()
        account_id = self._person_id()
        if account_id is None:
            return self._to_login()
        try:
            defaults = await call_service(contribution_records.open_query, account_id=account_id, now=utcnow())
        except contribution_records.ProfileIncomplete:
            return rx.redirect(routes.PROFILE_COMPLETE)
        if returning:  # the months typed and the rows shown stay
            return None
        self._clear_errors()
        self.from_month, self.to_month = defaults.from_month, defaults.to_month
        self.selected_codes = list(ALL_CODES)
        self.has_result = False
        self.rows = []
        self.totals = {}
        self._clear_issued()
        return None

    def _clear_issued(self) -> None:
        self.issued_code = self.issued_file_url = self.issued_verify_path = ""

    @rx.event
    def set_from_month(self, value: str):
        self.from_month = value

    @rx.event
    def set_to_month(self, value: str):
        self.to_month = value

    @rx.event
    def toggle_type(self, code: str, checked: bool):
        codes = [c for c in self.selected_codes if c != code]
        if checked:
            codes.append(code)
        self.selected_codes = [c for c in ALL_CODES if c in codes]

    async def _show_page(self, account_id: int, page: int, *, from_month: str, to_month: str, codes: list[str],
                         record_query: bool) -> bool:
        found = await self._submit_service(
            contribution_records.contribution_page, account_id=account_id, from_month=from_month, to_month=to_month,
            insurance_codes=tuple(codes), page=page, client_ip=self._client_ip(), now=utcnow(),
            record_query=record_query)
        if found is None:
            return False
        self.shown_from, self.shown_to, self.shown_codes = found.from_month, found.to_month, list(codes)
        self.rows = [{
            "period": r.period, "insurance_name": r.insurance_name, "base": _yuan(r.base),
            "personal": _yuan(r.personal_amount), "unit": _yuan(r.unit_amount), "unit_name": r.unit_name or "—",
            "status": r.paid_status, "arrears": "1" if r.arrears else "",
        } for r in found.rows]
        t = found.totals
        self.totals = {
            "row_count": str(t.row_count), "personal": _yuan(t.personal_total), "unit": _yuan(t.unit_total),
            "total": _yuan(t.total), "arrears_count": str(t.arrears_count), "arrears_total": _yuan(t.arrears_total),
            "pension_months_in_range": str(t.paid_pension_months),
            "cumulative_pension_months": str(found.cumulative_pension_months),
        }
        self.page, self.page_count = found.page, found.page_count
        self.has_result = True
        return True

    @rx.event
    async def search(self, _form_data: dict | None = None):
        self._clear_errors()
        account_id = self._person_id()
        if account_id is None:
            return self._to_login()
        # Every box ticked means every type, including the registry's other codes (120 机关事业养老, 170 城乡居民养老,
        # 390 城乡居民医疗) that the five boxes do not name: nothing of the person's record is left out.
        codes = [] if set(self.selected_codes) == set(ALL_CODES) else list(self.selected_codes)
        if not self.selected_codes:
            self.errors = {"insurance_codes": "请至少选择一个险种"}
            self.summary = ["请至少选择一个险种"]
            return self._focus_summary()
        self._clear_issued()
        if not await self._show_page(account_id, 1, from_month=self.from_month, to_month=self.to_month, codes=codes,
                                     record_query=True):
            self.has_result = False
            return self._focus_summary()
        return None

    @rx.event
    async def go_page(self, page: int):
        account_id = self._person_id()
        if account_id is None:
            return self._to_login()
        if self.has_result:
            await self._show_page(account_id, int(page), from_month=self.shown_from, to_month=self.shown_to,
                                  codes=self.shown_codes, record_query=False)
        return rx.call_script("document.getElementById('contribution-results')?.scrollIntoView({block:'start'})")

    @rx.event
    async def print_proof(self):
        self._clear_errors()
        account_id = self._person_id()
        if account_id is None:
            yield self._to_login()
            return
        if not self.has_result:
            self.summary = ["请先选择时间段并查询，再打印缴费证明"]
            yield self._focus_summary()
            return
        self.printing = True
        yield
        try:
            issued = await self._submit_service(
                contribution_proofs.issue_proof, account_id=account_id, from_month=self.shown_from,
                to_month=self.shown_to, insurance_codes=tuple(self.shown_codes), client_ip=self._client_ip(),
                now=utcnow(), public_url=settings().public_url)
        finally:
            self.printing = False
        if issued is None:
            yield self._focus_summary()
            return
        self.issued_code = issued.code
        self.issued_file_url = issued.file_url
        self.issued_verify_path = routes.verify_link(issued.code)
        yield rx.download(url=issued.file_url)


class VerifyState(FormMixin, AppState):
    code: str = ""
    found: bool = False
    result: dict[str, str] = {}

    @rx.event
    async def load(self):
        self._clear_errors()
        self.found = False
        self.result = {}
        self.code = self.router.url.query_parameters.get("code", "")[:64]
        if self.code:
            await self._verify()

    @rx.event
    def set_code(self, value: str):
        self.code = value[:64]

    async def _verify(self) -> None:
        summary = await self._submit_service(contribution_proofs.verify_proof, code=self.code,
                                             client_ip=self._client_ip(), now=utcnow())
        if summary is None:
            self.found = False
            self.result = {}
            return
        self.found = True
        self.result = {
            "masked_name": summary.masked_name, "masked_id_number": summary.masked_id_number,
            "period": f"{summary.from_month} 至 {summary.to_month}", "types": summary.types_text,
            "row_count": str(summary.row_count), "personal": _yuan(summary.personal_total),
            "unit": _yuan(summary.unit_total), "total": _yuan(summary.total),
            "arrears_count": str(summary.arrears_count),
            "cumulative_pension_months": str(summary.cumulative_pension_months),
            "issued_at": summary.issued_at_local,
        }

    @rx.event
    async def submit(self, form_data: dict):
        self._clear_errors()
        self.code = str(form_data.get("code", self.code))[:64]
        if not self.code.strip():
            self.found = False
            self.errors = {"code": "请输入验证码"}
            self.summary = ["请输入验证码"]
            return self._focus_summary()
        await self._verify()
        return None if self.found else self._focus_summary()


SIGN_OUT_RESETS["person"].extend([ContributionsState])
