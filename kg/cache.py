"""kg's content-keyed cache: files under $KG_CACHE_DIR (else $XDG_CACHE_HOME/kg, else
~/.cache/kg) named by a digest of everything they depend on, so an edit misses and a stale
entry is never read. It holds data (Oxigraph's N-Quads dump of a loaded tree), never code.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

CACHE_ENV = "KG_CACHE_DIR"


def cache_dir() -> Path | None:
    """Where the cache is: $KG_CACHE_DIR, else $XDG_CACHE_HOME/kg, else ~/.cache/kg.

    KG_CACHE_DIR set to an empty string turns the cache off.
    """
    if CACHE_ENV in os.environ:
        return Path(os.environ[CACHE_ENV]) if os.environ[CACHE_ENV] else None
    base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(base) / "kg"


def private_to_me(path: Path) -> bool:
    """Whether `path` is owned by this user and writable by nobody else: the only cache kg
    trusts (another user could otherwise put a different graph in it)."""
    try:
        info = path.lstat()
    except OSError:
        return False
    return info.st_uid == os.geteuid() and not info.st_mode & 0o022


def cached_file(name: str, build: Callable[[], bytes]) -> tuple[Path | None, bytes | None]:
    """The cache file `name`, built with `build()` when it is missing.

    Returns (path, None) when the file is in the cache (read it from the path), or
    (None, bytes) when the cache cannot be used (off, not private, not writable): then the
    built bytes come back instead. Any problem with the cache only costs a build.
    """
    path = cached_path(name)
    if path is not None:
        return path, None
    data = build()
    if write_cached(name, data):
        return cache_dir() / name, None
    return None, data


def read_cached(name: str) -> bytes | None:
    """The cache file `name`'s bytes, or None (missing, cache off or not private, unreadable)."""
    path = cached_path(name)
    if path is None:
        return None
    try:
        return path.read_bytes()
    except OSError:
        return None


def write_cached(name: str, data: bytes) -> bool:
    """Write (or replace) the cache file `name` atomically; False when the cache cannot be used."""
    folder = cache_dir()
    if folder is None:
        return False
    try:
        folder.mkdir(mode=0o700, parents=True, exist_ok=True)
    except OSError:
        return False
    if not private_to_me(folder):
        return False
    temporary = folder / f".{name}-{os.getpid()}-{os.urandom(4).hex()}.tmp"
    try:
        descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(descriptor, "wb") as handle:
            handle.write(data)
        os.replace(temporary, folder / name)
    except OSError:
        temporary.unlink(missing_ok=True)
        return False
    return True


def cached_path(name: str) -> Path | None:
    """Where the cache file `name` is, if it is there and private to this user."""
    folder = cache_dir()
    if folder is None or not private_to_me(folder):
        return None
    path = folder / name
    return path if private_to_me(path) and path.is_file() else None


def forget_cached(name: str) -> None:
    """Remove the cache file `name` (a file kg wrote there), if it is there."""
    path = cached_path(name)
    if path is not None and name.startswith(("graph-", "validate-")):
        path.unlink(missing_ok=True)
