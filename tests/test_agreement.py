"""Agreement figures against values computed by hand (and Krippendorff's own worked example)."""

from __future__ import annotations

import pytest

from coach.agreement import MIN_ITEMS_FOR_KAPPA, krippendorff_alpha, pair_agreement


def test_kappa_and_percent_agreement_of_the_textbook_two_by_two_table() -> None:
    # 50 items: both pass 20, first pass and second fail 5, first fail and second pass 10, both fail 15.
    # Observed 35/50 = 0.7; chance 0.5 * 0.6 + 0.5 * 0.4 = 0.5; kappa (0.7 - 0.5) / (1 - 0.5) = 0.4.
    first = ["pass"] * 25 + ["fail"] * 25
    second = ["pass"] * 20 + ["fail"] * 5 + ["pass"] * 10 + ["fail"] * 15
    found = pair_agreement(first, second)
    assert (found.items, found.percent, found.kappa) == (50, pytest.approx(0.7), pytest.approx(0.4))
    assert not found.too_few_items


def test_items_one_rater_left_out_do_not_count_and_few_items_are_flagged() -> None:
    # Both rated four: agree on three; first 2 pass 2 fail, second 3 pass 1 fail:
    # chance (2 * 3 + 2 * 1) / 16 = 0.5, kappa (0.75 - 0.5) / 0.5 = 0.5.
    found = pair_agreement(["pass", "pass", "fail", "fail", None, "n/a"],
                           ["pass", "pass", "fail", "pass", "fail", None])
    assert (found.items, found.percent, found.kappa) == (4, 0.75, pytest.approx(0.5))
    assert found.too_few_items and 4 < MIN_ITEMS_FOR_KAPPA


def test_kappa_is_undefined_when_both_raters_gave_one_same_verdict_only() -> None:
    assert pair_agreement(["pass"] * 5, ["pass"] * 5).kappa is None
    assert pair_agreement(["pass"] * 5, ["pass"] * 5).percent == 1.0
    assert pair_agreement([None, "pass"], ["fail", None]) == pair_agreement([], [])
    with pytest.raises(ValueError, match="length"):
        pair_agreement(["pass"], [])


def test_alpha_of_two_raters_computed_by_hand() -> None:
    # Units (p, p), (p, p), (f, f), (f, p): coincidences o_pp 4, o_ff 2, o_pf = o_fp 1; n_p 5, n_f 3,
    # n 8; alpha = 1 - (n - 1) * (o_pf + o_fp) / (2 * n_p * n_f) = 1 - 7 * 2 / 30 = 8 / 15.
    assert krippendorff_alpha([["pass", "pass", "fail", "fail"], ["pass", "pass", "fail", "pass"]]) == pytest.approx(8 / 15)


def test_alpha_of_krippendorffs_worked_example_with_missing_ratings() -> None:
    # Krippendorff (2011), "Computing Krippendorff's Alpha-Reliability": four observers, twelve
    # units, nominal data with gaps; alpha = 0.743.
    a = [1, 2, 3, 3, 2, 1, 4, 1, 2, None, None, None]
    b = [1, 2, 3, 3, 2, 2, 4, 1, 2, 5, None, 3]
    c = [None, 3, 3, 3, 2, 3, 4, 2, 2, 5, 1, None]
    d = [1, 2, 3, 3, 2, 4, 4, 1, 2, 5, 1, None]
    raters = [[None if value is None else str(value) for value in observer] for observer in (a, b, c, d)]
    assert krippendorff_alpha(raters) == pytest.approx(0.743, abs=0.0005)


def test_alpha_is_one_for_full_agreement_and_undefined_without_variation_or_pairs() -> None:
    assert krippendorff_alpha([["pass", "fail", "n/a"], ["pass", "fail", "n/a"], ["pass", None, "n/a"]]) == 1.0
    assert krippendorff_alpha([["pass", "pass"], ["pass", "pass"]]) is None
    assert krippendorff_alpha([["pass", None], [None, "fail"]]) is None
    assert krippendorff_alpha([["pass", "fail"]]) is None
