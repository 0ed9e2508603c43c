"""Outgoing mail: real SMTP on loopback, or the log when no server is set."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest

from lms import create_app
from lms.mail import MailError, send_mail
from tests.auth.conftest import Inbox, smtp_config
from tests.conftest import app_config


@contextmanager
def app_context(**config: Any) -> Iterator[None]:
    """An application context with this mail configuration (mail needs no database)."""
    with create_app(app_config(**config)).app_context():
        yield


def test_send_mail_delivers_chinese_subject_and_body_in_utf8(smtp_server: Inbox) -> None:
    sender = "Passage 培训 <training@example.org>"
    with app_context(**smtp_config(smtp_server), MAIL_SENDER=sender):
        send_mail("li.wei@example.org", "重置您的密码", "您好，李伟：\n请打开此链接。\n")
    [message] = smtp_server.messages
    assert message["To"] == "li.wei@example.org"
    assert message["Subject"] == "重置您的密码"
    assert message["From"] == sender
    assert message.get_content_charset() == "utf-8"
    # Lines travel with CRLF endings, as SMTP requires.
    assert message.get_content().splitlines() == ["您好，李伟：", "请打开此链接。"]
    assert message["Message-ID"].endswith("@example.org>")


def test_without_a_mail_server_the_message_is_logged(caplog: pytest.LogCaptureFixture) -> None:
    with app_context(MAIL_SERVER=""), caplog.at_level(logging.INFO, logger="lms.mail"):
        send_mail("kim@example.org", "비밀번호 재설정", "안녕하세요 김민지 님\nhttps://x/reset/abc")
    [record] = [r for r in caplog.records if r.name == "lms.mail"]
    assert record.levelno == logging.INFO
    text = record.getMessage()
    assert "kim@example.org" in text and "비밀번호 재설정" in text
    assert "https://x/reset/abc" in text


def test_an_unreachable_server_raises_mail_error() -> None:
    with (
        app_context(MAIL_SERVER="127.0.0.1", MAIL_PORT=9, MAIL_TIMEOUT_SECONDS=2),
        pytest.raises(MailError, match="127.0.0.1:9"),
    ):
        send_mail("kim@example.org", "Subject", "Body")


def test_a_line_break_in_a_header_raises_mail_error(smtp_server: Inbox) -> None:
    with app_context(**smtp_config(smtp_server)), pytest.raises(MailError):
        send_mail("kim@example.org", "Subject\nBcc: everyone@example.org", "Body")
    assert smtp_server.messages == []
