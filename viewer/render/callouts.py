"""Which structures the callouts name and what each says (the boxes are laid out by
:meth:`viewer.render.overlays.Overlays.place_callouts`)."""

from __future__ import annotations


def callout_items(scene) -> list[tuple[str, list[str]]]:
    """``(text, leaves)`` of every callout to draw: the named structures and, when asked,
    every visible muscle; under a motion each text adds the rank and the moment arm."""
    state = scene.state
    ids = list(state.callouts)
    if state.label_visible:
        muscles = [sid for sid in state.leaves if scene.model.catalogue[sid].kind == "muscle"]
        ids += [sid for sid in muscles if sid not in ids]
    ids = [sid for sid in ids if state.is_visible(sid)]
    ranks: dict[str, tuple[int, float]] = {}
    torque = state.colour_by == "torque"
    if state.motion is not None and ids:
        result = scene.mechanics()
        values = {}
        for sid in ids:
            try:
                values[sid] = result.of(sid, state.motion)[1 if torque else 0]
            except ValueError:  # not a muscle line (a bone, or the nerve)
                continue
        for rank, sid in enumerate(sorted(values, key=lambda k: -values[k]), start=1):
            ranks[sid] = (rank, values[sid])
    items = []
    for sid in ids:
        text = scene.model.display_name(sid)
        if sid in ranks:
            rank, r = ranks[sid]
            text += f"  #{rank}  {r:+.1f} N·m" if torque else f"  #{rank}  {r:+.0f} mm"
        items.append((text, [leaf for leaf in state.leaf_ids(sid) if leaf in scene.structures.actors]))
    return [(t, leaves) for t, leaves in items if leaves]
