"""Refuses websocket events whose arguments are not of the types the handler declares, or that are no call of it.

The pages only ever send a form's dict, a string id, a bool or an int where a handler says so; an event with a
list where a dict belongs, or a dict where an id string belongs, was made by hand. Reflex passes such values
through unchecked (its own conversion only turns strings into numbers), so without this every handler would have
to re-check every argument's type. The event is dropped before the handler runs and logged; the page stays as it
was. Uploads (`list[rx.UploadFile]`) and unannotated arguments are left to their handlers.

Events that cannot be a call of the handler at all are dropped the same way: a payload that is not an object, a
missing required argument, an argument the handler does not take, and Reflex's built-in `setvar` naming a var that
has no `set_` handler (state_auto_setters is off). Each of these would raise inside Reflex's call of the handler and
reach the backend exception handler (found by tests/security/test_tampered_websocket.py over the real wire).
"""

from __future__ import annotations

import functools
import inspect
import logging
import typing

from reflex.middleware.middleware import Middleware
from reflex.state import State, StateUpdate

log = logging.getLogger("jssi")

_CONTAINERS = (dict, list, tuple, set)


def _plain_ok(option, value) -> bool | None:
    """Whether `value` fits the plain type `option`; None when `option` is not one this guard checks."""
    if option is dict:
        return isinstance(value, dict)
    if option is str:
        # Scalars are let through (handlers str() them; a script callback may answer null); containers are not.
        return not isinstance(value, _CONTAINERS)
    if option is bool:
        return isinstance(value, bool)
    if option in (int, float):
        if isinstance(value, bool) or value is None or isinstance(value, _CONTAINERS):
            return False
        if isinstance(value, str):
            return True  # Reflex converts numeric strings itself and refuses the rest before the handler
        return isinstance(value, int) or (option is float and isinstance(value, float))
    return None


def _accepts(hint, value) -> bool:
    import types

    union = typing.get_origin(hint) in (typing.Union, types.UnionType)
    options = [o for o in (typing.get_args(hint) if union else (hint,)) if o is not type(None)]
    if value is None and union and len(options) < len(typing.get_args(hint)):
        return True
    for option in options:
        fits = _plain_ok(option, value)
        if fits is None or fits:
            return True  # a type this guard does not check (uploads, lists of dicts …) or a fit
    return False


@functools.cache
def _hints(fn) -> dict:  # noqa: ANN001
    # Resolved once per handler: with postponed annotations every call would evaluate the strings again.
    try:
        return typing.get_type_hints(fn)
    except Exception:  # noqa: BLE001  (unresolvable hints: leave the event to the handler)
        return {}


def mistyped(fn, payload: dict) -> str | None:
    """The name of the first argument whose value is not of its declared plain type, else None."""
    hints = _hints(fn)
    for name, value in payload.items():
        if name in hints and not _accepts(hints[name], value):
            return name
    return None


@functools.cache
def _parameters(fn) -> tuple[frozenset[str], frozenset[str], bool]:  # noqa: ANN001
    """(required argument names, all argument names, takes **kwargs) of a handler, `self` left out."""
    params = list(inspect.signature(fn).parameters.values())[1:]
    named = [p for p in params if p.kind in (p.POSITIONAL_OR_KEYWORD, p.KEYWORD_ONLY)]
    return (frozenset(p.name for p in named if p.default is p.empty), frozenset(p.name for p in named),
            any(p.kind is p.VAR_KEYWORD for p in params))


def not_a_call(state_cls: type, handler_name: str, fn, payload) -> str | None:  # noqa: ANN001
    """Why `payload` cannot be the arguments of the handler (the reason logged), else None."""
    if not isinstance(payload, dict):
        return "payload is not an object"
    required, known, takes_any = _parameters(fn)
    if missing := sorted(required - payload.keys()):
        return f"missing {missing}"
    if not takes_any and (unknown := sorted(payload.keys() - known)):
        return f"unknown {unknown[:3]}"
    if handler_name == "setvar" and f"set_{payload.get('var_name')}" not in state_cls.event_handlers:
        return "setvar of a var without a setter"
    return None


class EventTypeGuard(Middleware):
    async def preprocess(self, app, state, event):  # noqa: ANN001
        path, _, handler_name = event.name.rpartition(".")
        try:
            # Resolved from the root class, whatever part of the tree the state manager handed over.
            state_cls = State.get_class_substate(path)
            handler = state_cls.event_handlers[handler_name]
        except (ValueError, KeyError):
            return None
        payload = {} if event.payload is None else event.payload
        reason = not_a_call(state_cls, handler_name, handler.fn, payload)
        if reason is not None:
            log.warning("event %s refused: %s", event.name, reason)
            return StateUpdate()
        bad = mistyped(handler.fn, payload)
        if bad is None:
            return None
        log.warning("event %s refused: argument %r has the wrong type", event.name, bad)
        return StateUpdate()
