"""The one console script, ``classboard``.

Subcommands live with the part they belong to and are imported only when run,
so ``classboard --help`` stays fast on a Pi and a board never imports the hub.
"""
from __future__ import annotations

import importlib
import logging
import sys

import click

# name -> "module:attribute"; each part registers its own commands here.
COMMANDS: dict[str, tuple[str, str]] = {
    "demo": ("classboard.demo:demo", "Run a hub and two simulated boards on 127.0.0.1 (Ctrl-C stops all)."),
    "doctor": ("classboard.doctor:doctor", "Check config, store, clock, disk and drivers; exit 1 on problems."),
    "board": ("classboard.board_cli:board", "Run or inspect the board service."),
    "hub": ("hub.cli:hub", "Run and manage the school hub (serve, report, import, evidence)."),
    "verify-evidence": ("classboard.evidence_cli:verify_evidence",
                        "Check an evidence archive's logs, checkpoints and keys and recompute its report."),
    "witness": ("hub.witness.cli:witness", "Run a witness of board keys and log checkpoints (district side)."),
    "sensors": ("classboard.hardware_cli:sensors", "Read the room's sensors once (wiring check)."),
    "sound": ("classboard.hardware_cli:sound", "Test the speaker: a tone, then a spoken sentence."),
    "attendance": ("classboard.attendance_cli:attendance", "Attendance tools (scan marker-card photos)."),
    "cards": ("classboard.attendance_cli:cards", "Print students' marker cards as an A4 PDF."),
    "provision": ("provisioning.cli:provision", "Discover, claim and bulk-enroll boards on the LAN."),
    "image": ("provisioning.image_cli:image", "Prepare SD-card images (write config to the boot partition)."),
}


class LazyGroup(click.Group):
    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted(COMMANDS)

    def get_command(self, ctx: click.Context, name: str) -> click.Command | None:
        if name not in COMMANDS:
            return None
        target, help_text = COMMANDS[name]
        module_name, attr = target.split(":")
        try:
            return getattr(importlib.import_module(module_name), attr)
        except (ImportError, AttributeError) as exc:
            @click.command(name=name, help=help_text + " [not available in this build]")
            def unavailable() -> None:
                raise click.ClickException(f"'{name}' is not available: {exc}")
            return unavailable

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        # Help text comes from the table so --help imports nothing heavy.
        with formatter.section("Commands"):
            formatter.write_dl([(n, COMMANDS[n][1]) for n in sorted(COMMANDS)])


@click.group(cls=LazyGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.option("-v", "--verbose", is_flag=True, help="Log debug messages.")
@click.version_option(package_name="classboard")
def cli(verbose: bool) -> None:
    """classboard: electronic class boards (电子班牌) and their school hub."""
    logging.basicConfig(level=logging.DEBUG if verbose else logging.INFO,
                        format="%(asctime)s %(levelname)s %(name)s: %(message)s")


def main() -> None:
    sys.exit(cli.main(prog_name="classboard", standalone_mode=True))
