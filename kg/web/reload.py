"""`kg serve --reload`: notice edits to a tree's data/ and ontology/, and turn each into a snapshot
that is served only once it loads and validates.

A snapshot is a frozen copy of data/ and ontology/ in a private folder: the pages' graph, the
validation and every worker (and any worker started later in place of a killed one) then read
the same files, whatever the editor writes next. queries/ is not copied: the server's catalog
already reads a saved query again whenever its file changes.

Watching is polling, stdlib only: every POLL_SECONDS the files' sizes, times and inodes are
compared, and a file whose stat changed but whose bytes did not (a `touch`) is no change. An
editor writes a file in steps: a snapshot that fails while its files changed again since the
copy is dropped without a word, and the newer files are built next.
"""

from __future__ import annotations

import hashlib
import os
import stat
import threading
from dataclasses import dataclass
from pathlib import Path

from kg.errors import KgError, one_line
from kg.load import LoadedGraph
from kg.tree import Tree, is_installed

POLL_SECONDS = 0.05  # a stat of some 20 files: about a millisecond
WATCHED = ("data", "ontology")  # what the graph is built from; queries/ is read live
SHOWN_FILES = 3  # files a log line names before "and N more"


class ReloadRejected(KgError):
    """An edit the server will not serve: the tree does not load or does not validate."""

    status = 503  # what is served instead is the last snapshot that validated


def by_default(tree: Tree, from_tree: bool) -> bool:
    """Whether `kg serve` reloads unless told: a checkout this user can edit, served from its
    files (the memory store); not the graph installed with the wheel, nor a built store."""
    try:
        marked = tree.data_dir.stat().st_mode & stat.S_IWUSR  # chmod a-w: not to be edited
    except OSError:
        return False
    writable = marked and os.access(tree.data_dir, os.W_OK)
    return from_tree and not is_installed(tree) and bool(writable)


@dataclass(frozen=True)
class Seen:
    """A file as the watcher last saw it: its stat, and a digest of its bytes."""

    status: tuple[int, int, int]  # size, mtime_ns, inode
    digest: bytes


def _read_regular(path: Path) -> tuple[tuple[int, int, int], bytes] | None:
    """A regular file's stat and bytes (following links); None for anything else, or a file
    that went away. Opened without blocking, so a FIFO put there cannot stall the watcher."""
    try:
        descriptor = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))
    except OSError:
        return None
    with os.fdopen(descriptor, "rb") as handle:
        info = os.fstat(descriptor)
        if not stat.S_ISREG(info.st_mode):
            return None
        try:
            data = handle.read()
        except OSError:
            return None
    return (info.st_size, info.st_mtime_ns, info.st_ino), data


def _walk(tree: Tree):
    """Every file under the watched folders, with its path relative to the tree (as data_files
    walks: links to folders are not followed)."""
    for name in WATCHED:
        for folder, _, names in os.walk(tree.root / name):
            for file in names:
                path = Path(folder) / file
                yield path.relative_to(tree.root).as_posix(), path


def _status(path: Path) -> tuple[int, int, int] | None:
    try:
        info = path.stat()
    except OSError:
        return None
    if not stat.S_ISREG(info.st_mode):
        return None
    return info.st_size, info.st_mtime_ns, info.st_ino


class Watcher:
    """What changed under a tree's data/ and ontology/ since the last snapshot was copied."""

    def __init__(self, tree: Tree) -> None:
        self.tree = tree
        self.copied: dict[str, Seen] = {}  # the files of the last snapshot, as copied

    def changes(self) -> list[str]:
        """The files added, removed or rewritten since the last copy, sorted; a file whose stat
        changed but whose bytes did not is taken as it is now, and not reported."""
        changed = []
        now = dict(_walk(self.tree))
        for relative in sorted(set(now) | set(self.copied)):
            before = self.copied.get(relative)
            status = _status(now[relative]) if relative in now else None
            if before is not None and status == before.status:
                continue
            if before is None and status is None:
                continue  # not a regular file, then and now
            read = _read_regular(now[relative]) if status is not None else None
            unchanged = before is not None and read is not None
            if unchanged and hashlib.sha256(read[1]).digest() == before.digest:
                self.copied[relative] = Seen(read[0], before.digest)  # touched, not edited
                continue
            changed.append(relative)
        return changed

    def freeze(self, folder: Path) -> Tree:
        """A copy of the tree's data/ and ontology/ in `folder` (regular files only, as the
        loader reads them), remembered as what was last copied."""
        copied: dict[str, Seen] = {}
        for name in WATCHED:
            (folder / name).mkdir(parents=True, exist_ok=True)
        for relative, path in _walk(self.tree):
            read = _read_regular(path)
            if read is None:
                continue
            target = folder / relative
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(read[1])
            copied[relative] = Seen(read[0], hashlib.sha256(read[1]).digest())
        self.copied = copied
        return Tree(folder.resolve())


