"""注意事项 beside a form: a side panel on wide screens, a collapsible block above the form on phones.

One component and one content source (`domain/help_content.py`, FORM_NOTES): a page wraps its form in
`with_notes("register_person", form_card)` and widens its shell to NOTES_WIDTH.
"""

from __future__ import annotations

import reflex as rx

from jssi_app.domain.help_content import Link, Note, notes_for

NOTES_WIDTH = "1000px"  # a 640px form and the panel side by side
NOTES_WIDTH_NARROW = "820px"  # a 480px form (the login pages) and the panel
_WIDE = rx.breakpoints(initial="none", md="block")
_NARROW = rx.breakpoints(initial="block", md="none")
_SUMMARY_STYLE = {"cursor": "pointer", "padding": "0.35rem 0", "min_height": "44px", "display": "flex",
                  "align_items": "center"}


def help_link(link: Link, size: str = "2") -> rx.Component:
    # A file route is not a page of the app: the client-side router would show its 404 instead.
    return rx.link(link.label, href=link.href, size=size, is_external=link.is_file)


def _note(note: Note) -> rx.Component:
    return rx.box(
        rx.heading(note.title, as_="h3", size="3", margin_bottom="0.25rem"),
        *[rx.text(line, size="2") for line in note.lines],
        *[rx.box(help_link(link)) for link in note.links],
        class_name="help-note",
        margin_bottom="0.75rem",
    )


def _notes(form_key: str) -> list[rx.Component]:
    return [_note(n) for n in notes_for(form_key)]


def with_notes(form_key: str, *form: rx.Component) -> rx.Component:
    """The form with the notes that apply to it. The two renderings are never visible together: only one
    is in the accessibility tree at any width."""
    wide = rx.el.section(
        rx.heading("注意事项", as_="h2", size="4", id=f"notes-{form_key}-wide", margin_bottom="0.5rem"),
        *_notes(form_key),
        custom_attrs={"aria-labelledby": f"notes-{form_key}-wide"},
        class_name="help-notes",
    )
    narrow = rx.el.details(
        rx.el.summary(rx.heading("注意事项", as_="h2", size="4", display="inline"), style=_SUMMARY_STYLE),
        *_notes(form_key),
        class_name="help-notes",
    )
    return rx.grid(
        rx.box(rx.card(narrow, width="100%"), display=_NARROW, width="100%"),
        rx.box(*form, width="100%", min_width="0"),
        rx.box(rx.card(wide, width="100%"), display=_WIDE, width="100%"),
        columns=rx.breakpoints(initial="1", md="minmax(0, 1fr) 300px"),
        spacing="4",
        align="start",
        width="100%",
    )
