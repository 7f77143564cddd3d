"""An annotation as sectioned rich text for the info panel (Qt's HTML subset).

Pure string building, no Qt import: the info panel shows the result in a ``QTextBrowser`` and
tests read it directly. Neighbours that are structures of the model become ``structure:<id>``
links, so a student can walk from one muscle to the next.
"""

from __future__ import annotations

from html import escape

from viewer.io.annotations import CLINICAL_OVERVIEW_TITLES

LINK_PREFIX = "structure:"


def _p(text: str) -> str:
    return f"<p>{escape(text)}</p>"


def _ul(items) -> str:
    return "<ul>" + "".join(f"<li>{item}</li>" for item in items) + "</ul>"


def _section(title: str, body: str, anchor: str) -> str:
    return f'<h3><a name="{anchor}"></a>{escape(title)}</h3>{body}' if body else ""


def _name_or_link(model, text: str) -> str:
    """A neighbour's name, linked when it is a structure id of the model."""
    if text in model.annotations:
        return f'<a href="{LINK_PREFIX}{escape(text)}">{escape(model.annotations[text].display_name)}</a>'
    return escape(text)


def _attachment(att) -> str:
    return _p(att.text)


def _muscle_sections(model, ann) -> list[tuple[str, str, str]]:
    roots = ", ".join(ann.innervation.roots)
    innervation = f"<p><b>{escape(ann.innervation.nerve)}</b> ({escape(roots)})</p>"
    if ann.innervation.notes:
        innervation += _p(ann.innervation.notes)
    actions = "<p><b>Primary:</b></p>" + _ul(escape(a) for a in ann.actions.primary)
    if ann.actions.secondary:
        actions += "<p><b>Secondary:</b></p>" + _ul(escape(a) for a in ann.actions.secondary)
    if ann.actions.position_dependence:
        actions += "<p><b>How the action depends on the hip's position:</b> " + escape(ann.actions.position_dependence) + "</p>"
    arch = ann.architecture
    ref = ann.reference(arch.source).citation if arch.source else ""
    rows = [f"PCSA {arch.pcsa_cm2:g} cm²"]
    if arch.optimal_fibre_length_cm is not None:
        rows.append(f"optimal fibre length {arch.optimal_fibre_length_cm:g} cm")
    if arch.pennation_deg is not None:
        rows.append(f"pennation {arch.pennation_deg:g}°")
    architecture = f"<p>{escape(', '.join(rows))}{' (estimate)' if arch.estimate else ''}.</p>"
    if arch.notes:
        architecture += _p(arch.notes)
    if ref:
        architecture += f"<p><i>Source: {escape(ref)}</i></p>"
    sections = [
        ("origin", "Origin", _attachment(ann.origin)),
        ("insertion", "Insertion", _attachment(ann.insertion)),
        ("innervation", "Innervation", innervation),
        ("blood_supply", "Blood supply", _p(ann.blood_supply)),
        ("actions", "Actions", actions),
        ("architecture", "Architecture", architecture),
    ]
    if ann.compartments:
        parts = []
        for comp in ann.compartments:
            parts.append(f"<p><b>{escape(comp.display_name)}</b>: from {escape(comp.origin.text)} "
                         f"to {escape(comp.insertion.text)} — {escape('; '.join(comp.actions))}</p>")
        sections.append(("compartments", "Parts", "".join(parts)))
    published = published_html(model, ann.id)
    if published:
        sections.append(("published", "Moment arms: model and published", published))
    return sections


def published_html(model, muscle_id: str) -> str:
    """A table of every published moment arm of a muscle beside the model's value at that pose."""
    from viewer.core.motions import MOTIONS

    table = getattr(model, "published", None)
    entries = [p for p in (table.entries if table is not None else []) if model.structure_of(p.muscle) == muscle_id
               or p.muscle == muscle_id]
    if not entries:
        return ""
    rows = []
    results: dict = {}
    for pub in entries:
        result = results.get(pub.pose_deg) or results.setdefault(pub.pose_deg, model.actions.at_pose(pub.pose_deg))
        motion = MOTIONS[pub.motion]
        v = result.values(motion)
        acts = model.actions
        if pub.muscle in acts.structure_ids:
            r = float(v["muscle_r"][acts.structure_ids.index(pub.muscle)])
        else:
            r = float(v["line_r"][acts.line_ids.index(pub.muscle)])
        rows.append(f"<tr><td>{escape(motion.label)}</td><td>{escape(pub.pose_text.replace('_', ' '))}</td>"
                    f"<td align='right'>{r:+.1f}</td><td align='right'>{escape(pub.value_text())}</td>"
                    f"<td>{escape(pub.short_citation())}{' — ' + escape(pub.note) if pub.note else ''}</td></tr>")
    head = ("<tr><th>motion</th><th>pose (°)</th><th>model (mm)</th><th>published</th><th>source</th></tr>")
    return ("<p>Model values are computed from this program's simplified muscle path over its generated bones; "
            "published values are measurements (cadaver, imaging) or other models, from the cited papers. "
            "+ means the muscle produces the motion.</p>"
            f"<table border='1' cellspacing='0' cellpadding='2'>{head}{''.join(rows)}</table>")


def _bone_sections(model, ann) -> list[tuple[str, str, str]]:
    features = "".join(f"<p><b>{escape(f.name)}</b>: {escape(f.text)}</p>" for f in ann.features)
    joints = "".join(f"<p><b>{escape(a.name)}</b> (with {escape(a.partner)}, {escape(a.type)}): {escape(a.text)}</p>"
                     for a in ann.articulations)
    return [("features", "Features", features), ("articulations", "Articulations", joints),
            ("blood_supply", "Blood supply", _p(ann.blood_supply))]


