"""Charset handling: legacy CJK labels read as their supersets, headers in every encoding."""

import base64

from helpdesk.mail.charsets import codec_for, decode_bytes, decode_header_value, decode_iso2022jp


def test_gb2312_label_reads_gbk_only_characters():
    data = "朱镕基路分公司".encode("gb18030")
    with_strict_codec = data.decode("gb2312", "replace")
    assert "\ufffd" in with_strict_codec  # what a naive decoder shows the customer
    assert decode_bytes(data, "gb2312") == ("朱镕基路分公司", None)


def test_big5_label_reads_cp950_extensions():
    assert codec_for("big5") == "cp950"
    assert decode_bytes("裏碁銹".encode("cp950"), "BIG5")[0] == "裏碁銹"


def test_iso2022jp_reads_microsoft_extensions():
    # Python has no CP50221 codec. ESC $ B, JIS row 13 (NEC specials: ① 0x2D21, ㈱ 0x2D6A), ASCII.
    data = b"\x1b$B-!-j\x1b(B abc"
    assert decode_iso2022jp(data) == "①㈱ abc"
    assert decode_bytes("日本語".encode("iso2022_jp"), "ISO-2022-JP")[0] == "日本語"


def test_unknown_charset_is_detected_and_reported():
    text, defect = decode_bytes("你好，世界".encode(), "x-unknown")
    assert text == "你好，世界"
    assert defect and "unknown charset" in defect


def test_wrong_label_falls_back_to_detection():
    text, defect = decode_bytes("系统无法登录，请尽快处理".encode("gb18030"), "utf-8")
    assert text == "系统无法登录，请尽快处理"
    assert defect and "does not fit" in defect


def test_header_encoded_words_use_superset():
    word = base64.b64encode("朱镕基".encode("gb18030")).decode()
    assert decode_header_value(f"=?gb2312?B?{word}?=") == "朱镕基"
    assert decode_header_value("=?utf-8?Q?=E7=B3=BB=E7=BB=9F?= down") == "系统 down"


def test_raw_8bit_header_bytes_are_detected():
    smuggled = "打印服务报错".encode("gb18030").decode("ascii", "surrogateescape")
    assert decode_header_value(smuggled) == "打印服务报错"
