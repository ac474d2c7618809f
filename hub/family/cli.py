"""``classboard hub family …``: code letters for a class, revoking a guardian, the school's webhook and policy."""
from __future__ import annotations

from pathlib import Path

import click

from ..cli import DATA, DB_URL, open_hub


@click.group("family")
def family_group() -> None:
    """Families (家校互通): guardian codes and letters, revocation, notifications."""


@family_group.command("letters")
@DATA
@DB_URL
@click.option("--class", "class_id", required=True, help="Class id: one letter per student of the class.")
@click.option("--student", "students", multiple=True, help="Only these students (repeatable).")
@click.option("--relation", default="家长", show_default=True, help="妈妈, 爸爸, 爷爷, 奶奶, 外公, 外婆 or 家长.")
@click.option("--days", default=30, show_default=True, help="Days a code stays valid.")
@click.option("--url", "base_url", required=True, help="The hub's address as guardians' phones reach it.")
@click.option("--out", type=click.Path(dir_okay=False, path_type=Path), required=True, help="PDF to write.")
@click.option("--show-codes", is_flag=True, help="Also print 'student code' lines (for a demo; codes are secrets).")
def letters(data_dir: Path, db_url: str, class_id: str, students: tuple[str, ...], relation: str, days: int,
            base_url: str, out: Path, show_codes: bool) -> None:
    """Issue one-time codes and write them as printable letters with a QR code each."""
    from ..bundles import school_content
    from .accounts import FamilyError, class_students, issue_codes
    from .letters import render_letters

    open_hub(data_dir, db_url)
    try:
        ids = [s for s in class_students(class_id) if not students or s in students]
        if students and len(ids) != len(set(students)):
            raise FamilyError(f"not all of {', '.join(students)} are in class {class_id}")
        codes = issue_codes(ids, relation, days)
    except FamilyError as exc:
        raise click.ClickException(str(exc)) from None
    pages = render_letters(codes, base_url, school_content()["school"]["name"], out)
    click.echo(f"wrote {pages} letter(s) to {out}; codes valid until {codes[0].expires_at:%Y-%m-%d}")
    if show_codes:
        for c in codes:
            click.echo(f"{c.student_id} {c.code}")


@family_group.command("revoke")
@DATA
@DB_URL
@click.argument("login")
def revoke_cmd(data_dir: Path, db_url: str, login: str) -> None:
    """Revoke a guardian by sign-in name: every session ends on its next request."""
    from .accounts import FamilyError, revoke

    open_hub(data_dir, db_url)
    try:
        revoke(login=login)
    except FamilyError as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(f"revoked {login}")


@family_group.command("webhook")
@DATA
@DB_URL
@click.argument("url")
@click.option("--secret", required=True, help="Shared secret for the X-Classboard-Signature HMAC.")
def webhook_cmd(data_dir: Path, db_url: str, url: str, secret: str) -> None:
    """Set the school's messaging gateway (\"\" turns it off)."""
    from .notify import set_policy

    open_hub(data_dir, db_url)
    try:
        set_policy(webhook_url=url, webhook_secret=secret)
    except ValueError as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(f"family notifications go to {url or '(nowhere)'}")


@family_group.command("policy")
@DATA
@DB_URL
@click.option("--teachers-read-content/--teachers-see-counts", default=None,
              help="Whether teachers read messages' content in the console (default: counts only).")
def policy_cmd(data_dir: Path, db_url: str, teachers_read_content: bool | None) -> None:
    """Show the school's family settings, or change whether teachers read message content."""
    from ..access_log import log_access
    from .notify import policy, set_policy

    open_hub(data_dir, db_url)
    if teachers_read_content is not None:
        set_policy(teachers_read_content=teachers_read_content)
        log_access("family.policy", actor="cli",
                   detail=f"teachers_read_content={'on' if teachers_read_content else 'off'}")
    current = policy()
    click.echo(f"teachers_read_content: {'on' if current['teachers_read_content'] else 'off'}; "
               f"webhook: {current['webhook_url'] or '(none)'}")
