"""Every byte decoded right: one fixture per language class (tests/mails/decode_*.eml), and the rules
behind them — the declared charset trusted, undeclared bytes never read as Chinese when they are
accented Latin, the message's own charsets tried first, names decoded after the address."""

import pytest

from helpdesk.mail.addresses import parse_address_headers
from helpdesk.mail.charsets import decode_bytes, decode_header_value
from helpdesk.mail.parse import parse_message
from tests.conftest import MAILS


def parse(name: str):
    return parse_message((MAILS / name).read_bytes())


def test_chinese_utf8_cut_mid_character_loses_one_character_and_gbk_file_names_are_read():
    mail = parse("decode_chinese_utf8_cut_gbk_file_names.eml")
    assert mail.text == "您好：\n\n打印服务从今天上午开始报错，截图和日志见附件。\n\n王芳\ufffd"
    assert (mail.sender.name, mail.subject) == ("王芳", "打印服务报错")
    assert [a.filename for a in mail.attachments] == ["错误截图.png", "打印日志.log"]


def test_traditional_chinese_raw_big5_subject_follows_the_big5_body():
    mail = parse("decode_chinese_big5_raw_subject.eml")
    assert (mail.subject, mail.sender.name) == ("系統無法登入", "陳小明")
    assert mail.text.startswith("您好，系統從昨天開始無法登入")


def test_japanese_part_labelled_iso2022jp_that_is_utf8_and_a_raw_shift_jis_subject():
    mail = parse("decode_japanese_iso2022jp_label_utf8_body.eml")
    assert mail.text == "お世話になっております。\n今朝からシステムにログインできません。"
    assert (mail.subject, mail.sender.name) == ("ログインできません", "山田太郎")


def test_korean_raw_euc_kr_subject_and_name_follow_the_body():
    mail = parse("decode_korean_euc_kr_raw_subject.eml")
    assert (mail.subject, mail.sender.name) == ("로그인 오류 문의", "김민수")
    assert "로그인이 되지 않습니다" in mail.text


def test_russian_one_bad_byte_in_8kb_costs_one_character_and_koi8_subject_stays_russian():
    mail = parse("decode_russian_utf8_one_bad_byte_koi8_subject.eml")
    assert mail.text.count("\ufffd") == 1
    assert mail.text.replace("\ufffd", "").count("Здравствуйте! Принтер в бухгалтерии не печатает") == 60
    assert mail.subject == "Принтер не печатает"


def test_german_undeclared_latin1_is_never_chinese():
    mail = parse("decode_german_undeclared_latin1.eml")
    assert (mail.sender.name, mail.subject) == ("Ingo Lütkebohle", "Größe der Anhänge")
    assert "Können Sie die Größe erhöhen?" in mail.text


def test_french_name_with_comma_and_comment_keeps_its_order_and_unknown_charset_is_detected():
    mail = parse("decode_french_quoted_comma_name_unknown_charset.eml")
    assert mail.sender.name == "Dupont, François (Service client)"
    assert mail.sender.email == "francois@example.fr"
    assert mail.subject == "Café : problème d'accès"
    assert mail.text.endswith("Merci de votre aide.\n\nFrançois")


def test_portuguese_raw_subject_and_utf8_file_name():
    mail = parse("decode_portuguese_raw_latin1_subject_utf8_file_name.eml")
    assert (mail.subject, mail.sender.name) == ("Formação: relatório não abre", "João Conceição")
    assert [a.filename for a in mail.attachments] == ["relatório de formação.pdf"]


@pytest.mark.parametrize(
    ("text", "codec"),
    [
        ("Ingo Lütkebohle", "latin-1"),
        ("Un café, s'il vous plaît", "cp1252"),
        ("François", "cp1252"),
        ("Wilhelmsen Håvard", "latin-1"),
        ("Formação Verão", "latin-1"),
        ("Det här är ett meddelande", "latin-1"),
        ("тест", "koi8_r"),
        ("ТЕСТ ТЕСТ", "koi8_r"),
        ("Здравствуйте, у нас не работает принтер", "cp1251"),
        ("朱镕基路分公司", "gb18030"),
        ("王芳", "gbk"),
        ("新建 文本文档.txt", "gbk"),
        ("請問系統無法登入怎麼辦", "big5"),
        ("これはテストです", "cp932"),
        ("안녕하세요 테스트", "cp949"),
    ],
)
def test_undeclared_bytes_are_read_in_their_own_script(text, codec):
    assert decode_bytes(text.encode(codec), None) == (text, None)


