"""How far raters, human or the coach, agree on verdicts: the figures of a calibration session.

A rating is one rater's verdict on one rule of one attempt ("pass", "fail", "n/a"), or None
where that rater gave none. For each pair of raters: percent agreement and Cohen's kappa on the
items both rated; across all raters: Krippendorff's alpha (nominal), which allows missing
ratings. Kappa and alpha are chance-corrected: 1 is perfect agreement, 0 what chance alone gives.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

import krippendorff
import numpy as np

# Below this many items rated by both, kappa's confidence interval is wider than the difference
# between "fair" and "substantial" agreement: the figure is shown with a warning.
MIN_ITEMS_FOR_KAPPA = 30

Rating = str | None


@dataclass(frozen=True)
class PairAgreement:
    items: int  # rated by both
    percent: float | None  # share of those on which they agree; None when there are none
    kappa: float | None  # None where it is undefined (no items, or both used one same verdict only)

    @property
    def too_few_items(self) -> bool:
        return self.items < MIN_ITEMS_FOR_KAPPA


def _both_rated(first: Sequence[Rating], second: Sequence[Rating]) -> list[tuple[str, str]]:
    if len(first) != len(second):
        raise ValueError(f"the raters' lists differ in length: {len(first)} and {len(second)}")
    return [(a, b) for a, b in zip(first, second, strict=True) if a is not None and b is not None]


def pair_agreement(first: Sequence[Rating], second: Sequence[Rating]) -> PairAgreement:
    """Percent agreement and Cohen's kappa of two raters over the items both rated."""
    pairs = _both_rated(first, second)
    if not pairs:
        return PairAgreement(0, None, None)
    observed = sum(a == b for a, b in pairs) / len(pairs)
    first_counts, second_counts = Counter(a for a, _ in pairs), Counter(b for _, b in pairs)
    expected = sum(first_counts[label] * second_counts[label] for label in first_counts) / len(pairs) ** 2
    kappa = None if math.isclose(expected, 1.0) else (observed - expected) / (1 - expected)
    return PairAgreement(len(pairs), observed, kappa)


def krippendorff_alpha(raters: Sequence[Sequence[Rating]]) -> float | None:
    """Nominal Krippendorff's alpha over every rater's ratings of the same items (one list per
    rater, None where missing); None where it is undefined (fewer than two ratings of any item,
    or a single verdict throughout)."""
    if len({len(ratings) for ratings in raters}) > 1:
        raise ValueError("every rater's list must cover the same items")
    labels = sorted({rating for ratings in raters for rating in ratings if rating is not None})
    pairable = sum(sum(rating is not None for rating in item) >= 2 for item in zip(*raters, strict=True))
    if len(raters) < 2 or len(labels) < 2 or pairable == 0:
        return None
    code = {label: number for number, label in enumerate(labels)}
    data = np.array([[np.nan if rating is None else code[rating] for rating in ratings] for ratings in raters],
                    dtype=float)
    alpha = float(krippendorff.alpha(reliability_data=data, level_of_measurement="nominal"))
    return None if math.isnan(alpha) else alpha
