"""Every word the chat page says, one table per reader language (ingest.lang.LANGS).

The page speaks the language of the reader's latest question; Uzbek Cyrillic, the article's own
language and script, is the default. Refusals themselves come from :func:`ingest.lang.refusal`.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

DEFAULT_LANG = "uz-Cyrl"


@dataclass(frozen=True)
class PageText:
    """The page's words in one language. ``{}``, ``{length}`` and ``{limit}`` are filled in."""

    title: str  # the browser tab
    lead: str  # under the article's title: what the page does
    placeholder: str  # the question box
    examples: str  # the example questions' label
    source: str  # "Source: Kazinform" in the header
    original: str  # the link, when SAVOL_ARTICLE_URL names the article
    publisher_site: str  # the link, when only the publisher's site is known
    read_all: str  # the whole article, folded under the header
    sources: str  # an answer's sources
    closest: str  # a refusal's closest passages
    paragraph: str  # a passage's paragraph number
    open: str  # a source card's link to the passage in context
    in_context: str  # the context panel's heading
    back: str  # the context panel's link back to the answer
    context_hint: str  # the context panel before anything is opened
    gone: str  # a marker whose passage is no longer indexed
    queued: str  # a question sent while an answer is being written
    you: str  # screen readers: a reader's message
    bot: str  # screen readers: an answer
    warning: str  # the title of every notice
    note: str  # an answer's note (the LLM fell back, a sentence unverified)
    translation: str  # marks the answer's and a quote's translation into the reader's language
    bad_question: str  # a question the page cannot take, then the reason:
    not_text: str
    not_utf8: str
    empty: str
    too_long: str
    index_broken: str
    unexpected: str
    feedback_failed: str
    clear: str  # Gradio's own buttons, relabelled by the page script: the chat's "Clear",
    copy: str  # each message's "Copy message",
    like: str  # and the votes under an answer
    dislike: str
    history_cut: str  # the chat sent back was longer than the page reads
    thousands: str  # digit group separator for {length} and {limit}

    def reason(self, code: str, **values: int) -> str | None:
        """The reader's reason for a refused question (``BadQuestion.reason``), None for an unknown code."""
        template = {
            "not_text": self.not_text,
            "not_utf8": self.not_utf8,
            "empty": self.empty,
            "too_long": self.too_long,
        }.get(code)
        numbers = {k: f"{v:,}".replace(",", self.thousands) for k, v in values.items()}
        return template.format(**numbers) if template else None

    def client(self) -> dict[str, str]:
        """What the browser itself relabels when the language changes (everything else is served)."""
        keys = (
            "title",
            "lead",
            "placeholder",
            "examples",
            "source",
            "original",
            "publisher_site",
            "read_all",
            "queued",
            "you",
            "bot",
            "warning",
            "bad_question",
            "index_broken",
            "unexpected",
            "feedback_failed",
            "clear",
            "copy",
            "like",
            "dislike",
        )
        return {k: v for k, v in asdict(self).items() if k in keys}


