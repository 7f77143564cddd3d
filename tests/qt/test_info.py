"""The info panel's text: every structure's annotation as headed sections, links to neighbours."""

from __future__ import annotations

from html import escape

from viewer.qt.annotation_html import LINK_PREFIX, annotation_html, section_titles, welcome_html


def test_every_structure_has_sectioned_text(model):
    for structure, ann in model.annotations.items():
        html = annotation_html(model, structure)
        assert ann.display_name in html
        titles = section_titles(model, structure)
        assert titles[0] == "Summary" and titles[-1] == "References"
        for title in titles:
            assert f"</a>{escape(title)}</h3>" in html
        if ann.kind == "muscle":
            assert {"Origin", "Insertion", "Innervation", "Actions"} <= set(titles)
        if ann.clinical_overview is not None:
            assert any(title for _, title, _ in ann.clinical_overview.sections() if title in titles)


def test_compartments_lead_with_their_own_part(model):
    leaf = next(leaf for leaf in model.meshes if leaf != model.structure_of(leaf))
    titles = section_titles(model, leaf)
    assert titles[0].startswith("This part")
    assert f'href="{LINK_PREFIX}{model.structure_of(leaf)}"' in annotation_html(model, leaf)


def test_neighbours_link_to_structures(model):
    ann = model.annotations["gemellus_inferior"]
    linked = [n.structure for n in ann.neighbours if n.structure in model.annotations]
    assert linked
    html = annotation_html(model, "gemellus_inferior")
    for structure in linked:
        assert f'href="{LINK_PREFIX}{structure}"' in html


def test_text_is_escaped(model):
    html = annotation_html(model, "piriformis")
    assert "<script" not in html
    assert welcome_html(model).count("<li>") == len(model.groups())


def test_info_panel_follows_selection_and_links(window, qtbot):
    from PySide6.QtCore import QUrl

    panel = window.info_panel
    assert "Hip anatomy viewer" in panel.plain_text()
    window.state.select("gemellus_inferior")
    assert "Gemellus inferior" in panel.plain_text()
    assert panel.sections.count() == len(section_titles(window.model, "gemellus_inferior"))
    panel._on_link(QUrl(f"{LINK_PREFIX}obturator_internus"))
    assert window.state.selection == "obturator_internus"
    window.state.set_motion("external_rotation")
    assert "external rotation" in panel.live_text()
    window.state.select(None)
    assert "Hip anatomy viewer" in panel.plain_text()


def test_piriformis_shows_delp_beside_the_model_at_0_and_90_degrees(window):
    panel = window.info_panel
    window.state.set_motion("external_rotation")
    window.state.select("piriformis")
    for flexion, published in ((0, "+29.0 mm"), (90, "-14.0 mm")):
        window.state.set_pose((flexion, 0, 0))
        text = panel.live_text()
        assert "(model)" in text and f"Published: {published} (Delp et al. 1999)" in text
    window.state.set_pose((45, 0, 0))
    assert "Published" not in panel.live_text()
    assert "Moment arms: model and published" in panel.plain_text()
    assert panel.plain_text().count("Delp et al. 1999") >= 2
    window.state.set_pose((0, 0, 0))
