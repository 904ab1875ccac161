"""帮助中心 states: the 操作指引 links (they depend on who is signed in), the FAQ search, the offices list.

All public: they read nothing about an account beyond which kind of account the browser is signed in as.
"""

from __future__ import annotations

import reflex as rx

from jssi_app.adapters.offices_file import office_directory
from jssi_app.domain import help_content
from jssi_app.domain.offices import OfficesFileInvalid
from jssi_app.state.base import AppState

MAX_QUERY = 50
ALL_FAQS = [f.key for f in help_content.FAQS]


class HelpPathsState(AppState):
    # Signed out until on_load knows better: every row leads to a login page that returns to the function.
    rows: list[dict[str, str]] = help_content.operation_path_links(None)

    @rx.event
    def on_load(self):
        principal = self._principal()
        self.rows = help_content.operation_path_links(principal.account_kind if principal else None)


class FaqState(AppState):
    query: str = ""
    matches: list[str] = ALL_FAQS

    def _search(self, query: str) -> None:
        self.query = query.strip()[:MAX_QUERY]
        self.matches = [f.key for f in help_content.search_faqs(self.query)]

    @rx.event
    def on_load(self):
        # /help/faq?q=密码 opens with that search, so other pages can link to a search.
        self._search(str(self.router.url.query_parameters.get("q", "") or ""))

    @rx.event
    def search(self, form_data: dict):
        self._search(str(form_data.get("q", "") or ""))

    @rx.event
    def clear(self):
        self._search("")


def _office_rows(offices) -> tuple[list[dict[str, str]], list[dict[str, str]]]:  # noqa: ANN001
    rows, cities = [], []
    for office in offices:
        first = not cities or cities[-1]["city"] != office.city
        if first:
            cities.append({"city": office.city, "anchor": f"city-{len(cities) + 1}"})
        rows.append({
            "city": office.city, "anchor": cities[-1]["anchor"], "first": "1" if first else "",
            "name": office.name, "address": office.address, "phone": office.phone, "hours": office.hours,
            "tel": "tel:" + office.phones()[0],
        })
    return rows, cities


class ContactState(AppState):
    offices: list[dict[str, str]] = []
    cities: list[dict[str, str]] = []
    notice: str = ""
    unavailable: bool = False
    loaded: bool = False

    @rx.event
    def load(self):
        try:
            directory = office_directory()
        except OfficesFileInvalid:  # logged by the adapter with what is wrong; the page says the list is unavailable
            self.offices, self.cities, self.notice, self.unavailable = [], [], "", True
        else:
            self.offices, self.cities = _office_rows(directory.offices)
            self.notice, self.unavailable = directory.notice, False
        self.loaded = True
