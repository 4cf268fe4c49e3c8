"""章节对照 page: row modes (also from the URL), 未涉及 cells, full text, filters, escaping."""
from __future__ import annotations

from apphelpers import EVIL_ORGAN, assert_clean, evil_library, html_bodies, make_app, use_library

ORGANS = ["区市场监管局", "市级机关工委", "市委政研室", "市场监管某局", "市直机关工委"]


def test_dimension_rows_by_default():
    at = make_app(page="pages/matrix.py")
    assert_clean(at)
    assert at.radio(key="rows").value == "dimension"
    assert at.query_params["rows"] == "dimension"
    body = html_bodies(at)
    assert all(f"<th>{organ}</th>" in body for organ in ORGANS)
    assert "政治建设" in body and "未涉及" in body


def test_switching_to_order_rows():
    at = make_app(page="pages/matrix.py")
    at.radio(key="rows").set_value("order").run()
    assert_clean(at)
    assert at.query_params["rows"] == "order"
    body = html_bodies(at)
    assert "第1章" in body and "无此章" in body  # one plan has 7 sections, the others 6


def test_rows_mode_from_the_url():
    at = make_app({"rows": "order"}, page="pages/matrix.py")
    assert at.radio(key="rows").value == "order"
    bad = make_app({"rows": "nonsense"}, page="pages/matrix.py")
    assert_clean(bad)
    assert bad.radio(key="rows").value == "dimension"


def test_organ_filter_limits_columns():
    at = make_app({"organs": "市委政研室,市直机关工委"}, page="pages/matrix.py")
    body = html_bodies(at)
    assert "<th>市委政研室</th>" in body and "<th>市直机关工委</th>" in body
    assert "<th>区市场监管局</th>" not in body


def test_full_text_of_an_item_and_a_section():
    at = make_app(page="pages/matrix.py")
    picker = at.selectbox(key="matrix_pick")
    assert picker.value is None
    assert "区市场监管局｜一、（二）严肃党内政治生活" in picker.options
    picker.set_value("000_c066458c1de48185:1.2").run()  # 区市场监管局 （二）严肃党内政治生活
    assert_clean(at)
    assert "三会一课" in "\n".join(m.value for m in at.markdown)  # full wording, not just the title
    at.selectbox(key="matrix_pick").set_value("000_c066458c1de48185:1").run()  # its section
    text = "\n".join(m.value for m in at.markdown)
    assert "强化政治监督" in text and "筑牢“两个确立”的政治根基" in text


def test_plan_text_is_escaped_in_the_table(evil_library):
    at = use_library(make_app(page="pages/matrix.py"), evil_library)
    assert_clean(at)
    body = html_bodies(at)
    assert "<script" not in body and "<img" not in body and "<b>恶意" not in body
    assert "&lt;script&gt;" in body and "&lt;b&gt;恶意" in body
    evil = next(o for o in at.selectbox(key="matrix_pick").options if o.startswith(EVIL_ORGAN))
    at.selectbox(key="matrix_pick").select(evil).run()
    shown = "\n".join(m.value for m in at.markdown)
    assert "恶意" in shown and "<b>" not in shown and "<script" not in shown and "](" not in shown
