"""SMTP as SMTP_URL says: STARTTLS whenever a smtp:// server offers it (the certificate is
checked), TLS from the first byte for smtps://, credentials from the URL, and a message with a
plain-text and an HTML part."""

from __future__ import annotations

import datetime
import ipaddress
import ssl

import pytest
from aiosmtpd.smtp import AuthResult
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from app.notifications import mail
from app.notifications.errors import Permanent, Transient
from app.notifications.messages import Message
from tests.outside import SmtpServer, free_port

MESSAGE = Message(
    subject="A safety flag in Cohort A needs attention",
    text="Plain words.\n",
    html="<p>Plain words.</p>",
    push_title="",
    push_body="",
    link="",
    locale="en",
)


@pytest.fixture(scope="module")
def certificate(tmp_path_factory):
    """A self-signed certificate for 127.0.0.1, trusted through SSL_CERT_FILE."""
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")])
    now = datetime.datetime.now(datetime.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(days=1))
        .add_extension(
            x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]),
            critical=False,
        )
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    folder = tmp_path_factory.mktemp("tls")
    (folder / "cert.pem").write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    (folder / "key.pem").write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return folder


def server_context(folder) -> ssl.SSLContext:
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(folder / "cert.pem", folder / "key.pem")
    return context


def build(to="team@example.org"):
    return mail.build(MESSAGE, to=to, sender="Tend <alerts@example.org>", message_id="<t.1@x>")


def accept_tend(server, session, envelope, mechanism, auth_data):
    ok = auth_data.login == b"tend" and auth_data.password == b"s3cret"
    return AuthResult(success=ok)


def test_starttls_is_used_when_the_server_offers_it(certificate, monkeypatch):
    monkeypatch.setenv("SSL_CERT_FILE", str(certificate / "cert.pem"))
    with SmtpServer(tls_context=server_context(certificate), auth=accept_tend) as smtp:
        transport = mail.SmtpTransport(f"smtp://tend:s3cret@127.0.0.1:{smtp.port}")
        transport.send(build())
        transport.close()
        [message] = smtp.inbox.wait_for(1, timeout=10)
    assert message["Subject"] == MESSAGE.subject
    assert [p.get_content_type() for p in message.iter_parts()] == ["text/plain", "text/html"]


def test_a_certificate_that_is_not_trusted_is_refused(certificate, monkeypatch):
    monkeypatch.delenv("SSL_CERT_FILE", raising=False)
    with SmtpServer(tls_context=server_context(certificate)) as smtp:
        transport = mail.SmtpTransport(f"smtp://127.0.0.1:{smtp.port}")
        with pytest.raises(Transient):
            transport.send(build())
        assert smtp.inbox.messages == []


def test_smtps_speaks_tls_from_the_first_byte(certificate, monkeypatch):
    monkeypatch.setenv("SSL_CERT_FILE", str(certificate / "cert.pem"))
    with SmtpServer(implicit_tls=server_context(certificate)) as smtp:
        transport = mail.SmtpTransport(f"smtps://127.0.0.1:{smtp.port}")
        transport.send(build())
        transport.close()
        assert len(smtp.inbox.wait_for(1, timeout=10)) == 1


def test_nothing_listening_is_worth_trying_again():
    transport = mail.SmtpTransport(f"smtp://127.0.0.1:{free_port()}")
    with pytest.raises(Transient):
        transport.send(build())


def test_a_5xx_refusal_is_final_and_a_4xx_is_not():
    assert isinstance(mail._by_code(550), Permanent)
    assert isinstance(mail._by_code(451), Transient)
