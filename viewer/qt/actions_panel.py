"""The actions panel: pick a motion and see, ranked, which muscles produce or oppose it.

The motion and the colour measure (moment arm in mm or torque potential in N·m) go to the
session state, which recolours the muscles in the 3D view; the ranked list with signed bars is
recomputed from the core's :meth:`~viewer.core.actions.ActionModel.table` whenever the pose,
motion or measure changes, so it moves live with the sliders and the animation.
"""

from __future__ import annotations

import math

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QRectF, Qt, QTimer
from PySide6.QtGui import QBrush, QColor, QPainter, QPen
from PySide6.QtWidgets import (
    QAbstractItemView,
    QButtonGroup,
    QCheckBox,
    QComboBox,
    QFormLayout,
    QGridLayout,
    QHeaderView,
    QLabel,
    QRadioButton,
    QStyle,
    QStyledItemDelegate,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from viewer.core.actions import SPECIFIC_TENSION_N_PER_CM2
from viewer.core.motions import MOTIONS
from viewer.core.tolerances import tol
from viewer.qt.binding import StateBinding, follow_pose
from viewer.render import palette
from viewer.state.mechanics import current_result


def count_phrase(n: int, verb: str) -> str:
    """``"1 muscle produces it"``, ``"3 muscles produce it"``, ``"none opposes it"``."""
    if n == 0:
        return f"none {verb}s it"
    return f"{n} muscle {verb}s it" if n == 1 else f"{n} muscles {verb} it"


ROLE_WORDS = {"produces": "produces", "opposes": "opposes", "negligible": "negligible"}
COL_RANK, COL_NAME, COL_BAR, COL_VALUE = range(4)
#: While the pose keeps changing (a drag, an animation) the list is redrawn at most this often
#: (ms): ten updates a second read as live, and every skipped repaint is a faster 3D frame.
LIVE_REFRESH_MS = 100
VALUE_ROLE = Qt.ItemDataRole.UserRole
ROLE_ROLE = Qt.ItemDataRole.UserRole + 1


def nice_ceiling(value: float) -> float:
    """The next of 10, 20, 50, 100, 200 ... at or above ``value`` (bar scales change rarely)."""
    value = max(float(value), tol.divisor)
    exponent = math.floor(math.log10(value))
    for m in (1, 2, 5, 10):
        if m * 10**exponent >= value - tol.divisor:
            return float(m * 10**exponent)
    return float(10 ** (exponent + 1))


def motion_title(name: str) -> str:
    return name.replace("_", " ").capitalize()


class RankingModel(QAbstractTableModel):
    """Ranked rows of one motion at one pose (:class:`viewer.core.actions.ActionRow`)."""

    HEADERS = ("#", "Muscle", "Action", "Value")

    def __init__(self, model, parent=None):
        super().__init__(parent)
        self.model = model
        self.rows: list = []
        self.unit = "mm"
        self.scale = 40.0

    def rowCount(self, parent=QModelIndex()) -> int:  # noqa: N802 - Qt override
        return 0 if parent.isValid() else len(self.rows)

    def columnCount(self, parent=QModelIndex()) -> int:  # noqa: N802 - Qt override
        return 0 if parent.isValid() else 4

    def headerData(self, section, orientation, role=Qt.ItemDataRole.DisplayRole):  # noqa: N802
        if role == Qt.ItemDataRole.DisplayRole and orientation == Qt.Orientation.Horizontal:
            return self.HEADERS[section]
        return None

    def value_of(self, row) -> float:
        return row.torque_potential_nm if self.unit == "N·m" else row.moment_arm_mm

    def published(self, row) -> list:
        """Published figures for a row's muscle, motion and pose (see :mod:`viewer.core.provenance`)."""
        from viewer.core.motions import MOTIONS

        table = getattr(self.model, "published", None)
        return table.lookup(row.muscle, MOTIONS[row.motion], row.pose_deg) if table is not None else []

    def data(self, index: QModelIndex, role=Qt.ItemDataRole.DisplayRole):
        if not index.isValid():
            return None
        row = self.rows[index.row()]
        col = index.column()
        value = self.value_of(row)
        if role == Qt.ItemDataRole.DisplayRole:
            if col == COL_RANK:
                return str(row.rank)
            if col == COL_NAME:
                name = self.model.display_name(row.muscle)
                if self.published(row):
                    name += " ◆"  # a published value exists: shown in the tooltip
                return ("   " + name) if row.level == "compartment" else name
            if col == COL_VALUE:
                return f"{value:+.1f} {self.unit}"
            return None
        if role == VALUE_ROLE:
            return value
        if role == ROLE_ROLE:
            return row.role
        if role == Qt.ItemDataRole.ToolTipRole:
            text = (f"{self.model.display_name(row.muscle)} {ROLE_WORDS[row.role]} {row.motion.replace('_', ' ')}\n"
                    f"moment arm {row.moment_arm_mm:+.1f} mm, torque potential {row.torque_potential_nm:+.1f} N·m\n"
                    f"(PCSA {row.pcsa_cm2:g} cm² × {SPECIFIC_TENSION_N_PER_CM2:g} N/cm²)\n"
                    f"{self.model.model_source(row.muscle)}")
            for pub in self.published(row):
                text += f"\npublished: {pub.value_text()} ({pub.short_citation()}; {pub.note})"
            return text
        if role == Qt.ItemDataRole.TextAlignmentRole and col in (COL_RANK, COL_VALUE):
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        if role == Qt.ItemDataRole.FontRole and row.level == "compartment":
            from PySide6.QtGui import QFont

            font = QFont()
            font.setItalic(True)
            return font
        if role == Qt.ItemDataRole.AccessibleTextRole:
            return f"{self.model.display_name(row.muscle)}: {ROLE_WORDS[row.role]}, {value:+.1f} {self.unit}"
        return None

    def set_rows(self, rows: list, unit: str) -> None:
        same_order = [r.muscle for r in rows] == [r.muscle for r in self.rows] and unit == self.unit
        self.unit = unit
        values = [abs(self.value_of(r)) for r in rows] or [1.0]
        self.scale = nice_ceiling(max(max(values), 10.0))
        if same_order:
            # Same rows in the same order: repaint values only (keeps the view's selection).
            self.rows = rows
            if rows:
                self.dataChanged.emit(self.index(0, 0), self.index(len(rows) - 1, 3))
        else:
            self.beginResetModel()
            self.rows = rows
            self.endResetModel()


class SignedBarDelegate(QStyledItemDelegate):
    """Draws a value as a bar left (negative) or right (positive) of a centre line."""

    def __init__(self, ranking: RankingModel, parent=None):
        super().__init__(parent)
        self.ranking = ranking

    def paint(self, painter: QPainter, option, index: QModelIndex) -> None:
        if option.state & QStyle.StateFlag.State_Selected:
            painter.fillRect(option.rect, option.palette.highlight())
        value = index.data(VALUE_ROLE)
        role = index.data(ROLE_ROLE)
        if value is None:
            return
        rect = QRectF(option.rect.adjusted(4, 4, -4, -4))
        centre = rect.center().x()
        half = rect.width() / 2.0
        length = max(-1.0, min(1.0, value / self.ranking.scale)) * half
        painter.save()
        painter.setRenderHint(QPainter.RenderHint.Antialiasing, False)
        colour = QColor(palette.ROLE_COLOURS[role])
        painter.setPen(Qt.PenStyle.NoPen)
        painter.setBrush(QBrush(colour))
        bar = QRectF(min(centre, centre + length), rect.top(), abs(length), rect.height())
        painter.drawRect(bar)
        painter.setPen(QPen(option.palette.text().color(), 1))
        painter.drawLine(int(centre), option.rect.top() + 2, int(centre), option.rect.bottom() - 2)
        painter.restore()


class ActionsPanel(QWidget):
    """Motion chooser, colour measure, legend and the live ranked list."""

    def __init__(self, model, state, parent: QWidget | None = None):
        super().__init__(parent)
        self.model = model
        self.state = state
        self._syncing = False

        self.motion_combo = QComboBox(self)
        self.motion_combo.addItem("None (anatomical colours)", None)
        for name in MOTIONS:
            self.motion_combo.addItem(motion_title(name), name)
        # Beside its label in a 245-pixel dock: the box may be narrower than its longest item.
        self.motion_combo.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
        self.motion_combo.setMinimumContentsLength(12)
        self.motion_combo.setAccessibleName("Motion")
        self.motion_combo.setToolTip("Colour every muscle by what it does for this motion at the current pose")
        self.motion_combo.currentIndexChanged.connect(self._on_motion_combo)

        self.by_moment_arm = QRadioButton("Moment arm", self)
        self.by_torque = QRadioButton("Torque", self)
        self.by_stretch = QRadioButton("Stretch (%)", self)
        self.by_stretch.setToolTip("Length change of every muscle from the neutral pose: purple shortened, "
                                   "orange lengthened (no motion needed)")
        self.by_torque.setToolTip(f"Torque potential (N·m): moment arm × PCSA × {SPECIFIC_TENSION_N_PER_CM2:g} N/cm² (Arnold et al. 2010)")
        self.by_moment_arm.setToolTip("Moment arm (mm): tendon excursion, r = −dL/dθ")
        group = QButtonGroup(self)
        group.addButton(self.by_moment_arm)
        group.addButton(self.by_torque)
        group.addButton(self.by_stretch)
        for button, value in ((self.by_moment_arm, "moment_arm"), (self.by_torque, "torque"), (self.by_stretch, "stretch")):
            button.toggled.connect(lambda checked, value=value: self._on_colour_by(value, checked))
        self._colour_group = group

        self.mechanics_box = QCheckBox("Line of action and axis", self)
        self.mechanics_box.setToolTip("For the selected muscle: its line of action (blue), the joint axis "
                                      "(yellow) and the moment arm between them (white)")
        self.mechanics_box.toggled.connect(self.state.set_show_mechanics)
        self.compartments_box = QCheckBox("Show compartments", self)
        self.compartments_box.setToolTip("Also list the parts of muscles that have them (e.g. gluteus medius)")
        self.compartments_box.toggled.connect(lambda _: self.refresh())


        self.ranking = RankingModel(model, self)
        self.table = QTableView(self)
        self.table.setModel(self.ranking)
        self.table.setItemDelegateForColumn(COL_BAR, SignedBarDelegate(self.ranking, self.table))
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.verticalHeader().setVisible(False)
        self.table.verticalHeader().setDefaultSectionSize(self.fontMetrics().height() + 8)
        self.table.setShowGrid(False)
        self.table.setAlternatingRowColors(True)
        self.table.setAccessibleName("Muscles ranked for the motion")
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(COL_RANK, QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(COL_NAME, QHeaderView.ResizeMode.Stretch)
        header.setSectionResizeMode(COL_BAR, QHeaderView.ResizeMode.Fixed)
        header.resizeSection(COL_BAR, 64)  # the name column keeps the room in a 245-pixel dock
        header.setSectionResizeMode(COL_VALUE, QHeaderView.ResizeMode.ResizeToContents)
        self.table.clicked.connect(self._on_row_activated)
        self.table.activated.connect(self._on_row_activated)

        self.summary = QLabel(self)
        self.summary.setWordWrap(True)

        form = QFormLayout()
        form.setRowWrapPolicy(QFormLayout.RowWrapPolicy.DontWrapRows)
        form.addRow("&Motion:", self.motion_combo)
        # The measure's choices two per row under their label: the panel keeps its height for the
        # ranked list. The role colours are explained by the legend in the 3D view and the bars.
        measure = QGridLayout()
        measure.addWidget(QLabel("Colour by:", self), 0, 0, 1, 2)
        measure.addWidget(self.by_moment_arm, 1, 0)
        measure.addWidget(self.by_torque, 1, 1)
        measure.addWidget(self.by_stretch, 2, 0)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(6, 6, 6, 6)
        layout.addLayout(form)
        layout.addLayout(measure)
        layout.addWidget(self.summary)
        layout.addWidget(self.table, 1)
        options = QVBoxLayout()
        options.addWidget(self.mechanics_box)
        options.addWidget(self.compartments_box)
        layout.addLayout(options)

        self._refresh_timer = QTimer(self)
        self._refresh_timer.setObjectName("actions_refresh")
        self._refresh_timer.setSingleShot(True)
        self._refresh_timer.setInterval(LIVE_REFRESH_MS)
        self._refresh_timer.timeout.connect(self.refresh)
        self._binding = StateBinding()
        self._binding.connect(state.pose_changed, self._on_pose)
        for signal in (state.motion_changed, state.colour_by_changed):
            self._binding.connect(signal, self._on_state)
        self._binding.connect(state.show_mechanics_changed, self._on_mechanics)
        self._binding.connect(state.selection_changed, self._on_selection)
        self._on_state()
        self._on_mechanics(state.show_mechanics)

    # -- input -> state -------------------------------------------------------------------
    def _on_motion_combo(self, index: int) -> None:
        if not self._syncing:
            self.state.set_motion(self.motion_combo.itemData(index))

    def _on_colour_by(self, value: str, checked: bool = True) -> None:
        if checked and not self._syncing:
            self.state.set_colour_by(value)

    def _on_row_activated(self, index: QModelIndex) -> None:
        if index.isValid():
            self.state.select(self.ranking.rows[index.row()].muscle)

    # -- state -> widgets -------------------------------------------------------------------
    def _on_pose(self, *args) -> None:
        follow_pose(self, self._refresh_timer)

    def _on_state(self, *args) -> None:
        self._syncing = True
        try:
            motion = self.state.motion
            name = motion.name if motion is not None else None
            index = self.motion_combo.findData(name)
            if index != self.motion_combo.currentIndex():
                self.motion_combo.setCurrentIndex(index)
            {"torque": self.by_torque, "stretch": self.by_stretch}.get(self.state.colour_by,
                                                                        self.by_moment_arm).setChecked(True)
        finally:
            self._syncing = False
        self.refresh()

    def refresh(self) -> None:
        """Recompute the ranked list for the state's motion and pose."""
        self._refresh_timer.stop()
        motion = self.state.motion
        if motion is None:
            self.ranking.set_rows([], "mm")
            self.summary.setText("Choose a motion to colour every muscle by what it does for it.")
            return
        by_torque = self.state.colour_by == "torque"
        rows = current_result(self.state, self.model.actions).table(
            motion, "torque" if by_torque else "moment_arm", self.compartments_box.isChecked())
        self.ranking.set_rows(rows, "N·m" if by_torque else "mm")
        muscles = [r for r in rows if r.level == "muscle"]
        n_prod = sum(r.role == "produces" for r in muscles)
        n_opp = sum(r.role == "opposes" for r in muscles)
        self.summary.setText(f"<b>{motion_title(motion.name)}</b> here: {count_phrase(n_prod, 'produce')}, "
                             f"{count_phrase(n_opp, 'oppose')} <i>(computed by the model; ◆ published)</i>")
        self._on_selection(self.state.selection)

    def rows(self) -> list:
        """The rows for the current pose (:class:`viewer.core.actions.ActionRow`), in rank order."""
        if self._refresh_timer.isActive():
            self.refresh()
        return list(self.ranking.rows)

    def producers(self) -> list[str]:
        return [r.muscle for r in self.rows() if r.role == "produces"]

    def _on_mechanics(self, on: bool) -> None:
        self.mechanics_box.blockSignals(True)
        self.mechanics_box.setChecked(bool(on))
        self.mechanics_box.blockSignals(False)

    def _on_selection(self, some_id) -> None:
        ids = [r.muscle for r in self.ranking.rows]
        selection = self.table.selectionModel()
        if some_id in ids:
            row = ids.index(some_id)
            if selection.currentIndex().row() != row or not selection.hasSelection():
                self.table.selectRow(row)
        else:
            selection.clearSelection()

    def close_panel(self) -> None:
        self._refresh_timer.stop()
        self._binding.disconnect_all()
