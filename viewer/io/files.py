"""Reading data files and writing outputs so that neither can crash, hang or leave a half file.

Reading: every way a file can fail to be read (missing, a folder, unreadable, a symlink loop,
too large, not UTF-8) becomes one :class:`DataError` naming the file. Writing: every export is
written to a temporary file beside its destination and renamed over it only when complete, so
an interrupted export never leaves a truncated file under the requested name.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import tempfile
from collections.abc import Iterator
from pathlib import Path

from viewer.core.errors import DataError

#: Hashing reads files in pieces of this many bytes (a mesh is never held twice in memory).
HASH_CHUNK_BYTES = 1 << 20


def display_path(path: str | Path) -> str:
    """The path as the user would type it: relative to the working directory when possible.

    Never resolves symbolic links (a loop would raise), never fails.
    """
    try:
        absolute = os.path.abspath(path)
        rel = os.path.relpath(absolute, os.getcwd())
    except (OSError, ValueError):
        return str(path)
    return str(path) if rel.startswith("..") else rel


def _os_reason(exc: OSError) -> str:
    return exc.strerror or type(exc).__name__


def file_size(path: Path, *, what: str = "file", file: str | None = None) -> int:
    """Size in bytes of a regular file; a DataError when it is missing, not a file or unreachable."""
    shown = file or display_path(path)
    try:
        st = os.stat(path)
    except FileNotFoundError:
        raise DataError(f"{what} not found", file=shown) from None
    except OSError as exc:  # a symlink loop (ELOOP), a permission problem on a folder, a bad name
        raise DataError(f"cannot be read ({_os_reason(exc)})", file=shown) from None
    except ValueError:  # an embedded NUL in the name
        raise DataError(f"{what} not found (the name is not a valid path)", file=shown) from None
    import stat

    if not stat.S_ISREG(st.st_mode):
        raise DataError(f"is not a regular file (expected a {what})", file=shown)
    return st.st_size


def read_bytes(path: Path, *, max_bytes: int, what: str = "file") -> bytes:
    """The whole file, refusing one larger than ``max_bytes`` before reading it."""
    shown = display_path(path)
    size = file_size(path, what=what, file=shown)
    if size > max_bytes:
        raise DataError(f"is {size} bytes, larger than the limit of {max_bytes} bytes for a {what}", file=shown)
    try:
        with open(path, "rb") as fh:
            data = fh.read(max_bytes + 1)
    except OSError as exc:
        raise DataError(f"cannot be read ({_os_reason(exc)})", file=shown) from None
    if len(data) > max_bytes:  # grew since stat
        raise DataError(f"is larger than the limit of {max_bytes} bytes for a {what}", file=shown)
    return data


def read_text(path: Path, *, max_bytes: int, what: str = "file") -> str:
    """The file as UTF-8 text (a leading byte-order mark is dropped)."""
    data = read_bytes(path, max_bytes=max_bytes, what=what)
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise DataError(f"not UTF-8 text (byte {exc.start}: {exc.reason})", file=display_path(path)) from None


def sha256_of(path: Path) -> str:
    """SHA-256 of a file, read in chunks of :data:`HASH_CHUNK_BYTES`."""
    digest = hashlib.sha256()
    try:
        with open(path, "rb") as fh:
            while chunk := fh.read(HASH_CHUNK_BYTES):
                digest.update(chunk)
    except OSError as exc:
        raise DataError(f"cannot be read ({_os_reason(exc)})", file=display_path(path)) from None
    return digest.hexdigest()


def check_output_path(path: str | Path, suffixes: tuple[str, ...], *, field: str) -> Path:
    """Check an output file name before any work is done: its extension is one of ``suffixes``,
    it is not a folder, and its folder exists or can be made.

    Returns
    -------
    Path
    """
    path = Path(path)
    if path.suffix.lower() not in suffixes:
        allowed = ", ".join(suffixes)
        raise DataError(f"output must end in {allowed}, got {path.name!r}", field=field)
    if path.is_dir():
        raise DataError("is a folder; give a file name", file=path, field=field)
    parent = path.parent
    try:
        parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise DataError(f"cannot create the output folder ({_os_reason(exc)})", file=parent, field=field) from None
    if not os.access(parent, os.W_OK):
        raise DataError("the output folder is not writable", file=parent, field=field)
    return path


def _umask() -> int:
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


@contextlib.contextmanager
def atomic_output(path: str | Path, *, suffix: str | None = None) -> Iterator[Path]:
    """Yield a temporary path beside ``path``; rename it to ``path`` when the block completes.

    On any error (or an interrupt) the temporary file is removed and ``path`` is left as it was.
    The temporary name keeps the extension (``suffix``, by default that of ``path``) so that
    writers which choose a format by extension (imageio, matplotlib) still do.
    """
    path = Path(path)
    parent = path.parent
    try:
        parent.mkdir(parents=True, exist_ok=True)
        fd, tmp_name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=f".part{suffix or path.suffix}", dir=parent)
        os.close(fd)
        os.chmod(tmp_name, 0o666 & ~_umask())  # as an ordinary new file, not mkstemp's 0600
    except OSError as exc:
        raise DataError(f"cannot write ({_os_reason(exc)})", file=path) from None
    tmp = Path(tmp_name)
    try:
        yield tmp
        os.replace(tmp, path)
    except OSError as exc:
        raise DataError(f"cannot write ({_os_reason(exc)})", file=path) from None
    finally:
        with contextlib.suppress(OSError):
            tmp.unlink()


def write_bytes_atomic(path: str | Path, data: bytes) -> Path:
    """Write ``data`` to ``path`` through a temporary file."""
    with atomic_output(path) as tmp:
        tmp.write_bytes(data)
    return Path(path)


def write_text_atomic(path: str | Path, text: str) -> Path:
    """Write UTF-8 ``text`` to ``path`` through a temporary file."""
    return write_bytes_atomic(path, text.encode("utf-8"))
