"""The layers panel: a tree of groups, structures and compartments to show, hide and fade.

Check boxes show and hide (a group's box is tri-state: some of its structures shown); the
opacity slider under the tree sets the opacity of the current row (a group, a muscle or one
part of it); the search box filters by name, Latin name or synonym. The tree has one column
so that whole names fit a narrow dock; a compartment's row names only its part ("Anterior
part") under the muscle's row, with the full name as its tooltip. "Isolate" shows only the chosen structure and, pressed again, restores exactly what
was visible; "Ghost others" makes everything but the selection translucent. Every change goes
to the session state; the tree follows the state, so changes made elsewhere (a click in the
3D view, a lesson) show here too.
"""

from __future__ import annotations

from PySide6.QtCore import QRect, QSize, Qt, Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QGridLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QSlider,
    QStyle,
    QStyledItemDelegate,
    QStyleOptionViewItem,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from viewer.qt.binding import StateBinding
from viewer.qt.safe_text import tooltip as safe_tooltip

ID_ROLE = Qt.ItemDataRole.UserRole
KIND_ROLE = Qt.ItemDataRole.UserRole + 1
OPACITY_STEP = 0.1


def part_label(full_name: str, parent_name: str) -> str:
    """A compartment's row text under its muscle: ``"Anterior part"`` for
    ``"Gluteus medius, anterior part"`` under ``"Gluteus medius"`` (the full name otherwise)."""
    prefix = parent_name + ", "
    if full_name.startswith(prefix) and len(full_name) > len(prefix):
        rest = full_name[len(prefix):]
        return rest[0].upper() + rest[1:]
    return full_name


def text_rect(tree: QTreeWidget, item: QTreeWidgetItem, height: int | None = None) -> QRect:
    """Where a row's name is drawn: the row's width in the viewport less its indentation, its
    check box and the text margins (``height`` defaults to the row's current height)."""
    depth, parent = 0, item.parent()
    while parent is not None:
        depth, parent = depth + 1, parent.parent()
    x = depth * tree.indentation() + (tree.indentation() if tree.rootIsDecorated() else 0)
    option = QStyleOptionViewItem()
    option.initFrom(tree)
    option.features = (QStyleOptionViewItem.ViewItemFeature.HasCheckIndicator
                       | QStyleOptionViewItem.ViewItemFeature.HasDisplay
                       | QStyleOptionViewItem.ViewItemFeature.WrapText)
    option.text = item.text(0)
    option.font = tree.font()
    option.rect = QRect(x, 0, tree.columnWidth(0) - x,
                        height if height is not None else tree.visualItemRect(item).height())
    rect = tree.style().subElementRect(QStyle.SubElement.SE_ItemViewItemText, option, tree)
    margin = tree.style().pixelMetric(QStyle.PixelMetric.PM_FocusFrameHMargin, None, tree) + 1
    return rect.adjusted(margin, 0, -margin, 0)


class _WrappingDelegate(QStyledItemDelegate):
    """Rows tall enough for their name wrapped at the tree's width (the view's own size hint
    does not know the width)."""

    def __init__(self, tree: QTreeWidget):
        super().__init__(tree)
        self._tree = tree

    def sizeHint(self, option, index) -> QSize:  # noqa: N802 - Qt override
        size = super().sizeHint(option, index)
        item = self._tree.itemFromIndex(index)
        if item is None:
            return size
        rect = text_rect(self._tree, item, size.height())
        wrapped = self._tree.fontMetrics().boundingRect(
            QRect(0, 0, max(rect.width(), 1), 10_000), Qt.TextFlag.TextWordWrap, item.text(0))
        return QSize(size.width(), max(size.height(), wrapped.height() + size.height() - rect.height()))


class _OpacitySlider(QSlider):
    """A 0-100 % slider for the tree's current row."""

    def __init__(self, parent=None):
        super().__init__(Qt.Orientation.Horizontal, parent)
        self.setRange(0, 100)
        self.setSingleStep(5)
        self.setPageStep(20)
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.setMinimumWidth(70)
        self.set_row_name(None)

    def set_row_name(self, label: str | None) -> None:
        text = f"Opacity of {label}" if label else "Opacity (choose a row)"
        self.setAccessibleName(text)
        self.setToolTip(safe_tooltip(text + " ([ and ] on the tree)"))


