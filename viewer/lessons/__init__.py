"""Lessons: scripted sequences of camera, layers, pose, colouring, highlights and captions.

A teacher writes a lesson as a small YAML file; the viewer validates it against the model,
plays it step by step (the Qt lesson panel) and exports it as images (``hip-viewer lesson NAME
--export DIR``). Nothing here imports Qt or VTK.

Where lessons live
------------------
Built-in lessons are ``annotations/lessons/*.yaml``: they are data about the anatomy, written
and reviewed like the annotations, and the annotation loader reads only the top level of
``annotations/`` so the subfolder does not disturb it. ``hip-viewer lesson NAME`` looks for
``NAME.yaml`` (or a lesson whose title is NAME) in the data folder's ``annotations/lessons/``,
then among the built-in lessons; a path to any ``.yaml`` file works too.

The format
----------
::

    title: External rotation                 # required
    description: Who turns the thigh outward?  # optional, plain text
    steps:                                   # required, 1 to 200 steps
      - caption: The hip from behind, <b>neutral</b> pose.   # required in every step
        view: posterior
        zoom: 1.8
        focus: deep_external_rotators
        hide: gluteals
      - caption: Rotating the thigh outward to 40°...
        pose: {external_rotation: 40}
        duration_s: 3
        motion: external_rotation

Steps are **cumulative**: step 1 starts from the model's defaults (the annotations' display
settings, neutral pose, posterolateral view, zoom 1, no motion colouring, nothing highlighted or
selected, ghost and mechanics off) and every later step starts from the one before it, changing
only the fields it names. ``reset: true`` starts a step from the defaults instead. So each step's
picture is fixed by the file alone: going back restores exactly what the step showed.

Step fields (ids may name a structure ``piriformis``, a compartment ``gluteus_medius.anterior``
or, where marked *(groups)*, a layer group ``gluteals``):

``caption`` (required)
    Short rich text: ``<b>``, ``<i>``, ``<br>`` and the entities ``&amp; &lt; &gt;``; at most
    600 characters. The panel shows it as rich text; images and ``.txt`` exports as plain text.
``reset``
    ``true``: start this step from the defaults rather than the previous step.
``view``, ``zoom``, ``focus``
    Camera: a named view (anterior, posterior, lateral, medial, superior, inferior,
    posterolateral, anterolateral), a zoom factor 0.1..10, and ids *(groups)* to frame (empty
    list or ``null``: frame everything visible). Each carries over on its own.
``only``, ``hide``, ``show``
    Ids or lists of ids *(groups)*, applied in that order: ``only`` hides everything else.
``opacity``
    Mapping of id *(groups)* to opacity 0..1.
``pose``
    Angles in degrees, ``{flexion: 90, external_rotation: 20}`` (aliases such as
    ``extension``, ``adduction``, ``internal_rotation`` mean the negated coordinate; coordinates
    not named keep their previous value), the same as text ``"flexion=90,external_rotation=20"``,
    or a preset name (``neutral``, ``flexion_90``, ``sitting``, ...). Checked against the range
    of motion.
``duration_s``
    Animate this step's pose change over this many seconds (0..60) instead of jumping; needs
    ``pose`` in the same step. Exports show the final pose.
``motion``, ``colour_by``
    Colour muscles by their role for a motion (``external_rotation``, ... or ``none``), with
    intensity by ``moment_arm`` or ``torque``; or ``colour_by: stretch``: every muscle by its
    length change from the neutral pose (purple shortened, orange lengthened).
``knee_flexion``
    Knee flexion shown with the pose, 0..120 deg (display only).
``released``
    Muscles detached as in the posterior approach (``[]`` repairs them): drawn retracted from
    their insertion and left out of the motion colouring.
``section``
    A cutting plane, ``axial:-50`` (Y in mm), ``coronal:X``, ``sagittal:Z`` or
    ``oblique:x,y,z;x,y,z;x,y,z``, or ``null``; the cut faces are capped and labelled.
``show_spaces``
    ``true``/``false``: draw the ischiofemoral space with its value and the published ranges.
``highlight``
    Ids *(groups)* drawn highlighted (``[]`` clears).
``select``
    One structure or compartment id (or ``null``): named in the view with its origin and
    insertion marked on the bones.
``callouts``, ``label_visible``
    Ids *(groups)* to name with a callout each (``[]`` clears); ``true``: a callout for every
    visible muscle. With a motion, each callout also gives the muscle's rank and moment arm.
``ghost``, ``show_mechanics``
    ``true``/``false``: make everything but the selection and highlights translucent; draw the
    selection's joint axis, line of action and moment arm (needs ``motion``).
``compare``
    A list of 2 or 4 poses (each in any of the forms of ``pose``) shown side by side for this step
    only, through one camera, each coloured for the step's motion (external rotation when none),
    with a table of the muscles that change role between them. The window splits its 3D view;
    exports write the comparison picture (the step's caption goes to its text file).

Errors name the file, the step (counted from 1, as in the panel and the exported
``step_NN.png``) and the field, e.g.
``annotations/lessons/x.yaml: steps[3].pose: flexion=150 deg is outside the joint's range ...``.
"""

from viewer.lessons.player import LessonPlayer, apply_step_state, step_poses
from viewer.lessons.rich_text import check_caption, plain_text
from viewer.lessons.schema import (
    LESSONS_SUBDIR,
    Camera,
    Lesson,
    Step,
    StepState,
    base_state,
    find_lesson,
    list_lessons,
    load_lesson,
)

__all__ = [
    "LESSONS_SUBDIR", "Camera", "Lesson", "LessonPlayer", "Step", "StepState", "apply_step_state",
    "base_state", "check_caption", "find_lesson", "list_lessons", "load_lesson", "plain_text", "step_poses",
]
