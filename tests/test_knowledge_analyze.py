"""Search terms: Chinese as bigrams, English words folded and lightly stemmed, the same for every database."""

from __future__ import annotations

from helpdesk.knowledge.analyze import coverage, parse_query, stem, terms


def test_chinese_becomes_overlapping_bigrams_so_two_character_words_match():
    assert terms("打印机卡纸") == ["打印", "印机", "机卡", "卡纸"]
    assert parse_query("打印").words == ("打印",)  # a two-character query is one whole term


def test_english_words_are_folded_and_stemmed_alike_in_text_and_query():
    assert terms("Printers PRINTING printed, ＶＰＮ Café cafe") == [
        "printer",
        "print",
        "print",
        "vpn",
        "caf",
        "caf",
    ]
    assert stem("status") == "status" and stem("bus") == "bus" and stem("queries") == "query"
    assert {stem(w) for w in ("update", "updated", "updating", "updates")} == {"updat"}
    assert {stem(w) for w in ("drop", "drops", "dropped", "dropping")} == {"drop"}
    assert stem("connection") == stem("connect") and stem("added") == "add" and stem("access") == "access"


def test_korean_and_japanese_are_bigrams_too():
    assert terms("비밀번호 ログイン") == ["비밀", "밀번", "번호", "ログ", "グイ", "イン"]


def test_mixed_scripts_split_where_the_script_changes():
    assert terms("VPN连接失败 v3.2") == ["vpn", "连接", "接失", "失败", "v3", "2"]


def test_a_single_chinese_character_is_asked_as_a_prefix():
    query = parse_query("卡 printer")
    assert query.words == ("printer",) and query.prefixes == ("卡",)
    assert coverage(query, {"卡纸", "printer"}) == 1.0
    assert coverage(query, {"纸卡", "printer"}) == 0.5


def test_repeated_query_terms_count_once():
    assert parse_query("打印 打印 print printing").words == ("打印", "print")


def test_punctuation_only_asks_nothing():
    assert parse_query("，。!?").empty


def test_blobs_are_not_terms_and_a_pasted_page_asks_its_first_terms():
    assert terms("x" * 101 + " ok") == ["ok"]
    assert len(parse_query(" ".join(f"word{n}" for n in range(500))).words) == 64
