"""Writing a notebook file the way every harness command writes its outputs (the rule of
`workload::output`): the target is checked first (not a symbolic link, a directory, a pipe or
a device; its folder exists), the text goes to a new file beside it, created exclusively, and
only a complete, synced file is renamed into place; on any failure the previous file stays."""

import os
import stat
import sys
from pathlib import Path


def check(target: Path) -> None:
    """Raises SystemExit with one line saying why `target` cannot be an output."""
    try:
        st = os.lstat(target)
    except FileNotFoundError:
        st = None
    if st is not None:
        if stat.S_ISLNK(st.st_mode):
            sys.exit(f"{target}: is a symbolic link; give the file it points to, or another name")
        if stat.S_ISDIR(st.st_mode):
            sys.exit(f"{target}: is a directory; give a file name")
        if not stat.S_ISREG(st.st_mode):
            sys.exit(f"{target}: is not a regular file (a device or a pipe); give a file name")
    if not target.parent.is_dir():
        sys.exit(f"{target}: the folder {target.parent} does not exist")


def write_whole(target: Path, text: str) -> None:
    """Writes `text` to `target` whole or not at all."""
    check(target)
    n = 0
    while True:
        temporary = target.parent / f".{target.name[:200]}.{os.getpid()}-{n}.partial"
        try:
            fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o644)
            break
        except FileExistsError:
            n += 1
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            f.write(text)
            f.flush()
            os.fsync(f.fileno())
        os.replace(temporary, target)
    except BaseException:
        temporary.unlink(missing_ok=True)
        raise
