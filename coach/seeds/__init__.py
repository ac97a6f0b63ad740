"""The two training tips the rules come from (copies of ../shared/seeds, shipped with the package)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache
from pathlib import Path

_FOLDER = Path(__file__).resolve().parent


@dataclass(frozen=True, slots=True)
class Seed:
    file: str
    title: str
    topic: str  # what the tip is about, for readers who do not know it by its title

    @property
    def text(self) -> str:
        return _read(self.file)

    def contains(self, quote: str) -> bool:
        """True when the quote appears in the tip word for word (white space folded)."""
        return normalise_space(quote) in normalise_space(self.text)


@cache
def _read(file: str) -> str:
    return (_FOLDER / file).read_text(encoding="utf-8")


def normalise_space(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip()


TRANSFER_TIP = Seed("000_d686f409efc2443b.txt", "TGIF Tips – 7/24/09, Issue 18", "Transferring a chat")
CONCLUDING_TIP = Seed("002_8f82ea8b0c19bfdf.txt", "Quality Tip: No email, No Follow Up", "Concluding a session")
SEEDS = (TRANSFER_TIP, CONCLUDING_TIP)
