"""Reading and writing the user's files safely: the one place kg writes an output file.

`write_atomically` replaces a regular file in one step (readers see the old file or the whole
new one), keeps its permission bits, follows a symbolic link to the file it names instead of
replacing the link, and refuses anything that is not a regular file: a device, a pipe, a
socket or a folder is never replaced. `read_limited` reads a text the user points kg at, with
a size cap, so `--file /dev/zero` is an error and not an endless read.
"""

from __future__ import annotations

import os
import re
import stat
from pathlib import Path

from kg.errors import KgError, raise_if_interrupted


class OutputError(KgError):
    """An output file cannot be written where asked."""


class InputError(KgError):
    """An input file cannot be read as asked."""


def write_atomically(path: str | os.PathLike[str], data: bytes) -> None:
    """Write `data` to `path` through a temporary file in the same folder and os.replace.

    On any failure, or an interruption (KeyboardInterrupt, or SIGTERM turned into one by the
    CLI), the temporary file is removed and the old file is left as it was.
    """
    asked = Path(path)
    target = Path(os.path.realpath(asked)) if asked.is_symlink() else asked
    folder = target.parent
    if not folder.is_dir():
        raise OutputError(
            f"{asked}: folder '{folder}' does not exist; create it first or write elsewhere"
        )
    try:
        existing = os.stat(target)
    except FileNotFoundError:
        existing = None
    except OSError as error:
        raise OutputError(f"{asked}: cannot write there ({error.strerror})") from None
    if existing is not None and stat.S_ISDIR(existing.st_mode):
        raise OutputError(f"{asked}: is a folder; give a file name to write to")
    if existing is not None and not stat.S_ISREG(existing.st_mode):
        raise OutputError(
            f"{asked}: is not a regular file (a device, pipe or socket); kg only replaces "
            "regular files: leave out --output to write to stdout, or give a file name"
        )
    # A short name: a legal long output name must not fail because the temporary one is longer.
    import secrets

    temporary = folder / f".kg-{secrets.token_hex(6)}.tmp"
    try:
        # O_EXCL: never reuse someone else's file; 0o666 lets the umask decide, as open() does.
        descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)
    except OSError as error:
        raise OutputError(f"{asked}: cannot write there ({error.strerror})") from None
    try:
        with os.fdopen(descriptor, "wb") as stream:
            if existing is not None:  # the new file keeps the old one's permissions and owner
                os.fchmod(stream.fileno(), stat.S_IMODE(existing.st_mode))
                if os.geteuid() == 0:
                    os.fchown(stream.fileno(), existing.st_uid, existing.st_gid)
            stream.write(data)
            stream.flush()
            os.fsync(stream.fileno())
        raise_if_interrupted()  # the last moment to leave the old file as it was
        os.replace(temporary, target)
    except BaseException as error:
        temporary.unlink(missing_ok=True)
        if isinstance(error, OSError):
            raise OutputError(f"{asked}: cannot write there ({error.strerror})") from None
        raise


MAX_TEXT_BYTES = 4 * 1024 * 1024  # a query or evidence text larger than this is not meant


def read_limited(path: str | os.PathLike[str], what: str, limit: int = MAX_TEXT_BYTES) -> str:
    """The UTF-8 text of a regular file of at most `limit` bytes; one-line errors otherwise.

    A UTF-8 byte order mark at the start is dropped (editors on Windows write one).
    """
    path = Path(path)
    try:
        with open(path, "rb") as stream:
            if not stat.S_ISREG(os.fstat(stream.fileno()).st_mode):
                raise InputError(f"{path}: is not a regular file; give a {what} file")
            data = stream.read(limit + 1)
    except FileNotFoundError:
        raise InputError(f"{path}: no such file; check the path") from None
    except IsADirectoryError:
        raise InputError(f"{path}: is a folder; give a {what} file") from None
    except OSError as error:
        raise InputError(f"{path}: cannot read it ({error.strerror})") from None
    if len(data) > limit:
        raise InputError(
            f"{path}: larger than {limit // (1024 * 1024)} MiB; a {what} this large is not "
            "supported"
        )
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as error:
        line = data[: error.start].count(b"\n") + 1
        raise InputError(f"{path}:{line}: not UTF-8 text; save the file as UTF-8") from None
    return text.removeprefix("\ufeff")


MiB = 1024 * 1024


def size_text(size: int) -> str:
    """`16 MiB`, `1 GiB`, `1.5 GiB`, `512 KiB`, `100 bytes`."""
    for unit, name in ((1024**3, "GiB"), (MiB, "MiB"), (1024, "KiB")):
        if size >= unit:
            return f"{size / unit:.4g} {name}"
    return f"{size:,} bytes"


def parse_size(text: str) -> int:
    """Bytes from `16MiB`, `16 MiB`, `16M`, `1GiB`, `1G`, `500KiB` or a plain number of bytes."""
    match = re.fullmatch(r"\s*([0-9]+(?:\.[0-9]+)?)\s*([KMGT]?)(?:i?B)?\s*", text, re.IGNORECASE)
    if not match:
        raise KgError(f"'{text}' is not a size; write it as 16MiB, 1GiB, 512KiB or bytes")
    number, unit = float(match.group(1)), match.group(2).upper()
    return int(number * 1024 ** " KMGT".index(unit or " "))
