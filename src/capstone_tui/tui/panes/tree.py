"""The ceiling decision tree of the seed's Figure 41.1.1, read as a decision.

Each question shows its answer with quantity vs limit and the margin; under it the branch taken
is lit and the other dimmed; a ceiling not cleared says what would clear it; one not assessed
names the inputs to give and the key. The model question holds its memory breakdown (collapsed:
expand it with enter or a click), then the GPU plan on the reference machine (the fewest GPUs, the
strategy and bytes per GPU; each strategy under it) and what `[model] from` filled. The root says
the decision, a last node gate 2.

The Tree is built once; a new model only relabels nodes, so the cursor and expansion state
survive. Every figure comes from `model.assessment` (core), the words from core/verdict_text.py;
this widget only chooses colours, from the active theme's variables.
"""

from __future__ import annotations

from rich.style import Style
from rich.text import Text
from textual.app import ComposeResult
from textual.color import Color, ColorParseError
from textual.reactive import reactive
from textual.widget import Widget
from textual.widgets import Tree
from textual.widgets.tree import TreeNode

from capstone_tui.core.assessment import Assessment
from capstone_tui.core.ceilings import AXIS_TEXT, TERMINAL, TREE, Ceiling
from capstone_tui.core.dashboard_state import DashboardState
from capstone_tui.core.planner.candidate_plan import params_source, plan_lines, plan_summary
from capstone_tui.core.scaling import MIN_SPEEDUP
from capstone_tui.core.verdict_text import (
    gates_short, knee_text, memory_bytes, not_assessed_hint, pct, quantity_vs_limit, would_clear)
from capstone_tui.tui.after_frame import after_frame

ROUTE_MARK = " ◀"
MEMORY_TERMS = (("weights", "weights_bytes"), ("gradients", "grads_bytes"), ("optimizer", "optimizer_bytes"),
                ("activations", "activations_bytes"), ("KV cache", "kv_cache_bytes"), ("overhead", "overhead_bytes"))


