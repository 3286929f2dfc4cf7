"""The sizer pane, two tabs: datasets and models (the model tab is tui/panes/model_lookup.py).

Datasets: type a Hub id (`org/name`) or a local path, Enter sizes it in a
thread worker (spinner and elapsed time), Esc cancels, "use" (button or `u`) sends the size to
the App as `DatasetSized`, which puts it into the model so the data ceiling updates.

Offline by default, as `capstone-tui size`: Enter reads local files and the local Hub caches
only. ctrl+l sizes the same text online (the Hub's metadata after a TCP probe, within
`ONLINE_DEADLINE_S`, as `size --online`); a dashboard started with `--online` (the App's
`sizer_online`) asks the Hub on Enter too. Esc cancels either. Esc, u and ctrl+l act on the
tab shown; ctrl+t (or a click on a tab) switches tabs and puts the cursor in that tab's input.
"""

from __future__ import annotations

import time

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.reactive import reactive
from textual.timer import Timer
from textual.widgets import Button, Input, Static, TabbedContent, TabPane, Tabs
from textual.worker import get_current_worker

from capstone_tui.core.datasize import DatasetSize, fit_line, report_lines
from capstone_tui.core.errors import ValidationError
from capstone_tui.core.dashboard_state import DashboardState
from capstone_tui.core.safe_text import safe_text
from capstone_tui.tui.messages import DatasetSized, SizingFinished
from capstone_tui.tui.panes.model_lookup import ModelLookup

SPINNER = "⠋⠙⠹⠸⠼⠴⠦⠧⠇⠏"
ONLINE_DEADLINE_S = 5.0  # as `capstone-tui size --online` (its --deadline default)
ONLINE_KEY = "ctrl+l"
TAB_KEY = "ctrl+t"


