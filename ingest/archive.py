"""The archive of accepted extracts: what the build database is derived from.

Every file a refresh loads is first copied here under its content hash (once, however many
times it arrives), then recorded in `index.jsonl` with its source, its path in the landing
folder, its unit (theme and year…) and its arrival date. A corrected file for the same source
and period is recorded after the old one: both stay, the newer supersedes. Nothing is ever
deleted; a file loaded by mistake is *withdrawn* (a line of the index), never erased.

The build database can then be lost, cut short or thrown away (`ctg refresh --rebuild`):
`replay` loads the archive again into an empty build database, in arrival order, with the
same rules as the landing folder, so the refresh publishes the same content.

Files of a source holding personal data are never duplicated (see ingest.personal): they are
indexed without content and reloaded from the landing folder only.

Durability: content and index are fsynced (file and folder) before the load is committed, so a
crash never leaves a loaded file that the archive lacks.
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
from collections.abc import Callable
from dataclasses import asdict, dataclass
from datetime import datetime
from pathlib import Path

from ingest.extract import Landing

INDEX_NAME = "index.jsonl"


def fsync_path(path: Path) -> None:
    """Force a file's or a folder's content (a folder: its entries, after a rename) to disk, so
    that a power loss cannot leave a torn file or a lost rename."""
    descriptor = os.open(path, os.O_RDONLY)
    try:
        os.fsync(descriptor)
    finally:
        os.close(descriptor)


class AmbiguousWithdrawal(ValueError):
    """A file name that several archived paths share."""

    def __init__(self, paths: list[str]):
        super().__init__(", ".join(paths))
        self.paths = paths


@dataclass(frozen=True)
class ArchivedFile:
    sha256: str
    source: str
    path: str  # relative to the landing folder, as it arrived ("2021/donnees_communes.csv")
    unit: str
    arrived_at: str  # ISO 8601, local time of the refresh that loaded it
    content: bool = True  # False: personal data, not copied


class Archive:
    def __init__(self, root: Path):
        self.root = root
        self.index = root / INDEX_NAME
        self._read: tuple[tuple[int, int, int], list[ArchivedFile]] | None = None  # (the index's stat, its entries)

    def content_path(self, sha256: str) -> Path:
        return self.root / "fichiers" / sha256[:2] / sha256

    def store(self, path: Path, sha256: str) -> None:
        """Copy the file under its hash (nothing to do when that content is already here)."""
        target = self.content_path(sha256)
        if target.exists():
            return
        target.parent.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile(dir=target.parent, prefix=".arrivee-", delete=False) as handle:
            temporary = Path(handle.name)
            with path.open("rb") as original:
                shutil.copyfileobj(original, handle)
            handle.flush()
            os.fsync(handle.fileno())
        temporary.replace(target)
        fsync_path(target.parent)

    def record(self, entry: ArchivedFile) -> None:
        """Index a loaded file, unless this very file (content, source, path) is already the
        last one indexed at its path (a source reloading all its files records nothing new)."""
        same_path = [e for e in self.entries() if (e.source, e.path) == (entry.source, entry.path)]
        if same_path and same_path[-1].sha256 == entry.sha256:
            return
        self._append({"action": "charge", **asdict(entry)})

    def holds(self, sha256: str, source: str) -> bool:
        return any((e.sha256, e.source) == (sha256, source) for e in self.entries())

    def withdraw(self, wanted: str) -> list[ArchivedFile]:
        """Withdraw the entries whose hash starts with `wanted` (8 characters at least), or whose
        path is `wanted`, or whose name is, when it names one path only; returns them (none:
        nothing matched). A name shared by several paths (`2011/donnees_communes.csv` and
        `2016/…`) raises AmbiguousWithdrawal: withdrawing every year was not what was meant."""
        entries = self.entries()
        matched = [e for e in entries if len(wanted) >= 8 and e.sha256.startswith(wanted.lower()) or e.path == wanted]
        if not matched:
            matched = [e for e in entries if Path(e.path).name == wanted]
            if len(paths := sorted({e.path for e in matched})) > 1:
                raise AmbiguousWithdrawal(paths)
        for entry in matched:
            self._append({"action": "retire", "sha256": entry.sha256, "source": entry.source, "path": entry.path,
                          "retire_le": datetime.now().isoformat(timespec="seconds")})
        return matched

    def _append(self, line: dict) -> None:
        self.root.mkdir(parents=True, exist_ok=True)
        created = not self.index.exists()
        with self.index.open("a", encoding="utf-8") as handle:
            handle.write(json.dumps(line, ensure_ascii=False) + "\n")
            handle.flush()
            os.fsync(handle.fileno())
        if created:
            fsync_path(self.root)

    def entries(self) -> list[ArchivedFile]:
        """The files loaded, in arrival order, without those withdrawn since. A line torn by a
        crash while it was written is skipped: its load was not committed."""
        try:
            stat = self.index.stat()
        except FileNotFoundError:
            return []
        # Read again only when the index changed: an incremental refresh asks about each of
        # the 132 files of a national landing folder (0.25 s when each read the whole index).
        version = (stat.st_ino, stat.st_size, stat.st_mtime_ns)
        if self._read is not None and self._read[0] == version:
            return list(self._read[1])
        loaded: list[ArchivedFile] = []
        for text in self.index.read_text(encoding="utf-8").splitlines():
            try:
                line = json.loads(text)
            except json.JSONDecodeError:
                continue
            action = line.pop("action", None)
            if action == "charge":
                loaded.append(ArchivedFile(**line))
            elif action == "retire":
                loaded = [e for e in loaded if (e.sha256, e.source, e.path) != (line["sha256"], line["source"], line["path"])]
        self._read = (version, loaded)
        return list(loaded)

    def missing(self) -> list[ArchivedFile]:
        """Entries whose content is no longer in the archive (a disk error, a manual deletion)."""
        return [e for e in self.entries() if e.content and not self.content_path(e.sha256).is_file()]

    def replay_landing(self, target: Path, oldest_first: set[str]) -> list[ArchivedFile]:
        """Lay the archive out in `target` as a landing folder, each file at the path it arrived
        with and dated from its arrival (the order of sources whose later files correct earlier
        ones). A newer file of the same source and unit, or at the same path, supersedes the
        older one; for those `oldest_first` sources every file is kept (they add up)."""
        latest: dict[tuple, ArchivedFile] = {}
        kept: list[ArchivedFile] = []
        for entry in self.entries():
            if not entry.content or not self.content_path(entry.sha256).is_file():
                continue  # personal data (read from the landing folder), or content lost (said by `missing`)
            if entry.source in oldest_first:
                kept.append(entry)
                continue
            for key in ((entry.source, "unite", entry.unit), ("chemin", entry.path)):
                if (older := latest.get(key)) is not None and older in kept:
                    kept.remove(older)
                latest[key] = entry
            kept.append(entry)
        for sequence, entry in enumerate(kept):
            path = target / entry.path
            for n in range(1, 10000):  # two versions of one follow-up file: same name, other folder
                if not path.exists():
                    break
                path = target / f"version-{n}" / entry.path
            path.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(self.content_path(entry.sha256), path)
            # Dated from its arrival, plus its rank in the index: files of one refresh (same
            # second) keep the order they were loaded in.
            arrived = int(datetime.fromisoformat(entry.arrived_at).timestamp() * 1e9) + sequence * 1000
            os.utime(path, ns=(arrived, arrived))
        return kept


def replay(archive: Archive, sources, ingest: Callable[[object, Landing], object]) -> list:
    """Load the archive into the (empty) build database: one ingest pass per source, in the
    registry's order, over the archive laid out as a landing folder. Returns the reports."""
    from ingest.discovery import discover  # the registry's readers, imported when needed

    with tempfile.TemporaryDirectory(dir=archive.root, prefix=".rejeu-") as folder:
        landing_root = Path(folder) / "arrivee"
        landing_root.mkdir()
        archive.replay_landing(landing_root, {spec.name for spec in sources if spec.oldest_first})
        landing = discover(landing_root, sources)
        return [ingest(spec, landing) for spec in sources if landing.of(spec.name)]
