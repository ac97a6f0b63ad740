"""Reading input files safely."""

from __future__ import annotations

from pathlib import Path

from coach.problems import BadInput, Problem
from coach.yamlsafe import MAX_BYTES


def read_text(path: str | Path) -> str:
    """Read a UTF-8 file, refusing huge files before reading them whole."""
    file = Path(path)
    try:
        if file.stat().st_size > MAX_BYTES:
            raise BadInput([Problem(str(path), f"the file is larger than {MAX_BYTES // 1024} KiB")])
        return file.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise BadInput([Problem(str(path), "no such file")]) from None
    except IsADirectoryError:
        raise BadInput([Problem(str(path), "is a folder, expected a file")]) from None
    except UnicodeDecodeError as error:
        raise BadInput([Problem(str(path), f"not UTF-8 text (byte {error.start})")]) from None
    except OSError as error:
        raise BadInput([Problem(str(path), error.strerror or "cannot be read")]) from None
