"""Money: Decimal rounding and amounts in words (人民币大写, English).

Every amount the CRM computes is rounded here, once, to the cent with
ROUND_HALF_UP (四舍五入, as Chinese invoices and contracts expect; Python's
default banker's rounding would turn 0.125 into 0.12).

``money_in_words`` follows the People's Bank of China rules for writing
amounts on bills (《正确填写票据和结算凭证的基本规定》):

- digits 零壹贰叁肆伍陆柒捌玖, units 拾佰仟, groups 万 and 亿; a leading
  ten is written 壹拾 (10 → 壹拾元整), never 拾 alone;
- one 零 stands for any run of zeros between non-zero digits, also across a
  万/亿 group (100,000,001 → 壹亿零壹元; 107,000 → 壹拾万零柒仟元);
- an amount that stops at 元 or 角 ends with 整 (100 → 壹佰元整,
  0.50 → 伍角整); one with 分 does not (1.23 → 壹元贰角叁分);
- 角 zero but 分 not: 零 after 元 (10.05 → 壹拾元零伍分); without yuan the
  amount starts at its first unit (0.05 → 伍分);
- a negative amount (a 红冲 or a refund) reads 人民币负….
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

CENT = Decimal("0.01")

# Past 9999万亿 there is no unit left (兆 is ambiguous); no CRM amount gets near.
_MAX_YUAN = 10**16

_ZH_DIGITS = "零壹贰叁肆伍陆柒捌玖"
_ZH_UNITS = ("", "拾", "佰", "仟")
_ZH_GROUPS = ("", "万", "亿", "万")  # group 3 is 万亿: its 亿 comes from group 2


def to_decimal(value: object) -> Decimal:
    """Return ``value`` as a Decimal; floats go through ``str`` (0.1 stays 0.1)."""
    if isinstance(value, Decimal):
        result = value
    elif isinstance(value, bool):
        raise TypeError("A money amount cannot be a bool")
    elif isinstance(value, int | str):
        try:
            result = Decimal(str(value).strip() or "0")
        except InvalidOperation:
            raise ValueError(f"Not a money amount: {value!r}") from None
    elif isinstance(value, float):
        result = Decimal(str(value))
    elif value is None:
        result = Decimal(0)
    else:
        raise TypeError(f"Not a money amount: {value!r}")
    if not result.is_finite():
        raise ValueError(f"Not a money amount: {value!r}")
    return result


def round_money(value: object) -> Decimal:
    """Round ``value`` to the cent, half up (2.675 → 2.68, -2.675 → -2.68)."""
    return to_decimal(value).quantize(CENT, rounding=ROUND_HALF_UP)


def money_in_words(amount: object, lang: str = "zh") -> str:
    """Write ``amount`` (rounded to the cent) in words: 人民币大写 or English."""
    value = round_money(amount)
    negative = value < 0
    cents = int(abs(value) * 100)
    yuan, fen_total = divmod(cents, 100)
    if yuan >= _MAX_YUAN:
        raise ValueError(f"Amount too large to write in words: {value}")
    jiao, fen = divmod(fen_total, 10)
    code = (lang or "zh").lower().replace("_", "-")
    if code.startswith("zh"):
        return "人民币" + ("负" if negative else "") + _zh_words(yuan, jiao, fen)
    if code.startswith("en"):
        return "RMB " + ("Minus " if negative else "") + _en_words(yuan, fen_total)
    raise ValueError(f"money_in_words has no language {lang!r} (use 'zh' or 'en')")


def _zh_integer(number: int) -> str:
    """Write a whole number of yuan in capital numerals (without 元)."""
    if number == 0:
        return _ZH_DIGITS[0]
    digits = str(number)
    width = len(digits)
    parts: list[str] = []
    zero_pending = False
    for index, char in enumerate(digits):
        position = width - 1 - index
        digit = int(char)
        if digit:
            if zero_pending:
                parts.append("零")
            parts.append(_ZH_DIGITS[digit] + _ZH_UNITS[position % 4])
            zero_pending = False
        elif parts:
            zero_pending = True
        if position % 4 == 0 and position:
            group = position // 4
            group_digits = digits[max(0, index - 3) : index + 1]
            # 亿 is written when anything sits at or above it (壹万亿 has an all-zero 亿 group).
            above = digits[: index + 1] if group == 2 else group_digits
            if int(above):
                parts.append(_ZH_GROUPS[group])
    return "".join(parts)


def _zh_words(yuan: int, jiao: int, fen: int) -> str:
    """Join the yuan, 角 and 分 parts by the bill-writing rules."""
    if yuan == 0 and jiao == 0 and fen == 0:
        return "零元整"
    words = _zh_integer(yuan) + "元" if yuan else ""
    if jiao:
        words += _ZH_DIGITS[jiao] + "角"
    elif fen and yuan:
        words += "零"
    if fen:
        return words + _ZH_DIGITS[fen] + "分"
    return words + "整"


_EN_ONES = [
    "Zero",
    "One",
    "Two",
    "Three",
    "Four",
    "Five",
    "Six",
    "Seven",
    "Eight",
    "Nine",
    "Ten",
    "Eleven",
    "Twelve",
    "Thirteen",
    "Fourteen",
    "Fifteen",
    "Sixteen",
    "Seventeen",
    "Eighteen",
    "Nineteen",
]
_EN_TENS = ["_", "_", "Twenty", "Thirty", "Forty", "Fifty", "Sixty", "Seventy", "Eighty", "Ninety"]
_EN_SCALES = ("", "Thousand", "Million", "Billion", "Trillion", "Quadrillion")


def _en_below_thousand(number: int) -> str:
    """Write 1–999 in English words ("Forty-Five", "One Hundred Five")."""
    hundreds, rest = divmod(number, 100)
    words = []
    if hundreds:
        words.append(_EN_ONES[hundreds] + " Hundred")
    if rest >= 20:
        tens, ones = divmod(rest, 10)
        words.append(_EN_TENS[tens] + (f"-{_EN_ONES[ones]}" if ones else ""))
    elif rest:
        words.append(_EN_ONES[rest])
    return " ".join(words)


def _en_integer(number: int) -> str:
    """Write a whole number in English words with Thousand/Million/Billion."""
    if number == 0:
        return "Zero"
    groups = []
    scale = 0
    while number:
        number, chunk = divmod(number, 1000)
        if chunk:
            groups.append(_en_below_thousand(chunk) + (f" {_EN_SCALES[scale]}" if scale else ""))
        scale += 1
    return " ".join(reversed(groups))


def _en_words(yuan: int, cents: int) -> str:
    """Write "One Thousand Forty-Five and Sixty Cents Only" style words."""
    cent_words = f"{_en_integer(cents)} Cent{'s' if cents != 1 else ''}" if cents else ""
    if yuan and cents:
        return f"{_en_integer(yuan)} and {cent_words} Only"
    if cents:
        return f"{cent_words} Only"
    return f"{_en_integer(yuan)} Only"
