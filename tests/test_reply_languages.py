"""Reply stripping in each language a support desk meets: the attribution lines of Gmail, Apple
Mail and Thunderbird, Outlook's header block and "Original Message" line, and the mobile signature,
as each client writes them in that language; the reply above them is the new text, exactly."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from helpdesk.mail import reply_words
from helpdesk.mail.reply import split_reply
from helpdesk.mail.reply_words import load_words, words

HEADER = (
    "{from_}: Support <support@example.com>\n{sent}: {date}\n{to}: {name}\n"
    "{subject}: RE: [#202611-0001] {topic}"
)
LANGUAGES = {
    "en": {
        "reply": "The export works again after the update.\n\nThanks,\nAnna",
        "gmail": "On Sat, Nov 21, 2026 at 10:02 AM Support <support@example.com> wrote:",
        "apple": "On 21 Nov 2026, at 10:02, Support <support@example.com> wrote:",
        "thunderbird": "On 11/21/26 10:02 AM, Support wrote:",
        "header": ("From", "Sent", "Saturday, November 21, 2026 10:02 AM", "To", "Subject", "Export fails"),
        "separator": "-----Original Message-----",
        "signature": "Sent from my iPhone",
    },
    "de": {
        "reply": "Der Export funktioniert nach dem Update wieder.\n\nViele Grüße\nJonas",
        "gmail": "Am Sa., 21. Nov. 2026 um 10:02 Uhr schrieb Support <support@example.com>:",
        "apple": "Am 21.11.2026 um 10:02 schrieb Support <support@example.com>:",
        "thunderbird": "Am 21.11.26 um 10:02 schrieb Support:",
        "header": (
            "Von",
            "Gesendet",
            "Samstag, 21. November 2026 10:02",
            "An",
            "Betreff",
            "Export schlägt fehl",
        ),
        "separator": "-----Ursprüngliche Nachricht-----",
        "signature": "Von meinem iPhone gesendet",
    },
    "fr": {
        "reply": "L'export fonctionne de nouveau après la mise à jour.\n\nCordialement,\nCamille",
        "gmail": "Le sam. 21 nov. 2026 à 10:02, Support <support@example.com> a écrit :",
        "apple": "Le 21 nov. 2026 à 10:02, Support <support@example.com> a écrit :",
        "thunderbird": "Le 21/11/2026 à 10:02, Support a écrit :",
        "header": ("De ", "Envoyé ", "samedi 21 novembre 2026 10:02", "À ", "Objet ", "L'export échoue"),
        "separator": "-----Message d'origine-----",
        "signature": "Envoyé de mon iPhone",
    },
    "es": {
        "reply": "La exportación vuelve a funcionar tras la actualización.\n\nSaludos,\nLucía",
        "gmail": "El sáb, 21 nov 2026 a las 10:02, Support (<support@example.com>) escribió:",
        "apple": "El 21 nov 2026, a las 10:02, Support <support@example.com> escribió:",
        "header": ("De", "Enviado el", "sábado, 21 de noviembre de 2026 10:02", "Para", "Asunto", "Falla"),
        "separator": "-----Mensaje original-----",
        "signature": "Enviado desde mi iPhone",
    },
    "it": {
        "reply": "L'esportazione funziona di nuovo dopo l'aggiornamento.\n\nCordiali saluti,\nMarco",
        "gmail": "Il giorno sab 21 nov 2026 alle ore 10:02 Support <support@example.com> ha scritto:",
        "apple": "Il giorno 21 nov 2026, alle ore 10:02, Support <support@example.com> ha scritto:",
        "header": (
            "Da",
            "Inviato",
            "sabato 21 novembre 2026 10:02",
            "A",
            "Oggetto",
            "Esportazione non riuscita",
        ),
        "separator": "-----Messaggio originale-----",
        "signature": "Inviato da iPhone",
    },
    "pt": {
        "reply": "A exportação voltou a funcionar depois da atualização.\n\nObrigado,\nJoão",
        "gmail": "Em sáb., 21 de nov. de 2026 às 10:02, Support <support@example.com> escreveu:",
        "apple": "Em 21 de nov. de 2026, à(s) 10:02, Support <support@example.com> escreveu:",
        "header": (
            "De",
            "Enviado",
            "sábado, 21 de novembro de 2026 10:02",
            "Para",
            "Assunto",
            "A exportação falha",
        ),
        "separator": "-----Mensagem original-----",
        "signature": "Enviado do meu iPhone",
    },
    "nl": {
        "reply": "De export werkt weer na de update.\n\nMet vriendelijke groet,\nDaan",
        "gmail": "Op za 21 nov 2026 om 10:02 schreef Support <support@example.com>:",
        "apple": "Op 21 nov 2026 om 10:02 heeft Support <support@example.com> het volgende geschreven:",
        "thunderbird": "Op 21-11-2026 om 10:02 schreef Support:",
        "header": (
            "Van",
            "Verzonden",
            "zaterdag 21 november 2026 10:02",
            "Aan",
            "Onderwerp",
            "Export mislukt",
        ),
        "separator": "-----Oorspronkelijk bericht-----",
        "signature": "Verzonden vanaf mijn iPhone",
    },
    "pl": {
        "reply": "Eksport znowu działa po aktualizacji.\n\nPozdrawiam,\nPiotr",
        "gmail": "sob., 21 lis 2026 o 10:02 Support <support@example.com> napisał(a):",
        "apple": "Wiadomość napisana przez Support <support@example.com> w dniu 21.11.2026, o godz. 10:02:",
        "thunderbird": "W dniu 21.11.2026 o 10:02, Support pisze:",
        "header": ("Od", "Wysłano", "sobota, 21 listopada 2026 10:02", "Do", "Temat", "Eksport nie działa"),
        "separator": "-----Wiadomość oryginalna-----",
        "signature": "Wysłane z iPhone'a",
    },
    "ru": {
        "reply": "Экспорт снова работает после обновления.\n\nСпасибо,\nИван",
        "gmail": "сб, 21 нояб. 2026 г. в 10:02, Support <support@example.com>:",
        "apple": "21 нояб. 2026 г., в 10:02, Support <support@example.com> написал(а):",
        "thunderbird": "21.11.2026 10:02, Support пишет:",
        "header": (
            "От",
            "Отправлено",
            "суббота, 21 ноября 2026 г. 10:02",
            "Кому",
            "Тема",
            "Экспорт не работает",
        ),
        "separator": "-----Исходное сообщение-----",
        "signature": "Отправлено с iPhone",
    },
    "uk": {
        "reply": "Експорт знову працює після оновлення.\n\nДякую,\nОлена",
        "gmail": "сб, 21 лист. 2026 р. о 10:02 Support <support@example.com> пише:",
        "apple": "21 лист. 2026 р. о 10:02 Support <support@example.com> написав(ла):",
        "header": (
            "Від",
            "Надіслано",
            "субота, 21 листопада 2026 р. 10:02",
            "Кому",
            "Тема",
            "Експорт не працює",
        ),
        "separator": "-----Вихідне повідомлення-----",
        "signature": "Надіслано з iPhone",
    },
    "sv": {
        "reply": "Exporten fungerar igen efter uppdateringen.\n\nMvh,\nErik",
        "gmail": "Den lör 21 nov. 2026 kl 10:02 skrev Support <support@example.com>:",
        "apple": "21 nov. 2026 kl. 10:02 skrev Support <support@example.com>:",
        "header": ("Från", "Skickat", "den 21 november 2026 10:02", "Till", "Ämne", "Exporten misslyckas"),
        "separator": "-----Ursprungligt meddelande-----",
        "signature": "Skickat från min iPhone",
    },
    "nb": {
        "reply": "Eksporten virker igjen etter oppdateringen.\n\nHilsen\nKari",
        "gmail": "lør. 21. nov. 2026 kl. 10:02 skrev Support <support@example.com>:",
        "apple": "21. nov. 2026 kl. 10:02 skrev Support <support@example.com>:",
        "header": ("Fra", "Sendt", "lørdag 21. november 2026 10:02", "Til", "Emne", "Eksporten feiler"),
        "separator": "-----Opprinnelig melding-----",
        "signature": "Sendt fra min iPhone",
    },
    "da": {
        "reply": "Eksporten virker igen efter opdateringen.\n\nMed venlig hilsen\nMads",
        "gmail": "Den lør. 21. nov. 2026 kl. 10.02 skrev Support <support@example.com>:",
        "apple": "Den 21. nov. 2026 kl. 10.02 skrev Support <support@example.com>:",
        "header": ("Fra", "Sendt", "21. november 2026 10:02", "Til", "Emne", "Eksporten fejler"),
        "separator": "-----Oprindelig meddelelse-----",
        "signature": "Sendt fra min iPhone",
    },
    "ja": {
        "reply": "アップデート後、エクスポートは再び動作しています。\n\nよろしくお願いいたします。\n佐藤",
        "gmail": "2026年11月21日(土) 10:02 Support <support@example.com>:",
        "apple": "2026/11/21 10:02、Support <support@example.com>のメール:",
        "header": (
            "差出人",
            "送信日時",
            "2026年11月21日 土曜日 10:02",
            "宛先",
            "件名",
            "エクスポートが失敗する",
        ),
        "separator": "-----元のメッセージ-----",
        "signature": "iPhoneから送信",
    },
    "ko": {
        "reply": "업데이트 후 내보내기가 다시 작동합니다.\n\n감사합니다.\n김민준",
        "gmail": "2026년 11월 21일 (토) 오전 10:02, Support <support@example.com>님이 작성:",
        "apple": "2026. 11. 21. 오전 10:02, Support <support@example.com> 작성:",
        "header": (
            "보낸 사람",
            "보낸 날짜",
            "2026년 11월 21일 토요일 오전 10:02",
            "받는 사람",
            "제목",
            "내보내기 실패",
        ),
        "separator": "-----원본 메시지-----",
        "signature": "iPhone에서 보냄",
    },
    "zh_hant": {
        "reply": "更新後匯出功能已恢復正常。\n\n謝謝\n陳大文",
        "gmail": "Support <support@example.com> 於 2026年11月21日 週六 上午10:02寫道：",
        "apple": "2026年11月21日 上午10:02，Support <support@example.com> 寫道：",
        "header": ("寄件者", "寄件日期", "2026年11月21日 上午 10:02", "收件者", "主旨", "匯出失敗"),
        "separator": "-----原始郵件-----",
        "signature": "從我的 iPhone 傳送",
    },
    "zh_hans": {
        "reply": "升级以后导出功能恢复正常了。\n\n谢谢\n李雷",
        "gmail": "Support <support@example.com> 于2026年11月21日周六 10:02写道：",
        "apple": "2026年11月21日 10:02，Support <support@example.com> 写道：",
        "thunderbird": "在 2026/11/21 10:02, Support 写道:",
        "header": ("发件人", "发送时间", "2026年11月21日 10:02", "收件人", "主题", "导出失败"),
        "separator": "-----原始邮件-----",
        "signature": "发自我的iPhone",
    },
}
QUOTE = "> Hello, please try the export again.\n>\n> #assign li.na\n> [RESOLVED]"
UNMARKED = "Hello, please try the export again.\n\n#assign li.na\n[RESOLVED]"


def header_block(language: str) -> str:
    from_, sent, date, to, subject, topic = LANGUAGES[language]["header"]
    return HEADER.format(from_=from_, sent=sent, date=date, to=to, name="Li", subject=subject, topic=topic)


def wrapped(attribution: str) -> str:
    """The attribution as Gmail wraps it at 78 columns: the address on the next line."""
    at = attribution.find("<")
    return attribution if at < 0 else f"{attribution[: at + 1]}\n{attribution[at + 1 :]}"


def cases(language: str) -> dict[str, str]:
    """Each layout of `language` as a whole mail body, the reply on top."""
    table = LANGUAGES[language]
    reply = table["reply"]
    found = {
        f"{client}": f"{reply}\n\n{table[client]}\n\n{QUOTE}"
        for client in ("gmail", "apple", "thunderbird")
        if client in table
    }
    found["gmail_wrapped"] = f"{reply}\n\n{wrapped(table['gmail'])}\n\n{QUOTE}"
    found["outlook_header"] = f"{reply}\n\n{header_block(language)}\n\n{UNMARKED}"
    found["outlook_underline_header"] = f"{reply}\n\n{'_' * 32}\n{header_block(language)}\n\n{UNMARKED}"
    found["separator"] = f"{reply}\n\n{table['separator']}\n{header_block(language)}\n\n{UNMARKED}"
    found["mobile_signature"] = f"{reply}\n\n{table['signature']}\n\n{table['gmail']}\n\n{QUOTE}"
    return found


CASES = [(language, layout) for language in sorted(LANGUAGES) for layout in sorted(cases(language))]


@pytest.mark.parametrize(("language", "layout"), CASES)
def test_the_reply_above_the_history_exactly(language, layout):
    assert split_reply(cases(language)[layout]) == LANGUAGES[language]["reply"]


@pytest.mark.parametrize("language", sorted(LANGUAGES))
def test_an_inline_answer_under_the_languages_attribution_is_kept(language):
    text = f"{LANGUAGES[language]['gmail']}\n> Which version?\n3.2.1\n> Which browser?\nChrome\n"
    assert split_reply(text) == "3.2.1\nChrome"


@pytest.mark.parametrize("language", sorted(LANGUAGES))
def test_an_attribution_over_unmarked_lines_keeps_no_quoted_command(language):
    """An attribution with an address opens history even when the client marks no quoted line."""
    apple = LANGUAGES[language]["apple"]
    assert split_reply(f"{apple}\n\n{UNMARKED}") == ""
    assert (
        split_reply(f"{LANGUAGES[language]['reply']}\n\n{apple}\n\n{UNMARKED}")
        == LANGUAGES[language]["reply"]
    )


# Gmail's attribution in languages with a smaller table, and one in a language without any.
MORE_ATTRIBUTIONS = {
    "cs": "út 21. 11. 2026 v 10:02 odesílatel Support <support@example.com> napsal:",
    "fi": "la 21. marrask. 2026 klo 10.02 Support (<support@example.com>) kirjoitti:",
    "tr": "Support <support@example.com>, 21 Kas 2026 Cmt, 10:02 tarihinde şunu yazdı:",
    "hu": "Support <support@example.com> ezt írta (időpont: 2026. nov. 21., Szo, 10:02):",
    "el": "Στις Σάβ, 21 Νοε 2026 στις 10:02, ο/η Support <support@example.com> έγραψε:",
    "ro": "Pe sâm., 21 nov. 2026 la 10:02, Support <support@example.com> a scris:",
    "id": "Pada tanggal Sab, 21 Nov 2026 10.02, Support <support@example.com> menulis:",
    "vi": "Vào Th 7, 21 thg 11, 2026 vào lúc 10:02 Support <support@example.com> đã viết:",
    "he": "ב-21 בנוב׳ 2026, בשעה 10:02, Support <support@example.com> כתב/ה:",
}


@pytest.mark.parametrize("language", sorted(MORE_ATTRIBUTIONS))
def test_more_languages_attribution(language):
    reply = "Works again.\n\nThanks"
    attribution = MORE_ATTRIBUTIONS[language]
    assert split_reply(f"{reply}\n\n{attribution}\n\n{QUOTE}") == reply
    assert split_reply(f"{reply}\n\n{wrapped(attribution)}\n\n{QUOTE}") == reply


# The lines phones and desktop mail apps append, beside each language's "Sent from my iPhone".
APP_SIGNATURES = [
    "Sent from my Samsung Galaxy smartphone.",
    "Sent from Mail for Windows",
    "Sent from Yahoo Mail for iPhone",
    "Get Outlook for Android<https://aka.ms/ghei36>",
    "Von meinem Samsung Galaxy Smartphone gesendet.",
    "Holen Sie sich Outlook für Android",
    "Envoyé à partir de Outlook Mobile",
    "Enviado do meu smartphone Samsung Galaxy.",
    "Verstuurd vanaf mijn Samsung Galaxy-smartphone",
    "Wysłane z mojego smartfona Samsung Galaxy.",
    "Отправлено из мобильной Почты Mail.ru",
    "Windows 10 版のメールから送信",
    "Windows 10용 메일에서 보냄",
    "从 Windows 10 版邮件发送",
    "發自我的 iPad",
    "发自我的华为手机",
    "发自网易邮箱大师",
]


@pytest.mark.parametrize("signature", APP_SIGNATURES)
def test_app_signatures_end_the_new_text(signature):
    text = f"OK, thanks.\n\n{signature}\n\n{LANGUAGES['en']['gmail']}\n\n{QUOTE}"
    assert split_reply(text) == "OK, thanks."


def test_every_table_is_read_and_a_typo_names_its_file(tmp_path):
    folder = Path(reply_words.__file__).with_name("attribution")
    for path in folder.glob("*.yaml"):  # every shipped table is read
        for verb in yaml.safe_load(path.read_text(encoding="utf-8")).get("wrote", []):
            assert words().wrote.match(verb.lower()[::-1]), (path.name, verb)
    (tmp_path / "xx.yaml").write_text('wrote: [wrote]\nsignature: ["Sent from {device}"]\n', encoding="utf-8")
    with pytest.raises(ValueError, match=r"xx\.yaml: unknown keys \['signature'\]"):
        load_words(tmp_path)
    (tmp_path / "xx.yaml").write_text("signatures: [Sent from {device}]\n", encoding="utf-8")
    with pytest.raises(ValueError, match=r"xx\.yaml: while parsing"):
        load_words(tmp_path)
    (tmp_path / "xx.yaml").write_text("wrote: wrote\n", encoding="utf-8")
    with pytest.raises(ValueError, match=r"xx\.yaml: wrote must be a list of words"):
        load_words(tmp_path)