def test_a_label_that_fails_badly_is_detected_one_bad_byte_is_not():
    gbk = "系统无法登录，请尽快处理".encode("gb18030")
    assert decode_bytes(gbk, "utf-8")[0] == "系统无法登录，请尽快处理"
    russian = ("Здравствуйте " * 50).encode() + b"\xd0"
    assert decode_bytes(russian, "utf-8")[0] == "Здравствуйте " * 50 + "\ufffd"


@pytest.mark.parametrize(
    "label", ["rot13", "zlib", "base64", "hex", "uu", "bz2", "quopri", "undefined", "utf\x00"]
)
def test_no_charset_names_fall_back_to_detection(label):
    text, defect = decode_bytes("打印机报错".encode(), label)
    assert text == "打印机报错" and "unknown charset" in defect
    assert decode_header_value(f"=?{label}?b?5omT5Y2w5py6?=") == "打印机"


def test_a_raw_byte_inside_an_encoded_word_is_read_by_the_words_charset():
    raw = "=?iso-8859-1?q?caf\udce9_cr=E8me?= ok"
    assert decode_header_value(raw) == "café crème ok"


@pytest.mark.parametrize(
    ("value", "name", "email"),
    [
        ('"Foo, Bar" <x@example.com>', "Foo, Bar", "x@example.com"),
        ("Doe, John <j@example.com>", "Doe, John", "j@example.com"),
        ("Wang (IT, Beijing) <w@example.cn>", "Wang (IT, Beijing)", "w@example.cn"),
        ("purchasing@example.com <noreply@example.net>", "purchasing@example.com", "noreply@example.net"),
        ("=?utf-8?q?Zhang=2C?= San <z@example.cn>", "Zhang, San", "z@example.cn"),
        ("=?gbk?b?zfW3vA==?= =?gbk?b?KElUKQ==?= <w@example.cn>", "王芳(IT)", "w@example.cn"),
    ],
)
def test_display_names_are_decoded_after_the_address_and_keep_their_order(value, name, email):
    [address] = parse_address_headers([value]).addresses
    assert (address.name, address.email) == (name, email)


def test_bom_obsolete_header_syntax_and_a_named_inline_text_as_the_only_body():
    raw = (
        b"\xef\xbb\xbfFrom  : Li Lei <li.lei@example.cn>\r\nSubject : hello\r\n"
        b'Content-Type: text/plain; charset=utf-8; name="note.txt"\r\n'
        b"Content-Disposition: inline\r\n\r\n" + "系统报错".encode()
    )
    mail = parse_message(raw)
    assert (mail.sender.email, mail.subject, mail.text) == ("li.lei@example.cn", "hello", "系统报错")
    assert [a.filename for a in mail.attachments] == ["note.txt"]


def test_an_impossible_date_is_treated_as_missing():
    mail = parse_message(b"From: a@example.com\r\nDate: 99999999999\r\n\r\nhello")
    assert mail.date is None and any("Date" in d for d in mail.defects)


@pytest.mark.parametrize(
    ("name", "codec", "body_charset"),
    [("错误截图.png", "utf-8", "utf-8"), ("错误截图.png", "gbk", "gbk"), ("錯誤截圖.png", "big5", "big5")],
)
def test_raw_8bit_file_names_decode_like_raw_subjects(name, codec, body_charset):
    raw = (
        b'From: a@example.com\r\nSubject: x\r\nContent-Type: multipart/mixed; boundary="b"\r\n\r\n'
        b"--b\r\nContent-Type: text/plain; charset="
        + body_charset.encode()
        + b"\r\n\r\n"
        + "附件".encode(codec)
        + b"\r\n--b\r\nContent-Type: image/png\r\n"
        b'Content-Disposition: attachment; filename="' + name.encode(codec) + b'"\r\n\r\nPNG\r\n--b--\r\n'
    )
    assert [a.filename for a in parse_message(raw).attachments] == [name]


def test_valid_utf8_under_a_latin_label_is_utf8_and_valid_text_carries_no_defect():
    assert decode_bytes("DISCOVER® Größe".encode(), "iso-8859-1")[0] == "DISCOVER® Größe"
    assert decode_bytes("Здравствуйте".encode(), "utf-8") == ("Здравствуйте", None)
    assert decode_bytes("Größe".encode("latin-1"), "iso-8859-1") == ("Größe", None)
