"""任务检索 page: query from the URL, modes, filters, KWIC, 查看相似条目, downloads, empty states."""
from __future__ import annotations

from apphelpers import assert_clean, html_bodies, make_app

ITEM = "000_c066458c1de48185:1.2"  # 区市场监管局 （二）严肃党内政治生活


def result_count(at) -> int:
    line = next(m.value for m in at.markdown if m.value.startswith("共找到"))
    return int(line.split("**")[1])


def test_shared_link_runs_the_search():
    at = make_app({"q": "三会一课", "mode": "exact"}, page=None)
    at.switch_page("pages/search.py").run()
    assert_clean(at)
    assert at.text_input(key="q").value == "三会一课"
    assert at.radio(key="mode").value == "exact"
    assert result_count(at) == 5
    assert html_bodies(at).count("<mark") >= 5
    kwic = at.dataframe[0].value
    assert list(kwic.columns) == ["单位", "条目", "前文", "匹配", "后文"]
    assert set(kwic["匹配"]) == {"三会一课"}
    assert [b.proto.label for b in at.get("download_button")] == ["下载 Excel", "下载 CSV"]


def test_typing_a_query_writes_the_url():
    at = make_app(page="pages/search.py")
    assert any("请输入要检索的词句" in i.value for i in at.info)
    at.text_input(key="q").input("主题党日").run()
    assert at.query_params["q"] == "主题党日"
    assert at.query_params["mode"] == "exact"
    assert result_count(at) > 0


def test_keyword_mode_and_filters():
    at = make_app({"q": "党员 教育", "mode": "keyword"}, page=None)
    at.switch_page("pages/search.py").run()
    assert_clean(at)
    assert at.radio(key="mode").value == "keyword"
    everything = result_count(at)
    assert everything > 0 and not at.dataframe  # no KWIC table outside exact mode
    at.multiselect(key="organs").set_value(["市委政研室"]).run()
    assert result_count(at) < everything
    at.multiselect(key="organs").set_value([]).run()
    at.multiselect(key="s_dims").set_value(["organization"]).run()
    assert at.query_params["dims"] == "organization"
    assert result_count(at) <= everything


def test_find_similar_from_a_result():
    at = make_app({"q": "三会一课"}, page=None)
    at.switch_page("pages/search.py").run()
    at.button(key=f"similar_{ITEM}").click().run()
    assert_clean(at)
    assert at.radio(key="mode").value == "similar"
    assert at.text_input(key="q").value == ITEM
    assert at.query_params["mode"] == "similar" and at.query_params["q"] == ITEM
    assert any("与下面这条相似的条目" in m.value for m in at.markdown)
    assert result_count(at) > 0
    assert any("相似度" in c.value for c in at.caption)


def test_no_results_says_what_to_try():
    at = make_app({"q": "绝对不会出现的词语组合"}, page=None)
    at.switch_page("pages/search.py").run()
    assert_clean(at)
    assert any("没有找到" in i.value and "关键词" in i.value for i in at.info)


def test_invalid_mode_in_url_falls_back_to_exact():
    at = make_app({"q": "三会一课", "mode": "regex"}, page=None)
    at.switch_page("pages/search.py").run()
    assert_clean(at)
    assert at.radio(key="mode").value == "exact"
