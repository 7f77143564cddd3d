"""A scripted soak: hundreds of random interactions, as a restless class would make, in one window.

It checks that no interaction raises (pytest-qt fails the test on an exception in any Qt
callback), that the scene still matches the state afterwards, and that the window still
answers: a timer fires and a frame renders promptly.
"""

from __future__ import annotations

import random

import numpy as np
from PySide6.QtCore import QPoint, Qt, QTimer

from tests.qt.conftest import wait_frame

INTERACTIONS = 520
SEED = 20240611


def _actions(window, rng: random.Random):
    state, layers, pose, actions, demo, plot = (window.state, window.layers_panel, window.pose_panel,
                                                window.actions_panel, window.demo_panel, window.plot_panel)
    structures = list(state.leaves)
    rows = list(layers._items)
    interactor = window.viewport.interactor
    na = window.named_actions

    def slider():
        s = rng.choice(pose.sliders)
        s.setValue(rng.randint(s.minimum(), s.maximum()))

    def drag():
        s = rng.choice(pose.sliders)
        s.setSliderDown(True)
        for _ in range(4):
            s.setSliderPosition(rng.randint(s.minimum(), s.maximum()))
        s.setSliderDown(False)

    def spin():
        s = rng.choice(pose.spins)
        s.setValue(rng.uniform(s.minimum(), s.maximum()))

    def preset():
        rng.choice(list(pose.preset_buttons.values())).click()

    def check_row():
        item = layers.item_for(rng.choice(rows))
        item.setCheckState(0, Qt.CheckState.Unchecked if item.checkState(0) == Qt.CheckState.Checked
                           else Qt.CheckState.Checked)

    def opacity():
        layers.slider_for(rng.choice(rows)).setValue(rng.choice([0, 15, 50, 100, 100]))

    def isolate():
        if state.isolated is None:
            state.select(rng.choice(structures))
        na["isolate"].trigger()

    def click():
        w, h = interactor.width(), interactor.height()
        modifiers = Qt.KeyboardModifier.AltModifier if rng.random() < 0.15 else Qt.KeyboardModifier.NoModifier
        window.viewport.click_at(QPoint(rng.randrange(w), rng.randrange(h)), modifiers)

    def select():
        state.select(rng.choice(structures + [None]))

    def motion():
        actions.motion_combo.setCurrentIndex(rng.randrange(actions.motion_combo.count()))

    def measure():
        (actions.by_torque if rng.random() < 0.5 else actions.by_moment_arm).setChecked(True)

    def toggles():
        if rng.random() < 0.75:
            rng.choice([na["ghost"], na["mechanics"], na["loop"], na["colour_by_torque"]]).trigger()
        else:
            actions.compartments_box.toggle()

    def playback():
        choice = rng.random()
        if choice < 0.4:
            demo.toggle()
        elif choice < 0.6:
            demo.speed_slider.setValue(rng.randint(5, 120))
        elif choice < 0.75:
            demo.motion_combo.setCurrentIndex(rng.randrange(demo.motion_combo.count()))
        elif choice < 0.85:
            na["demo_er"].trigger()
        elif choice < 0.95:
            na["demo_er_90"].trigger()
        else:
            na["stop"].trigger()

    def camera():
        choice = rng.random()
        if choice < 0.6:
            rng.choice([a for name, a in na.items() if name.startswith("view_")]).trigger()
        elif choice < 0.8:
            window.viewport.turn(rng.uniform(-40, 40), rng.uniform(-20, 20))
        else:
            na["reset_view"].trigger()

    def search():
        layers.search.setText(rng.choice(["", "glut", "pyriformis", "gem", "zzz", ""]))

    def plotting():
        choice = rng.random()
        if choice < 0.3:
            window.show_panel(rng.choice(["plot", "info", "actions"]))
        elif choice < 0.5:
            plot.tabs.setCurrentIndex(rng.randrange(2))
        elif choice < 0.7:
            action = plot.compare_action(rng.choice(list(plot._compare_actions)))
            action.setChecked(not action.isChecked())
        else:
            state.set_pose(np.array([rng.uniform(-20, 120), rng.uniform(-30, 45), rng.uniform(-40, 50)]))

    def theme():
        window.set_theme(rng.choice(["dark", "light", "white", "black"]))

    def docks():
        rng.choice(list(window.docks.values())).toggleViewAction().trigger()

    weighted = [(slider, 10), (drag, 4), (spin, 4), (preset, 4), (check_row, 8), (opacity, 5), (isolate, 4),
                (click, 8), (select, 6), (motion, 6), (measure, 3), (toggles, 5), (playback, 6), (camera, 6),
                (search, 3), (plotting, 5), (theme, 1), (docks, 2)]
    return [fn for fn, weight in weighted for _ in range(weight)]


def test_random_interactions_leave_a_responsive_window(window, qtbot):
    from PySide6.QtWidgets import QApplication

    rng = random.Random(SEED)
    pool = _actions(window, rng)
    app = QApplication.instance()
    for i in range(INTERACTIONS):
        rng.choice(pool)()
        if i % 2 == 0:
            app.processEvents()  # let frames render and timers (animation, plot) run in between
    window.playback.pause()
    if window.state.isolated is not None:
        window.state.toggle_isolate(window.state.isolated)

    # The scene still matches the state.
    visibility = window.state.visibility()
    # A selected structure is drawn even when its layer is hidden (what covers it is ghosted).
    selected = set(window.state.leaf_ids(window.state.selection)) if window.state.selection else set()
    for leaf, actor in window.scene.actors.items():
        expected = (visibility[leaf] or leaf in selected) and window.scene.actors[leaf].GetProperty().GetOpacity() > 0
        assert bool(actor.GetVisibility()) == expected
    np.testing.assert_allclose(window.pose_panel.spins[0].value(), window.state.pose[0], atol=0.051)  # 1 decimal

    # Still responsive: a timer fires, a frame renders, a click selects.
    fired = []
    QTimer.singleShot(10, lambda: fired.append(True))
    qtbot.waitUntil(lambda: fired == [True], timeout=1000)
    wait_frame(qtbot, window, timeout=2000)
    window.state.show_all()
    window.state.select(None)
    assert window.isVisible()
