"""Playing lessons on a session state, without Qt or rendering."""

from __future__ import annotations

import numpy as np
import pytest

from tests.lessons.conftest import BUILTIN_NAMES
from viewer.lessons import Camera, LessonPlayer, find_lesson, load_lesson, step_poses
from viewer.state import state_for_model


def snapshot(state) -> dict:
    """Everything a step sets on the state, comparable with ==."""
    return {
        "visible": state.visibility(), "opacity": {leaf: state.opacity(leaf) for leaf in state.all_leaves},
        "pose": tuple(np.round(state.pose, 9)), "motion": state.motion, "colour_by": state.colour_by,
        "highlight": state.highlight, "selection": state.selection, "ghost": state.ghost,
        "mechanics": state.show_mechanics, "caption": state.caption,
    }


@pytest.fixture(scope="module")
def lessons(hip_model):
    return {name: load_lesson(find_lesson(name, hip_model.data_dir), hip_model) for name in BUILTIN_NAMES}


@pytest.mark.parametrize("name", BUILTIN_NAMES)
def test_builtin_lesson_plays_to_the_end(hip_model, lessons, name):
    lesson = lessons[name]
    state = state_for_model(hip_model)
    player = LessonPlayer(lesson, state)
    seen = [index for index, _ in player.play_through()]
    assert sorted(set(seen)) == list(range(len(lesson.steps)))
    assert player.at_end
    final = lesson.steps[-1].state
    assert np.allclose(state.pose, final.pose_deg)
    assert state.visibility() == dict(final.visible)


@pytest.mark.parametrize("name", BUILTIN_NAMES)
def test_going_back_restores_exactly(hip_model, lessons, name):
    lesson = lessons[name]
    fresh = []
    for i in range(len(lesson.steps)):
        state = state_for_model(hip_model)
        LessonPlayer(lesson, state).go_to(i)
        fresh.append(snapshot(state))
    state = state_for_model(hip_model)
    player = LessonPlayer(lesson, state)
    for _ in player.play_through():
        pass
    for i in reversed(range(len(lesson.steps) - 1)):
        player.previous()
        assert player.index == i
        assert snapshot(state) == fresh[i], f"step {i + 1} differs after stepping back"


def test_every_builtin_lesson_animates_and_colours(lessons):
    """The lessons that promise an animation and motion colouring have them."""
    er = lessons["external_rotation"]
    assert any(s.animated for s in er.steps)
    assert any(s.state.motion == "external_rotation" for s in er.steps)
    assert any(s.state.colour_by == "torque" for s in er.steps)
    pca = lessons["position_changes_action"]
    flexions = {round(s.state.pose_deg[0]) for s in pca.steps}
    assert {0, 90} <= flexions
    der = lessons["deep_external_rotators"]
    selected = [s.state.selection for s in der.steps if s.state.selection]
    assert selected[:6] == ["piriformis", "gemellus_superior", "obturator_internus", "gemellus_inferior",
                            "obturator_externus", "quadratus_femoris"]
    assert "sciatic_nerve" in selected


def test_animated_step_yields_poses_from_start_to_end(hip_model, write_lesson):
    lesson = load_lesson(write_lesson("""\
        title: T
        steps:
          - caption: start
            pose: {flexion: 10}
          - caption: rotate
            pose: {external_rotation: 40}
            duration_s: 2
        """), hip_model)
    step = lesson.steps[1]
    assert step.animated and step.start_pose_deg == (10.0, 0.0, 0.0)
    state = state_for_model(hip_model)
    player = LessonPlayer(lesson, state)
    player.go_to(0)
    poses = player.go_to(1, animate=True, fps=10)
    assert poses.shape == (20, 3)
    assert np.allclose(state.pose, [10, 0, 0])  # the animation starts from the previous pose
    assert np.allclose(poses[-1], [10, 0, 40])
    assert np.all(np.diff(poses[:, 2]) > 0)  # monotonic, eased
    assert np.allclose(poses[:, 0], 10)  # the other coordinates keep their values
    assert len(step_poses(lesson.steps[0])) == 0
    # Without animate the step lands on its final state at once.
    assert len(player.go_to(1)) == 0 and np.allclose(state.pose, [10, 0, 40])


def test_steps_are_cumulative_and_reset_returns_to_the_base(hip_model, write_lesson):
    lesson = load_lesson(write_lesson("""\
        title: T
        steps:
          - caption: one
            hide: gluteals
            motion: external_rotation
            select: piriformis
            zoom: 2
            focus: deep_external_rotators
          - caption: two
            pose: flexion_90
          - caption: three
            reset: true
        """), hip_model)
    one, two, three = (s.state for s in lesson.steps)
    assert not any(two.visible[leaf] for leaf in hip_model.leaves("gluteus_maximus"))
    assert two.motion == "external_rotation" and two.selection == "piriformis"
    assert two.camera == Camera("posterolateral", 2.0, one.camera.focus) and one.camera.focus
    assert two.pose_deg == (90.0, 0.0, 0.0)
    assert all(three.visible[leaf] for leaf in hip_model.leaves("gluteus_maximus"))
    assert three.motion is None and three.selection is None and three.camera == Camera()
    assert three.pose_deg == (0.0, 0.0, 0.0)
    assert lesson.steps[2].start_pose_deg == (90.0, 0.0, 0.0)


def test_player_requests_the_camera(hip_model, lessons):
    state = state_for_model(hip_model)
    player = LessonPlayer(lessons["deep_external_rotators"], state)
    views, cameras = [], []
    state.view_requested.connect(views.append)
    player.camera_requested.connect(cameras.append)
    player.go_to(3)
    assert views == ["posterior"]
    assert cameras[-1].view == "posterior" and cameras[-1].focus
    assert "Piriformis" in state.caption


def test_caption_goes_to_the_state_wrapped_or_not_at_all(hip_model, lessons):
    state = state_for_model(hip_model)
    LessonPlayer(lessons["external_rotation"], state, caption_wrap=40).go_to(1)
    assert state.caption and all(len(line) <= 40 for line in state.caption.split("\n"))
    assert "<b>" not in state.caption
    other = state_for_model(hip_model)
    LessonPlayer(lessons["external_rotation"], other, show_caption=False).go_to(1)
    assert other.caption == ""
    unwrapped = state_for_model(hip_model)
    LessonPlayer(lessons["external_rotation"], unwrapped).go_to(1)
    assert unwrapped.caption == lessons["external_rotation"].steps[1].plain_caption


def test_out_of_range_step_index(hip_model, lessons):
    player = LessonPlayer(lessons["external_rotation"], state_for_model(hip_model))
    with pytest.raises(IndexError, match="does not exist"):
        player.go_to(99)
