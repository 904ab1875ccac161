"""What a person sees when something unexpected fails: a Chinese notice, never a stack trace."""


import logging

import reflex as rx

from jssi_app.state.base import GENERIC_FAILURE

log = logging.getLogger("jssi")


def backend_exception_handler(exception: Exception) -> rx.event.EventSpec:
    log.error("unhandled error in an event handler", exc_info=exception)
    return rx.toast.error(GENERIC_FAILURE, id="backend-error")


def frontend_exception_handler(exception: Exception) -> None:
    log.error("frontend error reported: %s", exception)
