"""Sign-out empties every page state that holds what a signed-in account saw.

Reflex keeps page state on the server per browser tab; a state left filled after 退出 would show the
previous account's records to whoever signs in next in that browser. Each such state registers itself in
`SIGN_OUT_RESETS` under its account kind; the states below hold only what the visitor typed themselves.
A new state class that is in neither list fails this test.
"""

from __future__ import annotations

import jssi_app.jssi_app  # noqa: F401  (imports every page and state module)
from jssi_app.state.base import SIGN_OUT_RESETS, AppState

# Pages used before signing in (or without an account): their state is the visitor's own input.
PUBLIC_STATES = {
    "LoginState",
    "RegistrationState",
    "ForgotPasswordState",
    "VerifyState",
    "UnitLoginState",
    "CaLoginState",
    "UnitRegistrationState",
    "ProgressState",
    "StaffLoginState",
    "OutboxState",
    # 帮助中心: public help; HelpPathsState holds only link targets, rebuilt by its on_load on every visit.
    "HelpPathsState",
    "FaqState",
    "ContactState",
}


def _all_states(cls: type) -> set[type]:
    found = set()
    for sub in cls.__subclasses__():
        found |= {sub} | _all_states(sub)
    return found


def test_every_state_is_reset_at_sign_out_or_public():
    registered = {cls for classes in SIGN_OUT_RESETS.values() for cls in classes}
    unaccounted = sorted(
        cls.__name__ for cls in _all_states(AppState) if cls not in registered and cls.__name__ not in PUBLIC_STATES
    )
    assert unaccounted == []


def test_each_kind_resets_its_own_pages():
    names = {kind: {cls.__name__ for cls in classes} for kind, classes in SIGN_OUT_RESETS.items()}
    assert {"PersonState", "ContributionsState", "FaceCertificationState", "FaceHomeState"} <= names["person"]
    assert {"UnitHomeState", "EmployeesState", "EmployeeAddState", "EmployeeImportState",
            "DeclarationState"} <= names["unit"]
    assert {"StaffQueueState", "StaffApplicationState", "StaffAdminState", "AuditLogState", "CounterPersonState",
            "ClerkFaceState"} <= names["staff"]
