"""Money rounding and amounts in words (人民币大写 by the PBoC bill rules, English)."""

from __future__ import annotations

from decimal import Decimal

import pytest

from lowcode.money import money_in_words, round_money


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (Decimal("2.675"), Decimal("2.68")),  # half up, not banker's 2.67/2.68 by binary accident
        (Decimal("0.125"), Decimal("0.13")),  # banker's rounding would give 0.12
        (Decimal("-2.675"), Decimal("-2.68")),  # away from zero for negatives too
        (Decimal("0.004"), Decimal("0.00")),
        ("1045.6", Decimal("1045.60")),
        ("  12 ", Decimal("12.00")),
        ("", Decimal("0.00")),
        (7, Decimal("7.00")),
        (1.005, Decimal("1.01")),  # via str: the float 1.005 is 1.00499… in binary
        (0.1 + 0.2, Decimal("0.30")),
        (None, Decimal("0.00")),
    ],
)
def test_round_money_half_up_to_the_cent(value, expected):
    result = round_money(value)
    assert result == expected
    assert result.as_tuple().exponent == -2


@pytest.mark.parametrize("value", ["abc", "NaN", "Infinity", float("inf")])
def test_round_money_refuses_what_is_not_an_amount(value):
    with pytest.raises(ValueError, match="Not a money amount"):
        round_money(value)


@pytest.mark.parametrize("value", [True, object(), [1]])
def test_round_money_refuses_other_types(value):
    with pytest.raises(TypeError):
        round_money(value)


# Each expected string below is worked by hand from the PBoC rules (see lowcode/money.py).
@pytest.mark.parametrize(
    ("amount", "expected"),
    [
        ("0", "人民币零元整"),
        ("0.05", "人民币伍分"),
        ("0.50", "人民币伍角整"),
        ("0.56", "人民币伍角陆分"),
        ("1", "人民币壹元整"),
        ("10", "人民币壹拾元整"),
        ("10.05", "人民币壹拾元零伍分"),
        ("15", "人民币壹拾伍元整"),
        ("100", "人民币壹佰元整"),
        ("105", "人民币壹佰零伍元整"),
        ("110", "人民币壹佰壹拾元整"),
        ("1004", "人民币壹仟零肆元整"),
        ("1045.60", "人民币壹仟零肆拾伍元陆角整"),
        ("1680.32", "人民币壹仟陆佰捌拾元叁角贰分"),
        ("325.04", "人民币叁佰贰拾伍元零肆分"),
        ("16409.02", "人民币壹万陆仟肆佰零玖元零贰分"),
        ("12345.67", "人民币壹万贰仟叁佰肆拾伍元陆角柒分"),
        ("100000", "人民币壹拾万元整"),
        ("107000.53", "人民币壹拾万零柒仟元伍角叁分"),
        ("1000100", "人民币壹佰万零壹佰元整"),
        ("1010000", "人民币壹佰零壹万元整"),
        ("20000000", "人民币贰仟万元整"),
        ("100000000", "人民币壹亿元整"),
        ("100000001", "人民币壹亿零壹元整"),
        ("100100000", "人民币壹亿零壹拾万元整"),
        ("110000000", "人民币壹亿壹仟万元整"),
        ("1000010000", "人民币壹拾亿零壹万元整"),
        ("123456789.12", "人民币壹亿贰仟叁佰肆拾伍万陆仟柒佰捌拾玖元壹角贰分"),
        ("1000000000000", "人民币壹万亿元整"),
        ("1000100000000", "人民币壹万零壹亿元整"),
        ("-100", "人民币负壹佰元整"),
        ("-0.05", "人民币负伍分"),
        ("99.995", "人民币壹佰元整"),  # rounded to the cent first
    ],
)
def test_money_in_words_zh(amount, expected):
    assert money_in_words(Decimal(amount)) == expected


def test_money_in_words_takes_str_int_float_and_zh_cn():
    assert money_in_words("1045.6") == "人民币壹仟零肆拾伍元陆角整"
    assert money_in_words(1045.6) == "人民币壹仟零肆拾伍元陆角整"
    assert money_in_words(20) == "人民币贰拾元整"
    assert money_in_words(20, lang="zh-CN") == "人民币贰拾元整"


@pytest.mark.parametrize(
    ("amount", "expected"),
    [
        ("0", "RMB Zero Only"),
        ("0.01", "RMB One Cent Only"),
        ("0.05", "RMB Five Cents Only"),
        ("1", "RMB One Only"),
        ("100", "RMB One Hundred Only"),
        ("105", "RMB One Hundred Five Only"),
        ("1045.60", "RMB One Thousand Forty-Five and Sixty Cents Only"),
        ("12345.67", "RMB Twelve Thousand Three Hundred Forty-Five and Sixty-Seven Cents Only"),
        ("1000000", "RMB One Million Only"),
        ("100000000", "RMB One Hundred Million Only"),
        ("2000013", "RMB Two Million Thirteen Only"),
        ("-7.10", "RMB Minus Seven and Ten Cents Only"),
    ],
)
def test_money_in_words_en(amount, expected):
    assert money_in_words(Decimal(amount), lang="en") == expected


def test_money_in_words_refuses_unknown_language_and_huge_amounts():
    with pytest.raises(ValueError, match="language"):
        money_in_words(1, lang="fr")
    with pytest.raises(ValueError, match="too large"):
        money_in_words(Decimal("1e16"))
