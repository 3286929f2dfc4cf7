"""Every key of the dashboard, in one table: the App binds it, the help screen lists it,
and users can remap any of them by id (`App.set_keymap`)."""

from __future__ import annotations

from textual.binding import Binding

from capstone_tui.core.scaling import GEO_FACTOR

KEYS: list[Binding] = [
    Binding("s", "tune('s', False)", "s-", tooltip="Lower s by 0.01 (s: the serial fraction of one machine's time, in [0, 1])", id="s-down"),
    Binding("S", "tune('s', True)", "s+", tooltip="Raise the serial fraction s by 0.01", id="s-up"),
    Binding("c", "tune('c', False)", "c-", tooltip="Lower c one step on the 1-2-5 grid (c: the cost of each added worker, a fraction of one machine's time)", id="c-down"),
    Binding("C", "tune('c', True)", "c+", tooltip="Raise the per-worker cost c one step on the 1-2-5 grid (the keys stop at c = 0.5)", id="c-up"),
    Binding("p", "tune('pmax', False)", "pmax/2", tooltip="Halve pmax, the largest worker count (the chart shows p = 1..pmax)", id="pmax-down"),
    Binding("P", "tune('pmax', True)", "pmax*2", tooltip="Double pmax, the largest worker count", id="pmax-up"),
    Binding("g", "toggle('show_geo')", "geo", tooltip=f"Show or hide the geo-link curve (c' = {GEO_FACTOR:g}c)", id="toggle-geo"),
    Binding("l", "toggle('log_p')", "log p", tooltip="Linear or logarithmic worker axis", id="toggle-log"),
    Binding("y", "toggle('show_efficiency')", "S/E", tooltip="Plot speedup S(p) or efficiency E(p)", id="toggle-efficiency"),
    Binding("t", "toggle('show_time')", "time", show=False, tooltip="Plot finish time against p: run time t1/S(p), plus Slurm's queue wait where Slurm was asked (a slurm:<partition> reference and scaling.t1_s)", id="toggle-time"),
    Binding("left", "cursor('left')", "cursor", show=False, tooltip="Move the chart's cursor to a smaller p (a click on the chart too)", id="cursor-left", key_display="←"),
    Binding("right", "cursor('right')", "cursor", show=False, tooltip="Move the chart's cursor to a larger p", id="cursor-right", key_display="→"),
    Binding("home", "cursor('home')", "p=1", show=False, tooltip="Put the chart's cursor on p = 1", id="cursor-home"),
    Binding("end", "cursor('end')", "p*", show=False, tooltip="Put the chart's cursor on p*, the best worker count", id="cursor-end"),
    Binding("v", "compare", "compare", show=False, tooltip="Compare candidates side by side: those given at start and each opened with ctrl+o", id="compare"),
    Binding("m", "next_machine", "machine", tooltip="Cycle the reference machine", id="next-machine"),
    Binding("i", "edit_inputs", "inputs", tooltip="Edit every candidate input", id="edit-inputs"),
    Binding("f", "apply_fit", "use fit", show=False, tooltip="Set s and c from the fitted runs", id="apply-fit"),
    Binding("k", "karp_flatt", "Karp-Flatt", show=False, tooltip="Show the Karp-Flatt table of the fitted runs", id="karp-flatt"),
    Binding("r", "pause_refresh", "pause", show=False, tooltip="Pause or resume the inventory refresh", id="pause-refresh"),
    Binding("e", "export", "export", tooltip="Export a verdict snapshot (.json, .md, .svg)", id="export"),
    Binding("ctrl+o", "open_candidate", "open", show=False, tooltip="Open a candidate TOML file", id="open"),
    Binding("ctrl+s", "save_candidate", "save", show=False, tooltip="Save the candidate as TOML", id="save"),
    Binding("1", "show_pane('inventory')", "node", show=False, tooltip="Show or focus the inventory pane", id="pane-inventory"),
    Binding("2", "show_pane('tree')", "tree", show=False, tooltip="Show or focus the ceiling tree", id="pane-tree"),
    Binding("3", "show_pane('curve')", "curve", show=False, tooltip="Show or focus the speedup curve", id="pane-curve"),
    Binding("4", "show_pane('sizer')", "sizer", show=False, tooltip="Show or focus the dataset sizer", id="pane-sizer"),
    Binding("question_mark", "help", "help", tooltip="Show every key", id="help", key_display="?"),
    Binding("q", "quit", "quit", tooltip="Quit", id="quit"),
]
