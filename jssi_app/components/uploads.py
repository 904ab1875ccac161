"""The file drop zone every upload uses: Reflex's upload inside a <label>.

react-dropzone's <input type=file> has no label of its own, so a screen reader announces a nameless file field
(axe `label`, critical); the label around the zone names it with the zone's text. The label's own activation
opens the file dialog, hence `no_click` (the zone's click would open it a second time); the keyboard still opens
it from the zone (Enter or Space).
"""

from __future__ import annotations

import reflex as rx


def upload_zone(*children: rx.Component, **props) -> rx.Component:
    return rx.el.label(rx.upload.root(*children, no_click=True, **props), class_name="upload-label")