TEXTS = {
    "uz-Cyrl": PageText(
        title="Савол — мақола бўйича савол-жавоб",
        lead="Мақола ҳақида сўранг: ҳар бир жавоб мақоладан олинган иқтибос, [1] [2] белгилари манбага олиб боради.",
        placeholder="Савол ёзинг (ўзбекча, русча ёки инглизча)…",
        examples="Намуна саволлар",
        source="Манба",
        original="Асл мақола",
        publisher_site="Нашр сайти",
        read_all="Мақолани тўлиқ ўқиш",
        sources="Манбалар",
        closest="Энг яқин парчалар",
        paragraph="{}-хатбоши",
        open="Матн ичида кўриш",
        in_context="Матн ичида",
        back="Жавобга қайтиш",
        context_hint="[1] белгисини ёки манбани босинг: парча мақоладаги қўшни хатбошилари билан шу ерда очилади.",
        gone="Бу парча энди индексда йўқ (мақола қайта индексланган); саволни қайта беринг.",
        queued="Жавоб ҳали ёзилмоқда: саволингиз у тугагач юборилади.",
        you="Савол",
        bot="Жавоб",
        warning="Огоҳлантириш",
        note="Изоҳ",
        translation="Таржима (savol)",
        bad_question="Савол қабул қилинмади",
        not_text="Савол матн бўлиши керак; мақола ҳақида савол ёзинг.",
        not_utf8="Саволда UTF-8 бўлмаган белгилар бор; уни қайта ёзинг.",
        empty="Савол бўш; мақола ҳақида савол ёзинг.",
        too_long="Савол {length} белгидан иборат, чегара — {limit}. Уни қисқартиринг.",
        index_broken="Жавоб бериб бўлмади: индекс ишламаяпти. "
        "Администратор «savol ingest --rebuild» буйруғини ишга туширсин.",
        unexpected="Кутилмаган хато юз берди; саволни қайта юборинг.",
        feedback_failed="Фикрингиз сақланмади; саҳифа ишлашда давом этади.",
        clear="Суҳбатни тозалаш",
        copy="Нусха олиш",
        like="Фойдали",
        dislike="Фойдасиз",
        history_cut="Суҳбат тарихи жуда узун: ундан фақат охирги саволларнинг бошланиши ўқилди.",
        thousands="\u00a0",
    ),
    "uz-Latn": PageText(
        title="Savol — maqola boʻyicha savol-javob",
        lead="Maqola haqida soʻrang: har bir javob maqoladan olingan iqtibos, [1] [2] belgilari manbaga olib boradi.",
        placeholder="Savol yozing (oʻzbekcha, ruscha yoki inglizcha)…",
        examples="Namuna savollar",
        source="Manba",
        original="Asl maqola",
        publisher_site="Nashr sayti",
        read_all="Maqolani toʻliq oʻqish",
        sources="Manbalar",
        closest="Eng yaqin parchalar",
        paragraph="{}-xatboshi",
        open="Matn ichida koʻrish",
        in_context="Matn ichida",
        back="Javobga qaytish",
        context_hint=(
            "[1] belgisini yoki manbani bosing: parcha maqoladagi qoʻshni xatboshilari bilan shu yerda ochiladi."
        ),
        gone="Bu parcha endi indeksda yoʻq (maqola qayta indekslangan); savolni qayta bering.",
        queued="Javob hali yozilmoqda: savolingiz u tugagach yuboriladi.",
        you="Savol",
        bot="Javob",
        warning="Ogohlantirish",
        note="Izoh",
        translation="Lotin yozuvida (savol, alifbo)",
        bad_question="Savol qabul qilinmadi",
        not_text="Savol matn boʻlishi kerak; maqola haqida savol yozing.",
        not_utf8="Savolda UTF-8 boʻlmagan belgilar bor; uni qayta yozing.",
        empty="Savol boʻsh; maqola haqida savol yozing.",
        too_long="Savol {length} belgidan iborat, chegara — {limit}. Uni qisqartiring.",
        index_broken="Javob berib boʻlmadi: indeks ishlamayapti. "
        "Administrator «savol ingest --rebuild» buyrugʻini ishga tushirsin.",
        unexpected="Kutilmagan xato yuz berdi; savolni qayta yuboring.",
        feedback_failed="Fikringiz saqlanmadi; sahifa ishlashda davom etadi.",
        clear="Suhbatni tozalash",
        copy="Nusxa olish",
        like="Foydali",
        dislike="Foydasiz",
        history_cut="Suhbat tarixi juda uzun: undan faqat oxirgi savollarning boshlanishi oʻqildi.",
        thousands="\u00a0",
    ),
    "ru": PageText(
        title="Савол — вопросы и ответы по статье",
        lead="Спросите о статье: каждый ответ — цитата из неё, метки [1] [2] ведут к источнику.",
        placeholder="Напишите вопрос (по-узбекски, по-русски или по-английски)…",
        examples="Примеры вопросов",
        source="Источник",
        original="Оригинал статьи",
        publisher_site="Сайт издания",
        read_all="Читать статью целиком",
        sources="Источники",
        closest="Ближайшие фрагменты",
        paragraph="абзац {}",
        open="Показать в тексте",
        in_context="В тексте",
        back="Назад к ответу",
        context_hint="Нажмите на метку [1] или на источник: фрагмент откроется здесь вместе с соседними абзацами.",
        gone="Этого фрагмента больше нет в индексе (статья переиндексирована); задайте вопрос снова.",
        queued="Ответ ещё пишется: ваш вопрос будет отправлен, когда он закончится.",
        you="Вопрос",
        bot="Ответ",
        warning="Предупреждение",
        note="Примечание",
        translation="Перевод savol, не Kazinform",
        bad_question="Вопрос не принят",
        not_text="Вопрос должен быть текстом; напишите вопрос о статье.",
        not_utf8="В вопросе есть символы не в UTF-8; наберите его заново.",
        empty="Вопрос пуст; напишите вопрос о статье.",
        too_long="В вопросе {length} символов, предел — {limit}. Сократите его.",
        index_broken="Не удалось ответить: индекс не работает. "
        "Администратору нужно выполнить «savol ingest --rebuild».",
        unexpected="Произошла непредвиденная ошибка; отправьте вопрос ещё раз.",
        feedback_failed="Ваш отзыв не сохранён; страница продолжает работать.",
        clear="Очистить чат",
        copy="Копировать",
        like="Полезно",
        dislike="Бесполезно",
        history_cut="История чата слишком длинная: из неё прочитаны только начала последних вопросов.",
        thousands="\u00a0",
    ),
    "en": PageText(
        title="Savol — questions and answers about the article",
        lead="Ask about the article: every answer is a quote from it, and the [1] [2] markers lead to the source.",
        placeholder="Type a question (in Uzbek, Russian or English)…",
        examples="Example questions",
        source="Source",
        original="Original article",
        publisher_site="Publisher's site",
        read_all="Read the whole article",
        sources="Sources",
        closest="Closest passages",
        paragraph="paragraph {}",
        open="Show in context",
        in_context="In context",
        back="Back to the answer",
        context_hint="Tap a [1] marker or a source: the passage opens here between its neighbouring paragraphs.",
        gone="This passage is no longer in the index (the article was re-indexed); ask the question again.",
        queued="An answer is still being written: your question will be sent when it is done.",
        you="Question",
        bot="Answer",
        warning="Warning",
        note="Note",
        translation="Translated by savol, not by Kazinform",
        bad_question="Question not accepted",
        not_text="The question must be text; type a question about the article.",
        not_utf8="The question has characters that are not valid UTF-8; type it again.",
        empty="The question is empty; type a question about the article.",
        too_long="The question is {length} characters long; the limit is {limit}. Shorten it.",
        index_broken="Cannot answer: the index is not working. Ask the operator to run «savol ingest --rebuild».",
        unexpected="Something unexpected went wrong; send the question again.",
        feedback_failed="Your feedback could not be saved; the page keeps working.",
        clear="Clear the chat",
        copy="Copy",
        like="Helpful",
        dislike="Not helpful",
        history_cut="The chat history is too long: only the start of the latest questions was read.",
        thousands=",",
    ),
}


def page_lang(lang: str | None) -> str:
    """``lang`` when the page speaks it, else the default language."""
    return lang if lang in TEXTS else DEFAULT_LANG


def page_text(lang: str | None) -> PageText:
    """The table for ``lang``; the default language's for anything else."""
    return TEXTS[page_lang(lang)]
