"""The sizer pane's model tab: type a model folder or a Hub id (`org/name`), Enter reads it in a
thread worker (config.json and safetensors headers only, never weights; spinner and elapsed
time), Esc cancels, "use" (button or `u`) sends `ModelChosen` to the App, which sets
`[model] from` and the shape in the candidate so the model ceiling and the GPU plan re-route.

Offline by default, as `capstone-tui plan`: a folder, or a Hub id in the local Hugging Face
cache. ctrl+l asks the Hub (within `ONLINE_DEADLINE_S`, as `plan --online`); a dashboard started
with `--online` asks it on Enter too. The words come from core/planner/candidate_plan.py, the
reading from `session.look_up_model`; this widget only starts, cancels and shows.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.widgets import Button, Input, Static

from capstone_tui.core.dashboard_state import DashboardState, with_model_from
from capstone_tui.core.errors import ValidationError
from capstone_tui.core.planner.candidate_plan import plan_summary, shape_lines
from capstone_tui.core.safe_text import safe_text
from capstone_tui.tui.messages import ModelChosen
from capstone_tui.tui.panes.lookup_run import ONLINE_DEADLINE_S, ONLINE_KEY, LookupRun

if TYPE_CHECKING:
    from capstone_tui.probes.model_source import ModelRead


class ModelLookup(LookupRun, Vertical):
    """Input, status line, what was read and its plan on the reference machine, and "use"."""

    DEFAULT_CSS = """
    ModelLookup { height: auto; }
    ModelLookup #model-row { height: auto; }
    ModelLookup #model-input { width: 1fr; }
    ModelLookup #model-use { width: auto; min-width: 7; }
    ModelLookup #model-status { color: $text-muted; }
    ModelLookup #model-result { height: auto; }
    """
    VERB = "reading"
    STATUS = "#model-status"

    def __init__(self, *, id: str | None = None, classes: str | None = None) -> None:
        super().__init__(id=id, classes=classes)
        self.result: ModelRead | None = None
        self.error: str | None = None
        self.state: DashboardState | None = None  # the App's state, handed down by the sizer pane
        self.init_lookup()

    def compose(self) -> ComposeResult:
        with Horizontal(id="model-row"):
            yield Input(placeholder="model folder or HF model id (org/name)", id="model-input")
            yield Button("use", id="model-use", disabled=True,
                         tooltip="Use this model for the model ceiling and the GPU plan (u)")
        yield Static(self._hint(), id="model-status")
        yield Static("", id="model-result")

    def _hint(self) -> str:
        enter = "Enter reads online (--online)" if self.online_default else "Enter reads offline (local cache)"
        return (f"Model lookup: a folder with config.json or org/name. {enter}, {ONLINE_KEY} asks the Hub, "
                "Esc cancels, u uses. Never downloads weights.")

    @on(Input.Submitted, "#model-input")
    def _submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self.start(online=self.online_default)

    def start(self, *, online: bool) -> None:
        text = self.query_one("#model-input", Input).value.strip()
        if not text:
            self.status("Type a model folder (holding config.json) or a Hugging Face model id (org/name).")
            return
        self.result, self.error = None, None
        self.query_one("#model-use", Button).disabled = True
        self.query_one("#model-result", Static).update("")
        self.begin(text, online=online)

    def lookup(self, text: str, online: bool) -> ModelRead:
        from capstone_tui.session import look_up_model

        access = getattr(self.app, "file_access", None)  # a served session confines local paths
        return look_up_model(text, online=online, deadline_s=ONLINE_DEADLINE_S,
                             access=access.dataset if access is not None else None)

    def offline_hint(self, err: ValidationError, text: str) -> str:
        if "local cache (offline)" in (err.accepted or ""):
            return f"{err.message}; press {ONLINE_KEY} to ask the Hub (at most {ONLINE_DEADLINE_S:g} s)"
        return err.message

    def finished(self, outcome: ModelRead) -> None:
        self.result = outcome
        self.status(f"read {outcome.id} ({outcome.source}) in {self.elapsed_s():.2f} s")
        self.render_result()
        use = self.query_one("#model-use", Button)
        use.disabled = outcome.shape.params is None
        if not use.disabled:
            use.focus()

    # --- result -----------------------------------------------------------------------------

    def _source(self) -> tuple[str, str, ModelRead] | None:
        """What "use" would set `[model] from` to (a folder's full path, else the id), where it
        was found, and the read."""
        read = self.result
        if read is None:
            return None
        return (read.location if read.source == "local folder" else read.id), read.source, read

    def render_result(self) -> None:
        """What was read, and its plan on the reference machine as "use" would make it."""
        found = self._source()
        if found is None or not self.is_mounted:
            return
        shape = found[2].shape
        lines = shape_lines(shape) + list(found[2].notes)
        if self.state is not None and shape.params is not None:
            preview = with_model_from(self.state, found[0], shape, found[1])
            lines.append(plan_summary(preview.plan, preview.candidate.machine))
        self.query_one("#model-result", Static).update(Text(safe_text("\n".join(lines), multiline=True)))

    @on(Button.Pressed, "#model-use")
    def _use_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        self.use()

    def use(self) -> None:
        found = self._source()
        if found is None or found[2].shape.params is None:
            self.status("nothing to use yet: read a model first (Enter)")
            return
        self.post_message(ModelChosen(found[0], found[2].shape, found[1]))
        self.status(f"using {found[0]} for the model ceiling and the GPU plan ([model] from)")