class SizerPane(Vertical):
    """Input, status line, compact result and the "use" button; renders the bound model."""

    DEFAULT_CSS = """
    SizerPane { height: auto; }
    SizerPane #sizer-row { height: auto; }
    SizerPane #sizer-input { width: 1fr; }
    SizerPane #sizer-use { width: auto; min-width: 7; }
    SizerPane #sizer-status { color: $text-muted; }
    SizerPane #sizer-result { height: auto; }
    SizerPane TabbedContent, SizerPane ContentSwitcher, SizerPane TabPane { height: auto; }
    SizerPane TabPane { padding: 0; }
    """
    BINDINGS = [
        Binding("escape", "cancel", "cancel", tooltip="Stop sizing the dataset or reading the model",
                id="sizer-cancel"),
        Binding("u", "use", "use", tooltip="Use this dataset size (data ceiling) or model (model ceiling, GPU plan)",
                id="sizer-use"),
        Binding(ONLINE_KEY, "size_online", "ask the Hub", priority=True,
                tooltip=f"Size the typed dataset or read the typed model online (at most {ONLINE_DEADLINE_S:g} s)",
                id="sizer-online"),
        Binding(TAB_KEY, "switch_tab", "datasets/models", priority=True,
                tooltip="Switch the sizer between datasets and models", id="sizer-tab"),
    ]

    model: reactive[DashboardState | None] = reactive(None, always_update=True, repaint=False)

    def __init__(self, *, id: str | None = None, classes: str | None = None) -> None:
        super().__init__(id=id, classes=classes)
        self.result: DatasetSize | None = None
        self.error: str | None = None
        self._run = 0  # bumped by every start and cancel: a stale worker's result is ignored
        self._started = 0.0
        self._timer: Timer | None = None
        self._target = ""
        self._online = False

    def compose(self) -> ComposeResult:
        with TabbedContent(id="sizer-tabs", initial="sizer-datasets"):
            with TabPane("datasets", id="sizer-datasets"):
                with Horizontal(id="sizer-row"):
                    yield Input(placeholder="HF dataset name or local path", id="sizer-input")
                    yield Button("use", id="sizer-use", disabled=True,
                                 tooltip="Use this size for the data ceiling (u)")
                yield Static(self._hint(), id="sizer-status")
                yield Static("", id="sizer-result")
            with TabPane("models", id="sizer-models"):
                yield ModelLookup(id="model-lookup")

    def on_mount(self) -> None:
        self.query_one(ModelLookup).state = self.model
        self.query_one(Tabs).can_focus = False  # key 4 lands in the input; ctrl+t or a click switches
        self._hidden_unfocusable()

    def action_switch_tab(self) -> None:
        tabs = self.query_one("#sizer-tabs", TabbedContent)
        tabs.active = "sizer-datasets" if self.models_shown else "sizer-models"
        self._hidden_unfocusable()
        self._focus_shown_input()

    def _hidden_unfocusable(self) -> None:
        """Only the shown tab's input and button take focus: focusing a hidden one (key 4 takes
        the pane's first focusable widget) would make TabbedContent switch back to its tab."""
        shown = "sizer-models" if self.models_shown else "sizer-datasets"
        for pane in self.query(TabPane):
            for widget in pane.query("Input, Button"):
                widget.can_focus = pane.id == shown

    def _focus_shown_input(self) -> None:
        self.query_one("#model-input" if self.models_shown else "#sizer-input", Input).focus()

    @on(TabbedContent.TabActivated, "#sizer-tabs")
    def _tab_clicked(self, event: TabbedContent.TabActivated) -> None:
        self._hidden_unfocusable()
        if self.app.focused is not None and self in self.app.focused.ancestors:
            self._focus_shown_input()  # the focus was in the tab just hidden

    @property
    def models_shown(self) -> bool:
        """The model tab is the one shown: Esc, u and ctrl+l act on it."""
        return self.query_one("#sizer-tabs", TabbedContent).active == "sizer-models"

    # --- sizing -------------------------------------------------------------------------

    @property
    def sizing(self) -> bool:
        return self._timer is not None

    @property
    def online_default(self) -> bool:
        """Enter asks the Hub too: the dashboard was started with --online."""
        return bool(getattr(self.app, "sizer_online", False))

    def _hint(self) -> str:
        enter = "Enter sizes online (--online)" if self.online_default else "Enter sizes offline (no download)"
        return (f"Dataset sizer: org/name or a path. {enter}, {ONLINE_KEY} asks the Hub, Esc cancels, u uses; "
                f"{TAB_KEY}: models.")

    @on(Input.Submitted, "#sizer-input")
    def _submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self._start(event.value, online=self.online_default)

    def action_size_online(self) -> None:
        if self.models_shown:
            self.query_one(ModelLookup).start(online=True)
            return
        self._start(self.query_one("#sizer-input", Input).value, online=True)

    def _start(self, value: str, *, online: bool) -> None:
        text = value.strip()
        if not text:
            self._status("Type a Hugging Face dataset id (org/name) or a local folder or file.")
            return
        self._run += 1
        self._target = text
        self._started = time.monotonic()
        self.result, self.error = None, None
        self.query_one("#sizer-use", Button).disabled = True
        self.query_one("#sizer-result", Static).update("")
        self._stop_timer()
        self._timer = self.set_interval(0.1, self._tick, name="sizer-spinner")
        self._online = online
        self._tick()
        self._size_worker(text, self._run, online)

    @work(thread=True, exclusive=True, group="sizer", exit_on_error=False)
    def _size_worker(self, text: str, run: int, online: bool = False) -> None:
        from capstone_tui.probes.datasets import size_dataset  # pyarrow and friends load lazily inside

        worker = get_current_worker()
        outcome: DatasetSize | str
        try:
            access = getattr(self.app, "file_access", None)  # a served session confines local paths
            outcome = size_dataset(access.dataset(text) if access is not None else text, online=online,
                                   deadline_s=ONLINE_DEADLINE_S)
        except ValidationError as err:
            outcome = err.message
            if not online and "offline and not cached" in outcome:
                outcome = (f"{text}: offline and not cached here; press {ONLINE_KEY} to ask the Hub "
                           f"(at most {ONLINE_DEADLINE_S:g} s), or start the dashboard with --online")
        except Exception as err:  # a bug or an odd file: one line inline, never a traceback
            outcome = f"error: {' '.join(str(err).split()) or type(err).__name__}"
        if not worker.is_cancelled:
            self.post_message(SizingFinished(run, outcome))

    def on_sizing_finished(self, event: SizingFinished) -> None:
        event.stop()  # the pane's own report: the App need not hear it
        self._finished(event.run, event.outcome)

    def _finished(self, run: int, outcome: DatasetSize | str) -> None:
        if run != self._run:  # cancelled or superseded: ignore
            return
        self._stop_timer()
        if isinstance(outcome, str):
            self.error = outcome
            self._status(outcome)
            return
        self.result = outcome
        self._status(f"sized {outcome.name} in {outcome.elapsed_s:.2f} s ({outcome.source})")
        self._render_result()
        use = self.query_one("#sizer-use", Button)
        use.disabled = outcome.measured() is None
        if not use.disabled:
            use.focus()

    def _tick(self) -> None:
        elapsed = time.monotonic() - self._started
        frame = SPINNER[int(elapsed * 10) % len(SPINNER)]
        where = "online" if self._online else "offline"
        self._status(f"{frame} sizing {self._target} {where} ... {elapsed:.1f} s (Esc cancels)")

    def _stop_timer(self) -> None:
        if self._timer is not None:
            self._timer.stop()
            self._timer = None

    def _status(self, text: str) -> None:
        self.query_one("#sizer-status", Static).update(Text(safe_text(text, multiline=True)))  # paths, Hub ids: plain text

    def action_cancel(self) -> None:
        if self.models_shown:
            self.query_one(ModelLookup).cancel()
            return
        if not self.sizing:
            return
        self._run += 1
        self.workers.cancel_group(self, "sizer")
        self._stop_timer()
        self._status(f"cancelled sizing {self._target}")

    # --- result -------------------------------------------------------------------------

    def watch_model(self, model: DashboardState | None) -> None:
        if not self.is_mounted:
            return
        lookup = self.query_one(ModelLookup)
        lookup.state = model
        lookup.render_result()
        if self.result is not None:
            self._render_result()

    def _render_result(self) -> None:
        if self.result is None:
            return
        lines = report_lines(self.result)[1:]  # the status line already names it
        measured = self.result.measured()
        machine = self.model.machine if self.model is not None else None
        if measured is None:
            lines.append("total size unknown: nothing to use for the data ceiling")
        elif machine is None:
            lines.append("no reference machine read yet: cannot compare")
        else:
            lines.append(fit_line(measured.bytes, measured.how, machine))
        self.query_one("#sizer-result", Static).update(Text(safe_text("\n".join(lines), multiline=True)))

    @on(Button.Pressed, "#sizer-use")
    def _use_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        self.action_use()

    def action_use(self) -> None:
        if self.models_shown:
            self.query_one(ModelLookup).use()
            return
        measured = self.result.measured() if self.result is not None else None
        if measured is None:
            self._status("nothing to use yet: size a dataset first (Enter)")
            return
        self.post_message(DatasetSized(measured=measured))
        self._status(f"using {measured.label} for the data ceiling")
