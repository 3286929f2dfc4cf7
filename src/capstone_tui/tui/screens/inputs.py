"""Edit every candidate input, validated as you type; the last valid candidate is kept."""

from __future__ import annotations

from dataclasses import fields
from typing import Any

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, VerticalScroll
from textual.widgets import Button, Input, Label, Static

from capstone_tui.core.candidate import Candidate, candidate_from_dict, candidate_to_dict
from capstone_tui.core.errors import ValidationError
from capstone_tui.core.verdict_text import C_MEANING, FIELD_MEANINGS, S_MEANING
from capstone_tui.tui.screens.base import Modal

SECTIONS = ("scaling", "data", "model", "serving", "agents")


def field_keys(candidate: Candidate) -> list[str]:
    """Every editable key, dotted (`model.params`), in the candidate-file order."""
    keys = ["name"]
    for section in SECTIONS:
        keys += [f"{section}.{f.name}" for f in fields(getattr(candidate, section))]
    return keys + ["machine.reference"]


def current_values(candidate: Candidate) -> dict[str, str]:
    flat: dict[str, str] = {}
    for key, value in candidate_to_dict(candidate).items():
        if isinstance(value, dict):
            for sub, item in value.items():
                flat[f"{key}.{sub}"] = _show(item)
        else:
            flat[key] = _show(value)
    return flat


def _show(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return format(value, ".12g")  # 4e+12, not 4000000000000.0; 12 digits survive a round trip
    return str(value)


def candidate_from_fields(values: dict[str, str]) -> Candidate:
    """Rebuild a candidate from the text fields (empty = not given); raises ValidationError."""
    raw: dict[str, Any] = {}
    for key, text in values.items():
        text = text.strip()
        if not text:
            continue
        value: Any = text
        if key == "agents.interacting":
            if text.lower() not in ("true", "false"):
                raise ValidationError(key, "must be true or false", text)
            value = text.lower() == "true"
        if "." in key:
            section, sub = key.split(".", 1)
            raw.setdefault(section, {})[sub] = value
        else:
            raw[key] = value
    return candidate_from_dict(raw)


class InputsScreen(Modal[Candidate | None]):
    """One Input per field; the status line shows the first problem, naming the field.

    Every valid edit is applied at once (the tree and the verdict on the right re-route as
    you type); escape puts back the candidate the screen opened with, ctrl+s keeps the edits.
    """

    BINDINGS = [Binding("escape", "cancel", "cancel"), Binding("ctrl+s", "apply", "apply")]
    DEFAULT_CSS = """
    InputsScreen { align: left top; background: $background 20%; }
    InputsScreen > VerticalScroll { width: 50%; min-width: 40; height: 100%; border: round $accent; background: $surface; }
    InputsScreen .row { height: 1; margin: 0 1; }
    InputsScreen .row Label { width: 24; }
    InputsScreen .row Input { width: 1fr; height: 1; border: none; padding: 0; }
    InputsScreen #status { margin: 0 1; height: auto; dock: bottom; background: $surface; }
    InputsScreen #status.-error { color: $error; }
    InputsScreen #buttons { height: 3; margin: 0 1; }
    """

    def __init__(self, candidate: Candidate) -> None:
        super().__init__()
        self.candidate = candidate
        self.valid: Candidate | None = candidate

    def compose(self) -> ComposeResult:
        values = current_values(self.candidate)
        with VerticalScroll(can_focus=False):  # fields take focus (and scroll into view), not the frame
            yield Static("Edit the candidate; empty means not given. Valid edits apply at once; "
                         "ctrl+s keeps them, escape puts the original back. "
                         f"scaling.s = {S_MEANING.split(': ', 1)[1]}; scaling.c = {C_MEANING.split(': ', 1)[1]}.")
            for key in field_keys(self.candidate):
                with Horizontal(classes="row"):
                    yield Label(key)
                    yield Input(value=values.get(key, ""), id="f-" + key.replace(".", "--"),
                                tooltip=FIELD_MEANINGS.get(key))
            yield Static("all inputs valid", id="status")
            with Horizontal(id="buttons"):
                yield Button("Apply", id="apply", variant="primary")
                yield Button("Cancel", id="cancel")

    def _values(self) -> dict[str, str]:
        return {inp.id[2:].replace("--", "."): inp.value for inp in self.query(Input) if inp.id}

    def on_input_changed(self, event: Input.Changed) -> None:
        status = self.query_one("#status", Static)
        try:
            self.valid = candidate_from_fields(self._values())
        except ValidationError as err:
            self.valid = None
            status.update(Text(err.message))  # the message quotes user text: never markup
            status.add_class("-error")
            return
        status.update("all inputs valid (applied)")
        status.remove_class("-error")
        from capstone_tui.tui.messages import CandidateEdited

        self.app.post_message(CandidateEdited(self.valid))

    def on_button_pressed(self, event: Button.Pressed) -> None:
        if event.button.id == "apply":
            self.action_apply()
        else:
            self.action_cancel()

    def action_apply(self) -> None:
        if self.valid is None:
            self.notify("Fix the input named below first; the last valid inputs stay applied.", severity="warning")
            return
        self.close(self.valid)

    def action_cancel(self) -> None:
        """Put back the candidate the screen opened with, and say so; the callback gets None."""
        if self._dismissed or self.app.screen is not self:
            return
        from capstone_tui.tui.messages import CandidateEdited

        note = "inputs cancelled: the candidate is as it was"
        self.app.post_message(CandidateEdited(self.candidate, note=note))
        self.app.notify(note.capitalize() + ".", timeout=4)  # the status line may be off a small screen
        self.close(None)
