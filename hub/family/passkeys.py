"""Passkeys (WebAuthn) for guardians: add one after signing in with the letter's code, then sign in with it.

Issue #16 asks for "a password (or a passkey where the browser supports WebAuthn)". The ceremony checks are
py_webauthn's (Duo Labs); this module keeps the challenge in the guardian's session, one credential row per
passkey, and the same rules as the password: CSRF first (the blueprint's ``csrf_first``), every attempt
charged to the address's budget in the shared throttle, a revoked guardian refused, all in the access log.

A passkey is bound to a host *name* (its RP ID): a hub reached by IP address cannot offer one, and says so.
The passkey is discoverable (resident), so signing in needs no name typed; the user handle is the guardian's
random id, nothing that names a person.
"""
from __future__ import annotations

import ipaddress
from datetime import datetime, timezone
from urllib.parse import urlsplit

from flask import g, jsonify, request, session
from webauthn import (base64url_to_bytes, generate_authentication_options, generate_registration_options,
                      options_to_json, verify_authentication_response, verify_registration_response)
from webauthn.helpers import bytes_to_base64url
from webauthn.helpers.exceptions import WebAuthnException
from webauthn.helpers.structs import (AuthenticatorSelectionCriteria, PublicKeyCredentialDescriptor,
                                      ResidentKeyRequirement, UserVerificationRequirement)

from ..access_log import log_access
from ..security import throttle
from .models import Guardian, GuardianPasskey
from .web import _addr, _start_session, family, guardian_required

RP_NAME = "家校互通 Classboard"
MAX_PER_GUARDIAN = 10


class PasskeyRefused(ValueError):
    """Not accepted; nothing changed."""


def _now() -> datetime:
    return datetime.now(timezone.utc).replace(tzinfo=None)


def relying_party() -> tuple[str, str]:
    """(RP ID, origin) of this request: the host name the phone used, and the page's origin."""
    host = urlsplit(request.host_url).hostname or ""
    try:
        ipaddress.ip_address(host)
    except ValueError:
        return host, request.host_url.rstrip("/")
    raise PasskeyRefused("通行密钥需要用学校服务器的域名访问，不能用 IP 地址 / Passkeys need the hub's name, "
                         "not an IP address")


def _refused(event: str, message: str, status: int = 400, actor: str = ""):
    log_access(f"{event}.failed", actor=actor, address=_addr(), ok=False, detail=message)
    return jsonify(error=message), status


@family.post("/api/passkeys/options")
@guardian_required
def passkey_options():
    """A signed-in guardian starts adding a passkey to their account."""
    try:
        rp_id, _origin = relying_party()
    except PasskeyRefused as exc:
        return jsonify(error=str(exc)), 400
    mine = GuardianPasskey.select().where(GuardianPasskey.guardian_id == g.guardian.id)
    options = generate_registration_options(
        rp_id=rp_id, rp_name=RP_NAME, user_id=g.guardian.id.encode(), user_name=g.guardian.login,
        authenticator_selection=AuthenticatorSelectionCriteria(
            resident_key=ResidentKeyRequirement.REQUIRED, user_verification=UserVerificationRequirement.REQUIRED),
        exclude_credentials=[PublicKeyCredentialDescriptor(id=base64url_to_bytes(p.credential_id)) for p in mine])
    session["fpk_reg"] = bytes_to_base64url(options.challenge)
    return options_to_json(options), 200, {"Content-Type": "application/json"}


@family.post("/api/passkeys")
@guardian_required
def passkey_add():
    challenge = session.pop("fpk_reg", None)
    actor = f"guardian:{g.guardian.id}"
    if not challenge:
        return _refused("family.passkey", "请重新开始 / Start again", 400, actor)
    if GuardianPasskey.select().where(GuardianPasskey.guardian_id == g.guardian.id).count() >= MAX_PER_GUARDIAN:
        return _refused("family.passkey", f"最多 {MAX_PER_GUARDIAN} 个通行密钥 / At most {MAX_PER_GUARDIAN} passkeys",
                        400, actor)
    try:
        rp_id, origin = relying_party()
        verified = verify_registration_response(
            credential=request.get_data(as_text=True), expected_challenge=base64url_to_bytes(challenge),
            expected_rp_id=rp_id, expected_origin=origin, require_user_verification=True)
    except (PasskeyRefused, WebAuthnException, ValueError) as exc:
        return _refused("family.passkey", f"通行密钥未保存 / Passkey not saved: {exc}", 400, actor)
    GuardianPasskey.insert(credential_id=bytes_to_base64url(verified.credential_id), guardian_id=g.guardian.id,
                           public_key=bytes_to_base64url(verified.credential_public_key),
                           sign_count=verified.sign_count, created_at=_now()).on_conflict_ignore().execute()
    log_access("family.passkey", actor=actor, address=_addr())
    return jsonify(saved=True), 201


@family.post("/passkey/options")
def passkey_sign_in_options():
    """Anyone on the sign-in page may ask for a challenge; it is worth nothing without the guardian's device."""
    try:
        rp_id, _origin = relying_party()
    except PasskeyRefused as exc:
        return jsonify(error=str(exc)), 400
    options = generate_authentication_options(rp_id=rp_id, user_verification=UserVerificationRequirement.REQUIRED)
    session["fpk_auth"] = bytes_to_base64url(options.challenge)
    return options_to_json(options), 200, {"Content-Type": "application/json"}


@family.post("/passkey/login")
def passkey_sign_in():
    keys = [(f"family.passkey.address:{_addr()}", throttle.GUARDIAN_ADDRESS)]
    try:
        throttle.charge(keys)
    except throttle.Throttled as exc:
        log_access("family.passkey.throttled", address=_addr(), ok=False, detail=str(exc))
        return jsonify(error=f"尝试次数过多，请 {exc.retry_after} 秒后再试 / Too many attempts"), 429, \
            {"Retry-After": str(exc.retry_after)}
    challenge = session.pop("fpk_auth", None)
    body = request.get_json(silent=True) or {}
    row = GuardianPasskey.get_or_none(GuardianPasskey.credential_id == str(body.get("id", ""))[:400])
    guardian = Guardian.get_or_none(Guardian.id == row.guardian_id) if row else None
    if not challenge or guardian is None or guardian.revoked_at is not None:
        return _refused("family.login", "这个通行密钥不能登录 / This passkey cannot sign in", 401)
    try:
        rp_id, origin = relying_party()
        verified = verify_authentication_response(
            credential=request.get_data(as_text=True), expected_challenge=base64url_to_bytes(challenge),
            expected_rp_id=rp_id, expected_origin=origin, credential_public_key=base64url_to_bytes(row.public_key),
            credential_current_sign_count=row.sign_count, require_user_verification=True)
    except (PasskeyRefused, WebAuthnException, ValueError) as exc:
        return _refused("family.login", f"通行密钥验证失败 / Passkey not accepted: {exc}", 401)
    GuardianPasskey.update(sign_count=verified.new_sign_count, last_used_at=_now()).where(
        GuardianPasskey.credential_id == row.credential_id).execute()
    throttle.cleared(None, [keys[0][0]])
    log_access("family.login", actor=f"guardian:{guardian.id}", address=_addr(), detail="passkey")
    _start_session(guardian)
    return jsonify(signed_in=True, next="/family/")