def check(tree: Tree) -> LoadedGraph:
    """A snapshot's graph, loaded and validated; ReloadRejected names the first problem
    (file:line: message) and how many more there are."""
    from kg.load import load
    from kg.validate import show, validate_loaded

    try:
        loaded = load(tree)
        report = validate_loaded(loaded, *_schema(tree))
    except KgError as error:
        raise ReloadRejected(one_line(error, 500)) from None
    except Exception as error:  # a reload must never end the server: one line, no traceback
        raise ReloadRejected(one_line(f"{type(error).__name__}: {error}", 500)) from None
    if report.findings:
        first = report.findings[0]
        where = first.where or show(first.focus)
        more = len(report.findings) - 1
        also = f" (and {more} more; `kg validate` lists them)" if more else ""
        raise ReloadRejected(one_line(f"{where}: {first.message}", 500) + also)
    return loaded


class Checker:
    """A process that validates snapshots (`check`), so that pyshacl's second of work neither
    holds the server's GIL nor grows its memory; kept warm (imports done, caches filled) from
    one snapshot to the next. Its methods block: call them in a thread."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._process = None
        self._connection = None
        self._stopped = False

    def problem(self, tree: Tree) -> str | None:
        """Why a snapshot cannot be served (ReloadRejected's message), or None if it can."""
        with self._lock:
            for _ in range(2):  # a checker that died is started again, once
                if self._stopped:
                    return "the server is stopping"
                if self._process is None:
                    from kg.web.workers import start_process

                    self._process, self._connection = start_process(_check_forever)
                try:
                    self._connection.send(str(tree.root))
                    return self._connection.recv()
                except (EOFError, OSError):
                    self._kill()
            return "the validating process died; save the file again to retry"

    def stop(self) -> None:
        """Kill the checker, also while a thread waits for its answer (that one then returns)."""
        self._stopped = True
        process = self._process
        if process is not None:
            process.kill()

    def _kill(self) -> None:
        if self._process is not None:
            self._process.kill()
            self._process.join(5)
            self._connection.close()
            self._process = self._connection = None


def _check_forever(connection) -> None:
    """The checker process: validate each snapshot root it is sent; answer with the problem."""
    from kg.web.workers import ignore_interrupts

    ignore_interrupts()
    while True:
        try:
            root = connection.recv()
        except (EOFError, OSError):
            return
        try:
            check(Tree(Path(root)))
            problem = None
        except ReloadRejected as error:
            problem = str(error)
        connection.send(problem)


_SCHEMAS: dict[bytes, tuple] = {}  # shapes and vocabulary by a digest of ontology/'s files


def _schema(tree: Tree) -> tuple:
    """The tree's shapes and vocabulary (kg.load), parsed again only when ontology/ changed:
    validation reads them, never changes them."""
    from kg.load import load_ontology, load_shapes

    digest = hashlib.sha256()
    for relative, path in _walk(tree):
        if relative.startswith("ontology/"):
            digest.update(relative.encode() + b"\0" + path.read_bytes() + b"\0")
    key = digest.digest()
    if key not in _SCHEMAS:
        _SCHEMAS.clear()
        _SCHEMAS[key] = (load_shapes(tree), load_ontology(tree))
    return _SCHEMAS[key]


def named(files: list[str]) -> str:
    """Changed files as a log line names them: `data/a.trig, data/b.trig and 3 more changed`."""
    shown = ", ".join(files[:SHOWN_FILES])
    more = len(files) - SHOWN_FILES
    return f"{shown} and {more} more changed" if more > 0 else f"{shown} changed"
