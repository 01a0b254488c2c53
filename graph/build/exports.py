"""What `prospectus export` writes: the ELM projection and the dataset description of the
published version, each checked against the official shapes when the `reference_shapes_dir`
setting names them (graph/build/reference.py; `report` is None when it was not checked).

URLs in them (homepages, downloads, the endpoint) are under the `public_url` setting, or,
when it is empty, under the site the `base_iri` setting implies ('…/id/' -> '…').
"""

from __future__ import annotations

from dataclasses import dataclass

from rdflib import Graph

from .. import formats, versions
from ..errors import ProspectusError, PublishError
from ..formats import EXPORT_FORMATS
from ..iris import default_site_url
from ..read.dataset_description import Site, describe_dataset
from ..settings import Settings
from .reference import check_dcat_ap, check_elm, folder
from .release import read_release, rebase
from .validate import Report, union
from .writers.elm.builder import PageUrls, Projection
from .writers.elm.projection import project
from .writers.elm.write import serialize as serialize_elm


@dataclass
class ElmExport:
    data: bytes
    projection: Projection
    report: Report | None  # None: not checked against the official shapes
    source: str  # what was projected: a version id, or "sources"


def export_elm(
    settings: Settings, *, fmt: str = "turtle", from_sources: bool = False, validate: bool = True
) -> ElmExport:
    """The ELM export of the published version (or, if none / asked, of the bundled sources),
    checked against the official shapes when `validate` and the setting names them."""
    if fmt not in EXPORT_FORMATS:
        raise PublishError(f"the ELM export is written as {', '.join(EXPORT_FORMATS)}, not {fmt!r}")
    base_iri = settings.base_iri
    version = None if from_sources else versions.current(settings.data_path)
    data: Graph
    if version is not None:
        data = versions.read_union(version.path)
        source = version.id
    else:
        data = union(rebase(read_release().dataset, base_iri))
        source = "sources"
    site_url = settings.public_url or default_site_url(base_iri)
    projection = project(data, PageUrls(site_url, base_iri))
    root = folder(settings.reference_shapes_dir) if validate else None
    report = check_elm(projection.graph, root) if root is not None else None
    return ElmExport(serialize_elm(projection.graph, fmt), projection, report, source)


@dataclass(frozen=True)
class DescriptionExport:
    data: bytes
    version: str
    report: Report | None  # None: not checked against the official DCAT-AP shapes


def export_description(settings: Settings, *, fmt: str = "turtle") -> DescriptionExport:
    """The description of the published versions, as /.well-known/void serves it, checked
    against DCAT-AP 3 when the setting names the official shapes."""
    serializer = formats.BY_NAME[fmt].rdflib if fmt in formats.BY_NAME else None
    if serializer is None:
        raise ProspectusError(f"the dataset description cannot be written as {fmt!r}")
    current = versions.current(settings.data_path)
    if current is None:
        raise ProspectusError(
            f"nothing is published in {settings.data_path} yet: run `prospectus build`"
        )
    site = Site(settings.base_iri, (settings.public_url or default_site_url(settings.base_iri)))
    graph = describe_dataset(current, versions.retained(settings.data_path), site)
    root = folder(settings.reference_shapes_dir)
    report = check_dcat_ap(graph, root) if root is not None else None
    data = graph.serialize(format=serializer, encoding="utf-8")
    return DescriptionExport(data, current.id, report)
