"""The screenshot dialog: a slide-ready PNG of the 3D view at a chosen size.

The image is rendered off screen by the same scene code as the window, from the same session
state and camera, so it shows exactly what is on screen, at any size, without window widgets;
the legend, name label and caption can be left out and the background made transparent.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtWidgets import (
    QCheckBox,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QLineEdit,
    QPushButton,
    QSpinBox,
    QWidget,
)

from viewer.core.errors import DataError
from viewer.qt.safe_text import warning
from viewer.render.still import render_still

SIZE_PRESETS = ((1920, 1080), (1280, 800), (3840, 2160))


def save_screenshot(scene, path, size: tuple[int, int], *, transparent: bool = False, overlays: bool = True) -> Path:
    """Render ``scene``'s state and camera off screen at ``size`` and write a PNG to ``path``."""
    from viewer.render.offscreen import save_png

    image = render_still(scene.model, scene.state, size, camera=scene.camera_state(), theme=scene.theme,
                         transparent=transparent, overlays=overlays, font_scale=scene.font_scale)
    return save_png(image, path)


class ScreenshotDialog(QDialog):
    """Size, background and file for one screenshot."""

    def __init__(self, scene, default_dir: str | Path | None = None, parent: QWidget | None = None):
        super().__init__(parent)
        self.setWindowTitle("Save screenshot")
        self.scene = scene
        self.width_box = QSpinBox(self)
        self.height_box = QSpinBox(self)
        for box in (self.width_box, self.height_box):
            box.setRange(16, 8192)
            box.setSuffix(" px")
        self.width_box.setValue(1920)
        self.height_box.setValue(1080)
        self.width_box.setAccessibleName("Image width in pixels")
        self.height_box.setAccessibleName("Image height in pixels")
        presets = QHBoxLayout()
        for w, h in SIZE_PRESETS:
            button = QPushButton(f"{w}×{h}", self)
            button.setAutoDefault(False)
            button.clicked.connect(lambda _=False, w=w, h=h: self._set_size(w, h))
            presets.addWidget(button)
        size = QHBoxLayout()
        size.addWidget(self.width_box)
        size.addWidget(self.height_box)
        self.transparent_box = QCheckBox("&Transparent background", self)
        self.overlays_box = QCheckBox("Include &legend, name label and caption", self)
        self.overlays_box.setChecked(True)
        folder = Path(default_dir) if default_dir else Path.home()
        self.path_edit = QLineEdit(str(folder / "hip.png"), self)
        self.path_edit.setAccessibleName("File name")
        browse = QPushButton("&Browse…", self)
        browse.setAutoDefault(False)
        browse.clicked.connect(self._browse)
        path = QHBoxLayout()
        path.addWidget(self.path_edit, 1)
        path.addWidget(browse)
        form = QFormLayout(self)
        form.addRow("Si&ze:", size)  # Alt+S belongs to the Save button
        form.labelForField(size).setBuddy(self.width_box)
        form.addRow("", presets)
        form.addRow("", self.transparent_box)
        form.addRow("", self.overlays_box)
        form.addRow("&File:", path)
        form.labelForField(path).setBuddy(self.path_edit)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Save | QDialogButtonBox.StandardButton.Cancel, self)
        buttons.accepted.connect(self.save)
        buttons.rejected.connect(self.reject)
        form.addRow(buttons)
        self.saved_path: Path | None = None

    def _set_size(self, w: int, h: int) -> None:
        self.width_box.setValue(w)
        self.height_box.setValue(h)

    def _browse(self) -> None:
        path, _ = QFileDialog.getSaveFileName(self, "Save screenshot", self.path_edit.text(), "PNG image (*.png)")
        if path:
            self.path_edit.setText(path if path.lower().endswith(".png") else path + ".png")

    def save(self) -> None:
        """Render and write the PNG; on a bad path or size, say so and stay open."""
        try:
            self.saved_path = save_screenshot(self.scene, self.path_edit.text(),
                                              (self.width_box.value(), self.height_box.value()),
                                              transparent=self.transparent_box.isChecked(),
                                              overlays=self.overlays_box.isChecked())
        except DataError as exc:
            warning(self, "Screenshot not saved", exc.message)
            return
        self.accept()
