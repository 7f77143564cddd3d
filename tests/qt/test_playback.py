"""Animation: the Playback stepping (pure) and the QTimer that drives it in the window."""

from __future__ import annotations

import numpy as np
import pytest

from viewer.state import Playback, SessionState


def _bare_state():
    return SessionState({"femur": ["femur"]})


def test_playback_moves_in_the_motion_direction_and_bounces():
    state = _bare_state()
    playback = Playback(state, "internal_rotation", speed_deg_s=20, loop=True)
    playback.play()
    playback.advance(1.0)
    assert state.pose[2] == pytest.approx(-20)  # internal rotation is negative external rotation
    playback.advance(1.5)  # reaches -40 (the limit) after 1 s, then turns back for 0.5 s
    assert state.pose[2] == pytest.approx(-30)
    assert playback.playing


def test_playback_without_loop_goes_out_and_back_then_stops():
    state = _bare_state()
    playback = Playback(state, "flexion", speed_deg_s=60, loop=False)
    playback.play()
    steps = 0
    while playback.advance(0.1):
        steps += 1
        assert steps < 100
    assert state.pose[0] == pytest.approx(0.0)
    assert steps == pytest.approx(2 * 120 / 6, abs=1)


def test_paused_playback_does_not_move():
    state = _bare_state()
    playback = Playback(state, "abduction")
    assert not playback.advance(1.0)
    assert state.pose == pytest.approx([0, 0, 0])


def test_speed_is_clamped():
    playback = Playback(_bare_state())
    playback.set_speed(1000)
    assert playback.speed_deg_s == Playback.MAX_SPEED_DEG_S
    playback.set_speed(0)
    assert playback.speed_deg_s == Playback.MIN_SPEED_DEG_S


def test_animation_advances_over_time_and_stops_when_paused(window, qtbot):
    panel = window.demo_panel
    panel.motion_combo.setCurrentIndex(panel.motion_combo.findData("abduction"))
    panel.speed_slider.setValue(60)
    panel.play_button.click()
    assert window.playback.playing
    assert window.state.motion.name == "abduction"  # muscles recolour for the played motion
    qtbot.waitUntil(lambda: window.state.pose[1] > 5.0, timeout=3000)
    assert window.playback_timer.timer.isActive()
    frames = window.viewport.frames_rendered
    qtbot.waitUntil(lambda: window.viewport.frames_rendered > frames + 2, timeout=3000)
    assert "Abduction" in window.state.caption
    panel.play_button.click()
    assert not window.playback.playing
    assert not window.playback_timer.timer.isActive()
    paused = window.state.pose
    qtbot.wait(200)
    np.testing.assert_array_equal(window.state.pose, paused)


def test_demonstrate_external_rotation(window, qtbot):
    window.named_actions["demo_er"].trigger()
    state = window.state
    assert not state.is_visible("gluteus_maximus")
    assert state.is_visible("piriformis") and state.is_visible("quadratus_femoris")
    assert state.motion.name == "external_rotation"
    assert window.scene.last_view[0] == "posterior"
    assert window.playback.playing
    qtbot.waitUntil(lambda: abs(state.pose[2]) > 3.0, timeout=3000)
    assert state.pose[0] == pytest.approx(0.0)
    assert state.knee_flexion_deg == pytest.approx(90.0)  # the leg swings like a pointer
    assert not state.is_visible("hip_bone_left")
    window.named_actions["demo_er_90"].trigger()
    assert state.pose[0] == pytest.approx(90.0)
    assert state.selection == "piriformis"
    qtbot.waitUntil(lambda: "Piriformis" in state.caption, timeout=3000)
    window.named_actions["stop"].trigger()
    assert not window.playback.playing
    assert state.caption == ""
