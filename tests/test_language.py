from helpdesk.mail.language import detect_language


def test_chinese_with_english_error_message_is_chinese():
    assert detect_language("系统报错 NullPointerException at Login.java:42，无法登录", "en") == "zh"


def test_english_and_fallbacks():
    assert detect_language("The export fails with error 500", "zh") == "en"
    assert detect_language("12345 !!!", "zh") == "zh"
    assert detect_language("テストです", "zh") == "en"
