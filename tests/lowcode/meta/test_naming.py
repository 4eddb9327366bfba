"""Field names from labels: pinyin for Chinese, snake_case for English, never reserved, unique."""

from __future__ import annotations

import keyword

import pytest

from lowcode.meta.checks import FIELDNAME_RE, reserved_fieldnames
from lowcode.meta.naming import fieldname_from_label


@pytest.mark.parametrize(
    ("label", "expected"),
    [
        ("行业细分", "hangye_xifen"),
        ("客户等级", "kehu_dengji"),
        ("微信号", "weixin_hao"),
        ("重庆分行", "chongqing_fenhang"),  # the phrase's reading (chong), not 重 as zhong
        ("绿色通道", "lvse_tongdao"),  # ü as v
        ("Annual Revenue", "annual_revenue"),
        ("annualRevenue", "annual_revenue"),
        ("VIP客户", "vip_kehu"),
        ("客户A级", "kehu_a_ji"),
        # full-width digits and brackets; a name starts with a letter
        ("２０２６年度目标（万元）", "field_2026_niandu_mubiao_wanyuan"),
        ("Ｅｍａｉｌ　地址", "email_dizhi"),  # full-width letters and space
        ("合同金额/元", "hetong_jine_yuan"),
        ("  -- Café №1 --  ", "cafe_no_1"),
        ("", "field"),
        ("！？", "field"),
    ],
)
def test_label_becomes_a_readable_fieldname(label, expected):
    assert fieldname_from_label(label) == expected


def test_name_is_never_reserved_nor_a_keyword():
    reserved = reserved_fieldnames()
    for label in ("Name", "Owner", "Modified", "doctype", "save", "class", "import", "Idx"):
        name = fieldname_from_label(label)
        assert name not in reserved and not keyword.iskeyword(name), (label, name)
        assert FIELDNAME_RE.match(name)
    assert fieldname_from_label("Owner") == "owner_field"


def test_name_is_unique_against_taken_names():
    taken = {"hangye_xifen", "hangye_xifen_2"}
    assert fieldname_from_label("行业细分", taken) == "hangye_xifen_3"
    assert fieldname_from_label("行业 细分", frozenset({"hangye_xifen"})) == "hangye_xifen_2"


def test_prefix_is_part_of_the_unique_name():
    taken = {"custom_hangye_xifen"}
    assert fieldname_from_label("行业细分", set(), prefix="custom_") == "custom_hangye_xifen"
    assert fieldname_from_label("行业细分", taken, prefix="custom_") == "custom_hangye_xifen_2"


def test_a_long_label_is_cut_at_a_word():
    name = fieldname_from_label("这是一个非常非常长的字段标签用于测试字段名长度限制是否生效" * 2)
    assert len(name) <= 48 and not name.endswith("_") and FIELDNAME_RE.match(name)
