"""Starting the desktop viewer: the Qt application, data loading and error reporting.

``hip-viewer`` (no subcommand) calls :func:`run_app`. A problem with the data (a missing
folder, a broken mesh or annotation) is reported as one clear message, in a dialog and on
stderr, never as a traceback. The handler that turns an error into a dialog is installed
before anything is read, and dialogs show their text as plain text.
"""

from __future__ import annotations

import gc
import os
import sys
import traceback

from viewer.core.errors import DataError

APP_TITLE = "Hip anatomy viewer"


def _has_display() -> bool:
    """Whether Qt can open a window here (X11, Wayland, or a non-Linux desktop)."""
    if not sys.platform.startswith("linux"):
        return True
    if os.environ.get("QT_QPA_PLATFORM", "").split(":")[0] in ("offscreen", "minimal", "vnc", "eglfs", "linuxfb"):
        return True
    return bool(os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY"))


def create_application(argv: list[str] | None = None):
    """The process's ``QApplication`` (created once), named so that settings find their place."""
    _import_libraries_before_qt()
    _one_blas_thread()
    from PySide6.QtWidgets import QApplication

    from viewer.qt.settings import APPLICATION, ORGANISATION

    app = QApplication.instance()
    if app is None:
        app = QApplication(list(argv) if argv is not None else sys.argv[:1])
    app.setOrganizationName(ORGANISATION)
    app.setApplicationName(APPLICATION)
    app.setApplicationDisplayName(APP_TITLE)
    app.setStyle("Fusion")  # same look, and a visible focus frame, on every platform
    return app


def report_error(message: str, parent=None, *, details: str | None = None) -> None:
    """Show a data or user error in a dialog (when there is an application) and on stderr."""
    print(f"hip-viewer: {' '.join(str(message).split())}", file=sys.stderr)
    from PySide6.QtWidgets import QApplication

    if QApplication.instance() is not None:
        from viewer.qt.safe_text import critical

        critical(parent, APP_TITLE, message, details=details)


def report_unexpected(exc: BaseException, parent=None) -> None:
    """An error that is not the data's: one line on stderr, the details in the dialog."""
    details = "".join(traceback.format_exception(type(exc), exc, exc.__traceback__))
    reason = " ".join(str(exc).split())[:300]
    report_error(f"Unexpected error ({type(exc).__name__}: {reason}). This is a bug; the details below "
                 "help to report it.", parent, details=details)


def _excepthook(exc_type, exc, tb) -> None:
    """Errors raised inside Qt callbacks: a DataError is a message; anything else is a bug report
    with its details in the dialog, never a traceback on the terminal."""
    if isinstance(exc, DataError):
        report_error(exc.message)
        return
    if isinstance(exc, KeyboardInterrupt):
        from PySide6.QtWidgets import QApplication

        app = QApplication.instance()
        if app is not None:
            app.quit()
        return
    report_unexpected(exc)


#: Collector thresholds while starting: a large, long-lived heap (libraries, the model) is being
#: built, and the default thresholds would walk it again and again.
STARTUP_GC_THRESHOLDS = (50000, 20, 100)


def _resume_gc(thresholds=None) -> None:
    if thresholds is not None:
        gc.set_threshold(*thresholds)
    gc.collect()
    # Everything alive now (libraries, the model, the window) lives as long as the app: keep
    # later collections, which run during dragging and animation, from walking it again.
    gc.freeze()


def _import_libraries_before_qt() -> None:
    """Import the numerical and 3D libraries before Qt when Qt is not loaded yet.

    Once PySide6 is imported it reads the source of every module imported after it (to
    look for its optional ``__feature__`` switches): importing NumPy, VTK and PyVista first
    saves about a tenth of the start-up. PyVista's import of ``matplotlib.pyplot`` is
    deferred to its first use (:mod:`viewer.qt.deferred`): the first frame does not need it.
    """
    if "PySide6" in sys.modules:
        return
    from viewer.qt.deferred import deferred

    with deferred("matplotlib.pyplot"):
        import pyvista.plotting  # noqa: F401 - VTK's rendering classes come with it

    import viewer.io.model  # noqa: F401
    import viewer.render.scene  # noqa: F401


def _one_blas_thread() -> None:
    """Let NumPy's BLAS use one thread in the window.

    The window's array work is small products (thousands of points by a 3x3 or 4x4 matrix:
    moving samples, projecting them for label placement): several BLAS threads only add
    hand-offs, and on a busy processor they wait for the renderer's threads (fifteen times
    slower, measured on a loaded two-core machine).
    """
    from threadpoolctl import threadpool_limits

    threadpool_limits(1, user_api="blas")


def open_main_window(data_dir=None, argv: list[str] | None = None, *, settings=None, restore: bool = True,
                     size: tuple[int, int] | None = None):
    """Create the application, load the data and show the main window; returns ``(app, window)``.

    The garbage collector runs rarely while the libraries, the model and the window are built:
    at its default pace it would walk the growing heap again and again (about 0.3 s of a 2.5 s
    start). The usual pace resumes once the first frame is on screen.

    Raises
    ------
    DataError
        When the data folder cannot be loaded.
    """
    thresholds = gc.get_threshold()
    gc.set_threshold(*STARTUP_GC_THRESHOLDS)
    try:
        app = create_application(argv)
        from viewer.io.model import load_model

        model = load_model(data_dir)
        from viewer.qt.main_window import MainWindow

        window = MainWindow(model, settings=settings, restore=restore)
        if size is not None:
            window.resize(*size)
        window.show()
    except BaseException:
        gc.set_threshold(*thresholds)
        raise
    from PySide6.QtCore import Qt

    # Once the first frame is on screen (queued: after everything else that frame triggers), so
    # that the full collection does not delay it.
    window.viewport.interactor.frameSwapped.connect(
        lambda: _resume_gc(thresholds),
        Qt.ConnectionType(Qt.ConnectionType.QueuedConnection.value | Qt.ConnectionType.SingleShotConnection.value))
    return app, window


def smoke_check(app, window) -> int:
    """Check an installation: the window is up and its 3D view renders the anatomy.

    Lets the window settle, grabs one polished frame of the 3D view and requires it to show
    something (not one flat colour). Prints one line and returns the exit code (0: fine).
    """
    for _ in range(10):
        app.processEvents()
    image = window.viewport.image()
    if image is None or image.size == 0:
        report_error("The 3D view rendered no image.")
        return 1
    rgb = image.reshape(-1, image.shape[-1])[:, :3].astype(float)
    if float(rgb.std(axis=0).max()) < 5.0:
        report_error("The 3D view rendered a blank image.")
        return 1
    print(f"hip-viewer: the viewer opened with {len(window.model.meshes)} meshes of "
          f"{len(window.model.annotations)} structures; its 3D view rendered {image.shape[1]}x{image.shape[0]} px")
    return 0


def run_app(data_dir=None, lesson=None, argv: list[str] | None = None, *, smoke: bool = False) -> int:
    """Open the viewer on a data folder and run until the window closes.

    Parameters
    ----------
    data_dir : path-like, optional
        Folder holding ``meshes/`` and ``annotations/``; the built-in data when None.
    lesson : viewer.lessons.schema.Lesson, optional
        A lesson to open in the lesson panel.
    smoke : bool
        Open the window, check that its 3D view renders (:func:`smoke_check`) and close again
        instead of running until the window closes.

    Returns
    -------
    int
        The process exit code: 0 after a normal close, 2 when the data cannot be loaded or no
        display is available.
    """
    if not _has_display():
        print("hip-viewer: no display to open a window on (DISPLAY is not set); run it on a desktop, "
              "under xvfb-run, or use 'hip-viewer render' for images without a window", file=sys.stderr)
        return 2
    previous_hook = sys.excepthook
    sys.excepthook = _excepthook  # before anything is read: every error becomes a dialog
    try:
        try:
            app, window = open_main_window(data_dir, argv)
        except DataError as exc:
            report_error(exc.message)
            return 2
        except MemoryError:
            report_error("Out of memory while loading the data.")
            return 2
        except Exception as exc:  # noqa: BLE001 - a dialog, never a traceback
            report_unexpected(exc)
            return 2
        try:
            if lesson is not None:
                try:
                    open_lesson(window, lesson)
                except DataError as exc:
                    report_error(exc.message, window)
            return smoke_check(app, window) if smoke else int(app.exec())
        finally:
            window.shutdown()
            window.deleteLater()
    finally:
        sys.excepthook = previous_hook


def _show_step_compare(window, panel, index: int) -> None:
    """A step with ``compare`` splits the 3D view at its poses; the others show the single view."""
    lesson = panel.lesson
    poses = lesson.steps[index].compare_poses if lesson is not None and 0 <= index < len(lesson) else ()
    if poses:
        window.set_compare(True, poses=poses)
    elif window.compare_view is not None and window.centre.currentWidget() is window.compare_view:
        window.set_compare(False)


def open_lesson(window, lesson) -> None:
    """Dock the lesson panel in ``window`` at the first step of ``lesson``.

    The panel drives the window's session state; the cameras its steps ask for are framed
    by :func:`viewer.render.camera.apply_camera` on the window's scene.
    """
    from viewer.qt.lesson_panel import LessonPanel
    from viewer.render.camera import apply_camera

    panel = LessonPanel(window.state, window.model)
    panel.camera_requested.connect(lambda camera: apply_camera(window.scene, camera))
    panel.step_changed.connect(lambda index: _show_step_compare(window, panel, index))
    window.add_lesson_panel(panel)
    panel.set_lesson(lesson)
