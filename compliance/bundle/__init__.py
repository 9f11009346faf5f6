"""Opening evidence bundles safely: folders, zip and tar archives, BagIt bags.

``open_bundle`` is the only door the engine uses: whatever the container, it returns
a :class:`Bundle` whose ``root`` is a readable folder, whose ``files`` lists only
regular files, and whose manifest has passed its schema.
"""

from compliance.bundle.manifest import EvidenceResolution, load_manifest, resolve_evidence
from compliance.bundle.model import Bundle, Community, EvidenceEntry, Limits, Manifest, Period
from compliance.bundle.open import open_bundle
from compliance.bundle.skeleton import EvidenceTypeLike, init_bundle

__all__ = [
    "Bundle",
    "Community",
    "EvidenceEntry",
    "EvidenceResolution",
    "EvidenceTypeLike",
    "Limits",
    "Manifest",
    "Period",
    "init_bundle",
    "load_manifest",
    "open_bundle",
    "resolve_evidence",
]