def _nerve_sections(model, ann) -> list[tuple[str, str, str]]:
    course = "".join(f"<p><b>{escape(c.region)}</b>: {escape(c.text)}</p>" for c in ann.course)
    supplies = _ul(_name_or_link(model, s) for s in ann.supplies)
    sections = [("roots", "Roots", _p(", ".join(ann.roots))), ("course", "Course", course),
                ("supplies", "Supplies", supplies)]
    if ann.sensory:
        sections.append(("sensory", "Sensory supply", _p(ann.sensory)))
    sections.append(("blood_supply", "Blood supply", _p(ann.blood_supply)))
    return sections


def _overview_body(value) -> str:
    if isinstance(value, str):
        return _p(value)
    items = []
    for item in value:
        if hasattr(item, "step"):
            items.append(f"<b>{escape(item.step)}</b>: {escape(item.text)}")
        elif hasattr(item, "topic"):
            items.append(f"<b>{escape(item.topic)}</b>: {escape(item.text)}")
        else:
            items.append(escape(str(item)))
    return _ul(items)


def _common_tail(model, ann) -> list[tuple[str, str, str]]:
    sections = []
    if ann.neighbours:
        sections.append(("neighbours", "Neighbours", _ul(
            f"{_name_or_link(model, n.structure)}: {escape(n.relation)}" for n in ann.neighbours)))
    if ann.clinical_relevance:
        sections.append(("clinical_relevance", "Clinical relevance", "".join(
            f"<p><b>{escape(t.topic)}</b>: {escape(t.text)}</p>" for t in ann.clinical_relevance)))
    if ann.clinical_overview is not None:
        for name, title, value in ann.clinical_overview.sections():
            sections.append((f"overview_{name}", title, _overview_body(value)))
    if ann.variations:
        sections.append(("variations", "Variations", _ul(escape(v) for v in ann.variations)))
    if ann.faq:
        sections.append(("faq", "Questions students ask", "".join(
            f"<p><b>{escape(q.question)}</b><br>{escape(q.answer)}</p>" for q in ann.faq)))
    sections.append(("references", "References", _ul(
        f"{escape(r.citation)}" for r in ann.references)))
    return sections


def section_titles(model, some_id: str) -> list[str]:
    """Headings the info panel shows for a structure, in order."""
    return [title for _, title, body in _sections(model, some_id) if body]


def _sections(model, some_id: str) -> list[tuple[str, str, str]]:
    structure = model.structure_of(some_id)
    ann = model.annotations[structure]
    sections: list[tuple[str, str, str]] = []
    if some_id != structure:
        comp = ann.compartment(some_id)
        body = (f"<p><b>Origin:</b> {escape(comp.origin.text)}</p><p><b>Insertion:</b> {escape(comp.insertion.text)}</p>"
                + "<p><b>Actions:</b></p>" + _ul(escape(a) for a in comp.actions)
                + (_p(comp.notes) if comp.notes else ""))
        sections.append(("part", f"This part: {comp.display_name}", body))
    sections.append(("summary", "Summary", _p(ann.summary)))
    if ann.kind == "muscle":
        sections += _muscle_sections(model, ann)
    elif ann.kind == "bone":
        sections += _bone_sections(model, ann)
    else:
        sections += _nerve_sections(model, ann)
    return sections + _common_tail(model, ann)


def annotation_html(model, some_id: str) -> str:
    """Rich text of a structure's (or compartment's) annotation, one headed section per topic."""
    structure = model.structure_of(some_id)
    ann = model.annotations[structure]
    title = model.display_name(some_id)
    synonyms = f" · also: {escape(', '.join(ann.synonyms))}" if ann.synonyms else ""
    header = (f"<h2>{escape(title)}</h2>"
              f"<p><i>{escape(ann.latin_name)}</i>{synonyms}<br>"
              f"<span>{escape(ann.kind.capitalize())} · {escape(_group_name(model, ann.layer_group))}</span></p>")
    if some_id != structure:
        header += f'<p>Part of <a href="{LINK_PREFIX}{escape(structure)}">{escape(ann.display_name)}</a>.</p>'
    body = "".join(_section(title, body, anchor) for anchor, title, body in _sections(model, some_id))
    return f"<html><body>{header}{body}</body></html>"


def _group_name(model, group_id: str) -> str:
    for group, _ in model.groups():
        if group.id == group_id:
            return group.display_name
    return group_id


def welcome_html(model) -> str:
    """What the info panel shows with nothing selected."""
    groups = "".join(f"<li><b>{escape(g.display_name)}</b>: {escape(g.description)}</li>" for g, _ in model.groups())
    return (
        "<html><body><h2>Hip anatomy viewer</h2>"
        "<p>Click a structure in the 3D view (or a row in the layers or actions list) to read about it: "
        "origin, insertion, innervation, actions and clinical notes.</p>"
        "<p>Left-drag turns the view, the wheel zooms, Alt-click isolates a structure (Alt-click again "
        "restores). Press F1 for every keyboard shortcut.</p>"
        f"<h3>Layers</h3><ul>{groups}</ul></body></html>"
    )


__all__ = ["annotation_html", "welcome_html", "section_titles", "LINK_PREFIX", "CLINICAL_OVERVIEW_TITLES"]
