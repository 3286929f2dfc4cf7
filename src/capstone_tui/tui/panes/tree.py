"""The ceiling decision tree of the seed's Figure 41.1.1, relabelled from the model.

The Tree is built once (root, the four ceilings in order, each with its YES route, and the
terminal); a new model only relabels nodes, so the cursor and expansion state survive. Every
figure comes from `model.assessment` (core); this widget only chooses words and colours, and the
colours come from the active theme's variables.
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
from capstone_tui.core.model import Model

SHORT_NAMES = {"data": "Data", "model": "Model", "throughput": "Load", "coordination": "Agents"}
ROUTE_MARK = " ◀"


class TreePane(Widget):
    """Four ceilings, quantity vs limit, with the path the candidate takes highlighted."""

    DEFAULT_CSS = """
    TreePane { height: 1fr; }
    TreePane > Tree { height: 1fr; background: transparent; padding: 0; }
    """

    model: reactive[Model | None] = reactive(None, repaint=False)

    def __init__(self, *, id: str | None = None, classes: str | None = None) -> None:
        super().__init__(id=id, classes=classes)
        self._ceiling_nodes: dict[str, TreeNode[str]] = {}
        self._route_nodes: dict[str, TreeNode[str]] = {}
        self._terminal: TreeNode[str] | None = None
        self._styles: dict[tuple[str, bool, bool], Style] = {}  # for the current theme

    def compose(self) -> ComposeResult:
        tree: Tree[str] = Tree("Candidate problem", id="ceiling-tree")
        tree.show_root = True
        tree.guide_depth = 2
        for name, question, axis, chapters in TREE:
            node = tree.root.add(question, data=name, expand=True)
            self._ceiling_nodes[name] = node
            self._route_nodes[name] = node.add_leaf(f"YES: {AXIS_TEXT[axis]} ({chapters})", data=axis)
        self._terminal = tree.root.add_leaf(TERMINAL, data="terminal")
        tree.root.expand()
        yield tree

    def on_mount(self) -> None:
        self.app.theme_changed_signal.subscribe(self, lambda _theme: self._restyle())
        self._relabel()

    def watch_model(self, model: Model | None) -> None:
        self._relabel()

    # --- labels ---------------------------------------------------------------------------

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

    def _relabel(self) -> None:
        if not self.is_mounted or self._terminal is None:
            return
        tree = self.query_one(Tree)
        if self.model is None:
            tree.root.set_label(Text("Candidate problem (no candidate yet)", style=self._style("text-muted")))
            return
        a = self.model.assessment
        _set_label(tree.root, self._root_label(a))
        for c in a.ceilings:
            on_route = a.route.ceiling == c.name
            _set_label(self._ceiling_nodes[c.name], self._ceiling_label(c, on_route))
            _set_label(self._route_nodes[c.name], self._route_label(c, on_route))
        _set_label(self._terminal, self._terminal_label(a))

    def _root_label(self, a: Assessment) -> Text:
        text = Text("Candidate problem", style=self._style("foreground", bold=True))
        text.append(f" vs {a.machine_id}", style=self._style("text-muted"))
        if a.machine is None:
            text.append(" (not read yet)", style=self._style("warning", italic=True))
        return text

    def _ceiling_label(self, c: Ceiling, on_route: bool) -> Text:
        name = SHORT_NAMES[c.name]
        if not c.assessed:
            text = Text(f"{name}: ", style=self._style("foreground"))
            text.append("not assessed", style=self._style("warning", italic=True))
            text.append(f" ({c.detail.get('reason', '')})", style=self._style("text-muted"))
            return text
        if c.cleared:
            status, style = "YES", self._style("success", bold=on_route)
        else:
            status, style = "no", self._style("text-muted")
        text = Text(f"{name}: ", style=self._style("foreground", bold=on_route))
        text.append(status, style=style)
        text.append(f" {c.short}", style=self._style("foreground") if c.cleared else self._style("text-muted"))
        if c.margin is not None and c.unit != "agents":
            text.append(f" ({c.margin:.2g}x)" if c.margin >= 0.01 else " (<0.01x)", style=style)
        if on_route:
            text.append(ROUTE_MARK, style=self._style("success", bold=True))
        return text

    def _route_label(self, c: Ceiling, on_route: bool) -> Text:
        words = f"YES: {AXIS_TEXT[c.axis]} ({c.chapters})"
        if on_route:
            return Text(words + ROUTE_MARK, style=self._style("success", bold=True))
        if c.assessed and c.cleared:
            return Text(words + " (also cleared)", style=self._style("success"))
        return Text(words, style=self._style("text-muted"))

    def _terminal_label(self, a: Assessment) -> Text:
        if a.route.ceiling is None:
            return Text(TERMINAL + ROUTE_MARK, style=self._style("error", bold=True))
        return Text(TERMINAL, style=self._style("text-muted"))


def _set_label(node: TreeNode[None], label: Text) -> None:
    """Relabel only what changed: an unchanged line is neither re-rendered nor re-sent."""
    if node.label != label:
        node.set_label(label)