class TreePane(Widget):
    """Four ceilings, quantity vs limit, with the path the candidate takes highlighted."""

    DEFAULT_CSS = """
    TreePane { height: 1fr; }
    TreePane > Tree { height: 1fr; background: transparent; padding: 0; }
    """

    model: reactive[DashboardState | None] = reactive(None, repaint=False)

    def __init__(self, *, id: str | None = None, classes: str | None = None) -> None:
        super().__init__(id=id, classes=classes)
        self._ceiling_nodes: dict[str, TreeNode[str]] = {}
        self._branch_nodes: dict[str, TreeNode[str]] = {}  # both branches of a question, on one line
        self._words: dict[str, tuple[str, str]] = {}  # the fixed words of each question's branches
        self._memory: TreeNode[str] | None = None
        self._memory_leaves: list[TreeNode[str]] = []
        self._model_node: TreeNode[str] | None = None
        self._plan: TreeNode[str] | None = None
        self._plan_leaves: list[TreeNode[str]] = []
        self._note_leaves: list[TreeNode[str]] = []  # what `[model] from` filled or was overridden by
        self._terminal: TreeNode[str] | None = None
        self._gate2: TreeNode[str] | None = None
        self._styles: dict[tuple[str, bool, bool], Style] = {}  # for the current theme
        self._relabel_due = False  # a relabel is queued for after the next screen refresh
        self._labelled = False  # the labels have said a state (the first is set at once)

    def compose(self) -> ComposeResult:
        tree: Tree[str] = Tree("Candidate problem", id="ceiling-tree")
        tree.show_root = True
        tree.guide_depth = 2
        for i, (name, question, axis, chapters) in enumerate(TREE):
            node = tree.root.add(question, data=name, expand=True)
            self._ceiling_nodes[name] = node
            yes_words = f"YES → {AXIS_TEXT[axis]} ({chapters})"
            no_words = "no → keep it on one machine" if i == len(TREE) - 1 else "no → next question"
            self._branch_nodes[name] = node.add_leaf(f"{yes_words}  |  {no_words}", data=axis)
            self._words[name] = (yes_words, no_words)
            if name == "model":
                self._memory = node.add("memory breakdown", data="memory", expand=False)
                self._memory_leaves = [self._memory.add_leaf(label, data=key) for label, key in MEMORY_TERMS]
                self._memory_leaves.append(self._memory.add_leaf("", data="node"))
                self._plan = node.add("GPU plan", data="plan", expand=False)
                self._model_node = node
        self._terminal = tree.root.add_leaf(TERMINAL, data="terminal")
        self._gate2 = tree.root.add_leaf("Does distributing pay? (gate 2)", data="gate2")
        tree.root.expand()
        yield tree

    def on_mount(self) -> None:
        self.app.theme_changed_signal.subscribe(self, lambda _theme: self._restyle())
        self._relabel()

    def watch_model(self, model: DashboardState | None) -> None:
        # The first labels at once; later ones after the screen's next refresh, so that a key's
        # new verdict text reaches the terminal alone (a small region at the bottom) instead of
        # in a frame that spans the tree and every pane between them. Keys in a burst relabel
        # once, with the latest state.
        if not self._labelled:
            self._relabel()
        elif not self._relabel_due:
            self._relabel_due = True
            after_frame(self, self._relabel_now)

    def _relabel_now(self) -> None:
        self._relabel_due = False
        self._relabel()

    # --- styles ---------------------------------------------------------------------------

    def _restyle(self) -> None:
        self._styles.clear()
        self._relabel()

    def _style(self, variable: str, *, bold: bool = False, italic: bool = False) -> Style:
        """A Rich style for `$variable`, cached per theme (theme variables are costly to build)."""
        key = (variable, bold, italic)
        if key not in self._styles:
            self._styles[key] = self._make_style(variable, bold=bold, italic=italic)
        return self._styles[key]

    def _make_style(self, variable: str, *, bold: bool, italic: bool) -> Style:
        """A Rich style whose colour is the theme variable `$variable` (muted text resolved)."""
        variables = self.app.theme_variables
        color: Color | None = None
        try:
            color = Color.parse(variables[variable])
        except (KeyError, ColorParseError):
            try:  # "$text-muted" is "auto 60%": the foreground at 60 % over the background
                fg = Color.parse(variables.get("foreground", "#e0e0e0"))
                bg = Color.parse(variables.get("background", "#000000"))
                color = bg.blend(fg, 0.6)
            except ColorParseError:
                color = None
        return Style(color=color.rich_color if color else None, bold=bold, italic=italic)

    # --- labels ---------------------------------------------------------------------------

    def _relabel(self) -> None:
        if not self.is_mounted or self._terminal is None or self._gate2 is None:
            return
        tree = self.query_one(Tree)
        if self.model is None:
            tree.root.set_label(Text("Candidate problem (no candidate yet)", style=self._style("text-muted")))
            return
        self._labelled = True
        a = self.model.assessment
        _set_label(tree.root, self._root_label(a))
        for index, c in enumerate(a.ceilings, start=1):
            on_route = a.route.ceiling == c.name
            _set_label(self._ceiling_nodes[c.name], self._ceiling_label(index, c, on_route))
            _set_label(self._branch_nodes[c.name], self._branch_label(c, on_route))
            if c.name == "model":
                self._label_memory(c)
                self._label_plan(self.model)
        _set_label(self._terminal, self._terminal_label(a))
        _set_label(self._gate2, self._gate2_label(a))

    def _root_label(self, a: Assessment) -> Text:
        text = Text("Candidate problem", style=self._style("foreground", bold=True))
        text.append(f" vs {a.machine_id}", style=self._style("text-muted"))
        if a.machine is None:
            text.append(" (not read yet)", style=self._style("warning", italic=True))
        good = a.gate1 and a.gate2
        text.append(f": {a.decision.upper()}", style=self._style("success" if good else "error", bold=True))
        text.append(f" ({gates_short(a.gate1, a.gate2)})", style=self._style("text-muted"))
        return text

    def _ceiling_label(self, index: int, c: Ceiling, on_route: bool) -> Text:
        text = Text(f"{index}. {c.label} ", style=self._style("foreground", bold=on_route))
        if not c.assessed:
            text.append("not assessed", style=self._style("warning", italic=True))
            text.append(f": {not_assessed_hint(c)}", style=self._style("text-muted"))
            return text
        answer = "YES" if c.cleared else "no"
        text.append(answer, style=self._style("success", bold=True) if c.cleared else self._style("foreground", bold=True))
        text.append(f": {quantity_vs_limit(c)}", style=self._style("foreground"))
        if c.margin is not None and c.unit != "agents":
            text.append(f" ({c.margin:.2g}x)" if c.margin >= 0.01 else " (<0.01x)", style=self._style("text-muted"))
        hint = would_clear(c)
        if hint:
            text.append(f"; {hint}", style=self._style("accent", italic=True))
        if on_route:
            text.append(ROUTE_MARK, style=self._style("success", bold=True))
        return text

    def _branch_label(self, c: Ceiling, on_route: bool) -> Text:
        """'YES → axis  |  no → next': the branch taken lit, the other dimmed (both dim: not assessed)."""
        yes_words, no_words = self._words[c.name]
        dim = self._style("text-muted")
        if not c.assessed:
            yes, no = Text(yes_words, style=dim), Text(no_words, style=dim)
        elif c.cleared:
            yes = Text(yes_words + (ROUTE_MARK if on_route else " (also cleared)"),
                       style=self._style("success", bold=on_route))
            no = Text(no_words, style=dim)
        else:
            yes, no = Text(yes_words, style=dim), Text(no_words, style=self._style("foreground", bold=True))
        return Text.assemble(yes, Text("  |  ", style=dim), no)

    def _label_memory(self, c: Ceiling) -> None:
        if self._memory is None:
            return
        d = c.detail
        if not c.assessed or "weights_bytes" not in d:
            _set_label(self._memory, Text("memory breakdown (not assessed)", style=self._style("text-muted")))
            for leaf in self._memory_leaves:
                _set_label(leaf, Text("", style=self._style("text-muted")))
            return
        total = d.get("total_bytes", c.quantity)
        _set_label(self._memory, Text(f"memory breakdown: {memory_bytes(total)} estimated "
                                      f"(vs {memory_bytes(c.limit)} {c.limit_name})", style=self._style("foreground")))
        for leaf, (label, key) in zip(self._memory_leaves, MEMORY_TERMS):
            _set_label(leaf, Text(f"{label}: {memory_bytes(d.get(key) or 0)}", style=self._style("foreground")))
        node_bytes = d.get("node_accelerator_bytes")
        if node_bytes:
            fits = "fits" if (total or 0) <= node_bytes else "does not fit"
            words = f"per node: all accelerators together {memory_bytes(node_bytes)}; fully sharded it {fits}"
        else:
            words = f"compared with {d.get('compared_with', 'one device')}"
        _set_label(self._memory_leaves[-1], Text(words, style=self._style("text-muted")))

    def _label_plan(self, model: DashboardState) -> None:
        """The plan line (core/planner/candidate_plan.py's words), each strategy under it, and the
        notes of `[model] from` as leaves of the model question."""
        if self._plan is None or self._model_node is None:
            return
        plan = model.plan
        planned = not isinstance(plan, str)
        _set_label(self._plan, Text(plan_summary(plan, model.candidate.machine),
                                    style=self._style("foreground" if planned else "text-muted")))
        read = model.model_shape if model.candidate.model.from_ else None
        lines = plan_lines(plan, params_source(model.candidate.model, read))
        _sync_leaves(self._plan, self._plan_leaves, lines, self._style("foreground"), "plan-line")
        _sync_leaves(self._model_node, self._note_leaves, list(model.model_notes), self._style("accent", italic=True),
                     "model-note")

    def _terminal_label(self, a: Assessment) -> Text:
        missing = [c.name for c in a.ceilings if not c.assessed]
        if a.route.ceiling is not None:
            return Text(f"{TERMINAL} (not taken: the {a.route.ceiling} ceiling routes it)",
                        style=self._style("text-muted"))
        if missing:
            words = (f"None cleared, {len(missing)} not assessed ({', '.join(missing)}): "
                     "one machine, as far as is known")
            return Text(words + ROUTE_MARK, style=self._style("warning", bold=True))
        return Text(TERMINAL + ROUTE_MARK, style=self._style("error", bold=True))

    def _gate2_label(self, a: Assessment) -> Text:
        j = a.justification
        ok = a.gate2
        text = Text("Does distributing pay? (gate 2) ", style=self._style("foreground"))
        text.append("YES" if ok else "no", style=self._style("success" if ok else "error", bold=True))
        sign = ">" if ok else "<="
        text.append(f": S(p*)={j.speedup:.2f}x at p*={j.p_star} {sign} {MIN_SPEEDUP}x, E(p*)={pct(j.fast.efficiency)}; "
                    + knee_text(j.knee), style=self._style("foreground"))
        return text


def _sync_leaves(parent: TreeNode[str], leaves: list[TreeNode[str]], lines: list[str], style: Style,
                 data: str) -> None:
    """As many leaves under `parent` as `lines` (added at the end, removed from the end), relabelled."""
    while len(leaves) > len(lines):
        leaves.pop().remove()
    while len(leaves) < len(lines):
        leaves.append(parent.add_leaf("", data=data))
    for leaf, line in zip(leaves, lines):
        _set_label(leaf, Text(line, style=style))


def _set_label(node: TreeNode[str], label: Text) -> None:
    """Relabel only what changed: an unchanged line is neither re-rendered nor re-sent."""
    if node.label != label:
        node.set_label(label)
