"""The one error both message channels (SMS and mail) raise when a message could not be handed over.

Callers show `user_message` to the person; `str(exc)` is an operator-facing reason for logs. Neither
ever contains the recipient or the message content: a verification code in a log line or an error
page would defeat the code.
"""

from __future__ import annotations

DEFAULT_USER_MESSAGE = "消息发送失败，请稍后重试。"


class DeliveryFailed(Exception):
    def __init__(self, reason: str, *, user_message: str = DEFAULT_USER_MESSAGE) -> None:
        super().__init__(reason)
        self.reason = reason
        self.user_message = user_message
