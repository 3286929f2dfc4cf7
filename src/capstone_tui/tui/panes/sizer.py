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

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.reactive import reactive
from textual.widgets import Button, Input, Static, TabbedContent, TabPane, Tabs

from capstone_tui.core.datasize import DatasetSize, fit_line, report_lines
from capstone_tui.core.errors import ValidationError
from capstone_tui.core.dashboard_state import DashboardState
from capstone_tui.core.safe_text import safe_text
from capstone_tui.tui.messages import DatasetSized
from capstone_tui.tui.panes.lookup_run import ONLINE_DEADLINE_S, ONLINE_KEY, LookupRun
from capstone_tui.tui.panes.model_lookup import ModelLookup

TAB_KEY = "ctrl+t"


class SizerPane(LookupRun, Vertical):
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
    VERB = "sizing"
    STATUS = "#sizer-status"
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
        self.init_lookup()

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
        return self.running

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
            self.status("Type a Hugging Face dataset id (org/name) or a local folder or file.")
            return
        self.result, self.error = None, None
        self.query_one("#sizer-use", Button).disabled = True
        self.query_one("#sizer-result", Static).update("")
        self.begin(text, online=online)

    def lookup(self, text: str, online: bool) -> DatasetSize:
        from capstone_tui.probes.datasets import size_dataset  # pyarrow and friends load lazily inside

        access = getattr(self.app, "file_access", None)  # a served session confines local paths
        return size_dataset(access.dataset(text) if access is not None else text, online=online,
                            deadline_s=ONLINE_DEADLINE_S)

    def offline_hint(self, err: ValidationError, text: str) -> str:
        if "offline and not cached" in err.message:
            return (f"{text}: offline and not cached here; press {ONLINE_KEY} to ask the Hub "
                    f"(at most {ONLINE_DEADLINE_S:g} s), or start the dashboard with --online")
        return err.message

    def finished(self, outcome: DatasetSize) -> None:
        self.result = outcome
        self.status(f"sized {outcome.name} in {outcome.elapsed_s:.2f} s ({outcome.source})")
        self._render_result()
        use = self.query_one("#sizer-use", Button)
        use.disabled = outcome.measured() is None
        if not use.disabled:
            use.focus()

    def action_cancel(self) -> None:
        if self.models_shown:
            self.query_one(ModelLookup).cancel()
            return
        self.cancel()

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
            self.status("nothing to use yet: size a dataset first (Enter)")
            return
        self.post_message(DatasetSized(measured=measured))
        self.status(f"using {measured.label} for the data ceiling")