class LayersPanel(QWidget):
    """Tree of layer groups -> structures -> compartments bound to a session state.

    Parameters
    ----------
    model : viewer.io.model.HipModel
    state : viewer.state.SessionState
    """

    structure_activated = Signal(str)

    def __init__(self, model, state, parent: QWidget | None = None):
        super().__init__(parent)
        self.model = model
        self.state = state
        self._syncing = False
        self._closed = False
        self._box_toggled = False  # set when a mouse click toggled a check box, not the row
        self._items: dict[str, QTreeWidgetItem] = {}  # structure, compartment and group ids
        self._search_text: dict[str, str] = {}

        self.search = QLineEdit(self)
        self.search.setPlaceholderText("Search name or synonym")
        self.search.setClearButtonEnabled(True)
        self.search.setAccessibleName("Search layers")
        self.search.textChanged.connect(self.apply_filter)

        self.tree = QTreeWidget(self)
        # One column and no branch gutter for the groups: whole names fit a 180-pixel dock.
        self.tree.setColumnCount(1)
        self.tree.setHeaderHidden(True)
        self.tree.setRootIsDecorated(False)
        self.tree.setIndentation(12)
        # A name longer than the dock (a group's, or any in a large font) wraps onto a second
        # line instead of being cut.
        self.tree.setWordWrap(True)
        self.tree.setUniformRowHeights(False)
        self.tree.setItemDelegate(_WrappingDelegate(self.tree))
        # Row heights depend on the width once names wrap: lay the rows out again on a resize.
        self.tree.header().sectionResized.connect(self._on_width_changed)
        self.tree.setAccessibleName("Layers")
        self.opacity_slider = _OpacitySlider(self)
        self.opacity_slider.valueChanged.connect(self._on_slider)
        self.opacity_label = QLabel("&Opacity", self)
        self.opacity_label.setBuddy(self.opacity_slider)
        self._build_tree()
        self.tree.currentItemChanged.connect(self._on_current_changed)
        self.tree.itemChanged.connect(self._on_item_changed)
        self.tree.itemClicked.connect(self._on_item_clicked)
        self.tree.itemActivated.connect(self._on_item_activated)
        self.tree.installEventFilter(self)
        self.tree.viewport().installEventFilter(self)

        self.show_all_button = QPushButton("Show &all", self)
        self.show_all_button.setToolTip("Show every structure (A)")
        self.show_all_button.clicked.connect(self.state.show_all)
        self.isolate_button = QPushButton("&Isolate", self)
        self.isolate_button.setCheckable(True)
        self.isolate_button.setToolTip("Show only the chosen structure; press again to restore (I)")
        self.isolate_button.clicked.connect(self.toggle_isolate)
        self.ghost_box = QCheckBox("&Ghost others", self)
        self.ghost_box.setToolTip("Make everything but the selection translucent (G)")
        self.ghost_box.toggled.connect(self.state.set_ghost)

        buttons = QGridLayout()  # two rows: the panel fits a narrow dock
        buttons.addWidget(self.show_all_button, 0, 0)
        buttons.addWidget(self.isolate_button, 0, 1)
        buttons.addWidget(self.ghost_box, 1, 0, 1, 2)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addWidget(self.search)
        layout.addWidget(self.tree, 1)
        opacity_row = QGridLayout()
        opacity_row.addWidget(self.opacity_label, 0, 0)
        opacity_row.addWidget(self.opacity_slider, 0, 1)
        opacity_row.setColumnStretch(1, 1)
        layout.addLayout(opacity_row)
        layout.addLayout(buttons)

        self._binding = StateBinding()
        self._binding.connect(state.visibility_changed, self._on_visibility)
        self._binding.connect(state.opacity_changed, self._on_opacity)
        self._binding.connect(state.selection_changed, self._on_selection)
        self._binding.connect(state.ghost_changed, self._on_ghost)
        self._sync_all()

    # -- construction ---------------------------------------------------------------------
    def _searchable(self, structure: str) -> str:
        ann = self.model.annotations[structure]
        words = [ann.id, ann.display_name, ann.latin_name, *ann.synonyms]
        for leaf in self.model.leaves(structure):
            if leaf != structure:
                words += [leaf, self.model.display_name(leaf)]
        return " | ".join(words).casefold()

    def _make_item(self, parent, text: str, some_id: str, kind: str, tooltip: str) -> QTreeWidgetItem:
        item = QTreeWidgetItem(parent, [text])
        item.setData(0, ID_ROLE, some_id)
        item.setData(0, KIND_ROLE, kind)
        item.setToolTip(0, safe_tooltip(tooltip))
        flags = (Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable | Qt.ItemFlag.ItemIsUserCheckable)
        if kind == "group" or (kind == "structure" and len(self.model.leaves(some_id)) > 1):
            flags |= Qt.ItemFlag.ItemIsAutoTristate
        item.setFlags(flags)
        item.setCheckState(0, Qt.CheckState.Checked)
        self._items[some_id] = item
        return item

    def _build_tree(self) -> None:
        self.tree.blockSignals(True)
        for group, members in self.model.groups():
            gitem = self._make_item(self.tree, group.display_name, group.id, "group", group.description)
            for sid in members:
                ann = self.model.annotations[sid]
                tip = f"{ann.display_name}: {ann.latin_name}" + (f" (also: {', '.join(ann.synonyms)})" if ann.synonyms else "")
                sitem = self._make_item(gitem, ann.display_name, sid, "structure", tip)
                self._search_text[sid] = self._searchable(sid)
                leaves = self.model.leaves(sid)
                if len(leaves) > 1 or (leaves and leaves[0] != sid):
                    for leaf in leaves:
                        full = self.model.display_name(leaf)
                        self._make_item(sitem, part_label(full, ann.display_name), leaf, "leaf",
                                        f"{full} ({ann.latin_name})")
            gitem.setExpanded(True)
        self.tree.blockSignals(False)

    # -- ids --------------------------------------------------------------------------------
    def item_for(self, some_id: str) -> QTreeWidgetItem:
        """The tree row of a group, structure or compartment id."""
        return self._items[some_id]

    def slider_for(self, some_id: str) -> QSlider:
        """The opacity slider, after making ``some_id``'s row the current one."""
        self.tree.setCurrentItem(self._items[some_id])
        return self.opacity_slider

    def row_name(self, some_id: str) -> str:
        """The full name of a row (a compartment's row text is only its part)."""
        item = self._items[some_id]
        if item.data(0, KIND_ROLE) == "leaf":
            return self.model.display_name(some_id)
        return item.text(0)

    def _leaves_of(self, some_id: str) -> list[str]:
        item = self._items[some_id]
        if item.data(0, KIND_ROLE) == "group":
            out = []
            for i in range(item.childCount()):
                out += self.state.leaf_ids(item.child(i).data(0, ID_ROLE))
            return out
        return self.state.leaf_ids(some_id)

    def current_id(self) -> str | None:
        """Structure or compartment id of the current row (None for a group or nothing)."""
        item = self.tree.currentItem()
        if item is None or item.data(0, KIND_ROLE) == "group":
            return None
        return item.data(0, ID_ROLE)

    # -- user input -> state ---------------------------------------------------------------
    def _on_item_changed(self, item: QTreeWidgetItem, column: int) -> None:
        if self._syncing or column != 0:
            return
        self._box_toggled = True
        # Only rows without children map to meshes; Qt propagates a parent's box to them.
        if item.childCount() == 0:
            some_id = item.data(0, ID_ROLE)
            self.state.set_visible(some_id, item.checkState(0) == Qt.CheckState.Checked)

    def _on_item_clicked(self, item: QTreeWidgetItem, column: int) -> None:
        if self._box_toggled:
            return  # a click on the check box shows or hides; it does not select
        self._select_item(item)

    def _on_item_activated(self, item: QTreeWidgetItem, column: int) -> None:
        self._select_item(item)

    def _select_item(self, item: QTreeWidgetItem) -> None:
        if item.data(0, KIND_ROLE) == "group":
            return
        some_id = item.data(0, ID_ROLE)
        self.state.select(some_id)
        self.structure_activated.emit(some_id)

    def _on_slider(self, value: int) -> None:
        item = self.tree.currentItem()
        if self._syncing or item is None:
            return
        for leaf in self._leaves_of(item.data(0, ID_ROLE)):
            self.state.set_opacity(leaf, value / 100.0)

    def _row_opacity(self, some_id: str) -> float:
        """A row's opacity: a group's or muscle's is the mean of its leaves."""
        leaves = self._leaves_of(some_id)
        return sum(self.state.opacity(x) for x in leaves) / len(leaves) if leaves else 1.0

    def nudge_opacity(self, some_id: str, delta: float) -> None:
        """Change a row's opacity by ``delta`` (keyboard: [ and ] on the current row)."""
        slider = self.slider_for(some_id)
        slider.setValue(round(100 * min(1.0, max(0.0, self._row_opacity(some_id) + delta))))

    def toggle_isolate(self) -> None:
        """Isolate the current row's structure (or the selection); restore if isolated."""
        if self.state.isolated is not None:
            self.state.toggle_isolate(self.state.isolated)
        else:
            target = self.current_id() or self.state.selection
            if target:
                self.state.toggle_isolate(target)
        self._sync_isolate_button()

    def eventFilter(self, obj, event) -> bool:  # noqa: N802 - Qt override
        from PySide6.QtCore import QEvent

        if obj is self.tree.viewport() and event.type() == QEvent.Type.MouseButtonPress:
            self._box_toggled = False
        if obj is self.tree and event.type() == QEvent.Type.KeyPress:
            item = self.tree.currentItem()
            if item is not None and event.key() in (Qt.Key.Key_BracketLeft, Qt.Key.Key_BracketRight):
                delta = OPACITY_STEP if event.key() == Qt.Key.Key_BracketRight else -OPACITY_STEP
                self.nudge_opacity(item.data(0, ID_ROLE), delta)
                return True
        return False

    # -- search -----------------------------------------------------------------------------
    def apply_filter(self, text: str) -> None:
        """Show only structures whose name, Latin name, synonym or compartment matches."""
        query = text.strip().casefold()
        root = self.tree.invisibleRootItem()
        for g in range(root.childCount()):
            gitem = root.child(g)
            group_match = bool(query) and query in gitem.text(0).casefold()
            any_shown = False
            for s in range(gitem.childCount()):
                sitem = gitem.child(s)
                sid = sitem.data(0, ID_ROLE)
                shown = not query or group_match or query in self._search_text.get(sid, "")
                sitem.setHidden(not shown)
                any_shown |= shown
                if query and shown:
                    sitem.setExpanded(True)
            gitem.setHidden(not any_shown)
            if query and any_shown:
                gitem.setExpanded(True)

    def visible_structures(self) -> list[str]:
        """Structure ids whose rows the filter leaves visible."""
        out = []
        for sid, item in self._items.items():
            if item.data(0, KIND_ROLE) == "structure" and not item.isHidden() and not item.parent().isHidden():
                out.append(sid)
        return out

    # -- state -> tree ------------------------------------------------------------------------
    def _sync_all(self) -> None:
        vis = self.state.visibility()
        for leaf, shown in vis.items():
            self._on_visibility(leaf, shown)
        self._sync_slider()
        self._on_ghost(self.state.ghost)
        self._on_selection(self.state.selection)

    def _on_visibility(self, leaf: str, visible: bool) -> None:
        item = self._items.get(leaf)
        if item is None:
            return
        self._syncing = True
        try:
            item.setCheckState(0, Qt.CheckState.Checked if visible else Qt.CheckState.Unchecked)
        finally:
            self._syncing = False
        self._sync_isolate_button()

    def _on_width_changed(self, *_args) -> None:
        self.tree.scheduleDelayedItemsLayout()

    def _on_current_changed(self, *_args) -> None:
        self._sync_slider()

    def _sync_slider(self) -> None:
        """Show the current row's opacity (and name) on the slider."""
        item = self.tree.currentItem()
        self.opacity_slider.setEnabled(item is not None)
        self._syncing = True
        try:
            if item is None:
                self.opacity_slider.set_row_name(None)
                self.opacity_slider.setValue(100)
            else:
                some_id = item.data(0, ID_ROLE)
                self.opacity_slider.set_row_name(self.row_name(some_id))
                self.opacity_slider.setValue(round(100 * self._row_opacity(some_id)))
        finally:
            self._syncing = False

    def _on_opacity(self, leaf: str, value: float) -> None:
        # The slider follows a change made elsewhere (a lesson, a reset) to the current row.
        item = self.tree.currentItem()
        if item is not None and leaf in self._leaves_of(item.data(0, ID_ROLE)):
            self._sync_slider()

    def _on_selection(self, some_id) -> None:
        self._syncing = True
        try:
            if some_id is None or some_id not in self._items:
                self.tree.clearSelection()
                self.tree.setCurrentItem(None)
            else:
                item = self._items[some_id]
                self.tree.setCurrentItem(item)
                self.tree.scrollToItem(item)
        finally:
            self._syncing = False

    def _on_ghost(self, on: bool) -> None:
        self.ghost_box.blockSignals(True)
        self.ghost_box.setChecked(bool(on))
        self.ghost_box.blockSignals(False)

    def _sync_isolate_button(self) -> None:
        isolated = self.state.isolated is not None
        self.isolate_button.setChecked(isolated)
        self.isolate_button.setText("Rest&ore" if isolated else "&Isolate")

    def close_panel(self) -> None:
        """Stop following the state and the tree's own signals (before the widget is deleted)."""
        self._binding.disconnect_all()
        if not self._closed:
            self._closed = True
            self.tree.header().sectionResized.disconnect(self._on_width_changed)
            self.tree.currentItemChanged.disconnect(self._on_current_changed)
            self.opacity_slider.valueChanged.disconnect(self._on_slider)
        self.tree.viewport().removeEventFilter(self)
        self.tree.removeEventFilter(self)
