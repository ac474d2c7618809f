"""Printable marker cards: one A4 sheet of cut-out cards per class.

Each card carries a large ArUco marker (DICT_4X4_1000, the roster's
``marker_id``) that a whole-class photo can find from across the room, a QR
code for close-up scans at the board, and the student's name and class so the
card finds its owner. Chinese text uses reportlab's built-in CID font, so no
font file is needed on the machine that prints.
"""
from __future__ import annotations

import io
from dataclasses import dataclass
from pathlib import Path

CARD_W_MM, CARD_H_MM = 90, 62
COLUMNS, ROWS = 2, 4


@dataclass(frozen=True)
class CardStudent:
    student_id: str
    name: str
    class_name: str
    marker_id: int


def qr_payload(student: CardStudent) -> str:
    """What the QR says: a tagged id, so a random QR code is never mistaken for a card."""
    return f"CB1:S:{student.student_id}:M:{student.marker_id}"


def parse_qr_payload(text: str) -> tuple[str, int] | None:
    """``(student_id, marker_id)`` from a card's QR text, or None for any other QR code."""
    parts = text.strip().split(":")
    if len(parts) != 5 or parts[:2] != ["CB1", "S"] or parts[3] != "M" or not parts[2] or not parts[4].isdigit():
        return None
    return parts[2], int(parts[4])


def _png_reader(png: bytes):
    from reportlab.lib.utils import ImageReader

    return ImageReader(io.BytesIO(png))


def render_cards_pdf(students: list[CardStudent], out: Path, title: str = "") -> int:
    """Write the PDF and return its page count."""
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.units import mm
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.cidfonts import UnicodeCIDFont
    from reportlab.pdfgen import canvas

    from drivers.vision.cards import marker_png, qr_png

    pdfmetrics.registerFont(UnicodeCIDFont("STSong-Light"))
    page_w, page_h = A4
    margin_x = (page_w - COLUMNS * CARD_W_MM * mm) / 2
    margin_y = (page_h - ROWS * CARD_H_MM * mm) / 2
    pdf = canvas.Canvas(str(out), pagesize=A4)
    pdf.setTitle(f"{title} 学生签到卡")
    per_page = COLUMNS * ROWS
    pages = 0
    for start in range(0, len(students), per_page):
        pages += 1
        for slot, student in enumerate(students[start:start + per_page]):
            col, row = slot % COLUMNS, slot // COLUMNS
            x = margin_x + col * CARD_W_MM * mm
            y = page_h - margin_y - (row + 1) * CARD_H_MM * mm
            pdf.setDash(3, 3)
            pdf.rect(x, y, CARD_W_MM * mm, CARD_H_MM * mm)  # cut line
            pdf.setDash()
            side = 50 * mm
            pdf.drawImage(_png_reader(marker_png(student.marker_id, 400)), x + 5 * mm, y + 6 * mm, side, side)
            pdf.drawImage(_png_reader(qr_png(qr_payload(student), 200)), x + 62 * mm, y + 6 * mm, 23 * mm, 23 * mm)
            pdf.setFont("STSong-Light", 13)
            pdf.drawString(x + 58 * mm, y + 50 * mm, student.name[:8])
            pdf.setFont("STSong-Light", 9)
            pdf.drawString(x + 58 * mm, y + 43 * mm, student.class_name[:12])
            pdf.drawString(x + 58 * mm, y + 37 * mm, f"No. {student.marker_id:03d}")
        pdf.setFont("STSong-Light", 8)
        pdf.drawString(margin_x, margin_y / 2, f"{title}  学生签到卡 · 沿虚线剪下  第 {pages} 页")
        pdf.showPage()
    pdf.save()
    return pages
