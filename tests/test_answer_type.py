"""Which kind of answer a question wants, in the four reader languages."""

import pytest

from savol.answer_type import answer_type, can_answer


@pytest.mark.parametrize(
    "question, kind",
    [
        ("Ташриф давомида қанча миқдордаги тижорат шартномалари имзоланди?", "number"),
        ("Qozoğistonda nechta yangi iş örni yaratiladi?", "number"),
        ("На какую сумму заключено соглашение с Rakuten Group?", "number"),
        ("How many intergovernmental agreements were signed?", "number"),
        ("Саммит қачон бўлиб ўтди?", "date"),
        ("On what date will the UN Water Resources Centre open?", "date"),
        ("Мақоланинг таълимга бағишланган бўлими қандай номланган?", "heading"),
        ("Maqolaning ta'limga bag'ishlangan bo'limi qanday nomlangan?", "heading"),
        ("Как называется раздел о соотечественниках?", "heading"),
        ("What is the title of the section about Komatsu?", "heading"),
        ("Komatsu компанияси пойтахтда нима қурмоқчи?", None),
        ("Who is Yoriko Kawaguchi?", None),
    ],
)
def test_question_kinds(question, kind):
    assert answer_type(question) == kind


def test_a_number_question_needs_a_number_in_any_script():
    assert can_answer("number", "Ҳукуматлараро 14 та ҳужжат имзоланди.")
    assert can_answer("number", "Ўн минг иш ўрни яратилади.")
    assert not can_answer("number", "Компания Марказий Осиёда фаолият юритади.")
    assert can_answer("date", "2004 йилда формат ташкил этилди.")
    assert not can_answer("date", "Формат ташкил этилди.")
