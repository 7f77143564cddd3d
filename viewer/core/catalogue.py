"""The anatomy catalogue: every structure, compartment and layer group the viewer knows, by id.

One typed record per structure and compartment (id, display name, synonyms, layer group, kind,
the meshes drawn for it and the lines of action it owns, its display defaults) and one per
layer group. :meth:`Catalogue.resolve` is the one place that turns user text (an id, a display
name or a synonym, any case, spaces or underscores) into an id, with a "did you mean" hint for
near misses. Built once from the annotations by :func:`viewer.io.model.load_model`.
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Iterable, Mapping

from viewer.core.errors import DataError

KINDS = ("bone", "muscle", "nerve")


@dataclass(frozen=True)
class StructureInfo:
    """One structure (``parent is None``) or one compartment of a muscle.

    Attributes
    ----------
    id : str
        ``piriformis``, or ``gluteus_medius.anterior`` for a compartment.
    display_name : str
    kind : str
        ``bone``, ``muscle`` or ``nerve`` (a compartment has its muscle's kind).
    group : str
        Layer group id.
    leaves : tuple of str
        Mesh ids drawn for it: the compartments of a compartmented muscle, else itself.
    lines : tuple of str
        Ids of the lines of action it owns (empty for a bone).
    synonyms : tuple of str
    parent : str or None
        The muscle a compartment belongs to.
    visible, opacity, colour : display defaults (the annotations' ``display`` block).
    pcsa_cm2 : float or None
        Physiological cross-sectional area of a muscle or compartment.
    """

    id: str
    display_name: str
    kind: str
    group: str
    leaves: tuple[str, ...]
    lines: tuple[str, ...] = ()
    synonyms: tuple[str, ...] = ()
    parent: str | None = None
    visible: bool = True
    opacity: float = 1.0
    colour: str = "#CCCCCC"
    pcsa_cm2: float | None = None


@dataclass(frozen=True)
class GroupInfo:
    """A layer group: shown, hidden or ghosted as a whole; ``members`` in display order."""

    id: str
    display_name: str
    order: int
    members: tuple[str, ...]
    description: str = ""


def _key(text: str) -> str:
    return " ".join(str(text).strip().lower().replace("_", " ").replace("-", " ").split())


@dataclass(frozen=True)
class Catalogue:
    """Every structure, compartment and layer group, with one resolver for ids and synonyms.

    Parameters
    ----------
    records : iterable of StructureInfo
        Structures and compartments, structures in display order.
    groups : iterable of GroupInfo
    """

    records: Mapping[str, StructureInfo]
    group_records: Mapping[str, GroupInfo]
    _leaf_parent: Mapping[str, str] = field(repr=False, default_factory=dict)
    _names: Mapping[str, str] = field(repr=False, default_factory=dict)

    @classmethod
    def build(cls, records: Iterable[StructureInfo], groups: Iterable[GroupInfo]) -> "Catalogue":
        recs = {r.id: r for r in records}
        grps = {g.id: g for g in sorted(groups, key=lambda g: g.order)}
        leaf_parent: dict[str, str] = {}
        for r in recs.values():
            if r.parent is None:
                for leaf in r.leaves:
                    leaf_parent[leaf] = r.id
        names: dict[str, str] = {}
        for r in recs.values():
            for text in (r.id, r.display_name, *r.synonyms):
                names.setdefault(_key(text), r.id)
        for g in grps.values():
            for text in (g.id, g.display_name):
                names.setdefault(_key(text), g.id)
        return cls(MappingProxyType(recs), MappingProxyType(grps), MappingProxyType(leaf_parent),
                   MappingProxyType(names))

    # -- lookups ------------------------------------------------------------------------------
    def __contains__(self, some_id: object) -> bool:
        return some_id in self.records

    def __getitem__(self, some_id: str) -> StructureInfo:
        try:
            return self.records[some_id]
        except KeyError:
            raise self._unknown(str(some_id), groups=False) from None

    def structures(self) -> list[str]:
        """Structure ids (no compartments) in display order."""
        return [r.id for r in self.records.values() if r.parent is None]

    def all_leaves(self) -> list[str]:
        """Every mesh id, in display order."""
        return list(self._leaf_parent)


    def groups(self) -> list[GroupInfo]:
        return list(self.group_records.values())

    def is_group(self, some_id: str) -> bool:
        return some_id in self.group_records

    def structure_of(self, leaf: str) -> str:
        """The structure a mesh or compartment belongs to (itself for a structure)."""
        record = self.records.get(leaf)
        if record is not None and record.parent is not None:
            return record.parent
        return self._leaf_parent.get(leaf, leaf)

    def display_name(self, some_id: str) -> str:
        if some_id in self.group_records:
            return self.group_records[some_id].display_name
        return self[some_id].display_name

    def leaves(self, some_id: str, *, groups: bool = False) -> list[str]:
        """Mesh ids named by a structure, compartment or (``groups=True``) layer group id."""
        record = self.records.get(some_id)
        if record is not None:
            return list(record.leaves)
        if some_id in self._leaf_parent:
            return [some_id]
        if groups and some_id in self.group_records:
            return [leaf for s in self.group_records[some_id].members if s in self.records
                    for leaf in self.records[s].leaves]
        raise self._unknown(some_id, groups=groups)

    def ids(self, some_id: str, *, groups: bool = False) -> list[str]:
        """Structure or compartment ids named by an id (a group expands to its structures)."""
        if some_id in self.records or some_id in self._leaf_parent:
            return [some_id]
        if groups and some_id in self.group_records:
            return [s for s in self.group_records[some_id].members if s in self.records]
        raise self._unknown(some_id, groups=groups)


    def resolve(self, text: str, *, groups: bool = False, field: str | None = "structure") -> str:
        """The id named by ``text``: an id, a display name or a synonym (any case, ``_`` or spaces).

        Raises
        ------
        DataError
            Unknown text, with a "did you mean" hint for a near miss and the known ids.
        """
        some_id = str(text)
        if some_id in self.records or some_id in self._leaf_parent or (groups and some_id in self.group_records):
            return some_id
        found = self._names.get(_key(some_id))
        if found is not None and (groups or found not in self.group_records):
            return found
        raise self._unknown(some_id, groups=groups, field=field)

    def _unknown(self, some_id: str, *, groups: bool, field: str | None = "structure") -> DataError:
        return DataError(self.unknown_message(some_id, groups=groups), field=field)

    def unknown_message(self, some_id: str, *, groups: bool = False) -> str:
        """``unknown structure 'x'; did you mean 'y'? (structures: ...)``."""
        structures = sorted(self.structures())
        candidates = structures + sorted(set(self.records) - set(structures))
        if groups:
            candidates += list(self.group_records)
        close = difflib.get_close_matches(some_id, candidates, n=1)
        if not close:
            by_name = difflib.get_close_matches(_key(some_id), list(self._names), n=1)
            close = [self._names[by_name[0]]] if by_name else []
            if close and not groups and close[0] in self.group_records:
                close = []
        hint = f"; did you mean {close[0]!r}?" if close else ""
        kinds = "structure, compartment or layer group" if groups else "structure or compartment"
        listing = f"structures: {', '.join(structures)}"
        if groups:
            listing += f"; groups: {', '.join(self.group_records)}"
        return f"unknown {kinds} {some_id!r}{hint} ({listing})"
